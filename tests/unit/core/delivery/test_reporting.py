"""What the stand-up and the weekly report say, from a scheduled plan and task histories.

Monday 4 January 2027, Standard calendar: A (ann, 2 days) then B (bob, 3 days) to milestone
M-1 (target Friday 8); C (ann, 1 day) after A, off the critical path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from interloom.core.catalog import Lifecycle
from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_progress import TaskUpdate
from interloom.core.delivery.plan_schedule import PlanSchedule, schedule_plan
from interloom.core.delivery.progress import task_histories
from interloom.core.delivery.reporting import (
    MilestoneState,
    critical_path_change,
    interface_readiness,
    milestone_forecasts,
    previous_working_day,
    standup_digest,
    week_of,
    week_work,
)


def plan(target: str = "2027-01-08", **extra: Any) -> Plan:
    return Plan.model_validate(
        {
            "project": {"name": "p", "start": "2027-01-04"},
            "milestones": [{"id": "M-1", "name": "Live", "date": target}],
            "tasks": [
                {
                    "id": "A",
                    "name": "A",
                    "duration": "2d",
                    "assignee": "ann",
                    "delivers": ["interface:crm.customers.get"],
                },
                {
                    "id": "B",
                    "name": "B",
                    "duration": "3d",
                    "assignee": "bob",
                    "depends_on": ["A"],
                    "milestone": "M-1",
                    "delivers": ["interface:crm.customers.update"],
                },
                {"id": "C", "name": "C", "duration": "1d", "assignee": "ann", "depends_on": ["A"]},
            ],
            **extra,
        }
    )


def schedule(source: Plan, day: int, updates: list[TaskUpdate]) -> PlanSchedule:
    return schedule_plan(source, status_date=dt.date(2027, 1, day), updates=updates)


UPDATES = [
    TaskUpdate(
        task="A",
        at=dt.datetime(2027, 1, 5, 17),
        actual_start="2027-01-04",
        actual_finish="2027-01-05",
        note="contract signed",
    ),
    TaskUpdate(
        task="B", at=dt.datetime(2027, 1, 6, 10), actual_start="2027-01-06", status="blocked"
    ),
]


def test_standup_per_person() -> None:
    source = plan()
    result = schedule(source, 5, UPDATES)  # progress up to yesterday places today's work
    histories = task_histories(source, UPDATES, status_date=dt.datetime(2027, 1, 7))

    digest = standup_digest(result, histories, dt.date(2027, 1, 6))

    assert digest.since == dt.datetime(2027, 1, 5)
    people = {p.person: p for p in digest.people}
    assert [e.task for e in people["ann"].done] == ["A"]
    assert people["ann"].done[0].note == "contract signed"
    assert [e.task for e in people["ann"].due_today] == ["C"]  # Wednesday 6, 1 day
    assert [e.task for e in people["bob"].blocked] == ["B"]
    assert people["bob"].in_progress == []  # blocked work is not also "in progress"


def test_previous_working_day_skips_the_weekend() -> None:
    result = schedule(plan(), 4, [])

    assert previous_working_day(result.working_time(), dt.date(2027, 1, 11)) == dt.date(2027, 1, 8)
    assert previous_working_day(result.working_time(), dt.date(2027, 1, 6)) == dt.date(2027, 1, 5)


def test_milestone_states_against_their_target() -> None:
    on_time = milestone_forecasts(schedule(plan("2027-01-15"), 4, []))
    tight = milestone_forecasts(schedule(plan("2027-01-11"), 4, []))
    late = milestone_forecasts(schedule(plan("2027-01-06"), 4, []))
    done_updates = [
        *UPDATES,
        TaskUpdate(task="B", at=dt.datetime(2027, 1, 8, 16), actual_finish="2027-01-08"),
    ]
    reached = milestone_forecasts(schedule(plan(), 8, done_updates))

    # Nothing started by Monday 4's end: B ends Monday 11 at 17:00.
    assert [(m.state, m.slip_days) for m in on_time] == [(MilestoneState.ON_TRACK, -4)]
    assert [(m.state, m.slip_days) for m in tight] == [(MilestoneState.AT_RISK, 0)]
    assert [(m.state, m.slip_days) for m in late] == [(MilestoneState.LATE, 3)]
    assert [(m.state, m.forecast) for m in reached] == [
        (MilestoneState.DONE, dt.datetime(2027, 1, 9))
    ]


def test_critical_path_change_between_two_schedules() -> None:
    before = schedule(plan(), 4, [])
    after = schedule(
        plan(), 4, [TaskUpdate(task="C", at=dt.datetime(2027, 1, 4), remaining_duration="6d")]
    )

    change = critical_path_change(after, before)

    assert change.added == ["C"]
    assert change.removed == ["B", "M-1"]
    assert critical_path_change(after, None).added == []


def test_interface_readiness_puts_what_is_not_ready_first() -> None:
    result = schedule(plan(), 4, [])

    found = interface_readiness(
        result,
        {
            "interface:crm.customers.get": Lifecycle.PUBLISHED,
            "interface:crm.customers.update": Lifecycle.MOCKED,
        },
        {"interface:crm.customers.update": "Update a customer"},
    )

    assert [(i.ref, i.ready, i.name) for i in found] == [
        ("interface:crm.customers.update", False, "Update a customer"),
        ("interface:crm.customers.get", True, "interface:crm.customers.get"),
    ]
    assert found[0].needed_by == dt.datetime(2027, 1, 7, 8)


def test_the_week_and_its_work() -> None:
    source = plan()
    result = schedule(source, 6, UPDATES)
    histories = task_histories(source, UPDATES, status_date=dt.datetime(2027, 1, 7))

    assert week_of(dt.date(2027, 1, 6)) == (dt.date(2027, 1, 4), dt.date(2027, 1, 10))
    completed, starting = week_work(result, histories, dt.date(2027, 1, 4))
    assert [w.id for w in completed] == ["A"]
    assert starting == []
    _, next_week = week_work(schedule(source, 4, []), {}, dt.date(2026, 12, 28))
    assert [w.id for w in next_week] == ["A", "B", "C"]
