"""Sprints, earned value, the register and RACI of the small project, from files and records.

Standard calendar from Monday 4 January 2027. T-1 (Ann, 2 days, 1,600) is done on Tuesday 5;
T-2 (Bob, 5 days, 2,000) and T-3 (Ann, 3 days, 2,400) start on Wednesday 6; T-4 (Bob, 2 days,
800) runs Wednesday 13 to Thursday 14. Sprint S-1 (4–8 January) holds T-1 and T-3, S-2
(11–15 January) T-2 and T-4; work is counted in hours.
"""

from __future__ import annotations

import datetime as dt

import pytest

from interloom.core.catalog import Lifecycle
from interloom.core.delivery.evm import EarningRule
from interloom.core.delivery.risks import RiskLevel, RiskStatus
from interloom.core.delivery.signals import Signal
from interloom.core.delivery.sprints import Measure, SprintState
from interloom.core.errors import ConflictError, NotFoundError
from interloom.formats.plan.raci_matrix import MatrixFormat
from interloom.services import catalog, plan, plan_management, risk_signals
from interloom.services.workspace import Workspace

from .conftest import Record

FRIDAY_8 = dt.date(2027, 1, 8)
FRIDAY_15 = dt.date(2027, 1, 15)


async def progress(record: Record) -> None:
    """T-2 half done and T-3 done by Friday 8; both finished for good the week after."""
    await record("T-3", "2027-01-06T09:00", actual_start="2027-01-06", percent_complete=30)
    await record("T-2", "2027-01-08T16:00", actual_start="2027-01-06", percent_complete=50)
    await record("T-3", "2027-01-08T17:00", actual_finish="2027-01-08")
    await record("T-2", "2027-01-12T17:00", actual_finish="2027-01-12")
    await record("T-4", "2027-01-13T10:00", actual_start="2027-01-13", status="blocked")
    await record("T-4", "2027-01-14T17:00", actual_finish="2027-01-14", note="All green")


async def test_sprints_with_scope_progress_velocity_and_backlog(
    workspace: Workspace, record: Record
) -> None:
    await progress(record)

    view = await plan_management.list_sprints(workspace, status_date=FRIDAY_15)

    assert view.measure is Measure.HOURS
    assert [(s.id, s.start, s.finish, s.state) for s in view.sprints] == [
        ("S-1", dt.date(2027, 1, 4), FRIDAY_8, SprintState.CLOSED),
        ("S-2", dt.date(2027, 1, 11), FRIDAY_15, SprintState.CLOSED),
    ]
    assert [(s.scope, s.completed) for s in view.sprints] == [(40, 40), (56, 56)]
    assert view.velocity.average == 48
    assert view.backlog == []


async def test_burndown_of_a_sprint_from_the_recorded_updates(
    workspace: Workspace, record: Record
) -> None:
    await progress(record)

    report = await plan_management.get_sprint(workspace, "S-2", status_date=FRIDAY_15)

    # T-2 was half done before the sprint: 56 h of scope, 36 h left at its start.
    assert [d.remaining for d in report.days] == [36, 36, 16, 16, 0, 0]
    assert report.days[0].ideal == 56
    assert [i.id for i in report.items] == ["T-2", "T-4"]
    chart = await plan_management.sprint_chart(
        workspace, "S-2", plan_management.SprintChart.BURNUP, status_date=FRIDAY_15
    )
    assert chart.startswith("<svg")
    assert "series-done" in chart
    with pytest.raises(NotFoundError, match="no sprint 'S-3'"):
        await plan_management.get_sprint(workspace, "S-3")


async def test_earned_value_against_a_saved_baseline(workspace: Workspace, record: Record) -> None:
    await plan.save_baseline(workspace, "approved", actor="carla")
    await progress(record)

    view = await plan_management.earned_value(workspace, status_date=FRIDAY_8)

    assert (view.baseline, view.note, view.currency) == ("approved", None, "EUR")
    p = view.earned_value.performance
    # PV by Friday 8 end: T-1 1,600 + 3/5 of T-2 1,200 + T-3 2,400; EV: T-2 half done.
    assert (p.bac, p.pv, p.ev, p.ac) == (6_800, 5_200, 5_000, 5_000)
    assert p.spi == pytest.approx(0.9615, abs=1e-4)
    assert p.cpi == 1
    assert view.earned_value.ac_estimated
    # Cumulative PV per day: 800, 1,600, 2,800, 4,000, 5,200, …: ES = 4 + 1,000 / 1,200.
    s = view.earned_value.schedule
    assert (s.es, s.at, s.pd) == (pytest.approx(4.8333, abs=1e-4), 5, 9)


