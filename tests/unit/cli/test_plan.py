"""``interloom plan``: show, update, baselines, Gantt chart and resources, as a user runs them.

The project is valid-minimal with the small plan of ``tests/data/plans/small``, on an embedded
SQLite database of its own.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from interloom.cli import output

DATA = Path(__file__).resolve().parents[2] / "data"

ConsoleScript = Callable[..., Any]  # the console_script fixture of conftest.py


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The global options that point the command at a copy of the project."""
    monkeypatch.setenv("COLUMNS", "300")
    root = tmp_path / "project"
    shutil.copytree(DATA / "projects" / "valid-minimal", root)
    (root / "expected.yaml").unlink()
    shutil.rmtree(root / "flows")  # the plan is what these tests are about
    shutil.rmtree(root / "plan")
    (root / "plan").mkdir()
    for source in (DATA / "plans" / "small").glob("*.yaml"):
        shutil.copy(source, root / "plan" / source.name)
    return ["--project", str(root), "--database-url", f"sqlite:///{tmp_path / 'plan.db'}"]


def test_show_prints_the_schedule_in_wbs_order(
    console_script: ConsoleScript, base: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output.console, "width", 200)  # a wide terminal: no cell is cut
    shown = console_script(*base, "plan", "show")

    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "Customer sync 2027-03-01 → 2027-03-18 · status date 2027-03-03" in lines[0]
    assert "5 critical tasks" in lines[0]
    rows = [line for line in lines if re.match(r"│ \d", line)]
    assert [row.split("│")[2].strip() for row in rows] == [
        "P-1",
        "T-1",
        "T-2",
        "M-1",
        "P-2",
        "T-3",
        "T-4",
        "T-5",
        "T-6",
        "M-2",
    ]
    t3 = next(row for row in rows if "│ T-3 " in row)
    assert "│   Build the customer sync flow " in t3  # indented under its summary
    cells = [cell.strip() for cell in t3.split("│")]
    assert cells[3:11] == [
        "Build the customer sync flow",
        "2027-03-05",
        "2027-03-12",
        "4d",
        "0d",
        "★",
        "0",
        "ana",
    ]


def test_show_critical_as_json(console_script: ConsoleScript, base: list[str]) -> None:
    shown = console_script(*base, "plan", "show", "--critical", "--output", "json")

    assert shown.exit_code == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert [t["id"] for t in view["tasks"]] == ["P-1", "T-2", "M-1", "P-2", "T-3", "T-5", "M-2"]
    assert view["critical_path"] == ["T-2", "M-1", "T-3", "T-5", "M-2"]


def test_update_records_progress_that_show_then_reflects(
    console_script: ConsoleScript, base: list[str]
) -> None:
    updated = console_script(
        *base,
        "plan",
        "update",
        "T-2",
        "--percent",
        "100",
        "--actual-finish",
        "2027-03-03",
        "--note",
        "done",
        "--author",
        "ben",
    )
    shown = console_script(*base, "plan", "show", "--output", "json")
    history = console_script(*base, "plan", "updates", "T-2", "--output", "json")

    assert updated.exit_code == 0, updated.stderr
    assert updated.stdout.startswith(
        "T-2: recorded percent_complete 100.0, actual_finish 2027-03-03"
    )
    t2 = next(t for t in json.loads(shown.stdout)["tasks"] if t["id"] == "T-2")
    assert (t2["percent_complete"], t2["critical"]) == (100, False)
    assert [(u["author"], u["note"]) for u in json.loads(history.stdout)] == [("ben", "done")]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["T-2", "--percent", "120"], "E-REQUEST-002 percent_complete"),
        (["T-2", "--actual-finish", "2027-02-26"], "E-PLAN-014 T-2.actual_finish"),
        (["T-2", "--actual-start", "someday"], "E-REQUEST-002 actual_start"),
        (["T-2"], "give at least one of"),
        (["T-77", "--percent", "5"], "E-NOTFOUND-001 task no task 'T-77'"),
        (["P-2", "--percent", "5"], "is a summary"),
    ],
)
def test_a_bad_update_fails_with_a_located_error(
    console_script: ConsoleScript, base: list[str], args: list[str], expected: str
) -> None:
    failed = console_script(*base, "plan", "update", *args)

    assert failed.exit_code == 1
    assert expected in failed.stderr
    assert "Traceback" not in failed.stderr


