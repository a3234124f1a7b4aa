"""Change requests: the workflow's transitions and the freeze windows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from interloom.core.delivery.changes import (
    ChangeAction,
    ChangeRequest,
    ChangeState,
    ChangeWorkflowError,
    FreezeWindow,
    FreezeWindowError,
    allowed_actions,
    check_freeze,
    freeze_conflicts,
    next_state,
)

S = ChangeState
A = ChangeAction

LEGAL = [
    (S.DRAFT, A.SUBMIT, S.SUBMITTED),
    (S.SUBMITTED, A.ASSESS, S.ASSESSED),
    (S.ASSESSED, A.ASSESS, S.ASSESSED),  # re-assessed after the plan moved
    (S.SUBMITTED, A.REJECT, S.REJECTED),
    (S.ASSESSED, A.APPROVE, S.APPROVED),
    (S.ASSESSED, A.REJECT, S.REJECTED),
    (S.APPROVED, A.IMPLEMENT, S.IMPLEMENTED),
]


@pytest.mark.parametrize(("state", "action", "target"), LEGAL)
def test_legal_transitions(state: ChangeState, action: ChangeAction, target: ChangeState) -> None:
    assert next_state("CR-1", state, action) is target


ILLEGAL = [
    (state, action)
    for state in ChangeState
    for action in ChangeAction
    if (state, action) not in {(s, a) for s, a, _ in LEGAL}
]


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_every_other_transition_is_a_coded_conflict(
    state: ChangeState, action: ChangeAction
) -> None:
    with pytest.raises(ChangeWorkflowError) as caught:
        next_state("CR-1", state, action)

    error = caught.value
    assert (error.code, error.status) == ("E-CHANGE-001", 409)
    assert f"CR-1 is {state}: it cannot {action}" in error.message
    assert error.hint


def test_the_hint_lists_what_can_be_done_or_says_the_state_is_final() -> None:
    with pytest.raises(ChangeWorkflowError) as caught:
        next_state("CR-1", S.SUBMITTED, A.APPROVE)
    assert caught.value.hint == "from submitted it can: assess, reject"

    with pytest.raises(ChangeWorkflowError) as final:
        next_state("CR-1", S.REJECTED, A.SUBMIT)
    assert final.value.hint == "rejected is final: submit a new change request"
    assert allowed_actions(S.IMPLEMENTED) == []


def change(**edits: Any) -> ChangeRequest:
    return ChangeRequest.model_validate(
        {"id": "CR-1", "title": "A change", "affects": edits.pop("affects", []), "edits": edits}
    )


WINDOW = FreezeWindow.model_validate(
    {
        "start": "2027-03-15",
        "end": "2027-03-26",
        "reason": "Go-live freeze",
        "scope": ["system:erp", "flow:order-to-wms"],
    }
)
IN_WINDOW = dt.date(2027, 3, 20)
DELIVERS = {"T-5": {"flow:order-to-wms"}, "T-6": {"interface:crm.customers.get"}}


@pytest.mark.parametrize(
    ("proposed", "frozen"),
    [
        ({"affects": ["interface:erp.orders.get"]}, ["interface:erp.orders.get"]),  # its system
        ({"affects": ["flow:order-to-wms"]}, ["flow:order-to-wms"]),
        ({"durations": [{"task": "T-5", "duration": "3d"}]}, ["task:T-5"]),  # delivers the flow
        ({"remove_tasks": ["T-6"]}, []),
        ({"affects": ["system:crm"]}, []),
    ],
)
def test_a_change_is_frozen_when_it_touches_the_scope(
    proposed: dict[str, Any], frozen: list[str]
) -> None:
    conflicts = freeze_conflicts(change(**proposed), [WINDOW], IN_WINDOW, DELIVERS)

    assert [refs for _, refs in conflicts] == ([frozen] if frozen else [])


def test_a_window_without_scope_freezes_everything_and_only_inside_its_dates() -> None:
    everything = FreezeWindow(start=dt.date(2027, 3, 1), end=dt.date(2027, 3, 1), reason="Audit")
    cr = change(affects=["system:crm"])

    assert freeze_conflicts(cr, [everything], dt.date(2027, 3, 1)) == [(everything, ["system:crm"])]
    assert freeze_conflicts(cr, [everything], dt.date(2027, 3, 2)) == []
    assert freeze_conflicts(cr, [WINDOW], dt.date(2027, 3, 27)) == []


@pytest.mark.parametrize("action", [A.APPROVE, A.IMPLEMENT])
def test_approving_or_implementing_in_a_freeze_is_refused_without_an_emergency(
    action: ChangeAction,
) -> None:
    cr = change(affects=["flow:order-to-wms"])

    with pytest.raises(FreezeWindowError) as caught:
        check_freeze(cr, action, [WINDOW], IN_WINDOW)

    error = caught.value
    assert (error.code, error.status) == ("E-CHANGE-002", 409)
    assert "frozen from 2027-03-15 to 2027-03-26 (Go-live freeze)" in error.message
    assert "--emergency" in (error.hint or "")
    with pytest.raises(FreezeWindowError):
        check_freeze(cr, action, [WINDOW], IN_WINDOW, emergency_reason="   ")
    overridden = check_freeze(cr, action, [WINDOW], IN_WINDOW, emergency_reason="Outage fix")
    assert overridden == [(WINDOW, ["flow:order-to-wms"])]


@pytest.mark.parametrize("action", [A.SUBMIT, A.ASSESS, A.REJECT])
def test_other_actions_go_on_during_a_freeze(action: ChangeAction) -> None:
    assert check_freeze(change(affects=["system:erp"]), action, [WINDOW], IN_WINDOW) == []


def test_a_freeze_window_ends_after_it_starts() -> None:
    with pytest.raises(ValidationError, match="ends"):
        FreezeWindow(start=dt.date(2027, 3, 2), end=dt.date(2027, 3, 1), reason="x")


def test_touched_refs_include_the_tasks_edited_and_what_added_tasks_deliver() -> None:
    cr = change(
        affects=["interface:crm.customers.get"],
        add_tasks=[{"id": "T-9", "name": "New", "delivers": ["flow:customer-sync"]}],
        remove_tasks=["T-2"],
        add_links=[{"task": "T-3", "depends_on": "T-9"}],
    )

    assert cr.touched_refs() == {
        "interface:crm.customers.get",
        "task:T-9",
        "flow:customer-sync",
        "task:T-2",
        "task:T-3",
    }
    assert not cr.edits.empty
    assert change().edits.empty
