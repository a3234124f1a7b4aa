"""Baselines: a snapshot of the schedule, and the variance of the schedule against it.

January 2027: Monday 4 is the start; a day (d) is 480 working minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from interloom.core.delivery.baselines import VarianceState, compare_to_baseline, take_baseline
from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_schedule import TaskUpdate, schedule_plan

SAVED = dt.datetime(2027, 1, 4, 7, tzinfo=dt.UTC)


def plan(*tasks: dict[str, Any]) -> Plan:
    return Plan.model_validate(
        {
            "project": {"name": "P", "start": "2027-01-04"},
            "resources": [{"id": "dev", "name": "Dev", "cost_per_hour": 50}],
            "tasks": list(tasks),
        }
    )


BASE = plan(
    {"id": "A", "name": "A", "duration": "2d", "assignee": "dev"},
    {"id": "B", "name": "B", "duration": "3d", "depends_on": ["A"], "assignee": "dev"},
    {"id": "C", "name": "C", "duration": "1d"},
)


def test_a_baseline_keeps_every_tasks_dates_duration_and_cost() -> None:
    schedule = schedule_plan(BASE)

    baseline = take_baseline(schedule, "approved", SAVED)

    assert baseline.name == "approved"
    assert set(baseline.tasks) == {"A", "B", "C"}
    b = baseline.tasks["B"]
    assert (b.start, b.finish) == (dt.datetime(2027, 1, 6, 8), dt.datetime(2027, 1, 8, 17))
    assert (b.duration_minutes, b.cost) == (3 * 480, 3 * 8 * 50)


def test_the_unchanged_plan_has_no_variance() -> None:
    schedule = schedule_plan(BASE)

    comparison = compare_to_baseline(schedule, take_baseline(schedule, "x", SAVED))

    assert comparison.slipped == ()
    assert comparison.finish_variance_days == 0
    assert all(t.finish_variance_days == 0 for t in comparison.tasks)


def test_a_slip_shows_in_working_days_and_moves_its_successors() -> None:
    baseline = take_baseline(schedule_plan(BASE), "approved", SAVED)
    late = TaskUpdate(task="A", at=SAVED, actual_start=dt.date(2027, 1, 4), remaining_duration="3d")

    comparison = compare_to_baseline(
        schedule_plan(BASE, status_date=dt.date(2027, 1, 4), updates=[late]), baseline
    )

    rows = {t.id: t for t in comparison.tasks}
    # A started on time, did nothing on its first day and has three days left from the status
    # date: three days of work instead of two, finishing two days late.
    assert rows["A"].start_variance_days == 0
    assert rows["A"].finish_variance_days == 2
    assert rows["A"].duration_variance_days == 1
    assert rows["B"].start_variance_days == 2
    assert rows["B"].finish_variance_days == 2
    # C has not started at the end of the status date: it can start the next day at the earliest.
    assert rows["C"].finish_variance_days == 1
    assert comparison.slipped == ("A", "B", "C")
    assert comparison.finish_variance_days == 2
    assert comparison.project_finish == dt.datetime(2027, 1, 12, 17)


def test_added_and_removed_tasks_are_listed_with_their_cost() -> None:
    baseline = take_baseline(schedule_plan(BASE), "approved", SAVED)
    changed = plan(
        {"id": "A", "name": "A", "duration": "2d", "assignee": "dev"},
        {"id": "D", "name": "D", "duration": "1d", "assignee": "dev"},
    )

    comparison = compare_to_baseline(schedule_plan(changed), baseline)

    states = {t.id: (t.state, t.cost_variance) for t in comparison.tasks}
    assert states == {
        "A": (VarianceState.KEPT, 0),
        "D": (VarianceState.ADDED, 400),
        "B": (VarianceState.REMOVED, -1200),
        "C": (VarianceState.REMOVED, 0),
    }
