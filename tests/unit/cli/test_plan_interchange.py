"""``plan import``, ``plan export`` and ``plan check`` as a person runs them."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from icalendar import Calendar

from interloom.core.delivery.plan import Plan
from interloom.formats.project_files import parse_file

ROOT = Path(__file__).resolve().parents[3]
MSPDI = ROOT / "tests" / "data" / "mspdi"

SETTINGS = """\
name: interchange
environments:
  dev: {}
default_environment: dev
"""
PLAN = """\
project:
  name: Lookup API
  start: 2027-01-04
  status_date: 2027-01-05
milestones:
  - id: M-1
    name: Lookup live
    date: 2027-01-15
tasks:
  - id: T-1
    name: Review the contract
    duration: 2d
    percent_complete: 50
    actual_start: 2027-01-04
    milestone: M-1
  - id: T-2
    name: Build the flow
    duration: 3d
    depends_on: [T-1, {task: T-1, type: SS, lag: 1d}]
    deadline: 2027-01-08
    milestone: M-1
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "plan").mkdir(parents=True)
    (root / "interloom.yaml").write_text(SETTINGS)
    (root / "plan" / "plan.yaml").write_text(PLAN)
    return root


def test_check_passes_on_a_hand_computed_file(console_script) -> None:
    outcome = console_script("plan", "check", str(MSPDI / "links.xml"))
    assert outcome.exit_code == 0
    assert "all 11 tasks agree with Interloom's schedule" in outcome.stdout


def test_check_prints_exactly_the_mismatches_as_json_and_fails(console_script) -> None:
    outcome = console_script("plan", "check", str(MSPDI / "wrong-dates.xml"), "--output", "json")
    assert outcome.exit_code == 1
    assert json.loads(outcome.stdout) == {
        "tasks": 9,
        "mismatches": [
            {
                "uid": 3,
                "name": "B",
                "field": "Finish",
                "file": "2027-01-11T17:00:00",
                "ours": "2027-01-08T17:00:00",
            },
            {
                "uid": 8,
                "name": "E",
                "field": "Start",
                "file": "2027-01-14T09:00:00",
                "ours": "2027-01-14T08:00:00",
            },
        ],
    }


def test_check_lists_mismatches_for_people(console_script) -> None:
    outcome = console_script("plan", "check", str(MSPDI / "wrong-dates.xml"))
    assert outcome.exit_code == 1
    assert "2 dates differ" in outcome.stdout
    assert "2027-01-11T17:00:00" in outcome.stdout


