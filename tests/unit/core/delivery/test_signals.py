"""Signals: the risk each kind raises, the tasks it threatens, and interfaces still mocked."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from interloom.core.catalog import Lifecycle
from interloom.core.delivery.calendar import Calendar, WorkingTime
from interloom.core.delivery.risks import Objective, RiskCategory, RiskLevel
from interloom.core.delivery.signals import (
    Signal,
    SignalKind,
    SignalSeverity,
    UpcomingTask,
    draft_risk,
    interfaces_only_mocked_near_start,
    tasks_delivering,
)

TIME = WorkingTime(Calendar(), origin=dt.date(2024, 3, 4))
REF = "interface:crm.customers.get"


def test_a_critical_breaking_change_is_a_high_interface_compatibility_risk() -> None:
    signal = Signal(kind=SignalKind.BREAKING_CHANGE_FOUND, ref=REF, severity="critical")

    draft = draft_risk(signal, ["T-2", "T-5"])

    assert draft.key == f"breaking-change-found|{REF}"
    assert draft.category is RiskCategory.INTERFACE_COMPATIBILITY
    assert draft.probability == 0.9
    assert draft.impact == {Objective.SCHEDULE: 0.4, Objective.QUALITY: 0.4}
    assert (draft.score, draft.level) == (0.36, RiskLevel.HIGH)
    assert draft.title == f"Breaking change in the contract of {REF}"
    assert (draft.tasks, draft.refs) == (["T-2", "T-5"], [REF])


@pytest.mark.parametrize(
    ("severity", "probability", "level"),
    [("info", 0.3, RiskLevel.MEDIUM), ("warning", 0.5, RiskLevel.HIGH)],
)
def test_severity_sets_the_probability(severity: str, probability: float, level: RiskLevel) -> None:
    draft = draft_risk(Signal(kind="slo-burning", ref="flow:order-to-wms", severity=severity), [])

    assert draft.probability == probability
    assert draft.category is RiskCategory.PERFORMANCE
    assert draft.level is level


def test_a_kind_of_ones_own_gets_a_generic_rule() -> None:
    draft = draft_risk(Signal(kind="vendor-outage", ref="system:crm"), [])

    assert draft.category is RiskCategory.OTHER
    assert draft.title == "vendor-outage on system:crm"


def test_a_signal_needs_a_reference_and_a_kind_in_kebab_case() -> None:
    with pytest.raises(ValidationError, match="'crm' is not a reference"):
        Signal(kind="slo-burning", ref="crm")
    with pytest.raises(ValidationError, match="pattern"):
        Signal(kind="SLO burning", ref=REF)


DELIVERS = {
    "T-1": ["system:crm"],
    "T-2": [REF],
    "T-3": ["flow:customer-sync"],
    "T-4": ["interface:erp.orders.get"],
    "T-5": [],
}


def test_tasks_delivering_an_interface_directly_by_its_system_or_by_a_flow() -> None:
    flows = {"flow:customer-sync": [REF], "flow:other": ["interface:erp.orders.get"]}

    assert tasks_delivering(REF, DELIVERS, flows) == ["T-1", "T-2", "T-3"]
    assert tasks_delivering("flow:customer-sync", DELIVERS, flows) == ["T-3"]
    assert tasks_delivering("system:erp", DELIVERS, flows) == []


def upcoming(ident: str, start: dt.datetime, *needs: str) -> UpcomingTask:
    return UpcomingTask(id=ident, name=f"Task {ident}", start=start, needs=frozenset(needs))


def test_mocked_interfaces_near_the_start_of_the_work_needing_them() -> None:
    status = dt.datetime(2024, 3, 4, 17)  # Monday evening
    tasks = [
        upcoming("T-1", dt.datetime(2024, 3, 6, 8), REF),  # 1 working day away
        upcoming("T-2", dt.datetime(2024, 3, 14, 8), REF),  # 7 working days away
        upcoming("T-3", dt.datetime(2024, 3, 25, 8), "interface:erp.orders.get"),  # 14 days
        upcoming("T-4", dt.datetime(2024, 3, 7, 8), "interface:wms.stock.get"),  # ready
        upcoming("T-5", dt.datetime(2024, 3, 11, 8), "interface:payments.refund"),  # 4 days
    ]
    lifecycles = {
        REF: Lifecycle.MOCKED,
        "interface:erp.orders.get": Lifecycle.DRAFT,
        "interface:wms.stock.get": Lifecycle.CONFORMANT,
        "interface:payments.refund": Lifecycle.DRAFT,
    }

    signals = interfaces_only_mocked_near_start(
        tasks, lifecycles, status_date=status, within_days=5, time=TIME
    )

    assert [(s.ref, s.severity) for s in signals] == [
        (REF, SignalSeverity.CRITICAL),  # 1 day ≤ half of 5
        ("interface:payments.refund", SignalSeverity.WARNING),
    ]
    evidence = signals[0].evidence
    assert evidence["lifecycle"] == "mocked"
    assert [t["task"] for t in evidence["tasks"]] == ["T-1"]
    assert evidence["tasks"][0]["working_days_to_start"] == 1.0
    assert all(s.kind == SignalKind.INTERFACE_ONLY_MOCKED_NEAR_START for s in signals)
