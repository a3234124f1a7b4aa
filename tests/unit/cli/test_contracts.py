"""`interloom contracts inspect` shows what a contract holds, and locates what is wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from interloom.cli.main import app

ROOT = Path(__file__).resolve().parents[3]
RETAIL = ROOT / "examples" / "retail" / "contracts"


def test_inspect_prints_format_counts_and_operations_as_json() -> None:
    result = CliRunner().invoke(
        app, ["contracts", "inspect", str(RETAIL / "erp-invoicing.wsdl"), "--output", "json"]
    )

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["format"], summary["format_version"]) == ("wsdl", "1.1")
    assert summary["counts"]["operations"] == 3
    assert {op["id"] for op in summary["operations"]} == {
        "GetInvoice",
        "CreateInvoice",
        "ListInvoicesByOrder",
    }
    assert summary["warnings"] == []


def test_a_reference_outside_the_allowed_tree_is_a_located_error(
    console_script: Callable[..., Any], tmp_path: Path
) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("type: object\n", "utf-8")
    spec = tmp_path / "api" / "api.yaml"
    spec.parent.mkdir()
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      operationId: a\n      responses:\n        '200':\n          description: ok\n"
        "          content:\n            application/json:\n"
        "              schema: {$ref: '../secret.yaml'}\n",
        "utf-8",
    )

    result = console_script("contracts", "inspect", str(spec), "--output", "json")

    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "E-CONTRACT-003"
    assert "outside" in error["message"]
    assert error["location"]["file"] == str(spec)
