"""`interloom contracts diff`: exit codes, JSON shape, ignore files, --git, located input errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from interloom.cli.main import app
from interloom.core.contracts.diff import RULES
from interloom.core.contracts.diff.report import rules_markdown

ROOT = Path(__file__).resolve().parents[3]
DIFF = ROOT / "tests" / "data" / "contracts" / "diff"
MALFORMED = ROOT / "tests" / "data" / "contracts" / "malformed"


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, ["contracts", "diff", *map(str, args)])


def findings(*args: str | Path) -> list[dict[str, Any]]:
    result = run(*args, "--output", "json")
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert list(data) == ["findings"]
    return list(data["findings"])


def test_exit_status_follows_fail_on() -> None:
    old, new = DIFF / "responses" / "old.yaml", DIFF / "responses" / "new.yaml"

    assert run(old, new).exit_code == 0
    assert run(old, new, "--fail-on", "ERR").exit_code == 1
    assert run(old, new, "--fail-on", "err").exit_code == 1
    assert run(old, old, "--fail-on", "INFO").exit_code == 0


def test_fail_on_counts_only_findings_at_or_above_the_level() -> None:
    old, new = DIFF / "security" / "old.yaml", DIFF / "security" / "new.yaml"  # INFO only

    assert run(old, new, "--fail-on", "ERR").exit_code == 0
    assert run(old, new, "--fail-on", "WARN").exit_code == 0
    assert run(old, new, "--fail-on", "INFO").exit_code == 1


def test_json_is_exactly_a_list_of_findings_with_their_locations() -> None:
    found = findings(DIFF / "responses" / "old.yaml", DIFF / "responses" / "new.yaml")

    assert found
    for finding in found:
        assert {"id", "level", "operation", "location", "message"} <= set(finding)
        assert finding["level"] in ("ERR", "WARN", "INFO")
        assert RULES[finding["id"]].level.value == finding["level"]
    removed = next(f for f in found if f["id"] == "response-required-property-removed")
    assert removed["operation"] == "GET /customers/{id}"
    assert removed["operation_id"] == "getCustomer"
    assert removed["path"] == "/name"
    assert removed["location"]["file"].endswith("responses/new.yaml")
    assert removed["location"]["pointer"] == "/components/schemas/Customer"
    assert removed["old"]["pointer"] == "/components/schemas/Customer/properties/name"
    assert isinstance(removed["old"]["line"], int)


def test_text_output_groups_by_operation() -> None:
    result = run(DIFF / "parameters" / "old.yaml", DIFF / "parameters" / "new.yaml")

    assert result.exit_code == 0
    assert "GET /products" in result.stdout
    assert "request-parameter-moved" in result.stdout
    assert "8 ERR, 1 WARN, 3 INFO" in result.stdout


@pytest.mark.parametrize(
    ("output", "start"), [("markdown", "# Contract changes"), ("html", "<!DOCTYPE html>")]
)
def test_markdown_and_html(output: str, start: str) -> None:
    result = run(DIFF / "soap" / "old.wsdl", DIFF / "soap" / "new.wsdl", "-o", output)

    assert result.exit_code == 0
    assert result.stdout.startswith(start)
    assert "soap-operation-removed" in result.stdout


def test_a_text_ignore_file_in_oasdiff_style(tmp_path: Path) -> None:
    old, new = DIFF / "responses" / "old.yaml", DIFF / "responses" / "new.yaml"
    ignore = tmp_path / "diff-ignore.txt"
    ignore.write_text(
        "GET /customers/{customerId} removed the required property 'name'\n"
        "GET /customers/{id} response-property-became-optional\n",
        "utf-8",
    )

    before = {f["id"] for f in findings(old, new)}
    after = {f["id"] for f in findings(old, new, "--ignore", ignore)}

    assert before - after == {
        "response-required-property-removed",
        "response-property-became-optional",
    }


def test_a_yaml_ignore_file_can_clear_every_breaking_change(tmp_path: Path) -> None:
    old, new = DIFF / "request-body" / "old.yaml", DIFF / "request-body" / "new.yaml"
    errors = sorted({f["id"] for f in findings(old, new) if f["level"] == "ERR"})
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "ignore:\n" + "".join(f"  - id: {rule_id}\n    reason: accepted\n" for rule_id in errors),
        "utf-8",
    )

    assert run(old, new, "--fail-on", "ERR").exit_code == 1
    assert run(old, new, "--fail-on", "ERR", "--ignore", ignore).exit_code == 0
    assert run(old, new, "--fail-on", "WARN", "--ignore", ignore).exit_code == 1


def test_a_malformed_ignore_file_is_a_located_usage_error(tmp_path: Path) -> None:
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("ignore:\n  - id: no-such-rule\n", "utf-8")

    result = run(
        DIFF / "soap" / "old.wsdl", DIFF / "soap" / "new.wsdl", "--ignore", ignore, "-o", "json"
    )

    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert (error["code"], error["location"]["line"]) == ("E-DIFF-002", 2)


@pytest.mark.parametrize(
    ("name", "code", "line"),
    [
        ("bad-indentation.openapi.yaml", "E-CONTRACT-001", 12),
        ("trailing-comma.openapi.json", "E-CONTRACT-001", None),
        ("dangling-ref.openapi.yaml", "E-CONTRACT-003", None),
        ("unclosed-tag.wsdl", "E-CONTRACT-001", None),
    ],
)
def test_malformed_input_is_the_importers_located_error_and_exit_2(
    name: str, code: str, line: int | None
) -> None:
    result = run(DIFF / "responses" / "old.yaml", MALFORMED / name, "-o", "json")

    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == code
    assert error["location"]["file"].endswith(name)
    if line is not None:
        assert error["location"]["line"] == line
    assert "Traceback" not in result.output


def test_malformed_input_in_text_mode_goes_to_stderr() -> None:
    result = run(DIFF / "responses" / "old.yaml", MALFORMED / "bad-indentation.openapi.yaml")

    assert result.exit_code == 2
    assert "E-CONTRACT-001" in result.stderr
    assert "bad-indentation.openapi.yaml:12:10" in result.stderr
    assert result.stdout == ""


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    old, new = DIFF / "responses" / "old.yaml", DIFF / "responses" / "new.yaml"

    assert run(old).exit_code == 2
    assert run(old, new, "--git", "HEAD").exit_code == 2
    assert run(old, new, "--fail-on", "SEVERE").exit_code == 2
    missing = run(old, tmp_path / "nothing.yaml", "-o", "json")
    assert missing.exit_code == 2
    assert json.loads(missing.stdout)["error"]["code"] == "E-NOTFOUND-001"


# --- --git ---------------------------------------------------------------------------------

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def _git(directory: Path, *args: str) -> None:
    environment = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
    }
    subprocess.run(["git", *args], cwd=directory, check=True, capture_output=True, env=environment)


API = """openapi: 3.1.0
info: {title: Customers, version: '1'}
paths:
  /customers/{id}:
    get:
      operationId: getCustomer
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: The customer.
          content:
            application/json:
              schema: {$ref: 'schemas/customer.yaml'}
