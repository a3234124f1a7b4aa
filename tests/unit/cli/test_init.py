"""``interloom init``: a new project that validates as it is, and never overwrites anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from interloom.cli.main import app
from interloom.services.project import load_project

TEMPLATE_FILES = {
    ".gitignore",
    "README.md",
    "interloom.yaml",
    "contracts/crm.openapi.yaml",
    "contracts/customer-lookup.schema.json",
    "flows/customer-lookup.yaml",
    "plan/plan.yaml",
    "systems/crm.yaml",
}


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` with its content."""
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file()
    }


def test_init_creates_a_project_that_validates_with_one_system(
    runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "shop"

    created = runner.invoke(app, ["init", str(target)])
    validated = runner.invoke(app, ["validate", str(target)])

    assert created.exit_code == 0, created.output
    assert set(snapshot(target)) == TEMPLATE_FILES
    assert f"interloom validate {target}" in created.stdout
    assert validated.exit_code == 0, validated.output
    assert validated.stderr == ""
    assert f"✓ {target}: 1 system, 1 interface, 1 flow; 0 errors, 0 warnings" in validated.stdout


def test_the_new_project_lists_its_system(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "shop"
    runner.invoke(app, ["init", str(target)])

    result = runner.invoke(app, ["--project", str(target), "systems", "list", "--output", "json"])

    assert result.exit_code == 0, result.output
    assert [s["ref"] for s in json.loads(result.stdout)] == ["system:crm"]


def test_the_project_is_named_after_its_directory(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "My Shop"

    result = runner.invoke(app, ["init", str(target)])

    assert result.exit_code == 0, result.output
    loaded = load_project(target)
    assert loaded.problems == []
    assert loaded.project.name == "my-shop"


def test_name_option_sets_the_project_name(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "shop"

    result = runner.invoke(app, ["init", str(target), "--name", "retail-eu"])

    assert result.exit_code == 0, result.output
    loaded = load_project(target)
    assert loaded.problems == []
    assert loaded.project.name == "retail-eu"


def test_json_output_lists_the_files_written(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "shop"

    result = runner.invoke(app, ["init", str(target), "--output", "json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["project"] == str(target)
    assert {Path(f).relative_to(target).as_posix() for f in report["files"]} == TEMPLATE_FILES
    assert all(Path(f).is_file() for f in report["files"])


def test_init_into_an_existing_project_fails_and_writes_nothing(
    console_script: Callable[..., Any], tmp_path: Path
) -> None:
    target = tmp_path / "shop"
    assert console_script("init", str(target)).exit_code == 0
    (target / "systems" / "crm.yaml").write_text("id: crm  # edited by hand\n", "utf-8")
    before = snapshot(target)

    result = console_script("init", str(target))

    assert result.exit_code == 1
    assert result.stderr.startswith("error E-PROJECT-003 ")
    assert "already holds a project" in result.stderr
    assert snapshot(target) == before


def test_init_into_an_existing_project_reports_json(
    console_script: Callable[..., Any], tmp_path: Path
) -> None:
    target = tmp_path / "shop"
    console_script("init", str(target))

    result = console_script("init", str(target), "--output", "json")

    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["status"]) == ("E-PROJECT-003", 409)
    assert error["hint"]


def test_init_never_overwrites_a_file_it_would_write(
    console_script: Callable[..., Any], tmp_path: Path
) -> None:
    target = tmp_path / "shop"
    (target / "systems").mkdir(parents=True)
    (target / "systems" / "crm.yaml").write_text("id: crm\n", "utf-8")
    before = snapshot(target)

    result = console_script("init", str(target))

    assert result.exit_code == 1
    assert result.stderr.startswith("error E-PROJECT-003 ")
    assert "crm.yaml already exists" in result.stderr
    assert snapshot(target) == before


def test_init_into_a_directory_with_other_files_keeps_them(
    runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "shop"
    target.mkdir()
    (target / "notes.txt").write_text("kick-off on Monday\n", "utf-8")

    result = runner.invoke(app, ["init", str(target)])

    assert result.exit_code == 0, result.output
    assert (target / "notes.txt").read_text("utf-8") == "kick-off on Monday\n"
    assert load_project(target).problems == []


def test_an_invalid_name_fails_with_a_config_error_and_writes_nothing(
    console_script: Callable[..., Any], tmp_path: Path
) -> None:
    target = tmp_path / "shop"

    result = console_script("init", str(target), "--name", "Shop_EU")

    assert result.exit_code == 1
    assert result.stderr.startswith("error E-CONFIG-001 'Shop_EU' is not a valid project name")
    assert "--name" in result.stderr
    assert not target.exists()


def test_a_directory_whose_name_is_no_project_name_asks_for_one(
    console_script: Callable[..., Any], tmp_path: Path
) -> None:
    target = tmp_path / "2027"

    result = console_script("init", str(target), "--output", "json")

    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "E-CONFIG-001"
    assert "--name" in error["hint"]
    assert not target.exists()


def test_init_keeps_a_repository_readme_and_gitignore(
    console_script: Callable[..., Any], tmp_path: Path
) -> None:
    target = tmp_path / "repo"
    target.mkdir()
    (target / "README.md").write_text("# Our integration\n", "utf-8")
    (target / ".gitignore").write_text("*.log\n", "utf-8")

    result = console_script("init", str(target))

    assert result.exit_code == 0, result.stderr
    assert (target / "README.md").read_text("utf-8") == "# Our integration\n"
    assert (target / ".gitignore").read_text("utf-8") == "*.log\n"
    assert (target / "interloom.yaml").is_file()
