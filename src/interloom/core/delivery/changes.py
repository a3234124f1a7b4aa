"""Change control: change requests, their workflow, and freeze windows.

A change request is declared in a plan file (``change_requests:``) with what it proposes to
the plan — tasks to add or remove, durations to change, links to add or remove, effort and
cost beyond those tasks — and the references it affects. Its workflow state is a record::

    draft ─submit─► submitted ─assess─► assessed ─approve─► approved ─implement─► implemented
                        │                   │
                        └──────reject───────┴──► rejected

Every transition is audited with its actor; any other is refused (:class:`ChangeWorkflowError`).
A freeze window (``freeze_windows:``) forbids approving or implementing a change that touches
its scope while it lasts, unless the change is an emergency with a stated reason.

Errors::

    ChangeWorkflowError     E-CHANGE-001  409  a transition the workflow does not allow
    FreezeWindowError       E-CHANGE-002  409  the change touches a frozen scope now
    ChangeEditError         E-CHANGE-003  422  a proposed edit names what the plan lacks
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from interloom.core.definition import AnyRef, Definition, PlanId, Text
from interloom.core.errors import InterloomError
from interloom.core.refs import Ref, RefKind

if TYPE_CHECKING:
    from interloom.core.delivery.plan import DependencyEntry, Task, WorkAmount


class ChangeWorkflowError(InterloomError):
    """A change request cannot make this transition from its current state."""

    code = "E-CHANGE-001"
    status = 409


class FreezeWindowError(InterloomError):
    """Approving or implementing the change would touch a frozen scope during its window."""

    code = "E-CHANGE-002"
    status = 409


class ChangeEditError(InterloomError):
    """A change request's proposed edit names a task or link the plan does not have."""

    code = "E-CHANGE-003"
    status = 422


class ChangeState(StrEnum):
    """Where a change request stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ASSESSED = "assessed"
    APPROVED = "approved"
    REJECTED = "rejected"
    IMPLEMENTED = "implemented"


class ChangeAction(StrEnum):
    """What can be done to a change request."""

    SUBMIT = "submit"
    ASSESS = "assess"
    APPROVE = "approve"
    REJECT = "reject"
    IMPLEMENT = "implement"


TRANSITIONS: dict[ChangeAction, tuple[frozenset[ChangeState], ChangeState]] = {
    ChangeAction.SUBMIT: (frozenset({ChangeState.DRAFT}), ChangeState.SUBMITTED),
    ChangeAction.ASSESS: (
        frozenset({ChangeState.SUBMITTED, ChangeState.ASSESSED}),
        ChangeState.ASSESSED,
    ),
    ChangeAction.APPROVE: (frozenset({ChangeState.ASSESSED}), ChangeState.APPROVED),
    ChangeAction.REJECT: (
        frozenset({ChangeState.SUBMITTED, ChangeState.ASSESSED}),
        ChangeState.REJECTED,
    ),
    ChangeAction.IMPLEMENT: (frozenset({ChangeState.APPROVED}), ChangeState.IMPLEMENTED),
}
"""For each action: the states it may start from, and the state it leads to."""


def allowed_actions(state: ChangeState) -> list[ChangeAction]:
    """The actions a change request in ``state`` can take next."""
    return [action for action, (sources, _) in TRANSITIONS.items() if state in sources]


def next_state(change_id: str, state: ChangeState, action: ChangeAction) -> ChangeState:
    """The state ``action`` leads to; :class:`ChangeWorkflowError` if it is not allowed."""
    sources, target = TRANSITIONS[action]
    if state not in sources:
        possible = allowed_actions(state)
        hint = (
            f"from {state} it can: {', '.join(possible)}"
            if possible
            else f"{state} is final: submit a new change request"
        )
        raise ChangeWorkflowError(
            f"change request {change_id} is {state}: it cannot {action}", hint=hint
        )
    return target


class DurationEdit(Definition):
    """A new duration for a task."""

    task: PlanId
    duration: WorkAmount


class LinkEdit(Definition):
    """A link to add to (or remove from) a task: its predecessor with type and lag."""

    task: PlanId = Field(description="The successor.")
    depends_on: DependencyEntry


class ProposedEdits(Definition):
    """What the change does to the plan; effort and cost are on top of the edited tasks."""

    add_tasks: list[Task] = Field(default_factory=list)
    remove_tasks: list[PlanId] = Field(default_factory=list)
    durations: list[DurationEdit] = Field(default_factory=list)
    add_links: list[LinkEdit] = Field(default_factory=list)
    remove_links: list[LinkEdit] = Field(default_factory=list)
    effort_hours: float = Field(default=0, description="Extra effort (hours), may be < 0.")
    cost: float = Field(default=0, description="Extra cost, may be < 0.")

    @property
    def empty(self) -> bool:
        """Whether the change proposes nothing for the plan."""
        return not (
            self.add_tasks
            or self.remove_tasks
            or self.durations
            or self.add_links
            or self.remove_links
            or self.effort_hours
            or self.cost
        )


class ChangeRequest(Definition):
    """A change request (``change_requests:`` in a plan file); its state is a record."""

    id: PlanId = Field(examples=["CR-1"])
    title: Text
    description: str | None = None
    reason: str | None = Field(default=None, description="Why the change is needed.")
    requester: str | None = None
    raised: dt.date | None = None
    affects: list[AnyRef] = Field(
        default_factory=list, description="Interfaces, flows, systems, tasks it touches."
    )
    edits: ProposedEdits = Field(default_factory=ProposedEdits)

    def touched_refs(self) -> set[str]:
        """Every reference the change touches: declared, and the tasks its edits name."""
        refs = set(self.affects)
        tasks = {
            *self.edits.remove_tasks,
            *(e.task for e in self.edits.durations),
            *(e.task for e in self.edits.add_links),
            *(e.task for e in self.edits.remove_links),
        }
        refs.update(f"task:{t}" for t in tasks)
        for task in self.edits.add_tasks:
            refs.add(f"task:{task.id}")
            refs.update(task.delivers)
        return refs


class FreezeWindow(Definition):
    """A period in which changes to a scope are not approved or implemented."""

    start: dt.date
    end: dt.date = Field(description="Last day of the freeze, inclusive.")
    reason: Text
    scope: list[AnyRef] = Field(
        default_factory=list, description="What is frozen; empty: the whole project."
    )

    @model_validator(mode="after")
    def _ordered(self) -> FreezeWindow:
        if self.end < self.start:
            raise ValueError(f"the freeze ends ({self.end}) before it starts ({self.start})")
        return self

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` is in the window."""
        return self.start <= day <= self.end