"""
CUSTOMER = """type: object
required: [id, email]
properties:
  id: {type: string}
  email: {type: string}
"""


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git repository whose committed contract refers to a schema in another file."""
    (tmp_path / "contracts" / "schemas").mkdir(parents=True)
    (tmp_path / "contracts" / "api.yaml").write_text(API, "utf-8")
    (tmp_path / "contracts" / "schemas" / "customer.yaml").write_text(CUSTOMER, "utf-8")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "v1")
    return tmp_path


@needs_git
def test_git_compares_the_working_tree_with_a_revision_references_included(
    repository: Path,
) -> None:
    schema = repository / "contracts" / "schemas" / "customer.yaml"
    schema.write_text(CUSTOMER.replace("required: [id, email]", "required: [id]"), "utf-8")
    contract = repository / "contracts" / "api.yaml"

    found = findings("--git", "main", contract, "--fail-on", "ERR")

    assert [(f["id"], f["path"]) for f in found] == [
        ("response-property-became-optional", "/email")
    ]
    old = found[0]["old"]
    assert old["file"] == "main:contracts/schemas/customer.yaml"  # as `git show` takes it
    assert old["pointer"] == "/required"
    assert old["line"] == 2
    assert run("--git", "main", contract, "--fail-on", "ERR").exit_code == 1


@needs_git
def test_git_without_changes_finds_nothing(repository: Path) -> None:
    assert findings("--git", "HEAD", repository / "contracts" / "api.yaml") == []


@needs_git
@pytest.mark.parametrize(
    ("revision", "message"), [("no-such-branch", "no revision"), ("--help", "not a git revision")]
)
def test_git_with_a_bad_revision_is_a_usage_error(
    repository: Path, revision: str, message: str
) -> None:
    result = run("--git", revision, repository / "contracts" / "api.yaml", "-o", "json")

    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] in ("E-DIFF-001", "E-DIFF-003")
    assert message in error["message"]


@needs_git
def test_git_for_a_file_added_after_the_revision(repository: Path) -> None:
    added = repository / "contracts" / "new.yaml"
    added.write_text(API, "utf-8")

    result = run("--git", "main", added, "-o", "json")

    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "E-DIFF-003"
    assert "does not exist at main" in error["message"]


def test_git_outside_a_repository(tmp_path: Path) -> None:
    if GIT is None:
        pytest.skip("git is not installed")
    contract = tmp_path / "api.yaml"
    contract.write_text(API, "utf-8")
    environment = {"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}

    result = CliRunner(env=environment).invoke(
        app, ["contracts", "diff", "--git", "HEAD", str(contract), "-o", "json"]
    )

    assert result.exit_code == 2
    assert "not in a git repository" in json.loads(result.stdout)["error"]["message"]


# --- rules ---------------------------------------------------------------------------------


def test_rules_lists_the_catalogue_and_writes_the_doc(tmp_path: Path) -> None:
    listed = CliRunner().invoke(app, ["contracts", "rules", "-o", "json"])
    target = tmp_path / "docs" / "contracts-diff.md"
    written = CliRunner().invoke(app, ["contracts", "rules", "--write", str(target)])

    assert listed.exit_code == 0
    assert [r["id"] for r in json.loads(listed.stdout)] == list(RULES)
    assert written.exit_code == 0
    assert target.read_text("utf-8") == rules_markdown()
