"""Sprints on the calendar, burndown and burnup from the progress history, and velocity.

March 2024 on the Standard calendar: Monday 4 is the project start; Friday 8 is a holiday in
the cases that say so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from interloom.core.delivery.calendar import Calendar, WorkingTime
from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_progress import TaskUpdate
from interloom.core.delivery.progress import task_histories
from interloom.core.delivery.sprints import (
    Measure,
    Sprint,
    SprintState,
    backlog,
    find_window,
    plan_measure,
    sprint_report,
    sprint_tasks,
    sprint_windows,
    velocity,
)
from interloom.core.errors import NotFoundError

START = dt.date(2024, 3, 4)
TIME = WorkingTime(Calendar(), origin=START)


def plan(tasks: list[dict[str, Any]], sprints: list[dict[str, Any]] | None = None) -> Plan:
    return Plan.model_validate(
        {
            "project": {"name": "p", "start": START.isoformat()},
            "tasks": tasks,
            "sprints": sprints or [],
        }
    )


def update(task: str, day: int, hour: int, **fields: Any) -> TaskUpdate:
    return TaskUpdate(task=task, at=dt.datetime(2024, 3, day, hour), **fields)


def test_sprints_follow_each_other_on_working_days() -> None:
    sprints = [Sprint(id="S-1"), Sprint(id="S-2", length="1w"), Sprint(id="S-3", length="3d")]

    windows = sprint_windows(sprints, START, TIME)

    assert [(w.start, w.finish, len(w.days)) for w in windows] == [
        (dt.date(2024, 3, 4), dt.date(2024, 3, 15), 10),
        (dt.date(2024, 3, 18), dt.date(2024, 3, 22), 5),
        (dt.date(2024, 3, 25), dt.date(2024, 3, 27), 3),
    ]
    assert [w.name for w in windows] == ["Sprint 1", "Sprint 2", "Sprint 3"]


def test_a_holiday_lengthens_a_sprint_and_a_weekend_start_moves_to_monday() -> None:
    time = WorkingTime(Calendar(holidays=(dt.date(2024, 3, 8),)), origin=START)
    sprints = [Sprint(id="S-1"), Sprint(id="S-2", start=dt.date(2024, 3, 23), length="2d")]

    first, second = sprint_windows(sprints, START, time)

    assert dt.date(2024, 3, 8) not in first.days
    assert (first.finish, len(first.days)) == (dt.date(2024, 3, 18), 10)
    assert (second.start, second.finish) == (dt.date(2024, 3, 25), dt.date(2024, 3, 26))


@pytest.mark.parametrize("length", ["50%", "-1w", "0d"])
def test_a_sprint_lasts_a_positive_working_time(length: str) -> None:
    with pytest.raises(ValidationError, match="positive working time"):
        Sprint(id="S-1", length=length)


def test_unknown_sprint_names_the_known_ones() -> None:
    windows = sprint_windows([Sprint(id="S-1")], START, TIME)

    with pytest.raises(NotFoundError, match="no sprint 'S-9'") as caught:
        find_window(windows, "S-9")
    assert caught.value.hint == "sprints of the plan: S-1"


def test_sprint_state_at_the_status_date() -> None:
    window = sprint_windows([Sprint(id="S-1", length="1w")], START, TIME)[0]

    assert window.state(dt.datetime(2024, 3, 3, 12)) is SprintState.PLANNED
    assert window.state(dt.datetime(2024, 3, 8, 16)) is SprintState.ACTIVE
    assert window.state(dt.datetime(2024, 3, 9)) is SprintState.CLOSED


# A one-week sprint with A (16 h), B (8 h) and C (16 h, effort 8 h); D is in the backlog.
TASKS = [
    {"id": "A", "name": "A", "duration": "2d", "sprint": "S-1"},
    {"id": "B", "name": "B", "duration": "1d", "depends_on": ["A"], "sprint": "S-1"},
    {"id": "C", "name": "C", "duration": "2d", "effort_hours": 8},
    {"id": "D", "name": "D", "duration": "1d"},
]
SPRINTS = [{"id": "S-1", "length": "1w", "tasks": ["C"]}]
UPDATES = [
    update("A", 5, 12, percent_complete=50),  # Tuesday noon
    update("A", 6, 10, status="done"),  # Wednesday
    update("C", 6, 17, percent_complete=25),
    update("B", 8, 11, percent_complete=100),  # Friday
]


def report(status: dt.datetime, measure: Measure = Measure.HOURS) -> Any:
    p = plan(TASKS, SPRINTS)
    window = sprint_windows(p.sprints, START, TIME)[0]
    histories = task_histories(p, UPDATES, status_date=status)
    tasks = sprint_tasks(p, measure, sprints=p.sprints)
    return sprint_report(window, tasks, histories, measure=measure, status_date=status)


def test_scope_is_the_tasks_naming_the_sprint_and_those_it_lists() -> None:
    result = report(dt.datetime(2024, 3, 8, 18))

    assert [i.id for i in result.items] == ["A", "B", "C"]
    assert result.scope == 32  # 16 + 8 + 8 hours


def test_burndown_in_hours_burns_percent_complete_day_by_day() -> None:
    result = report(dt.datetime(2024, 3, 9))  # the status date Friday 8, to its end

    # Start 32; Mon 32; Tue 24 (A half); Wed 14 (A done, C 25 %); Thu 14; Fri 6 (B done).
    assert [d.remaining for d in result.days] == [32, 32, 24, 14, 14, 6]
    assert [d.ideal for d in result.days] == [32, 25.6, 19.2, 12.8, 6.4, 0]
    assert [d.done for d in result.days] == [0, 0, 8, 18, 18, 26]
    assert result.days[0].label == "start"
    assert (result.completed, result.remaining) == (26, 6)
    assert result.state is SprintState.CLOSED
    assert [i.done for i in result.items] == [True, True, False]


def test_days_after_the_status_date_have_no_actuals() -> None:
    result = report(dt.datetime(2024, 3, 6, 12))

    # Wednesday shows what is known at noon: A done, C's update comes at 17:00.
    assert [d.remaining for d in result.days] == [32, 32, 24, 16, None, None]
    assert result.state is SprintState.ACTIVE


def test_story_points_count_only_complete_tasks() -> None:
    tasks = [dict(t, story_points=p) for t, p in zip(TASKS, [5, 3, 2, 8], strict=True)]
    p = plan(tasks, SPRINTS)
    assert plan_measure(p) is Measure.POINTS
    window = sprint_windows(p.sprints, START, TIME)[0]
    status = dt.datetime(2024, 3, 8, 18)
    histories = task_histories(p, UPDATES, status_date=status)

    result = sprint_report(
        window,
        sprint_tasks(p, Measure.POINTS, sprints=p.sprints),
        histories,
        measure=Measure.POINTS,
        status_date=status,
    )

    assert result.scope == 10
    assert [d.remaining for d in result.days] == [10, 10, 10, 5, 5, 2]  # C at 25 % counts 0


def test_velocity_averages_the_last_three_closed_sprints() -> None:
    tasks = [
        {"id": f"T-{n}", "name": f"T-{n}", "duration": "1d", "story_points": n, "sprint": s}
        for n, s in [(1, "S-1"), (2, "S-2"), (3, "S-3"), (4, "S-4"), (5, "S-5"), (6, None)]
    ]
    sprints = [{"id": f"S-{n}", "length": "1w"} for n in range(1, 6)]
    p = plan(tasks, sprints)
    windows = sprint_windows(p.sprints, START, TIME)
    # Each task done on the Wednesday of its sprint, except T-3 (done a sprint late) and T-5.
    updates = [
        update("T-1", 6, 12, status="done"),
        update("T-2", 13, 12, status="done"),
        update("T-3", 27, 12, status="done"),
        update("T-4", 27, 12, status="done"),
    ]
    status = dt.datetime(2024, 3, 30)  # S-4 closed on Friday 29; S-5 is still planned
    histories = task_histories(p, updates, status_date=status)

    result = velocity(
        windows,
        sprint_tasks(p, Measure.POINTS),
        histories,
        measure=Measure.POINTS,
        status_date=status,
    )

    assert [(s.sprint, s.committed, s.completed) for s in result.sprints] == [
        ("S-1", 1, 1),
        ("S-2", 2, 2),
        ("S-3", 3, 0),
        ("S-4", 4, 4),
    ]
    assert result.average == 2  # (2 + 0 + 4) / 3
    assert result.open_work == 11  # T-5 and the backlog's T-6
    assert result.backlog == 6
    assert result.sprints_to_finish == 6  # 11 / 2, rounded up
    assert [t.id for t in backlog(sprint_tasks(p, Measure.POINTS))] == ["T-6"]
