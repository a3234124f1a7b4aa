"""Change requests through their audited workflow, with impact analysis and freeze windows.

The small project: T-1 (done) then T-2 (5 days) and T-3 (3 days), then T-4 (2 days) and the
go-live M-1 on Thursday 14 January 2027 at 17:00. CR-1 adds T-5 (2 days, Bob at 50/h) between
T-2 and T-4 and costs 300 more; CR-2 shortens T-3 (Ann at 100/h) from 3 days to 1. A freeze
on flow:order-sync runs from 14 to 20 January.
"""

from __future__ import annotations

import datetime as dt

import pytest

from interloom.core.delivery.changes import (
    ChangeAction,
    ChangeState,
    ChangeWorkflowError,
    FreezeWindowError,
)
from interloom.core.errors import NotFoundError
from interloom.services import change_control
from interloom.services.audit_trail import list_audit
from interloom.services.change_control import TransitionRequest
from interloom.services.workspace import Workspace

BEFORE_FREEZE = dt.date(2027, 1, 11)
IN_FREEZE = dt.date(2027, 1, 15)


async def act(
    workspace: Workspace,
    change: str,
    action: ChangeAction,
    *,
    today: dt.date = BEFORE_FREEZE,
    **request: str,
) -> change_control.ChangeView:
    return await change_control.transition_change(
        workspace,
        change,
        action,
        actor="carla",
        request=TransitionRequest.model_validate(request),
        today=today,
    )


async def test_change_requests_start_as_drafts(workspace: Workspace) -> None:
    changes = await change_control.list_changes(workspace)

    assert [(c.id, c.state) for c in changes] == [
        ("CR-1", ChangeState.DRAFT),
        ("CR-2", ChangeState.DRAFT),
    ]
    assert changes[0].next_actions == [ChangeAction.SUBMIT]
    assert changes[0].assessment is None


async def test_impact_of_a_task_added_on_the_critical_path(workspace: Workspace) -> None:
    impact = await change_control.analyse_change(workspace, "CR-1")

    assert impact.finish_before == dt.datetime(2027, 1, 14, 17)
    assert impact.finish_after == dt.datetime(2027, 1, 18, 17)  # T-5 Wed–Thu, T-4 Fri–Mon
    assert impact.finish_delta_days == 2
    assert impact.critical_added == ["T-5"]
    assert impact.critical_removed == []
    assert [(m.id, m.finish_shift_days) for m in impact.moved_tasks] == [("T-4", 2)]
    assert [(m.id, m.finish_after) for m in impact.milestones] == [
        ("M-1", dt.datetime(2027, 1, 18, 17))
    ]
    assert impact.added_tasks == ["T-5"]
    assert impact.cost_delta == 1_100  # 2 days × 8 h × 50 + 300
    assert impact.effort_delta_hours == 16
    assert impact.interfaces == ["interface:crm.customers.update", "interface:shop.orders.created"]
    assert impact.flows == ["flow:order-sync"]
    assert impact.consumers == ["flow:order-sync"]


async def test_impact_of_a_shorter_task_off_the_critical_path(workspace: Workspace) -> None:
    impact = await change_control.analyse_change(workspace, "CR-2")

    assert impact.finish_delta_days == 0
    assert impact.cost_delta == -1_600  # 2 days × 8 h × 100 less
    assert [(m.id, m.finish_after) for m in impact.moved_tasks] == [
        ("T-3", dt.datetime(2027, 1, 6, 17))
    ]
    assert impact.critical_added == impact.critical_removed == []


