"""The stand-up digest and the weekly report of the small project, from files and records."""

from __future__ import annotations

import datetime as dt

from defusedxml import ElementTree

from interloom.core.delivery.reporting import MilestoneState
from interloom.core.delivery.signals import Signal
from interloom.formats.plan.reports import ReportFormat
from interloom.services import delivery_reports, plan, risk_signals
from interloom.services.workspace import Workspace

from .conftest import Record
from .test_plan_management import progress


async def test_standup_lists_done_blocked_and_due_per_person(
    workspace: Workspace, record: Record
) -> None:
    await progress(record)

    wednesday = await delivery_reports.standup(workspace, day=dt.date(2027, 1, 13))
    thursday = await delivery_reports.standup(workspace, day=dt.date(2027, 1, 14))

    assert wednesday.since == dt.datetime(2027, 1, 12)
    (bob,) = wednesday.people
    assert bob.person == "bob"
    assert [e.task for e in bob.done] == ["T-2"]  # finished at the end of Tuesday
    assert [e.task for e in bob.blocked] == ["T-4"]
    assert bob.due_today == []
    people = {p.person: p for p in thursday.people}
    assert [e.task for e in people["bob"].done] == ["T-4"]  # T-2 is no news on Thursday
    assert people["bob"].done[0].note == "All green"
    assert set(people) == {"bob"}
    text = await delivery_reports.render_standup_digest(workspace, day=dt.date(2027, 1, 14))
    assert text.startswith("# Stand-up — Small delivery — Thu 2027-01-14\n")
    assert "- T-4 End-to-end test (100 %) — All green" in text


async def test_weekly_report_facts(workspace: Workspace, record: Record) -> None:
    await plan.save_baseline(workspace, "approved", actor="carla")
    await progress(record)
    await risk_signals.raise_signal(
        workspace, Signal(kind="dead-letters-growing", ref="flow:order-sync", severity="critical")
    )

    first = await delivery_reports.weekly_report(workspace, week=dt.date(2027, 1, 6))
    second = await delivery_reports.weekly_report(workspace, week=dt.date(2027, 1, 13))

    # Week 1: status the plan's, Tuesday 5 (end); T-1 done; T-2 and T-4 critical.
    assert (first.week_start, first.week_end) == (dt.date(2027, 1, 4), dt.date(2027, 1, 10))
    assert first.status_date == dt.datetime(2027, 1, 6)
    assert [t.id for t in first.critical_path] == ["T-2", "T-4", "M-1"]
    assert [w.id for w in first.completed] == ["T-1"]
    assert [(m.id, m.state) for m in first.milestones] == [("M-1", MilestoneState.AT_RISK)]
    mocked = [r for r in first.risks if r.automatic and "still only mocked" in r.title]
    assert sorted(r.refs[0] for r in mocked) == [
        "interface:crm.customers.update",
        "interface:shop.orders.created",
    ]
    assert first.sprint is not None
    assert first.sprint.sprint.id == "S-1"
    # Week 2: status Friday 15 (end); everything done, so M-1 is reached.
    assert second.status_date == dt.datetime(2027, 1, 16)
    assert [(m.id, m.state, m.forecast) for m in second.milestones] == [
        ("M-1", MilestoneState.DONE, dt.datetime(2027, 1, 15))
    ]
    assert second.critical_path == []
    assert second.critical_change.removed == ["T-2", "T-4", "M-1"]
    assert [w.id for w in second.completed] == ["T-2", "T-4"]
    assert second.baseline_name == "approved"
    assert second.evm is not None
    assert second.evm.performance.ev == 6_800
    # The interfaces' risks closed once their work had started; the signal's is still open.
    assert [r.id for r in second.risks] == ["AR-1", "R-1", "R-2"]  # 0.36, 0.28, 0.01
    assert second.risk_counts == {"low": 1, "medium": 0, "high": 2}
    assert [c.id for c in second.changes] == ["CR-1", "CR-2"]
    assert [(i.ref, i.ready) for i in second.interfaces] == [
        ("interface:crm.customers.update", False),
        ("interface:crm.customers.get", True),
    ]
    assert second.velocity is not None
    assert second.velocity.average == 48


async def test_weekly_report_as_markdown_and_html(workspace: Workspace, record: Record) -> None:
    await progress(record)

    markdown = await delivery_reports.render_weekly_report(workspace, week=dt.date(2027, 1, 13))
    html = await delivery_reports.render_weekly_report(
        workspace, week=dt.date(2027, 1, 13), fmt=ReportFormat.HTML
    )

    assert markdown.startswith("# Weekly report — Small delivery\n")
    for heading in (
        "## Summary",
        "## Milestones",
        "## Critical path",
        "## Earned value",
        "## Risks",
        "## Change requests",
        "## Interface readiness",
        "## Sprint S-2",
    ):
        assert f"\n{heading}" in markdown
    assert "status date end of Fri 2027-01-15" in markdown
    assert "| M-1 Go-live | Fri 2027-01-15 |" in markdown
    assert "Velocity: S-1 40, S-2 56; average 48 hours per sprint" in markdown
    assert html.startswith("<!DOCTYPE html>")
    assert html.count("<svg") == 3  # heat map, burndown, velocity
    for chunk in html.split("<svg")[1:]:  # each chart is well-formed XML
        ElementTree.fromstring("<svg" + chunk.split("</svg>")[0] + "</svg>")