def _overlaps(scope: Iterable[str], touched: set[str], delivers: dict[str, set[str]]) -> set[str]:
    """The touched references that fall in ``scope``.

    An interface is in a scope that names it or its system; a task is in a scope that names
    it or something it delivers.
    """
    frozen = set(scope)
    hits = set()
    for text in touched:
        ref = Ref.parse(text)
        candidates = {text}
        if ref.kind is RefKind.INTERFACE and ref.system_id:
            candidates.add(f"system:{ref.system_id}")
        if ref.kind is RefKind.TASK:
            for delivered in delivers.get(ref.id, set()):
                candidates.add(delivered)
                system = Ref.parse(delivered).system_id
                if system:
                    candidates.add(f"system:{system}")
        if candidates & frozen:
            hits.add(text)
    return hits


def freeze_conflicts(
    change: ChangeRequest,
    windows: Sequence[FreezeWindow],
    day: dt.date,
    delivers: dict[str, set[str]] | None = None,
) -> list[tuple[FreezeWindow, list[str]]]:
    """The windows in force on ``day`` that the change touches, with the references at fault.

    ``delivers`` maps task ids to what they deliver, so that a change to a task counts as a
    change to the interfaces and flows it delivers.
    """
    touched = change.touched_refs()
    found = []
    for window in windows:
        if not window.covers(day):
            continue
        if not window.scope:
            found.append((window, sorted(touched) or ["the project"]))
            continue
        hits = _overlaps(window.scope, touched, delivers or {})
        if hits:
            found.append((window, sorted(hits)))
    return found


def check_freeze(
    change: ChangeRequest,
    action: ChangeAction,
    windows: Sequence[FreezeWindow],
    day: dt.date,
    *,
    delivers: dict[str, set[str]] | None = None,
    emergency_reason: str | None = None,
) -> list[tuple[FreezeWindow, list[str]]]:
    """Refuse to approve or implement during a freeze that the change touches.

    Returns the conflicts overridden by an emergency (to audit), empty when there are none;
    raises :class:`FreezeWindowError` when there are conflicts and no emergency reason.
    """
    if action not in (ChangeAction.APPROVE, ChangeAction.IMPLEMENT):
        return []
    conflicts = freeze_conflicts(change, windows, day, delivers)
    if conflicts and not (emergency_reason and emergency_reason.strip()):
        window, refs = conflicts[0]
        raise FreezeWindowError(
            f"change request {change.id} touches {', '.join(refs)}, frozen from {window.start} "
            f"to {window.end} ({window.reason}): it cannot {action} now",
            hint="wait for the end of the freeze, or pass --emergency with a reason (audited)",
        )
    return conflicts


# The plan module resolves the names this module takes from it (it imports this module, so
# this one cannot import them first): loading it completes the models above.
import interloom.core.delivery.plan  # noqa: E402, F401
