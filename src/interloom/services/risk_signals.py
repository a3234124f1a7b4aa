"""Signals in, automatic risks out: the one way the runtime, contract checks and monitoring
tell the plan that something threatens delivery.

``raise_signal(workspace, Signal(kind, ref, severity, evidence, source))`` finds the tasks
that deliver the reference (directly, through the interface's system, or through a flow using
the interface), then creates, updates or reopens the automatic risk of that kind and
reference, with the signal as evidence; a signal with ``cleared=True`` closes it. Every
signal is logged; creating, reopening, closing a risk or changing its severity is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from interloom.core.catalog import Lifecycle
from interloom.core.delivery.plan_schedule import PlanSchedule
from interloom.core.delivery.risks import (
    Objective,
    RiskCategory,
    RiskLevel,
    RiskStatus,
    ScoredRisk,
    risk_level,
    risk_score,
)
from interloom.core.delivery.signals import (
    Signal,
    SignalKind,
    SignalSeverity,
    UpcomingTask,
    draft_risk,
    interfaces_only_mocked_near_start,
    tasks_delivering,
)
from interloom.core.errors import InvalidRequestError, Location, NotFoundError
from interloom.core.landscape import EdgeKind, build_landscape
from interloom.core.project import Project
from interloom.core.refs import Ref, RefKind
from interloom.services.catalog import recorded_lifecycles
from interloom.services.plan import compute_plan
from interloom.services.workspace import Workspace
from interloom.storage import risk_records
from interloom.storage.audit import add_audit_entry

AUTOMATIC_PREFIX = "AR-"


class SignalAction(StrEnum):
    """What a signal did to its automatic risk."""

    CREATED = "created"
    UPDATED = "updated"
    REOPENED = "reopened"
    CLOSED = "closed"
    NONE = "none"  # a cleared signal with no open risk


class AutomaticRiskView(BaseModel):
    """An automatic risk: raised by signals, scored like a declared one, with its evidence."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(examples=["AR-3"])
    kind: str
    ref: str
    status: RiskStatus
    severity: SignalSeverity
    title: str
    category: RiskCategory
    probability: float
    impact: dict[Objective, float]
    score: float
    level: RiskLevel
    response_plan: str | None
    tasks: list[str]
    refs: list[str]
    evidence: dict[str, Any]
    source: str
    occurrences: int
    raised_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None


class SignalOutcome(BaseModel):
    """What raising a signal did."""

    model_config = ConfigDict(frozen=True)

    action: SignalAction
    risk: AutomaticRiskView | None


class SignalView(BaseModel):
    """A logged signal."""

    model_config = ConfigDict(frozen=True)

    id: int
    received_at: dt.datetime
    kind: str
    ref: str
    severity: SignalSeverity
    source: str
    cleared: bool
    evidence: dict[str, Any]
    risk: str | None


def parse_signal(data: dict[str, Any]) -> Signal:
    """A signal from loose values (an API body, CLI options); a bad one is a located error."""
    try:
        return Signal.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidRequestError(
            f"{where or 'signal'}: {first['msg'].removeprefix('Value error, ')}",
            location=Location(path=where or None, pointer=f"/{where}" if where else None),
        ) from None


def _view(stored: risk_records.StoredRisk) -> AutomaticRiskView:
    impact = {Objective(k): v for k, v in stored.impact.items()}
    score = risk_score(stored.probability, max(impact.values(), default=0.0))
    return AutomaticRiskView(
        id=f"{AUTOMATIC_PREFIX}{stored.id}",
        kind=stored.kind,
        ref=stored.ref,
        status=RiskStatus(stored.status),
        severity=SignalSeverity(stored.severity),
        title=stored.title,
        category=RiskCategory(stored.category),
        probability=stored.probability,
        impact=impact,
        score=score,
        level=risk_level(score),
        response_plan=stored.response_plan,
        tasks=stored.tasks,
        refs=stored.refs,
        evidence=stored.evidence,
        source=stored.source,
        occurrences=stored.occurrences,
        raised_at=stored.raised_at,
        updated_at=stored.updated_at,
        closed_at=stored.closed_at,
    )


