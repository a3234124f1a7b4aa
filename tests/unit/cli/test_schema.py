"""``interloom schema``: the JSON Schemas editors use, checked against real project files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from interloom.cli.main import app

PROJECTS = Path(__file__).resolve().parents[2] / "data" / "projects"
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "retail"
DEFINITION_KINDS = ("project", "system", "flow", "plan")
KINDS = (*DEFINITION_KINDS, "flow-test")
FOLDERS = {"system": "systems", "flow": "flows", "plan": "plan", "flow-test": "flows/tests"}


def files_of(root: Path, kind: str) -> list[Path]:
    """The files of one kind in a project directory."""
    if kind == "project":
        return [root / "interloom.yaml"]
    return sorted((root / FOLDERS[kind]).glob("*.yaml"))


def as_json(value: Any) -> Any:
    """YAML data as an editor's JSON Schema checker sees it (dates are strings)."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def read(path: Path) -> Any:
    # The pure loader reads YAML 1.2, as editors do: libyaml's 1.1 rejects `[interface:a.b]`.
    return as_json(YAML(typ="safe", pure=True).load(path.read_text("utf-8")))


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The schemas as ``schema --all --write DIR`` publishes them."""
    target = tmp_path_factory.mktemp("schema")
    result = CliRunner().invoke(app, ["schema", "--all", "--write", str(target)])
    assert result.exit_code == 0, result.output
    return {kind: json.loads((target / f"{kind}.schema.json").read_text("utf-8")) for kind in KINDS}


def validator(schema: dict[str, Any]) -> Any:
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def test_schema_system_prints_a_2020_12_json_schema(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "system"])

    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"id", "name", "kind", "interfaces"} <= set(schema["properties"])
    assert {"id", "name", "kind", "owner"} <= set(schema["required"])
    assert schema["additionalProperties"] is False
    assert "systems/*.yaml" in schema["description"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_has_its_own_schema_id_and_title(runner: CliRunner, kind: str) -> None:
    schema = json.loads(runner.invoke(app, ["schema", kind]).stdout)

    assert schema["$id"].endswith(f"/{kind}.schema.json")
    assert schema["title"].startswith("Interloom ")


def test_schema_all_write_writes_a_file_per_kind(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "docs" / "schema"

    result = runner.invoke(app, ["schema", "--all", "--write", str(target)])

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == sorted(f"{k}.schema.json" for k in KINDS)
    for kind in KINDS:
        written = json.loads((target / f"{kind}.schema.json").read_text("utf-8"))
        assert written == json.loads(runner.invoke(app, ["schema", kind]).stdout)
        assert f"wrote {target / f'{kind}.schema.json'}" in result.stdout


def test_schema_all_prints_every_kind(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "--all"])

    assert result.exit_code == 0
    assert sorted(json.loads(result.stdout)) == sorted(KINDS)


def test_schema_without_a_kind_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema"])

    assert result.exit_code == 2
    assert "name a file kind, or pass --all" in result.stderr


def test_schema_of_an_unknown_kind_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["schema", "systems"])

    assert result.exit_code == 2
    assert "systems" in result.stderr


@pytest.mark.parametrize("kind", DEFINITION_KINDS)
@pytest.mark.parametrize("root", [EXAMPLE, PROJECTS / "valid-minimal"], ids=["retail", "minimal"])
def test_the_schema_accepts_the_files_of_valid_projects(
    schemas: dict[str, dict[str, Any]], kind: str, root: Path
) -> None:
    check = validator(schemas[kind])
    paths = files_of(root, kind)

    assert paths, f"no {kind} file in {root}"
    for path in paths:
        errors = [error.message for error in check.iter_errors(read(path))]
        assert errors == [], f"{path}: {errors}"


@pytest.mark.parametrize(
    "case",
    [
        "unknown-key",
        "missing-field",
        "wrong-type",
        "value-not-allowed",
        "invalid-id",
        "invalid-email",
        "malformed-reference",
        "wrong-reference-kind",
    ],
)
def test_the_system_schema_rejects_what_validate_rejects(
    schemas: dict[str, dict[str, Any]], case: str
) -> None:
    data = read(PROJECTS / case / "systems" / "erp.yaml")

    assert not validator(schemas["system"]).is_valid(data)


@pytest.mark.parametrize(
    ("kind", "path", "key"),
    [
        ("project", (), "titel"),
        ("project", ("environments", "dev"), "url"),
        ("system", (), "descripton"),
        ("system", ("owner",), "mail"),
        ("system", ("interfaces", 0), "contarct"),
        ("flow", ("source",), "interfce"),
        ("flow", ("error_policy",), "retries"),
        ("plan", ("tasks", 0), "dependson"),
        ("plan", ("milestones", 0), "due"),
    ],
)
def test_every_schema_rejects_an_unknown_key(
    schemas: dict[str, dict[str, Any]], kind: str, path: tuple[str | int, ...], key: str
) -> None:
    data = read(files_of(PROJECTS / "valid-minimal", kind)[0])
    mapping = data
    for part in path:
        mapping = mapping.setdefault(part, {}) if isinstance(part, str) else mapping[part]
    mapping[key] = "x"

    errors = [error.message for error in validator(schemas[kind]).iter_errors(data)]

    assert any(f"'{key}' was unexpected" in message for message in errors), errors
