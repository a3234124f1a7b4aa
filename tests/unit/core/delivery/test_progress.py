"""Each task's progress over time, from the plan's own values and the recorded updates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_progress import TaskUpdate
from interloom.core.delivery.progress import task_histories

STATUS = dt.datetime(2027, 1, 9)  # the end of Friday 8 January


def plan(*tasks: dict[str, Any]) -> Plan:
    return Plan.model_validate({"tasks": [{"name": t["id"], **t} for t in tasks]})


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2027, 1, day, hour)


def test_without_updates_the_plan_files_values_hold_at_the_status_date() -> None:
    histories = task_histories(
        plan(
            {"id": "A", "actual_start": "2027-01-04", "actual_finish": "2027-01-05"},
            {"id": "B", "percent_complete": 40, "status": "blocked"},
            {"id": "C", "percent_complete": 100},
            {"id": "D"},
        ),
        status_date=STATUS,
        scheduled_finish={"C": at(6, 17)},
    )

    a, b, c, d = (histories[i] for i in "ABCD")
    assert (a.started_at, a.finished_at) == (dt.datetime(2027, 1, 4), dt.datetime(2027, 1, 6))
    assert a.percent_at(at(5)) == 0
    assert a.percent_at(at(6)) == 100
    assert b.percent_at(STATUS) == 40
    assert b.percent_at(at(8)) == 0
    assert b.status_at(STATUS) == "blocked"
    assert c.finished_at == at(6, 17)  # its scheduled finish, as no actual one is known
    assert d.points == ()
    assert d.percent_at(STATUS) == 0
    assert d.started_at is None


def test_updates_are_the_history_in_the_order_they_were_made() -> None:
    updates = [
        TaskUpdate(task="A", at=at(6), percent_complete=60, note="half way", author="ann"),
        TaskUpdate(task="A", at=at(5), actual_start="2027-01-05", percent_complete=20),
        TaskUpdate(task="A", at=at(7), status="blocked"),
        TaskUpdate(task="A", at=at(8), status="done"),
        TaskUpdate(task="B", at=at(6), percent_complete=100),
    ]

    histories = task_histories(
        plan({"id": "A", "percent_complete": 90}, {"id": "B"}), updates, status_date=STATUS
    )

    a, b = histories["A"], histories["B"]
    assert [p.percent for p in a.points] == [20, 60, None, 100]
    assert a.started_at == dt.datetime(2027, 1, 5)
    assert a.finished_at == at(8)
    assert a.percent_at(at(5, 18)) == 20  # the file's 90 % is no longer what counts
    assert a.percent_at(at(7, 18)) == 60
    assert a.status_at(at(7, 18)) == "blocked"
    assert a.status_at(at(8)) == "done"
    assert [p.note for p in a.between(at(6), at(7))] == ["half way"]
    assert b.finished_at == at(6)
    assert b.started_at == at(6)