def as_scored(risk: AutomaticRiskView) -> ScoredRisk:
    """An automatic risk as a line of the register."""
    return ScoredRisk(
        id=risk.id,
        title=risk.title,
        category=risk.category,
        probability=risk.probability,
        impact=risk.impact,
        score=risk.score,
        level=risk.level,
        status=risk.status,
        owner=None,
        response_plan=risk.response_plan,
        tasks=risk.tasks,
        refs=risk.refs,
        automatic=True,
        description=f"Raised by {risk.source} ({risk.kind}, {risk.severity}).",
    )


def _delivers(project: Project) -> dict[str, list[str]]:
    return {t.id: list(t.delivers) for p in project.plans for t in p.model.tasks}


def flow_interfaces(project: Project) -> dict[str, list[str]]:
    """Flow reference to the interfaces its source, steps and sinks use."""
    found: dict[str, list[str]] = {}
    for edge in build_landscape(project).edges:
        if edge.kind is not EdgeKind.PROVIDES and edge.source.startswith(f"{RefKind.FLOW}:"):
            found.setdefault(edge.source, []).append(edge.target)
    return found


def affected_tasks(project: Project, ref: str) -> list[str]:
    """The plan's tasks that deliver ``ref`` (or its system, or a flow using the interface)."""
    return tasks_delivering(ref, _delivers(project), flow_interfaces(project))


async def _store(
    session: AsyncSession, signal: Signal, tasks: list[str], now: dt.datetime, actor: str
) -> tuple[SignalAction, risk_records.StoredRisk | None]:
    existing = await risk_records.get_risk_by_key(session, signal.key)
    if signal.cleared:
        if existing is None or existing.status != risk_records.OPEN:
            return SignalAction.NONE, existing
        await risk_records.update_risk(
            session,
            existing.id,
            {
                "status": risk_records.CLOSED,
                "closed_at": now,
                "updated_at": now,
                "evidence": {**existing.evidence, "cleared": signal.evidence},
            },
        )
        await _audit(session, actor, "risk.closed", existing.id, existing.status, "closed", signal)
        return SignalAction.CLOSED, await risk_records.get_risk(session, existing.id)
    draft = draft_risk(signal, tasks)
    values: dict[str, Any] = {
        "status": risk_records.OPEN,
        "severity": signal.severity.value,
        "title": draft.title,
        "category": draft.category.value,
        "probability": draft.probability,
        "impact": {k.value: v for k, v in draft.impact.items()},
        "response_plan": draft.response_plan,
        "tasks": draft.tasks,
        "refs": draft.refs,
        "evidence": signal.evidence,
        "source": signal.source,
        "updated_at": now,
        "closed_at": None,
    }
    if existing is None:
        try:
            async with session.begin_nested():
                risk_id = await risk_records.insert_risk(
                    session,
                    {
                        **values,
                        "key": signal.key,
                        "kind": signal.kind,
                        "ref": signal.ref,
                        "occurrences": 1,
                        "raised_at": now,
                    },
                )
        except IntegrityError:  # raised by a concurrent signal first: update it instead
            existing = await risk_records.get_risk_by_key(session, signal.key)
        else:
            await _audit(session, actor, "risk.raised", risk_id, None, "open", signal)
            return SignalAction.CREATED, await risk_records.get_risk(session, risk_id)
    assert existing is not None
    values["occurrences"] = existing.occurrences + 1
    await risk_records.update_risk(session, existing.id, values)
    if existing.status != risk_records.OPEN:
        await _audit(session, actor, "risk.reopened", existing.id, existing.status, "open", signal)
        return SignalAction.REOPENED, await risk_records.get_risk(session, existing.id)
    if existing.severity != signal.severity.value:
        await add_audit_entry(
            session,
            actor=actor,
            action="risk.severity.changed",
            entity=f"risk:{AUTOMATIC_PREFIX}{existing.id}",
            before={"severity": existing.severity},
            after={"severity": signal.severity.value, "source": signal.source},
        )
    return SignalAction.UPDATED, await risk_records.get_risk(session, existing.id)


