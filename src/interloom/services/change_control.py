"""Change control: change requests from the plan files, their workflow and impact analysis.

A change request is declared in a plan file; its state is a record, ``draft`` until it is
submitted. Assessing it schedules the plan with and without it and keeps that impact analysis
with the request; approving or implementing it is refused during a freeze window it touches
unless an emergency reason is given. Every transition is audited with its actor.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.delivery.change_impact import ChangeImpact, assess_change, pending_edits
from interloom.core.delivery.changes import (
    ChangeAction,
    ChangeRequest,
    ChangeState,
    ProposedEdits,
    allowed_actions,
    check_freeze,
    next_state,
)
from interloom.core.errors import NotFoundError
from interloom.core.landscape import build_landscape
from interloom.core.suggestions import did_you_mean
from interloom.services.plan import plan_files
from interloom.services.plan_management import (
    default_status_date,
    plan_sections,
    task_updates,
)
from interloom.services.risk_signals import current_lifecycles
from interloom.services.workspace import Workspace
from interloom.storage import change_records
from interloom.storage.audit import add_audit_entry


class ChangeView(BaseModel):
    """A change request with its workflow state and, once assessed, its impact."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    description: str | None
    reason: str | None
    requester: str | None
    raised: dt.date | None
    affects: list[str]
    edits: ProposedEdits
    state: ChangeState
    updated_at: dt.datetime | None
    updated_by: str | None
    note: str | None
    emergency_reason: str | None
    next_actions: list[ChangeAction] = Field(description="What can be done to it now.")
    assessment: ChangeImpact | None = Field(description="The impact when it was assessed.")


class TransitionRequest(BaseModel):
    """A workflow action on a change request."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=4000)
    emergency_reason: str | None = Field(
        default=None,
        max_length=4000,
        description="Approve or implement during a freeze that the change touches (audited).",
    )


def _find(workspace: Workspace, change_id: str) -> ChangeRequest:
    changes = plan_sections(workspace.project).change_requests
    for change in changes:
        if change.id == change_id:
            return change
    known = [c.id for c in changes]
    raise NotFoundError(
        f"no change request '{change_id}'",
        hint=did_you_mean(change_id, known)
        or ("declare it under change_requests: in a plan file" if not known else None),
    )


def _view(change: ChangeRequest, stored: change_records.StoredChangeState | None) -> ChangeView:
    state = ChangeState(stored.state) if stored is not None else ChangeState.DRAFT
    assessment = (
        ChangeImpact.model_validate(stored.assessment)
        if stored is not None and stored.assessment is not None
        else None
    )
    return ChangeView(
        id=change.id,
        title=change.title,
        description=change.description,
        reason=change.reason,
        requester=change.requester,
        raised=change.raised,
        affects=list(change.affects),
        edits=change.edits,
        state=state,
        updated_at=None if stored is None else stored.updated_at,
        updated_by=None if stored is None else stored.updated_by,
        note=None if stored is None else stored.note,
        emergency_reason=None if stored is None else stored.emergency_reason,
        next_actions=allowed_actions(state),
        assessment=assessment,
    )


async def list_changes(
    workspace: Workspace, *, state: ChangeState | None = None
) -> list[ChangeView]:
    """Every change request of the plan files, with its state."""
    async with workspace.database.session() as session:
        stored = {s.change_id: s for s in await change_records.list_change_states(session)}
    views = [_view(c, stored.get(c.id)) for c in plan_sections(workspace.project).change_requests]
    return [v for v in views if state is None or v.state is state]


async def get_change(workspace: Workspace, change_id: str) -> ChangeView:
    """One change request with its state and assessment."""
    change = _find(workspace, change_id)
    async with workspace.database.session() as session:
        stored = await change_records.get_change_state(session, change_id)
    return _view(change, stored)


async def analyse_change(
    workspace: Workspace, change_id: str, *, status_date: dt.date | None = None
) -> ChangeImpact:
    """The change's impact now: the plan scheduled with and without it (nothing recorded)."""
    change = _find(workspace, change_id)
    files = plan_files(workspace.project)
    landscape = build_landscape(workspace.project, await current_lifecycles(workspace))
    return assess_change(
        files.plan,
        change,
        status_date=default_status_date(files.plan, status_date),
        updates=await task_updates(workspace),
        landscape=landscape,
    )


async def transition_change(
    workspace: Workspace,
    change_id: str,
    action: ChangeAction,
    *,
    actor: str,
    request: TransitionRequest | None = None,
    today: dt.date | None = None,
) -> ChangeView:
    """Take the change request through ``action`` (audited).

    Illegal transitions raise ``ChangeWorkflowError`` (E-CHANGE-001); approving or
    implementing during a freeze it touches raises ``FreezeWindowError`` (E-CHANGE-002)
    unless ``emergency_reason`` is given. Assessing stores the impact analysis.
    """
    request = request or TransitionRequest()
    change = _find(workspace, change_id)
    sections = plan_sections(workspace.project)
    files = plan_files(workspace.project)
    delivers = {t.id: set(t.delivers) for t in files.plan.tasks}
    day = today or dt.date.today()
    impact = await analyse_change(workspace, change_id) if action is ChangeAction.ASSESS else None
    pending = pending_edits(files.plan, change) if action is ChangeAction.IMPLEMENT else []
    async with workspace.database.transaction() as session:
        stored = await change_records.get_change_state(session, change_id, for_update=True)
        current = ChangeState(stored.state) if stored is not None else ChangeState.DRAFT
        target = next_state(change_id, current, action)
        overridden = check_freeze(
            change,
            action,
            sections.freeze_windows,
            day,
            delivers=delivers,
            emergency_reason=request.emergency_reason,
        )
        emergency = request.emergency_reason if overridden else None
        written = await change_records.put_change_state(
            session,
            change_id,
            state=target.value,
            actor=actor,
            at=dt.datetime.now(dt.UTC),
            assessment=None if impact is None else impact.model_dump(mode="json"),
            note=request.note,
            emergency_reason=emergency,
        )
        after: dict[str, object] = {"state": target.value}
        if request.note:
            after["note"] = request.note
        if impact is not None:
            after["finish_delta_days"] = impact.finish_delta_days
            after["cost_delta"] = impact.cost_delta
        if overridden:
            after["emergency_reason"] = emergency
            after["frozen"] = [
                {"start": w.start.isoformat(), "end": w.end.isoformat(), "refs": refs}
                for w, refs in overridden
            ]
        if pending:
            after["pending_edits"] = pending
        await add_audit_entry(
            session,
            actor=actor,
            action=f"change.{action.value}",
            entity=f"change:{change_id}",
            before={"state": current.value},
            after=after,
        )
    return _view(change, written)


async def pending_change_edits(workspace: Workspace, change_id: str) -> list[str]:
    """The edits of a change that the plan files do not show yet."""
    change = _find(workspace, change_id)
    return pending_edits(plan_files(workspace.project).plan, change)