def test_a_broken_file_is_a_located_error_not_a_traceback(console_script, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text('<Project xmlns="http://schemas.microsoft.com/project">\n<Tasks>\n')
    outcome = console_script("plan", "check", str(broken), "--output", "json")
    assert outcome.exit_code == 1
    error = json.loads(outcome.stdout)["error"]
    assert error["code"] == "E-MSPDI-001"
    assert error["location"]["file"] == str(broken)
    assert "Traceback" not in outcome.stderr


def test_import_writes_a_plan_file(console_script, tmp_path: Path) -> None:
    target = tmp_path / "plan" / "imported.yaml"
    outcome = console_script("plan", "import", str(MSPDI / "calendars.xml"), "--write", str(target))
    assert outcome.exit_code == 0, outcome.stderr
    assert (
        f"imported 6 tasks, 0 milestones, 5 links, 3 calendars, 1 resource from calendars.xml "
        f"(mspdi) into {target}" in outcome.stdout
    )
    parsed = parse_file(target.read_text(), "imported.yaml", Plan)
    assert parsed.problems == []
    assert parsed.loaded is not None
    assert [t.name for t in parsed.loaded.model.tasks][:2] == ["A", "B"]
    again = console_script("plan", "import", str(MSPDI / "calendars.xml"), "--write", str(target))
    assert again.exit_code == 1
    assert "E-CONFLICT-001" in again.stderr
    assert "--force" in again.stderr


def test_import_without_write_prints_the_plan(console_script) -> None:
    outcome = console_script("plan", "import", str(MSPDI / "summaries.xml"))
    assert outcome.exit_code == 0
    assert outcome.stdout.startswith("# Imported by Interloom from summaries.xml (mspdi).\n")
    assert "  - id: T-7\n    name: D\n    parent: T-6\n" in outcome.stdout


def test_import_reports_every_bad_csv_row(console_script, tmp_path: Path) -> None:
    bad = tmp_path / "tasks.csv"
    bad.write_text("Issue key,Summary,Story Points\nT-1,A,many\nT-2,,3\n")
    outcome = console_script("plan", "import", str(bad), "--output", "json")
    assert outcome.exit_code == 1
    error = json.loads(outcome.stdout)["error"]
    assert error["code"] == "E-CSV-001"
    assert error["details"] == [
        {"pointer": "/rows/2/Story Points", "message": "could not convert string to float: 'many'"},
        {"pointer": "/rows/3/Summary", "message": "String should have at least 1 character"},
    ]


@pytest.mark.skipif(
    importlib.util.find_spec("mpxj") is not None, reason="the mpxj extra is installed here"
)
def test_an_mpp_file_without_the_extra_says_what_to_install(console_script, tmp_path: Path) -> None:
    mpp = tmp_path / "plan.mpp"
    mpp.write_bytes(b"\xd0\xcf\x11\xe0")
    outcome = console_script("plan", "import", str(mpp), "--output", "json")
    assert outcome.exit_code == 1
    error = json.loads(outcome.stdout)["error"]
    assert error["code"] == "E-MPXJ-001"
    assert "pip install 'interloom[mpxj]'" in error["hint"]


def test_export_mspdi_round_trips_through_import_and_check(
    console_script, project: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "out" / "plan.xml"
    outcome = console_script(
        "--project", str(project), "plan", "export", "--format", "mspdi", "-f", str(exported)
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert f"wrote {exported}" in outcome.stdout
    check = console_script("plan", "check", str(exported), "--output", "json")
    assert check.exit_code == 0
    assert json.loads(check.stdout) == {"tasks": 3, "mismatches": []}
    back = console_script("plan", "import", str(exported), "--output", "json")
    plan = json.loads(back.stdout)["plan"]
    assert [t["id"] for t in plan["tasks"]] == ["T-1", "T-2"]
    assert plan["tasks"][1]["depends_on"] == [
        {"task": "T-1"},
        {"task": "T-1", "type": "SS", "lag": "1d"},
    ]
    assert plan["milestones"] == [{"id": "M-1", "name": "Lookup live", "date": "2027-01-15"}]


def test_export_includes_recorded_progress(console_script, project: Path, tmp_path: Path) -> None:
    update = console_script(
        "--project", str(project), "plan", "update", "T-1", "--actual-finish", "2027-01-05"
    )
    assert update.exit_code == 0, update.stderr
    exported = tmp_path / "plan.csv"
    outcome = console_script(
        "--project", str(project), "plan", "export", "--format", "csv", "-f", str(exported)
    )
    assert outcome.exit_code == 0, outcome.stderr
    first = exported.read_text().splitlines()[1]
    assert first.startswith("T-1,Review the contract,Task,")
    # The file says 50 % and no finish; the recorded update says it finished on the 5th.
    assert ",100,2027-01-04,2027-01-05," in first


def test_export_ical(console_script, project: Path, tmp_path: Path) -> None:
    target = tmp_path / "milestones.ics"
    outcome = console_script(
        "--project",
        str(project),
        "plan",
        "export",
        "--format",
        "ical",
        "-f",
        str(target),
        "--deadlines",
        "--output",
        "json",
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["format"] == "ical"
    events = {str(e["uid"]): e for e in Calendar.from_ical(target.read_bytes()).walk("VEVENT")}
    assert sorted(events) == [
        "deadline-T-2@lookup-api.interloom",
        "milestone-M-1@lookup-api.interloom",
    ]
    assert str(events["milestone-M-1@lookup-api.interloom"]["summary"]) == "Lookup API: Lookup live"