async def test_the_whole_workflow_is_recorded_and_audited(workspace: Workspace) -> None:
    submitted = await act(workspace, "CR-1", ChangeAction.SUBMIT, note="Needed for peak")
    assessed = await act(workspace, "CR-1", ChangeAction.ASSESS)
    approved = await act(workspace, "CR-1", ChangeAction.APPROVE)
    implemented = await act(workspace, "CR-1", ChangeAction.IMPLEMENT)

    assert [v.state for v in (submitted, assessed, approved, implemented)] == [
        ChangeState.SUBMITTED,
        ChangeState.ASSESSED,
        ChangeState.APPROVED,
        ChangeState.IMPLEMENTED,
    ]
    assert assessed.assessment is not None
    assert assessed.assessment.finish_delta_days == 2
    stored = await change_control.get_change(workspace, "CR-1")
    assert stored.state is ChangeState.IMPLEMENTED
    assert stored.updated_by == "carla"
    assert stored.assessment == assessed.assessment  # kept through later transitions
    assert stored.next_actions == []
    audit = (await list_audit(workspace, entity="change:CR-1")).items
    assert [e.action for e in reversed(audit)] == [
        "change.submit",
        "change.assess",
        "change.approve",
        "change.implement",
    ]
    assert audit[-1].before == {"state": "draft"}
    assert audit[-1].after == {"state": "submitted", "note": "Needed for peak"}
    assert audit[-2].after["finish_delta_days"] == 2
    # The plan files do not show the change yet: implementing says what is left to edit.
    assert audit[0].after["pending_edits"] == ["add task T-5", "link T-5 → T-4"]
    assert await change_control.pending_change_edits(workspace, "CR-1") == [
        "add task T-5",
        "link T-5 → T-4",
    ]


async def test_an_illegal_transition_is_a_coded_conflict_and_changes_nothing(
    workspace: Workspace,
) -> None:
    with pytest.raises(ChangeWorkflowError) as caught:
        await act(workspace, "CR-2", ChangeAction.APPROVE)

    assert caught.value.code == "E-CHANGE-001"
    assert caught.value.hint == "from draft it can: submit"
    assert (await change_control.get_change(workspace, "CR-2")).state is ChangeState.DRAFT
    assert (await list_audit(workspace, entity="change:CR-2")).total == 0


async def test_a_freeze_refuses_approval_unless_an_emergency_says_why(
    workspace: Workspace,
) -> None:
    await act(workspace, "CR-1", ChangeAction.SUBMIT)
    await act(workspace, "CR-1", ChangeAction.ASSESS)

    with pytest.raises(FreezeWindowError) as caught:
        await act(workspace, "CR-1", ChangeAction.APPROVE, today=IN_FREEZE)
    assert caught.value.code == "E-CHANGE-002"
    assert "flow:order-sync" in caught.value.message
    assert (await change_control.get_change(workspace, "CR-1")).state is ChangeState.ASSESSED

    approved = await act(
        workspace, "CR-1", ChangeAction.APPROVE, today=IN_FREEZE, emergency_reason="Peak fix"
    )

    assert approved.state is ChangeState.APPROVED
    assert approved.emergency_reason == "Peak fix"
    entry = (await list_audit(workspace, entity="change:CR-1")).items[0]
    assert entry.after["emergency_reason"] == "Peak fix"
    assert entry.after["frozen"] == [
        {"start": "2027-01-14", "end": "2027-01-20", "refs": ["flow:order-sync"]}
    ]


async def test_a_change_outside_the_frozen_scope_is_approved_during_the_freeze(
    workspace: Workspace,
) -> None:
    for action in (ChangeAction.SUBMIT, ChangeAction.ASSESS):
        await act(workspace, "CR-2", action)

    approved = await act(workspace, "CR-2", ChangeAction.APPROVE, today=IN_FREEZE)

    assert approved.state is ChangeState.APPROVED
    assert approved.emergency_reason is None


async def test_rejecting_records_why_and_ends_the_workflow(workspace: Workspace) -> None:
    await act(workspace, "CR-2", ChangeAction.SUBMIT)

    rejected = await act(workspace, "CR-2", ChangeAction.REJECT, note="Not worth it")

    assert (rejected.state, rejected.note) == (ChangeState.REJECTED, "Not worth it")
    with pytest.raises(ChangeWorkflowError, match="rejected"):
        await act(workspace, "CR-2", ChangeAction.SUBMIT)


async def test_an_unknown_change_request_names_the_closest(workspace: Workspace) -> None:
    with pytest.raises(NotFoundError) as caught:
        await change_control.get_change(workspace, "CR-11")

    assert caught.value.hint == "did you mean 'CR-1'?"