async def _audit(
    session: AsyncSession,
    actor: str,
    action: str,
    risk_id: int,
    before: str | None,
    after: str,
    signal: Signal,
) -> None:
    await add_audit_entry(
        session,
        actor=actor,
        action=action,
        entity=f"risk:{AUTOMATIC_PREFIX}{risk_id}",
        before=None if before is None else {"status": before},
        after={
            "status": after,
            "kind": signal.kind,
            "ref": signal.ref,
            "severity": signal.severity.value,
            "source": signal.source,
        },
    )


async def raise_signal(
    workspace: Workspace, signal: Signal, *, actor: str | None = None
) -> SignalOutcome:
    """Create, update, reopen or (for a cleared signal) close the signal's automatic risk."""
    tasks = affected_tasks(workspace.project, signal.ref)
    now = dt.datetime.now(dt.UTC)
    async with workspace.database.transaction() as session:
        action, stored = await _store(session, signal, tasks, now, actor or signal.source)
        await risk_records.add_signal(
            session,
            received_at=now,
            kind=signal.kind,
            ref=signal.ref,
            severity=signal.severity.value,
            source=signal.source,
            cleared=signal.cleared,
            evidence=signal.evidence,
            risk_id=None if stored is None else stored.id,
        )
    return SignalOutcome(action=action, risk=None if stored is None else _view(stored))


async def sync_signals(
    workspace: Workspace, kind: str, signals: Sequence[Signal], *, source: str
) -> list[SignalOutcome]:
    """Raise ``signals`` (all of ``kind``) and clear the open risks of ``kind`` they omit.

    For signals computed as a whole (interfaces still mocked near their tasks' start): what
    is no longer found is no longer a risk.
    """
    outcomes = [await raise_signal(workspace, s) for s in signals]
    current = {s.ref for s in signals}
    for risk in await list_automatic_risks(workspace, status=RiskStatus.OPEN):
        if risk.kind == kind and risk.ref not in current:
            cleared = Signal(kind=kind, ref=risk.ref, source=source, cleared=True)
            outcomes.append(await raise_signal(workspace, cleared))
    return outcomes


def breaking_change_signal(
    interface_ref: str, findings: Iterable[Mapping[str, Any]], *, source: str = "contracts-diff"
) -> Signal:
    """The signal of a contract diff of an interface, from its findings (as JSON data).

    Breaking findings (level ``ERR``) raise a critical signal; only maybe-breaking ones
    (``WARN``) a warning; none at all clear it.
    """

    def summary(finding: Mapping[str, Any]) -> dict[str, Any]:
        keys = ("id", "message", "operation", "path")
        return {key: finding[key] for key in keys if finding.get(key) not in (None, "")}

    items = list(findings)
    levels = [str(f.get("level", "")).upper() for f in items]
    breaking = [summary(f) for f, level in zip(items, levels, strict=True) if level == "ERR"]
    maybe = [summary(f) for f, level in zip(items, levels, strict=True) if level == "WARN"]
    severity = SignalSeverity.CRITICAL if breaking else SignalSeverity.WARNING
    return Signal(
        kind=SignalKind.BREAKING_CHANGE_FOUND,
        ref=interface_ref,
        severity=severity,
        evidence={"breaking": breaking, "maybe_breaking": maybe, "findings": len(items)},
        source=source,
        cleared=not (breaking or maybe),
    )


