"""``load_project`` on the fixture projects of ``tests/data/projects``: every problem, located."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from interloom.core.errors import ProjectInvalidError, ProjectNotFoundError
from interloom.core.problems import Code, Problem, Severity
from interloom.services.project import (
    PROJECT_ENV_VAR,
    load_project,
    open_project,
    resolve_project_dir,
)

PROJECTS = Path(__file__).resolve().parents[2] / "data" / "projects"
CASES = sorted(p.name for p in PROJECTS.iterdir() if p.is_dir())
VALID = [case for case in CASES if case.startswith("valid-")]
BROKEN = [case for case in CASES if not case.startswith("valid-")]
LOCATION = ("code", "file", "line", "column", "path")
# Cases whose expected.yaml says what should happen, while src/ does otherwise (see the
# comment in each expected.yaml). Strict: the mark must go once the bug is fixed.
KNOWN_BUGS: dict[str, tuple[type[BaseException], str]] = {}


def cases(names: list[str]) -> list[Any]:
    """``names`` as parameters, the known bugs marked as strict expected failures."""
    return [
        pytest.param(
            name,
            marks=pytest.mark.xfail(
                strict=True, raises=KNOWN_BUGS[name][0], reason=KNOWN_BUGS[name][1]
            ),
        )
        if name in KNOWN_BUGS
        else name
        for name in names
    ]


def expected(case: str) -> list[dict[str, Any]]:
    """The problems ``case`` must report, from its ``expected.yaml``."""
    data = YAML(typ="safe").load((PROJECTS / case / "expected.yaml").read_text("utf-8"))
    assert isinstance(data, list), f"{case}/expected.yaml must hold a list"
    return data


def located(problem: Problem) -> dict[str, Any]:
    """What a person sees of a problem's place: code, file, line, column and field path."""
    return {key: getattr(problem, key) for key in LOCATION}


def wanted(entry: dict[str, Any]) -> dict[str, Any]:
    """An ``expected.yaml`` entry in the shape of :func:`located` (absent keys are None)."""
    unknown = set(entry) - {*LOCATION, "hint_contains"}
    assert not unknown, f"unknown keys in expected.yaml: {unknown}"
    return {key: entry.get(key) for key in LOCATION}


@pytest.mark.parametrize("case", cases(CASES))
def test_case_reports_exactly_its_expected_problems_in_order(case: str) -> None:
    result = load_project(PROJECTS / case)

    assert [located(p) for p in result.problems] == [wanted(e) for e in expected(case)]
    for problem, entry in zip(result.problems, expected(case), strict=True):
        if "hint_contains" in entry:
            assert problem.hint is not None, problem.render()
            assert entry["hint_contains"] in problem.hint, problem.render()


@pytest.mark.parametrize("case", VALID)
def test_valid_case_reports_no_problem_and_reads_every_file(case: str) -> None:
    result = load_project(PROJECTS / case)

    assert result.problems == []
    assert result.ok
    project = result.project
    assert project.name == "minimal"
    assert [s.model.id for s in project.systems] == ["crm", "erp"]
    assert [f.model.id for f in project.flows] == ["customer-sync"]
    assert project.contract_files == {"contracts/crm.openapi.yaml", "contracts/erp.asyncapi.yaml"}


@pytest.mark.parametrize("case", cases(BROKEN))
def test_broken_case_fails_unless_its_fault_is_only_a_warning(case: str) -> None:
    result = load_project(PROJECTS / case)
    codes = [entry["code"] for entry in expected(case)]

    assert codes, f"{case} has no deliberate fault"
    assert result.ok is all(code.startswith("W-") for code in codes)
    assert [p.severity for p in result.problems] == [
        Severity.WARNING if code.startswith("W-") else Severity.ERROR for code in codes
    ]


def test_the_cases_cover_every_problem_code() -> None:
    covered = {entry["code"] for case in CASES for entry in expected(case)}

    assert covered == {code.value for code in Code}


def test_merge_keys_share_fields_between_interfaces() -> None:
    result = load_project(PROJECTS / "valid-yaml-anchors")

    erp = result.project.system("erp")
    assert erp is not None
    created, cancelled = erp.interfaces
    assert (cancelled.id, cancelled.name) == ("orders.cancelled", "Order cancelled")
    assert (cancelled.style, cancelled.contract) == (created.style, created.contract)


def test_several_faults_in_several_files_are_all_reported_sorted_by_file_and_line() -> None:
    result = load_project(PROJECTS / "several-faults")

    assert len(result.errors) == 8
    assert {p.file for p in result.problems} == {
        "flows/customer-sync.yaml",
        "interloom.yaml",
        "plan/backlog.yaml",
        "plan/plan.yaml",
        "systems/crm.yaml",
        "systems/erp.yaml",
    }
    places = [(p.file or "", p.line or 0, p.column or 0) for p in result.problems]
    assert places == sorted(places)
    # A file with several faults reports each of them, not just the first.
    assert [p.code for p in result.problems if p.file == "systems/erp.yaml"] == [
        Code.VALUE_NOT_ALLOWED,
        Code.UNKNOWN_KEY,
    ]


def test_files_with_only_cross_file_problems_are_still_read() -> None:
    result = load_project(PROJECTS / "several-faults")

    # crm.yaml has an unknown environment and a missing contract, yet the system is known;
    # erp.yaml fails its schema and is left out.
    assert [s.model.id for s in result.project.systems] == ["crm"]
    assert [f.model.id for f in result.project.flows] == ["customer-sync"]


def test_files_at_the_project_root_other_than_interloom_yaml_are_not_read(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECTS / "valid-minimal", root)
    (root / "notes.yaml").write_text("this: [is not, a definition\n", "utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "system.yaml").write_text("id: Not A System\n", "utf-8")

    assert load_project(root).problems == []


def test_open_project_raises_project_not_found_without_interloom_yaml() -> None:
    with pytest.raises(ProjectNotFoundError) as raised:
        open_project(PROJECTS / "missing-project-file")

    assert raised.value.code == "E-PROJECT-002"
    assert "interloom init" in (raised.value.hint or "")


def test_open_project_raises_with_the_errors_and_not_the_warnings() -> None:
    with pytest.raises(ProjectInvalidError) as raised:
        open_project(PROJECTS / "duplicate-system-id")

    assert raised.value.code == "E-PROJECT-004"
    assert "1 error" in raised.value.message
    assert [p.code for p in raised.value.problems] == [Code.DUPLICATE_ID]


def test_open_project_accepts_a_project_with_only_warnings() -> None:
    loaded = open_project(PROJECTS / "id-differs-from-file-name")

    assert [p.code for p in loaded.problems] == [Code.ID_FILE_MISMATCH]


def test_project_dir_is_the_option_then_the_environment_then_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    option, from_env, here = tmp_path / "option", tmp_path / "env", tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv(PROJECT_ENV_VAR, str(from_env))

    assert resolve_project_dir(option) == option
    assert resolve_project_dir(None) == from_env
    monkeypatch.delenv(PROJECT_ENV_VAR)
    assert resolve_project_dir(None) == here