async def test_earned_value_by_evidence_follows_the_interfaces_states(
    workspace: Workspace, record: Record
) -> None:
    await plan.save_baseline(workspace, "approved", actor="carla")
    await record("T-3", "2027-01-06T09:00", actual_start="2027-01-06", percent_complete=90)
    before = await plan_management.earned_value(
        workspace, status_date=FRIDAY_8, rule=EarningRule.EVIDENCE
    )
    # T-3 delivers crm.customers.update, mocked: a quarter of its 2,400 is earned, whatever
    # percent complete is reported.
    assert before.earned_value.performance.ev == 1_600 + 600

    # Its contract tests pass: it counts as conformant, half of the budget.
    await risk_signals.raise_signal(
        workspace,
        Signal(kind="contract-test-failing", ref="interface:crm.customers.update", cleared=True),
    )
    tested = await plan_management.earned_value(
        workspace, status_date=FRIDAY_8, rule=EarningRule.EVIDENCE
    )
    await catalog.set_interface_lifecycle(
        workspace, "crm.customers.update", Lifecycle.LOAD_TESTED, actor="ann"
    )
    loaded = await plan_management.earned_value(
        workspace, status_date=FRIDAY_8, rule=EarningRule.EVIDENCE
    )

    assert tested.earned_value.performance.ev == 1_600 + 1_200
    assert loaded.earned_value.performance.ev == 1_600 + 1_800


async def test_without_a_baseline_the_schedule_stands_in(workspace: Workspace) -> None:
    view = await plan_management.earned_value(workspace)

    assert view.baseline is None
    assert view.note == "no baseline saved: the current schedule stands in for one"
    assert view.earned_value.performance.bac == 6_800


async def test_an_empty_plan_has_no_earned_value(workspace: Workspace) -> None:
    files = workspace.project.plans
    emptied = [
        type(f)(model=f.model.model_copy(update={"tasks": [], "milestones": []}), source=f.source)
        for f in files
    ]
    workspace.load = type(workspace.load)(
        root=workspace.root,
        project=type(workspace.project)(
            settings=workspace.project.settings,
            systems=workspace.project.systems,
            flows=workspace.project.flows,
            plans=tuple(emptied),
        ),
    )

    with pytest.raises(ConflictError, match="no"):
        await plan_management.earned_value(workspace)


async def test_register_filters_and_heat_map(workspace: Workspace) -> None:
    await risk_signals.raise_signal(
        workspace, Signal(kind="slo-burning", ref="flow:order-sync", severity="info")
    )

    everything = await plan_management.list_risks(workspace)
    high = await plan_management.list_risks(workspace, level=RiskLevel.HIGH)
    declared = await plan_management.list_risks(workspace, automatic=False)
    heat = await plan_management.risk_heat_map(workspace)

    assert [(r.id, r.score) for r in everything] == [("R-1", 0.28), ("AR-1", 0.12), ("R-2", 0.01)]
    assert [r.id for r in high] == ["R-1"]
    assert [r.id for r in declared] == ["R-1", "R-2"]
    assert heat.total == 3
    assert heat.rows[1][3].risks == ["R-1"]  # probability 0.7, impact 0.4
    closed = await plan_management.list_risks(workspace, status=RiskStatus.CLOSED)
    assert closed == []


async def test_raci_matrix_in_every_format(workspace: Workspace) -> None:
    matrix = await plan_management.get_raci(workspace)

    assert matrix.deliverables == ["milestone:M-1", "flow:order-sync"]
    assert matrix.labels["milestone:M-1"] == "M-1 Go-live"
    assert matrix.labels["flow:order-sync"] == "Orders to the CRM"
    assert matrix.cells["flow:order-sync"] == {"bob": "R", "ann": "A", "carla": "C"}
    markdown = await plan_management.render_raci_matrix(workspace, MatrixFormat.MARKDOWN)
    assert "| M-1 Go-live (`milestone:M-1`) | I | R | A |" in markdown
    csv = await plan_management.render_raci_matrix(workspace, MatrixFormat.CSV)
    assert csv.splitlines()[0] == "deliverable,name,ann,bob,carla"
    html = await plan_management.render_raci_matrix(workspace, MatrixFormat.HTML)
    assert '<td class="A">A</td>' in html
