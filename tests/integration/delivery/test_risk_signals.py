"""Signals raise, update, close and reopen one automatic risk per kind and reference."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from interloom.core.catalog import Lifecycle
from interloom.core.delivery.risks import RiskCategory, RiskLevel, RiskStatus
from interloom.core.delivery.signals import Signal, SignalKind, SignalSeverity
from interloom.core.errors import InvalidRequestError, NotFoundError
from interloom.services import catalog, plan_management, risk_signals
from interloom.services.audit_trail import list_audit
from interloom.services.risk_signals import SignalAction
from interloom.services.workspace import Workspace

from .conftest import Record

UPDATE = "interface:crm.customers.update"


def breaking(severity: str = "critical", **fields: object) -> Signal:
    return Signal.model_validate(
        {
            "kind": "breaking-change-found",
            "ref": UPDATE,
            "severity": severity,
            "evidence": {"finding": "response-property-removed"},
            "source": "contracts-diff",
            **fields,
        }
    )


async def test_a_signal_raises_a_risk_on_the_tasks_delivering_the_reference(
    workspace: Workspace,
) -> None:
    outcome = await risk_signals.raise_signal(workspace, breaking())

    assert outcome.action is SignalAction.CREATED
    risk = outcome.risk
    assert risk is not None
    assert risk.id.startswith("AR-")
    # T-3 delivers the interface; T-2 delivers the flow that writes to it.
    assert risk.tasks == ["T-2", "T-3"]
    assert (risk.category, risk.probability, risk.level) == (
        RiskCategory.INTERFACE_COMPATIBILITY,
        0.9,
        RiskLevel.HIGH,
    )
    assert risk.evidence == {"finding": "response-property-removed"}
    register = await plan_management.list_risks(workspace)
    assert register[0].id == risk.id  # 0.36 ranks above the declared R-1 (0.28)
    assert register[0].automatic
    audit = await list_audit(workspace, entity=f"risk:{risk.id}")
    assert [e.action for e in audit.items] == ["risk.raised"]
    assert audit.items[0].actor == "contracts-diff"


async def test_the_same_kind_and_reference_update_one_risk_and_a_clear_closes_it(
    workspace: Workspace,
) -> None:
    first = await risk_signals.raise_signal(workspace, breaking("warning"))
    second = await risk_signals.raise_signal(workspace, breaking("critical"))
    other = await risk_signals.raise_signal(
        workspace, Signal(kind="slo-burning", ref=UPDATE, severity=SignalSeverity.INFO)
    )
    assert first.risk is not None
    assert second.risk is not None
    assert other.risk is not None

    assert second.action is SignalAction.UPDATED
    assert second.risk.id == first.risk.id
    assert (second.risk.occurrences, second.risk.severity) == (2, SignalSeverity.CRITICAL)
    assert other.risk.id != first.risk.id

    cleared = await risk_signals.raise_signal(workspace, breaking(cleared=True, evidence={}))
    assert cleared.action is SignalAction.CLOSED
    assert cleared.risk is not None
    assert cleared.risk.status is RiskStatus.CLOSED
    assert cleared.risk.closed_at is not None
    again = await risk_signals.raise_signal(workspace, breaking(cleared=True))
    assert again.action is SignalAction.NONE

    reopened = await risk_signals.raise_signal(workspace, breaking())
    assert reopened.action is SignalAction.REOPENED
    assert reopened.risk is not None
    assert (reopened.risk.id, reopened.risk.status) == (first.risk.id, RiskStatus.OPEN)
    assert reopened.risk.closed_at is None
    actions = [
        e.action for e in (await list_audit(workspace, entity=f"risk:{first.risk.id}")).items
    ]
    assert actions == ["risk.reopened", "risk.closed", "risk.severity.changed", "risk.raised"]
    signals = await risk_signals.list_signals(workspace, kind=SignalKind.BREAKING_CHANGE_FOUND)
    assert len(signals) == 5
    assert [s.cleared for s in signals] == [False, True, True, False, False]


async def test_concurrent_signals_for_one_reference_make_one_risk(workspace: Workspace) -> None:
    outcomes = await asyncio.gather(
        *(risk_signals.raise_signal(workspace, breaking()) for _ in range(4))
    )

    ids = {o.risk.id for o in outcomes if o.risk is not None}
    assert len(ids) == 1
    assert sorted(o.action for o in outcomes) == ["created", "updated", "updated", "updated"]
    (risk,) = await risk_signals.list_automatic_risks(workspace)
    assert risk.occurrences == 4


async def test_a_breaking_diff_raises_and_a_clean_one_clears() -> None:
    findings = [
        {"id": "response-property-removed", "level": "ERR", "message": "id removed"},
        {"id": "request-property-added", "level": "INFO", "message": "x"},
    ]

    signal = risk_signals.breaking_change_signal(UPDATE, findings)
    maybe = risk_signals.breaking_change_signal(UPDATE, [{"id": "x", "level": "WARN"}])
    clean = risk_signals.breaking_change_signal(UPDATE, findings[1:])

    assert (signal.severity, signal.cleared) == (SignalSeverity.CRITICAL, False)
    assert signal.evidence["breaking"] == [
        {"id": "response-property-removed", "message": "id removed"}
    ]
    assert (maybe.severity, maybe.cleared) == (SignalSeverity.WARNING, False)
    assert clean.cleared


async def test_interfaces_still_mocked_near_their_tasks_start_raise_then_clear(
    workspace: Workspace,
) -> None:
    # Status Tuesday 5 January: T-2 and T-3 start on Wednesday.
    outcomes = await risk_signals.check_mocked_interfaces(workspace, within_days=3)

    raised = {o.risk.ref: o for o in outcomes if o.risk is not None}
    assert set(raised) == {UPDATE, "interface:shop.orders.created"}
    update_risk = raised[UPDATE].risk
    assert update_risk is not None
    assert update_risk.severity is SignalSeverity.CRITICAL  # 0 working days away
    assert [t["task"] for t in update_risk.evidence["tasks"]] == ["T-2", "T-3"]
    assert update_risk.evidence["lifecycle"] == "mocked"

    await catalog.set_interface_lifecycle(
        workspace, "crm.customers.update", Lifecycle.CONFORMANT, actor="ann"
    )
    later = await risk_signals.check_mocked_interfaces(workspace, within_days=3)

    assert {(o.action, o.risk.ref) for o in later if o.risk is not None} == {
        (SignalAction.UPDATED, "interface:shop.orders.created"),
        (SignalAction.CLOSED, UPDATE),
    }
    open_refs = {
        r.ref for r in await risk_signals.list_automatic_risks(workspace, status=RiskStatus.OPEN)
    }
    assert open_refs == {"interface:shop.orders.created"}


async def test_work_that_has_started_raises_nothing(workspace: Workspace, record: Record) -> None:
    await record("T-2", "2027-01-06T09:00", actual_start="2027-01-06")
    await record("T-3", "2027-01-06T09:00", actual_start="2027-01-06")

    # Whatever starts later (T-4) relies on no interface that is not ready.
    found = await risk_signals.check_mocked_interfaces(
        workspace, within_days=5, status_date=dt.date(2027, 1, 6)
    )

    assert found == []


async def test_bad_signals_and_unknown_risks_are_clear_errors(workspace: Workspace) -> None:
    with pytest.raises(InvalidRequestError, match="ref") as caught:
        risk_signals.parse_signal({"kind": "slo-burning", "ref": "crm"})
    assert caught.value.location is not None
    assert caught.value.location.pointer == "/ref"
    with pytest.raises(NotFoundError, match="AR-99"):
        await plan_management.get_risk(workspace, "AR-99")
    with pytest.raises(NotFoundError) as unknown:
        await plan_management.get_risk(workspace, "R-11")
    assert unknown.value.hint == "did you mean 'R-1'?"
