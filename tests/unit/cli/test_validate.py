"""``interloom validate``: every problem on one line, exit status, JSON report, --strict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from interloom.cli.main import app

PROJECTS = Path(__file__).resolve().parents[2] / "data" / "projects"
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "retail"
BROKEN = sorted(
    p.name for p in PROJECTS.iterdir() if p.is_dir() and not p.name.startswith("valid-")
)
# Known bugs, marked strict so that the mark must go once they are fixed:
KNOWN_BUGS: dict[str, tuple[type[BaseException], str]] = {}
BROKEN_CASES = [
    pytest.param(
        case,
        marks=pytest.mark.xfail(
            strict=True, raises=KNOWN_BUGS[case][0], reason=KNOWN_BUGS[case][1]
        ),
    )
    if case in KNOWN_BUGS
    else case
    for case in BROKEN
]


def expected(case: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = YAML(typ="safe").load(
        (PROJECTS / case / "expected.yaml").read_text("utf-8")
    )
    return data


def where(entry: dict[str, Any]) -> str:
    """The start of a problem line: ``CODE file:line:col path: ``."""
    place = entry["file"]
    if entry.get("line") is not None:
        place += f":{entry['line']}"
        if entry.get("column") is not None:
            place += f":{entry['column']}"
    path = f" {entry['path']}:" if entry.get("path") else ""
    return f"{entry['code']} {place}{path} "


@pytest.mark.parametrize(
    ("case", "line"),
    [
        (
            "dangling-consumes",
            "E-REF-001 systems/erp.yaml:19:5 consumes[0]: 'interface:crm.customer.get' names no "
            "interface of this project (did you mean 'interface:crm.customers.get'?)",
        ),
        (
            "unknown-key",
            "E-SCHEMA-001 systems/erp.yaml:4:1 descripton: unknown key 'descripton' "
            "(did you mean 'description'?)",
        ),
        (
            "missing-contract",
            "E-FILE-001 systems/crm.yaml:14:5 interfaces[0].contract: contract file "
            "'contracts/crm.openapi.yml' does not exist "
            "(did you mean 'contracts/crm.openapi.yaml'?)",
        ),
        ("yaml-empty-file", "E-YAML-003 plan/backlog.yaml:1:1 the file is empty"),
    ],
)
def test_a_broken_project_fails_with_one_line_per_problem_on_stderr(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, case: str, line: str
) -> None:
    monkeypatch.chdir(PROJECTS / case)

    result = runner.invoke(app, ["validate"])

    assert result.exit_code == 1
    assert line in result.stderr.splitlines()
    assert result.stdout == ""


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_every_problem_is_printed_with_code_file_line_column_and_path(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.chdir(PROJECTS / case)

    result = runner.invoke(app, ["validate"])

    problems = [line for line in result.stderr.splitlines() if not line.startswith("✗")]
    assert len(problems) == len(expected(case)), result.stderr
    for line, entry in zip(problems, expected(case), strict=True):
        assert line.startswith(where(entry)), line


def test_an_impossible_date_is_a_problem_not_a_crash(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(PROJECTS / "invalid-date")])

    assert not isinstance(result.exception, ValueError)
    assert result.exit_code == 1
    assert "plan/plan.yaml:4:" in result.stderr


def test_the_summary_counts_errors_and_warnings(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(PROJECTS / "duplicate-system-id")

    result = runner.invoke(app, ["validate"])

    root = PROJECTS / "duplicate-system-id"
    assert result.stderr.splitlines()[-1] == f"✗ {root}: 1 error, 1 warning"


def test_problem_files_are_shown_relative_to_the_current_directory(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(PROJECTS)

    result = runner.invoke(app, ["validate", "dangling-consumes"])

    assert result.stderr.startswith(
        "E-REF-001 dangling-consumes/systems/erp.yaml:19:5 consumes[0]:"
    )


def test_problem_files_are_absolute_when_the_project_is_elsewhere(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(app, ["validate", str(PROJECTS / "dangling-consumes")])

    file = PROJECTS / "dangling-consumes" / "systems" / "erp.yaml"
    assert result.stderr.startswith(f"E-REF-001 {file}:19:5 consumes[0]:")


def test_a_valid_project_passes_with_a_summary_on_stdout(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(PROJECTS / "valid-minimal")

    result = runner.invoke(app, ["validate"])

    assert result.exit_code == 0
    assert result.stderr == ""
    root = PROJECTS / "valid-minimal"
    assert result.stdout == (f"✓ {root}: 2 systems, 2 interfaces, 1 flow; 0 errors, 0 warnings\n")


def test_a_missing_directory_is_reported_as_a_missing_project(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nowhere"), "--output", "json"])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [p["code"] for p in report["problems"]] == ["E-PROJECT-002"]


# --- JSON ---------------------------------------------------------------------------------


def test_json_report_lists_every_problem_with_its_location_and_hint(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(PROJECTS / "several-faults"), "--output", "json"])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["project"] == str(PROJECTS / "several-faults")
    assert (report["valid"], report["errors"], report["warnings"]) == (False, 8, 0)
    keys = ("code", "file", "line", "column", "path")
    assert [{k: p[k] for k in keys} for p in report["problems"]] == [
        {k: e.get(k) for k in keys} for e in expected("several-faults")
    ]
    for problem, entry in zip(report["problems"], expected("several-faults"), strict=True):
        assert problem["severity"] == "error"
        assert problem["message"]
        assert entry.get("hint_contains", "") in (problem["hint"] or "")


def test_json_report_of_a_valid_project(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(PROJECTS / "valid-minimal"), "-o", "json"])

    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert (report["valid"], report["errors"], report["warnings"]) == (True, 0, 0)
    assert report["problems"] == []


def test_json_report_keeps_stderr_empty(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(PROJECTS / "unknown-key"), "--output", "json"])

    assert result.stderr == ""
    assert json.loads(result.stdout)["problems"][0]["hint"] == "did you mean 'description'?"


# --- warnings and --strict ----------------------------------------------------------------


def test_warnings_are_shown_but_do_not_fail_the_project(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(PROJECTS / "id-differs-from-file-name")])

    assert result.exit_code == 0
    assert "W-ID-002 " in result.stderr
    assert result.stdout.rstrip().endswith("0 errors, 1 warning")


def test_strict_fails_on_a_warning(runner: CliRunner) -> None:
    case = str(PROJECTS / "id-differs-from-file-name")

    text = runner.invoke(app, ["validate", case, "--strict"])
    report = runner.invoke(app, ["validate", case, "--strict", "--output", "json"])

    assert text.exit_code == 1
    assert text.stderr.splitlines()[-1].endswith("0 errors, 1 warning")
    assert report.exit_code == 1
    data = json.loads(report.stdout)
    assert (data["valid"], data["errors"], data["warnings"]) == (False, 0, 1)
    assert data["problems"][0]["code"] == "W-ID-002"


def test_strict_passes_a_project_without_warnings(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(PROJECTS / "valid-minimal"), "--strict"])

    assert result.exit_code == 0


# --- which project ------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--project", "-p"])
def test_the_global_project_option_names_the_project(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, option: str
) -> None:
    monkeypatch.chdir(tmp_path)

    broken = runner.invoke(app, [option, str(PROJECTS / "unknown-key"), "validate"])
    valid = runner.invoke(app, [option, str(PROJECTS / "valid-minimal"), "validate"])

    assert broken.exit_code == 1
    assert "E-SCHEMA-001" in broken.stderr
    assert valid.exit_code == 0


def test_the_interloom_project_variable_names_the_project(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)

    broken = runner.invoke(
        app, ["validate"], env={"INTERLOOM_PROJECT": str(PROJECTS / "unknown-key")}
    )
    valid = runner.invoke(
        app, ["validate"], env={"INTERLOOM_PROJECT": str(PROJECTS / "valid-minimal")}
    )

    assert broken.exit_code == 1
    assert "E-SCHEMA-001" in broken.stderr
    assert valid.exit_code == 0


def test_the_directory_argument_wins_over_the_project_option(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        ["--project", str(PROJECTS / "unknown-key"), "validate", str(PROJECTS / "valid-minimal")],
        env={"INTERLOOM_PROJECT": str(PROJECTS / "dangling-consumes")},
    )

    assert result.exit_code == 0


def test_without_option_the_current_directory_is_validated(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTERLOOM_PROJECT", raising=False)
    monkeypatch.chdir(PROJECTS / "missing-project-file")

    result = runner.invoke(app, ["validate"])

    assert result.exit_code == 1
    assert result.stderr.startswith("E-PROJECT-002 interloom.yaml ")


# --- the example project ------------------------------------------------------------------


def test_the_retail_example_validates_without_errors(runner: CliRunner) -> None:
    # examples/retail is the project `interloom demo` serves and the docs walk through.
    result = runner.invoke(app, ["validate", str(EXAMPLE), "--output", "json"])

    report = json.loads(result.stdout)
    assert report["errors"] == 0, [p for p in report["problems"] if p["severity"] == "error"]
    assert result.exit_code == 0
    assert report["valid"] is True


def test_the_retail_example_has_its_four_systems(runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLE)])

    assert result.exit_code == 0
    assert f"✓ {EXAMPLE}: 4 systems, " in result.stdout
