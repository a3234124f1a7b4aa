"""The delivery-management commands, run as the console script runs them (SQLite)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from interloom.cli.main import run


@dataclass(frozen=True, slots=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


Interloom = Callable[..., Outcome]


@pytest.fixture
def interloom(
    project_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Interloom:
    """``interloom(ARGS…)`` on the small project and a SQLite database of the test's own."""
    database = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("COLUMNS", "300")

    def invoke(*args: str) -> Outcome:
        argv = ["interloom", "--project", str(project_dir), "--database-url", database, *args]
        monkeypatch.setattr(sys, "argv", argv)
        capsys.readouterr()
        try:
            run()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        else:  # pragma: no cover - Typer always exits
            code = 0
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return invoke


def test_sprints_sprint_and_charts(interloom: Interloom, tmp_path: Path) -> None:
    listed = interloom("plan", "sprints", "--status-date", "2027-01-08")
    shown = interloom("plan", "sprint", "S-1", "-o", "json")
    chart = tmp_path / "s1.svg"
    drawn = interloom("plan", "sprint", "S-1", "--chart", "burndown", "--output-file", str(chart))
    velocity = interloom("plan", "velocity")

    assert listed.exit_code == 0, listed.stderr
    assert "S-1" in listed.stdout
    assert "closed" in listed.stdout
    assert "backlog: 0 tasks in no sprint" in listed.stdout
    assert json.loads(shown.stdout)["scope"] == 40
    assert drawn.exit_code == 0
    assert chart.read_text("utf-8").startswith("<svg")
    assert "wrote" in drawn.stderr
    assert velocity.stdout.startswith("<svg")


def test_raci_and_earned_value(interloom: Interloom) -> None:
    csv = interloom("plan", "raci", "--format", "csv")
    evm = interloom("plan", "evm", "--tasks")
    data = interloom("plan", "evm", "-o", "json")

    assert csv.stdout.splitlines()[0] == "deliverable,name,ann,bob,carla"
    assert evm.exit_code == 0, evm.stderr
    assert "no baseline saved" in evm.stdout
    assert "SPI(t)" in evm.stdout
    assert json.loads(data.stdout)["earned_value"]["performance"]["bac"] == 6_800


def test_risks_from_a_signal(interloom: Interloom) -> None:
    sent = interloom(
        "risks",
        "signal",
        "slo-burning",
        "flow:order-sync",
        "--severity",
        "critical",
        "--evidence",
        '{"burn_rate": 14.4}',
        "--source",
        "monitoring",
    )
    listed = interloom("risks", "list", "--automatic", "-o", "json")
    shown = interloom("risks", "show", "AR-1")
    heat = interloom("risks", "heatmap")
    cleared = interloom("risks", "signal", "slo-burning", "flow:order-sync", "--clear")

    assert sent.exit_code == 0, sent.stderr
    assert sent.stdout.startswith("AR-1 created: SLO of flow:order-sync burning")
    assert [r["id"] for r in json.loads(listed.stdout)] == ["AR-1"]
    assert '"burn_rate": 14.4' in shown.stdout
    assert heat.stdout.splitlines()[1].split()[0] == "0.9"
    assert cleared.stdout.startswith("AR-1 closed")


def test_bad_input_is_a_coded_error_without_traceback(interloom: Interloom) -> None:
    bad_json = interloom("risks", "signal", "slo-burning", "flow:x", "--evidence", "[1")
    bad_ref = interloom("risks", "signal", "slo-burning", "order-sync")
    bad_date = interloom("plan", "sprints", "--status-date", "friday")
    unknown = interloom("risks", "show", "R-9")

    for outcome in (bad_json, bad_ref, bad_date, unknown):
        assert outcome.exit_code == 1
        assert "Traceback" not in outcome.stderr
    assert "E-REQUEST-002 --evidence --evidence is not JSON" in bad_json.stderr
    assert "E-REQUEST-002 ref" in bad_ref.stderr
    assert "'friday' is not a date" in bad_date.stderr
    assert "E-NOTFOUND-001" in unknown.stderr


def test_change_workflow_from_the_command_line(interloom: Interloom) -> None:
    submitted = interloom("changes", "submit", "CR-1", "--actor", "carla")
    assessed = interloom("changes", "assess", "CR-1")
    approved = interloom("changes", "approve", "CR-1")
    implemented = interloom("changes", "implement", "CR-1")
    again = interloom("changes", "approve", "CR-1", "-o", "json")
    listed = interloom("changes", "list")
    shown = interloom("changes", "show", "CR-2", "--impact")

    assert submitted.stdout.strip() == "CR-1 is now submitted"
    assert "project finish 2027-01-14 17:00 → 2027-01-18 17:00 (+2 working days)" in (
        assessed.stdout
    )
    assert approved.exit_code == 0, approved.stderr
    assert "still to do in the plan files: add task T-5" in implemented.stdout
    assert again.exit_code == 1
    assert json.loads(again.stdout)["error"]["code"] == "E-CHANGE-001"
    assert "implemented" in listed.stdout
    assert "cost -1,600.00" in shown.stdout
    reject = interloom("changes", "reject", "CR-2")
    assert reject.exit_code == 2  # --note is required
    assert "--note" in reject.stderr


def test_reports(interloom: Interloom, tmp_path: Path) -> None:
    page = tmp_path / "reports" / "weekly.html"
    weekly = interloom("report", "weekly", "--format", "html", "--output-file", str(page))
    markdown = interloom("report", "weekly", "--week", "2027-01-04")
    standup = interloom("report", "standup", "--date", "2027-01-05")

    assert weekly.exit_code == 0, weekly.stderr
    assert page.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert markdown.stdout.startswith("# Weekly report — Small delivery")
    assert "Week 2027-W01" in markdown.stdout
    assert standup.stdout.startswith("# Stand-up — Small delivery — Tue 2027-01-05")
    assert "T-1 Agree the customer contract (100 %)" in standup.stdout