async def list_automatic_risks(
    workspace: Workspace, *, status: RiskStatus | None = None
) -> list[AutomaticRiskView]:
    """Automatic risks, oldest first, optionally in one status."""
    async with workspace.database.session() as session:
        stored = await risk_records.list_risks(
            session, status=None if status is None else status.value
        )
    return [_view(s) for s in stored]


async def get_automatic_risk(workspace: Workspace, risk_id: str) -> AutomaticRiskView:
    """The automatic risk ``AR-N``; :class:`NotFoundError` if there is none."""
    number = risk_id.removeprefix(AUTOMATIC_PREFIX)
    stored = None
    if number.isdigit():
        async with workspace.database.session() as session:
            stored = await risk_records.get_risk(session, int(number))
    if stored is None:
        raise NotFoundError(f"no automatic risk '{risk_id}'", hint="list them with `risks list`")
    return _view(stored)


async def list_signals(
    workspace: Workspace, *, kind: str | None = None, ref: str | None = None, limit: int = 100
) -> list[SignalView]:
    """The latest signals first."""
    async with workspace.database.session() as session:
        stored = await risk_records.list_signals(session, kind=kind, ref=ref, limit=limit)
    return [
        SignalView(
            id=s.id,
            received_at=s.received_at,
            kind=s.kind,
            ref=s.ref,
            severity=SignalSeverity(s.severity),
            source=s.source,
            cleared=s.cleared,
            evidence=s.evidence,
            risk=None if s.risk_id is None else f"{AUTOMATIC_PREFIX}{s.risk_id}",
        )
        for s in stored
    ]


async def contract_test_results(workspace: Workspace) -> dict[str, bool]:
    """Interface reference to whether its contract tests pass, from the latest signal of each."""
    results: dict[str, bool] = {}
    for signal in reversed(
        await list_signals(workspace, kind=SignalKind.CONTRACT_TEST_FAILING, limit=10_000)
    ):
        results[signal.ref] = signal.cleared
    return results


async def current_lifecycles(workspace: Workspace) -> dict[str, Lifecycle]:
    """Every interface's lifecycle now: the latest recorded, else declared."""
    recorded = await recorded_lifecycles(workspace)
    return {
        str(Ref.interface(system.id, interface.id)): recorded.get(
            str(Ref.interface(system.id, interface.id)), interface.lifecycle
        )
        for system, interface in workspace.project.interfaces()
    }


def interfaces_needed(project: Project, delivers: Iterable[str]) -> frozenset[str]:
    """Interfaces a task relies on: those it delivers and those of the flows it delivers."""
    flows = flow_interfaces(project)
    needed: set[str] = set()
    for text in delivers:
        kind = Ref.parse(text).kind
        if kind is RefKind.INTERFACE:
            needed.add(text)
        elif kind is RefKind.FLOW:
            needed.update(flows.get(text, ()))
    return frozenset(needed)


async def check_mocked_interfaces(
    workspace: Workspace,
    *,
    within_days: int = 10,
    status_date: dt.date | None = None,
    schedule: PlanSchedule | None = None,
) -> list[SignalOutcome]:
    """Raise (and clear) interface-only-mocked-near-start risks from the schedule and catalog.

    ``schedule`` is the plan as the caller sees it; by default, scheduled at ``status_date``.
    """
    if schedule is None:
        schedule = await compute_plan(workspace, status_date=status_date)
    status = schedule.status_date or dt.datetime.now()
    project = workspace.project
    upcoming = [
        UpcomingTask(
            id=t.id,
            name=t.name,
            start=t.start,
            needs=interfaces_needed(project, t.delivers),
        )
        for t in schedule.tasks
        if not t.summary and t.progress.value == "not_started"
    ]
    signals = interfaces_only_mocked_near_start(
        upcoming,
        await current_lifecycles(workspace),
        status_date=status,
        within_days=within_days,
        time=schedule.working_time(),
    )
    return await sync_signals(
        workspace, SignalKind.INTERFACE_ONLY_MOCKED_NEAR_START, signals, source="plan"
    )
