"""The weekly report and the stand-up rendered from their facts: every section, safely escaped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from interloom.core.catalog import Lifecycle
from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_schedule import schedule_plan
from interloom.core.delivery.reporting import (
    ChangeLine,
    CriticalPathChange,
    PersonStandup,
    Standup,
    StandupEntry,
    WeeklyReport,
    critical_tasks,
    interface_readiness,
    milestone_forecasts,
)
from interloom.core.delivery.risks import Risk, RiskLevel, heat_map, scored
from interloom.formats.plan.reports import ReportFormat, render_standup, render_weekly

PLAN = Plan.model_validate(
    {
        "project": {"name": "Shop | CRM <sync>", "start": "2027-01-04"},
        "milestones": [{"id": "M-1", "name": "Live", "date": "2027-01-08"}],
        "tasks": [
            {
                "id": "T-1",
                "name": "Contract | v2",
                "duration": "2d",
                "assignee": "ann",
                "delivers": ["interface:crm.customers.get"],
            },
            {
                "id": "T-2",
                "name": "<script>alert(1)</script>",
                "duration": "2d",
                "depends_on": ["T-1"],
                "milestone": "M-1",
            },
        ],
    }
)


def weekly(**changes: Any) -> WeeklyReport:
    schedule = schedule_plan(PLAN, status_date=dt.date(2027, 1, 4))
    risk = scored(
        Risk.model_validate(
            {"id": "R-1", "title": "Rate | limit", "probability": 0.9, "impact": {"cost": 0.4}}
        )
    )
    facts: dict[str, Any] = {
        "project": schedule.name,
        "currency": "EUR",
        "week_start": dt.date(2027, 1, 4),
        "week_end": dt.date(2027, 1, 10),
        "status_date": dt.datetime(2027, 1, 5),
        "generated_at": dt.datetime(2027, 1, 5, 9, 30),
        "finish": schedule.schedule.project_finish,
        "previous_finish": None,
        "baseline_name": None,
        "baseline_finish": None,
        "finish_slip_days": None,
        "milestones": milestone_forecasts(schedule, None),
        "critical_path": critical_tasks(schedule),
        "critical_change": CriticalPathChange(added=["T-2"], removed=[]),
        "slipped": [],
        "completed": [],
        "starting_next": [],
        "evm": None,
        "evm_note": "no cost",
        "risks": [risk],
        "risk_counts": {RiskLevel.HIGH: 1, RiskLevel.MEDIUM: 0, RiskLevel.LOW: 0},
        "heat_map": heat_map([risk]),
        "changes": [
            ChangeLine(
                id="CR-1",
                title="More | less",
                state="assessed",
                requester="bob",
                finish_delta_days=1.5,
                cost_delta=-200,
            )
        ],
        "interfaces": interface_readiness(
            schedule, {"interface:crm.customers.get": Lifecycle.MOCKED}, {}
        ),
        "sprint": None,
        "velocity": None,
    }
    return WeeklyReport.model_validate({**facts, **changes})


def test_markdown_has_every_section_and_escapes_table_cells() -> None:
    text = render_weekly(weekly())

    lines = text.splitlines()
    assert lines[0] == "# Weekly report — Shop \\| CRM &lt;sync&gt;"
    assert (
        "Week 2027-W01 (Mon 2027-01-04 – Sun 2027-01-10) · status date end of Mon 2027-01-04"
        in text
    )
    assert (
        "| T-1 Contract \\| v2 | Tue 2027-01-05 08:00 | Wed 2027-01-06 17:00 | 0 | 0 % | ann |"
        in lines
    )
    assert "| R-1 | Rate \\| limit | other | 0.9 | 0.4 | 0.36 | high |  |  |" in lines
    assert "| CR-1 | More \\| less | assessed | bob | +1.5 | -200.00 |" in lines
    assert "no cost" in text  # the note stands in for the EVM table
    assert "| T-2 &lt;script&gt;alert(1)&lt;/script&gt; |" in text  # no raw HTML
    assert "Since a week earlier: joined T-2." in text
    assert "| Get a customer" not in text  # names default to the reference
    assert (
        "| interface:crm.customers.get (`interface:crm.customers.get`) | mocked | **no** |" in text
    )
    assert "## Sprint" not in text
    assert "\n\n\n" not in text
    assert text.endswith("\n")
    assert not text.endswith("\n\n")


def test_html_escapes_what_the_plan_says_and_embeds_the_heat_map() -> None:
    page = render_weekly(weekly(), ReportFormat.HTML)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<h1>Weekly report — Shop | CRM &lt;sync&gt;</h1>" in page
    assert page.count("<svg") == 1
    assert 'class="level-high">high</td>' in page


def test_standup_lists_each_persons_items() -> None:
    entry = StandupEntry(
        task="T-1",
        name="Contract | v2",
        percent_complete=100,
        finish=dt.datetime(2027, 1, 5, 17),
        note="Signed",
    )
    digest = Standup(
        project="Shop",
        day=dt.date(2027, 1, 6),
        since=dt.datetime(2027, 1, 5),
        people=[
            PersonStandup(person="ann", done=[entry], due_today=[], blocked=[], in_progress=[]),
            PersonStandup(
                person="bob",
                done=[],
                due_today=[],
                blocked=[entry.model_copy(update={"percent_complete": 40})],
                in_progress=[],
            ),
        ],
    )

    text = render_standup(digest)

    assert text.splitlines()[:3] == [
        "# Stand-up — Shop — Wed 2027-01-06",
        "",
        "Since Tue 2027-01-05 00:00.",
    ]
    assert "## ann\n\nDone:\n- T-1 Contract \\| v2 (100 %) — Signed\n" in text
    assert "Blocked:\n- T-1 Contract \\| v2 (40 %, finishes Tue 2027-01-05 17:00) — Signed" in text
    assert "Due today" not in text


def test_a_quiet_day_says_so() -> None:
    text = render_standup(
        Standup(project="Shop", day=dt.date(2027, 1, 6), since=dt.datetime(2027, 1, 5), people=[])
    )

    assert "Nothing done, due or blocked." in text
