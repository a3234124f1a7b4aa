"""`interloom contracts infer` and `contracts drift` as a person or a CI job runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from interloom.cli.main import app
from interloom.formats.contracts.detect import import_contract

ConsoleScript = Callable[..., Any]
ROOT = Path(__file__).resolve().parents[3]
TRAFFIC = ROOT / "tests" / "data" / "traffic"
HAR = TRAFFIC / "crm.har"
CONTRACT = TRAFFIC / "crm-contract.openapi.yaml"


def test_infer_prints_openapi_yaml_that_imports(runner: CliRunner) -> None:
    result = runner.invoke(app, ["contracts", "infer", str(HAR), "--title", "CRM"])

    assert result.exit_code == 0, result.output
    contract = import_contract(result.stdout.encode(), "inferred.yaml")
    assert contract.title == "CRM"
    assert contract.format_version == "3.1.0"
    assert "/api/v1/customers/{customerId}/contacts/{contactId}" in contract.paths
    assert "/api/v1/users/{userId}" in contract.paths
    assert contract.warnings == ()


def test_infer_writes_the_file_and_summarises_as_json(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "contracts" / "crm.openapi.yaml"

    result = runner.invoke(
        app,
        [
            "contracts",
            "infer",
            str(HAR),
            "-f",
            str(target),
            "--base-path",
            "/api/v1",
            "--output",
            "json",
        ],
    )

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["exchanges"] == 30
    assert summary["output_file"] == str(target)
    assert "openapi" not in summary
    operations = {(op["method"], op["path"]): op for op in summary["operations"]}
    assert operations[("GET", "/customers/{customerId}")]["statuses"] == [200, 404]
    assert operations[("POST", "/customers")]["calls"] == 2
    written = import_contract(target.read_bytes(), str(target))
    assert [s.url for s in written.servers] == ["https://crm.example.com/api/v1"]
    assert len(written.operations) == len(summary["operations"])


def test_infer_text_summary_with_an_output_file(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "crm.yaml"

    result = runner.invoke(app, ["contracts", "infer", str(HAR), "-f", str(target)])

    assert result.exit_code == 0, result.output
    assert f"Wrote {target}" in result.stdout
    assert "15 operations" in result.stdout
    assert target.read_text("utf-8").startswith("openapi: 3.1.0\n")


def test_infer_takes_user_templates(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        ["contracts", "infer", str(HAR), "--path", "/api/v1/users/{login}", "-o", "json"],
    )

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    paths = {op["path"] for op in summary["operations"]}
    assert "/api/v1/users/{login}" in paths
    assert "/api/v1/users/{login}" in summary["openapi"]["paths"]  # no file: the document
    assert "/api/v1/users/{userId}" not in paths


def test_drift_text_lists_findings_and_fails_only_when_asked(runner: CliRunner) -> None:
    plain = runner.invoke(app, ["contracts", "drift", str(CONTRACT), str(HAR)])
    failing = runner.invoke(app, ["contracts", "drift", str(CONTRACT), str(HAR), "--fail-on-drift"])

    assert plain.exit_code == 0, plain.output
    assert failing.exit_code == 1
    lines = plain.stdout.splitlines()
    assert any(
        line.startswith("wrong-type GET /customers/{customerId} (getCustomer)")
        and line.endswith("/creditLimit ×1")
        for line in lines
    )
    assert "16 findings of drift" in lines[-1]


def test_drift_json_has_kinds_counts_and_examples(runner: CliRunner) -> None:
    result = runner.invoke(app, ["contracts", "drift", str(CONTRACT), str(HAR), "-o", "json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["drift"] is True
    assert report["counts"]["undocumented-operation"] == 5
    assert report["counts"]["unused-operation"] == 0
    violation = next(f for f in report["findings"] if f["kind"] == "schema-violation")
    assert violation["example"].endswith("crm.har /log/entries/5")
    assert violation["example_pointer"] == "/status"


def test_drift_markdown_and_ignored_kinds(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [
            "contracts",
            "drift",
            str(CONTRACT),
            str(HAR),
            "-o",
            "markdown",
            "--ignore",
            "undocumented-field",
            "--ignore",
            "unused-operation",
        ],
    )

    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# Drift from CRM API (")
    assert "## `wrong-type`" in text
    assert "| `GET /customers/{customerId} (getCustomer)` |" in text
    assert "undocumented-field" not in text
    assert "unused-operation" not in text


def test_traffic_that_matches_is_no_drift(runner: CliRunner, tmp_path: Path) -> None:
    recording = tmp_path / "ok.jsonl"
    recording.write_text(
        json.dumps(
            {
                "v": 1,
                "request": {"method": "GET", "url": "https://crm.example.com/api/v1/users/alice"},
                "response": {
                    "status": 200,
                    "headers": [["content-type", "application/json"]],
                    "body": {"text": '{"id": "alice", "displayName": "Alice"}'},
                },
            }
        )
        + "\n",
        "utf-8",
    )

    result = runner.invoke(
        app,
        [
            "contracts",
            "drift",
            str(CONTRACT),
            str(recording),
            "--fail-on-drift",
            "--ignore",
            "unused-operation",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "no drift" in result.stdout


def test_a_malformed_har_file_is_a_located_error(
    console_script: ConsoleScript, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.har"
    broken.write_text('{"log": {"entries": [{"request": {"url": "https://a/x"}}]}}', "utf-8")

    result = console_script("contracts", "infer", str(broken), "--output", "json")

    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "E-TRAFFIC-001"
    assert error["location"]["pointer"] == "/log/entries/0/request/method"
    assert error["location"]["line"] == 1
    assert "Traceback" not in result.stderr


def test_a_missing_traffic_file_is_reported(console_script: ConsoleScript, tmp_path: Path) -> None:
    result = console_script("contracts", "drift", str(CONTRACT), str(tmp_path / "none.har"))

    assert result.exit_code == 1
    assert "E-NOTFOUND-001" in result.stderr
    assert "none.har" in result.stderr
