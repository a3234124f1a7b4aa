"""A change request's edits applied to a plan, and its impact on the schedule and cost.

Monday 4 March 2024, Standard calendar: A (2 days) then B (3 days) and C (1 day), then D
(1 day); the finish is Monday 11 at 17:00. Ann costs 100 an hour.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from interloom.core.delivery.change_impact import apply_edits, assess_change, pending_edits
from interloom.core.delivery.changes import ChangeEditError, ChangeRequest
from interloom.core.delivery.plan import Plan
from interloom.core.landscape import Edge, EdgeKind, Landscape, Node, NodeKind

PLAN = Plan.model_validate(
    {
        "project": {"name": "p", "start": "2024-03-04"},
        "resources": [{"id": "ann", "name": "Ann", "cost_per_hour": 100}],
        "tasks": [
            {"id": "A", "name": "A", "duration": "2d", "assignee": "ann"},
            {
                "id": "B",
                "name": "B",
                "duration": "3d",
                "depends_on": ["A"],
                "assignee": "ann",
                "delivers": ["interface:crm.customers.get"],
            },
            {"id": "C", "name": "C", "duration": "1d", "depends_on": ["A"]},
            {"id": "D", "name": "D", "duration": "1d", "depends_on": ["B", "C"]},
            {"id": "S", "name": "Summary"},
            {"id": "S1", "name": "Sub", "parent": "S", "duration": "1d"},
        ],
    }
)


def change(**edits: Any) -> ChangeRequest:
    affects = edits.pop("affects", [])
    return ChangeRequest.model_validate(
        {"id": "CR-7", "title": "t", "affects": affects, "edits": edits}
    )


def test_edits_add_remove_retime_and_relink_tasks() -> None:
    edited = apply_edits(
        PLAN,
        change(
            remove_tasks=["C"],
            add_tasks=[{"id": "E", "name": "E", "duration": "1d", "depends_on": ["A"]}],
            durations=[{"task": "B", "duration": "1w"}],
            add_links=[{"task": "D", "depends_on": {"task": "E", "type": "SS", "lag": "1d"}}],
            remove_links=[{"task": "D", "depends_on": "B"}],
        ),
    )
    tasks = {t.id: t for t in edited.tasks}

    assert "C" not in tasks
    assert tasks["B"].duration == "1w"
    assert [(d.task, d.type.value, d.lag) for d in tasks["D"].depends_on] == [("E", "SS", "1d")]
    assert list(tasks) == ["A", "B", "D", "S", "S1", "E"]
    assert PLAN.tasks[2].id == "C"  # the plan itself is left as it was


@pytest.mark.parametrize(
    ("edits", "path", "message"),
    [
        ({"remove_tasks": ["Z"]}, "remove_tasks[0]", "no task 'Z' to remove"),
        ({"remove_tasks": ["S"]}, "remove_tasks[0]", "summary of S1"),
        ({"add_tasks": [{"id": "A", "name": "again"}]}, "add_tasks[0].id", "already in the plan"),
        ({"durations": [{"task": "Z", "duration": 1}]}, "durations[0].task", "no task 'Z'"),
        ({"add_links": [{"task": "A", "depends_on": "Z"}]}, "add_links[0].depends_on", "'Z'"),
        ({"remove_links": [{"task": "A", "depends_on": "B"}]}, "remove_links[0]", "does not"),
    ],
)
def test_an_edit_naming_what_the_plan_lacks_is_a_located_error(
    edits: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(ChangeEditError, match=message) as caught:
        apply_edits(PLAN, change(**edits))

    assert caught.value.code == "E-CHANGE-003"
    assert caught.value.location is not None
    assert caught.value.location.path == f"change_requests[CR-7].edits.{path}"


def test_impact_on_finish_cost_critical_path_and_landscape() -> None:
    landscape = Landscape(
        project="p",
        nodes=[
            Node(id="system:crm", kind=NodeKind.SYSTEM, name="CRM"),
            Node(
                id="interface:crm.customers.get", kind=NodeKind.INTERFACE, name="Get", system="crm"
            ),
            Node(id="flow:sync", kind=NodeKind.FLOW, name="Sync"),
            Node(id="system:shop", kind=NodeKind.SYSTEM, name="Shop"),
        ],
        edges=[
            Edge(source="system:crm", target="interface:crm.customers.get", kind=EdgeKind.PROVIDES),
            Edge(source="flow:sync", target="interface:crm.customers.get", kind=EdgeKind.WRITES),
            Edge(
                source="system:shop", target="interface:crm.customers.get", kind=EdgeKind.CONSUMES
            ),
        ],
    )
    cr = change(durations=[{"task": "B", "duration": "5d"}], cost=250, effort_hours=4)

    impact = assess_change(PLAN, cr, status_date=dt.date(2024, 3, 4), landscape=landscape)

    # Nothing has started by the end of Monday 4: A runs Tuesday–Wednesday and B from
    # Thursday; two more days of B move B, D and the finish by two working days.
    assert impact.finish_delta_days == 2
    assert [(m.id, m.finish_shift_days) for m in impact.moved_tasks] == [("B", 2), ("D", 2)]
    assert impact.cost_delta == 2 * 8 * 100 + 250
    assert impact.effort_delta_hours == 16 + 4
    assert impact.critical_added == impact.critical_removed == []
    assert impact.refs == ["interface:crm.customers.get", "task:B"]
    assert impact.interfaces == ["interface:crm.customers.get"]
    assert impact.flows == ["flow:sync"]
    assert impact.consumers == ["flow:sync", "system:shop"]  # in landscape order


def test_shortening_a_critical_task_moves_the_critical_path() -> None:
    impact = assess_change(PLAN, change(durations=[{"task": "B", "duration": "4h"}]))

    assert impact.finish_delta_days < 0
    assert impact.critical_removed == ["B"]
    assert impact.critical_added == ["C"]


def test_pending_edits_are_those_the_plan_files_do_not_show() -> None:
    cr = change(
        add_tasks=[{"id": "E", "name": "E"}, {"id": "A", "name": "A"}],
        remove_tasks=["C"],
        durations=[{"task": "B", "duration": "3d"}, {"task": "D", "duration": "2d"}],
        add_links=[{"task": "D", "depends_on": "A"}, {"task": "D", "depends_on": "B"}],
        remove_links=[{"task": "D", "depends_on": "C"}],
    )

    assert pending_edits(PLAN, cr) == [
        "add task E",
        "remove task C",
        "set the duration of D to 2d",
        "link A → D",
        "unlink C → D",
    ]
