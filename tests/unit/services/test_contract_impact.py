"""The impact of a contract change on a small shop project: flows, consumers and tasks.

``tests/data/impact/shop`` is copied to a temporary directory for each test. Its CRM 2.0
(``contracts/changes/``) removes the loyalty tier from customers (read by the loyalty flow's
mapping, from the answer of its enrich step; not by the notification flow), requires a country
code of new customers (which the register flow's sink mapping does not write) and drops the
delete operation (sent to by the erasure flow, consumed by the ERP). Its ERP events 2.0 drop
an order's total, which the loyalty flow reads from the message its source receives.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from interloom.core.contracts.impact import (
    ContractImpact,
    ContractImpactError,
    ImpactedFinding,
    tasks_from_schedule,
)
from interloom.core.delivery.plan_schedule import schedule_plan
from interloom.core.project import Project
from interloom.services.contract_impact import (
    PlanFacts,
    analyse_contract_change,
    contract_impact,
    plan_facts,
)
from interloom.services.plan import TaskUpdateRequest, plan_files, update_task
from interloom.services.project import load_project
from interloom.services.risk_signals import list_automatic_risks
from interloom.services.workspace import workspace_session

SHOP = Path(__file__).resolve().parents[2] / "data" / "impact" / "shop"
CRM = "contracts/crm.openapi.yaml"
CRM_2 = "contracts/changes/crm.openapi.yaml"
EVENTS = "contracts/erp-events.asyncapi.yaml"
EVENTS_2 = "contracts/changes/erp-events.asyncapi.yaml"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    return root


def _project(root: Path) -> Project:
    load = load_project(root)
    assert load.ok, [p.render() for p in load.problems]
    return load.project


def _scheduled(project: Project) -> PlanFacts:
    schedule = schedule_plan(plan_files(project).plan)
    return PlanFacts(tasks_from_schedule(schedule), schedule.status_date)


def _impact(root: Path, old: str = CRM, new: str = CRM_2, **options: Any) -> ContractImpact:
    project = _project(root)
    return analyse_contract_change(
        project, root, root / old, root / new, plan=_scheduled(project), **options
    )


def _finding(impact: ContractImpact, rule: str) -> ImpactedFinding:
    (found,) = [f for f in impact.findings if f.id == rule]
    return found


def _flows(finding: ImpactedFinding) -> list[tuple[Any, ...]]:
    return [
        (h.flow, h.step, h.field, h.how.value, h.confidence.value) for h in finding.impact.flows
    ]


def _tasks(finding: ImpactedFinding) -> list[tuple[str, str, list[str]]]:
    return [(t.task, t.consequence.value, t.delivers) for t in finding.impact.tasks]


def test_a_removed_answer_field_reaches_the_enrich_flow_that_reads_it(shop: Path) -> None:
    finding = _finding(_impact(shop), "response-required-property-removed")

    assert finding.part == "response"
    assert finding.impact.interfaces == ["interface:crm.customers.get"]
    assert [(c.ref, c.relation, c.steps) for c in finding.impact.consumers] == [
        ("system:webshop", "consumes", []),
        ("flow:loyalty", "calls", ["customer"]),
        ("flow:notify", "calls", ["customer"]),
    ]
    # notify calls the interface too, but reads only the email: the change does not reach it
    assert _flows(finding) == [
        ("flow:loyalty", "to-points", "customer.loyaltyTier", "read", "certain")
    ]
    assert finding.impact.flows[0].detail == (
        "customer.loyaltyTier (loyaltyTier of the answer of step 'customer') is read by step "
        "'to-points' of flow:loyalty"
    )
    assert _tasks(finding) == [
        ("T-1", "rework", ["interface:crm.customers.get"]),
        ("T-2", "upcoming", ["flow:loyalty"]),
        ("T-7", "upcoming", ["system:webshop"]),
    ]


def test_a_new_required_request_field_reaches_the_sink_mapping_without_it(shop: Path) -> None:
    finding = _finding(_impact(shop), "new-required-request-property")

    assert (finding.part, finding.path) == ("request", "/countryCode")
    assert finding.impact.interfaces == ["interface:crm.customers.create"]
    assert [c.ref for c in finding.impact.consumers] == ["flow:register"]
    assert _flows(finding) == [
        ("flow:register", "to-customer", "countryCode", "not-written", "certain")
    ]
    assert _tasks(finding) == [("T-3", "upcoming", ["flow:register"])]
    (task,) = finding.impact.tasks
    assert (task.status, task.start, task.finish) == (
        "not_started",
        dt.datetime(2027, 1, 28, 8),
        dt.datetime(2027, 2, 3, 17),
    )


def test_a_removed_operation_reaches_its_sender_its_consumer_and_their_tasks(shop: Path) -> None:
    finding = _finding(_impact(shop), "api-removed-without-deprecation")

    assert finding.part == "operation"
    assert finding.impact.interfaces == ["interface:crm.customers.delete"]
    assert [(c.ref, c.relation) for c in finding.impact.consumers] == [
        ("system:erp", "consumes"),
        ("flow:purge", "writes"),
    ]
    assert _flows(finding) == [("flow:purge", None, None, "sends", "certain")]
    assert _tasks(finding) == [
        ("T-4", "in-progress", ["flow:purge"]),
        ("T-6", "rework", ["system:erp"]),
    ]


def test_a_removed_field_of_a_received_event_reaches_the_step_reading_it(shop: Path) -> None:
    impact = _impact(shop, EVENTS, EVENTS_2)
    finding = _finding(impact, "sent-message-required-property-removed")

    assert (finding.part, finding.impact.interfaces) == (
        "request",
        ["interface:erp.orders.created"],
    )
    assert [c.ref for c in finding.impact.consumers] == [
        "flow:loyalty",
        "flow:notify",
        "flow:register",
    ]
    assert _flows(finding) == [("flow:loyalty", "to-points", "order.total", "read", "certain")]
    assert _tasks(finding) == [
        ("T-2", "upcoming", ["flow:loyalty"]),
        ("T-6", "rework", ["system:erp"]),
    ]


def test_the_summary_counts_what_the_change_reaches(shop: Path) -> None:
    summary = _impact(shop).summary

    assert (summary.contract, summary.old_file, summary.new_file) == (CRM, CRM, CRM_2)
    assert (summary.old_version, summary.new_version) == ("1.0.0", "2.0.0")
    assert summary.counts == {"ERR": 3, "WARN": 0, "INFO": 0}
    assert summary.affected_interfaces == [
        "interface:crm.customers.get",
        "interface:crm.customers.create",
        "interface:crm.customers.delete",
    ]
    assert summary.flows == {
        "flow:loyalty": "certain",
        "flow:register": "certain",
        "flow:purge": "certain",
    }
    assert summary.tasks == ["T-1", "T-2", "T-3", "T-4", "T-6", "T-7"]
    assert (summary.rework, summary.upcoming) == (["T-1", "T-6"], ["T-2", "T-3", "T-7"])
    assert summary.status_date == dt.datetime(2027, 1, 21)
    assert summary.unused_operations == []


def test_findings_on_operations_no_interface_stands_for_reach_nothing(shop: Path) -> None:
    system = shop / "systems" / "crm.yaml"
    text = system.read_text("utf-8")
    cut = text.index("  - id: customers.delete")
    system.write_text(text[:cut], "utf-8")
    (shop / "systems" / "erp.yaml").write_text(
        (shop / "systems" / "erp.yaml").read_text("utf-8").split("consumes:")[0], "utf-8"
    )
    (shop / "flows" / "purge.yaml").unlink()
    plan = shop / "plan" / "plan.yaml"
    plan.write_text(plan.read_text("utf-8").replace("[flow:purge]", "[]"), "utf-8")

    impact = _impact(shop)

    removed = _finding(impact, "api-removed-without-deprecation")
    assert removed.impact.interfaces == []
    assert removed.impact.tasks == []
    assert impact.summary.unused_operations == ["DELETE /customers/{customerId}"]
    assert impact.summary.reaching == {"ERR": 2, "WARN": 0, "INFO": 0}


def test_the_contract_is_old_new_or_the_one_of_the_same_name(shop: Path, tmp_path: Path) -> None:
    outside = tmp_path / "proposal" / "crm.openapi.yaml"
    outside.parent.mkdir()
    shutil.copy(shop / CRM_2, outside)
    project = _project(shop)

    by_name = analyse_contract_change(project, shop, outside, shop / CRM_2)
    backwards = analyse_contract_change(project, shop, outside, shop / CRM)
    named = analyse_contract_change(project, shop, outside, outside, contract=CRM)

    assert by_name.summary.contract == CRM
    assert by_name.summary.notes == [f"matched to {CRM} by its file name"]
    assert by_name.summary.old_file == outside.as_posix()
    assert backwards.summary.contract == CRM
    assert backwards.summary.notes == []
    assert (named.summary.contract, named.findings) == (CRM, [])


def test_a_contract_the_project_does_not_use_is_a_located_error(shop: Path, tmp_path: Path) -> None:
    stray = tmp_path / "billing.yaml"
    shutil.copy(shop / CRM_2, stray)
    project = _project(shop)

    with pytest.raises(ContractImpactError) as caught:
        analyse_contract_change(project, shop, stray, stray)
    assert caught.value.code == "E-IMPACT-001"
    assert caught.value.location is not None
    assert caught.value.location.file == str(stray)
    assert CRM in (caught.value.hint or "")

    with pytest.raises(ContractImpactError) as named:
        analyse_contract_change(project, shop, stray, stray, contract="contracts/crm.openapi.yml")
    assert named.value.hint == f"did you mean '{CRM}'?"


async def test_recorded_progress_and_risks_through_the_workspace(shop: Path) -> None:
    database = f"sqlite:///{shop.parent / 'records.db'}"
    async with workspace_session(shop, database_url_override=database) as workspace:
        request = TaskUpdateRequest(percent_complete=100, actual_finish=dt.date(2027, 1, 19))
        await update_task(workspace, "T-4", request, author="test")

        impact = await contract_impact(
            workspace, shop / CRM, shop / CRM_2, raise_risks=True, actor="test"
        )
        risks = await list_automatic_risks(workspace)

    removed = _finding(impact, "api-removed-without-deprecation")
    assert _tasks(removed)[0] == ("T-4", "rework", ["flow:purge"])
    assert [(r.interface, r.action, r.risk) for r in impact.summary.risks] == [
        ("interface:crm.customers.get", "created", "AR-1"),
        ("interface:crm.customers.create", "created", "AR-2"),
        ("interface:crm.customers.delete", "created", "AR-3"),
    ]
    delete = next(r for r in risks if r.ref == "interface:crm.customers.delete")
    assert (delete.kind, delete.severity, delete.source) == (
        "breaking-change-found",
        "critical",
        "contracts-impact",
    )
    assert [b["id"] for b in delete.evidence["breaking"]] == ["api-removed-without-deprecation"]
    assert "T-4" in delete.tasks


async def test_a_plan_that_does_not_schedule_still_lists_its_tasks(shop: Path) -> None:
    plan = shop / "plan" / "plan.yaml"
    plan.write_text(
        plan.read_text("utf-8").replace(
            "    depends_on: [T-1]\n    delivers: [flow:loyalty]",
            "    depends_on: [T-5]\n    delivers: [flow:loyalty]",
        ),
        "utf-8",
    )
    database = f"sqlite:///{shop.parent / 'records.db'}"
    async with workspace_session(shop, database_url_override=database) as workspace:
        facts = await plan_facts(workspace)

    assert [t.id for t in facts.tasks] == ["T-1", "T-2", "T-3", "T-4", "T-5", "T-6", "T-7"]
    assert all(t.start is None for t in facts.tasks)
    assert [t.status for t in facts.tasks][:2] == ["done", "not_started"]
    (note,) = facts.notes
    assert note.startswith("the plan does not schedule (")