def test_baselines_are_saved_listed_and_compared(
    console_script: ConsoleScript, base: list[str]
) -> None:
    saved = console_script(*base, "plan", "baseline", "save", "approved", "--author", "sam")
    twice = console_script(*base, "plan", "baseline", "save", "approved")
    assert console_script(*base, "plan", "update", "T-3", "--remaining", "6d").exit_code == 0
    listed = console_script(*base, "plan", "baseline", "list")
    compared = console_script(*base, "plan", "baseline", "compare", "approved", "--slipped")
    as_json = console_script(*base, "plan", "baseline", "compare", "approved", "-o", "json")
    replaced = console_script(*base, "plan", "baseline", "save", "approved", "--replace")

    assert saved.stdout.strip() == "baseline approved saved: 10 tasks"
    assert twice.exit_code == 1
    assert "E-CONFLICT-001" in twice.stderr
    assert re.search(r"│ approved │ \S+ \S+ │ sam +│ 2027-03-03 +│ 10 ", listed.stdout)
    assert compared.exit_code == 0, compared.stderr
    # T-3 takes two days more; Ben's leave on the 15th and 16th absorbs most of it for T-5.
    assert "against approved: project finish 2027-03-18 (+0.5d) · 6 tasks slipped" in (
        compared.stdout
    )
    rows = [line for line in compared.stdout.splitlines() if re.match(r"│ \d", line)]
    assert {row.split("│")[2].strip() for row in rows} == {"P-2", "T-3", "T-4", "T-5", "T-6", "M-2"}
    comparison = json.loads(as_json.stdout)
    t3 = next(t for t in comparison["tasks"] if t["id"] == "T-3")
    assert (t3["duration_variance_days"], t3["finish_variance_days"]) == (2, 2)
    assert replaced.exit_code == 0


def test_gantt_writes_svg_or_html_by_the_file_name(
    console_script: ConsoleScript, base: list[str], tmp_path: Path
) -> None:
    console_script(*base, "plan", "baseline", "save", "approved")

    svg = console_script(*base, "plan", "gantt", "--output-file", str(tmp_path / "g.svg"))
    page = console_script(
        *base, "plan", "gantt", "-f", str(tmp_path / "out" / "g.html"), "--baseline", "approved"
    )
    wrong = console_script(*base, "plan", "gantt", "-f", str(tmp_path / "g.png"))

    assert svg.exit_code == 0, svg.stderr
    assert etree.parse(str(tmp_path / "g.svg")).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert page.exit_code == 0, page.stderr
    text = (tmp_path / "out" / "g.html").read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert 'class="baseline-bar"' in text
    assert wrong.exit_code == 1
    assert "name it .svg or .html" in wrong.stderr


def test_resources_list_over_allocations(console_script: ConsoleScript, base: list[str]) -> None:
    shown = console_script(*base, "plan", "resources")
    as_json = console_script(*base, "plan", "resources", "--output", "json")

    assert shown.exit_code == 0, shown.stderr
    assert "Over-allocations" in shown.stdout
    assert re.search(
        r"│ ana +│ 2027-03-11 13:00 │ 2027-03-12 12:00 │ 2 +│ 1 +│ T-3, T-6", shown.stdout
    )
    ben = next(r for r in json.loads(as_json.stdout) if r["id"] == "ben")
    assert (ben["assigned_hours"], ben["cost"]) == (7 * 8, 7 * 8 * 60)
