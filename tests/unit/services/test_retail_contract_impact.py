"""The proposed CRM 3.0 and WMS events 4.0 of the retail example, against its flows and plan.

What ``interloom demo --once`` shows: the breaking changes reach the ERP, which consumes the
CRM's customers and the WMS's stock events; shipment-to-crm reads the tracking link the WMS
stops sending; order-to-wms calls the CRM but reads none of the fields that change.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from interloom.core.contracts.impact import ContractImpact, ImpactedFinding, tasks_from_schedule
from interloom.core.delivery.plan_schedule import schedule_plan
from interloom.services.contract_impact import PlanFacts, analyse_contract_change
from interloom.services.plan import plan_files
from interloom.services.project import load_project

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"
TODAY = dt.date(2027, 3, 1)


def _impact(name: str) -> ContractImpact:
    load = load_project(RETAIL)
    assert load.ok, [p.render() for p in load.errors]
    files = plan_files(load.project)
    schedule = schedule_plan(files.plan, locate=files.locate)
    plan = PlanFacts(tasks_from_schedule(schedule), schedule.status_date)
    contracts = RETAIL / "contracts"
    return analyse_contract_change(
        load.project, RETAIL, contracts / name, contracts / "changes" / name, plan=plan, today=TODAY
    )


@pytest.fixture(scope="module")
def crm() -> ContractImpact:
    return _impact("crm.openapi.yaml")


@pytest.fixture(scope="module")
def wms_events() -> ContractImpact:
    return _impact("wms-events.asyncapi.yaml")


def _one(impact: ContractImpact, rule: str, operation: str) -> ImpactedFinding:
    (found,) = [f for f in impact.findings if f.id == rule and f.operation == operation]
    return found


def test_a_customer_field_the_crm_drops_reaches_its_consumers_and_tasks(
    crm: ContractImpact,
) -> None:
    removed = _one(crm, "response-required-property-removed", "GET /customers/{customerId}")

    assert removed.level == "ERR"
    assert removed.impact.interfaces == ["interface:crm.customers.get"]
    consumers = {(c.ref, c.relation) for c in removed.impact.consumers}
    assert {("system:erp", "consumes"), ("flow:order-to-wms", "calls")} <= consumers
    # order-to-wms takes the customer's email and phone, not marketingConsent
    assert removed.impact.flows == []
    tasks = removed.impact.tasks
    assert tasks
    assert all(
        {"interface:crm.customers.get", "system:crm", "system:erp"} & set(t.delivers) for t in tasks
    )
    assert any(t.consequence == "rework" for t in tasks)


def test_the_crm_summary_names_what_it_reaches(crm: ContractImpact) -> None:
    summary = crm.summary

    assert (summary.contract, summary.old_version, summary.new_version) == (
        "contracts/crm.openapi.yaml",
        "2.3.0",
        "3.0.0",
    )
    assert summary.counts["ERR"] == 14
    assert "interface:crm.customers.get" in summary.affected_interfaces
    assert summary.unused_operations == ["GET /customers/{customerId}/consents"]
    assert "flow:order-to-wms" not in summary.flows


def test_the_tracking_link_the_wms_drops_is_read_by_shipment_to_crm(
    wms_events: ContractImpact,
) -> None:
    removed = _one(wms_events, "sent-message-optional-property-removed", "send shipment.dispatched")

    hits = [
        (h.flow, h.step, h.field, h.how.value, h.confidence.value) for h in removed.impact.flows
    ]
    assert ("flow:shipment-to-crm", "to-requests", "trackingUrl", "read", "certain") in hits
    assert any("flow:shipment-to-crm" in t.delivers for t in removed.impact.tasks)


def test_the_moved_stock_events_reach_the_erp_that_subscribes_to_them(
    wms_events: ContractImpact,
) -> None:
    moved = _one(wms_events, "channel-address-changed", "send stock.level.changed")

    assert moved.impact.interfaces == ["interface:wms.stock.changed"]
    assert [c.ref for c in moved.impact.consumers] == ["system:erp"]
    assert any("system:erp" in t.delivers for t in moved.impact.tasks)
    assert wms_events.summary.flows == {"flow:shipment-to-crm": "certain"}
