"""`interloom contracts impact`: JSON shape, text and Markdown, exit codes, errors, risks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from interloom.cli.main import app

SHOP = Path(__file__).resolve().parents[2] / "data" / "impact" / "shop"
CRM = "contracts/crm.openapi.yaml"
CRM_2 = "contracts/changes/crm.openapi.yaml"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    monkeypatch.chdir(tmp_path)  # paths below are relative to the project, not to here
    return root


def run(shop: Path, *args: str | Path) -> Any:
    return CliRunner().invoke(app, ["--project", str(shop), "contracts", "impact", *map(str, args)])


def test_json_lists_each_finding_with_what_it_reaches(shop: Path) -> None:
    result = run(shop, CRM, CRM_2, "--output", "json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["findings", "summary"]
    removed = next(f for f in data["findings"] if f["id"] == "response-required-property-removed")
    assert set(removed) >= {"id", "level", "operation", "location", "message", "path", "impact"}
    assert list(removed["impact"]) == ["interfaces", "consumers", "flows", "tasks"]
    assert removed["impact"]["flows"] == [
        {
            "flow": "flow:loyalty",
            "interface": "interface:crm.customers.get",
            "step": "to-points",
            "field": "customer.loyaltyTier",
            "how": "read",
            "confidence": "certain",
            "detail": "customer.loyaltyTier (loyaltyTier of the answer of step 'customer') is "
            "read by step 'to-points' of flow:loyalty",
        }
    ]
    first = removed["impact"]["tasks"][0]
    assert {k: first[k] for k in ("task", "name", "status", "consequence")} == {
        "task": "T-1",
        "name": "Build the customer lookup",
        "status": "done",
        "consequence": "rework",
    }
    assert first["start"] == "2027-01-04T00:00:00"
    assert data["summary"]["rework"] == ["T-1", "T-6"]
    assert removed["location"]["file"] == CRM_2


def test_text_names_each_interface_flow_and_task(shop: Path) -> None:
    result = run(shop, CRM, CRM_2)

    assert result.exit_code == 0, result.output
    text = result.stdout
    assert f"{CRM} (1.0.0) → {CRM_2} (2.0.0)" in text
    assert "3 ERR, 0 WARN, 0 INFO; 3 reach 3 interfaces" in text
    assert "rework: done tasks this change reopens: T-1, T-6" in text
    assert "interface:crm.customers.create — POST /customers" in text
    assert "countryCode is now required and flow:register does not write it" in text
    assert "task T-4 Erasure flow: in_progress, 2027-01-11 → 2027-01-29, in-progress" in text


def test_markdown_has_a_section_per_interface(shop: Path) -> None:
    result = run(shop, CRM, CRM_2, "-o", "markdown")

    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith(f"# Impact of a change to {CRM}\n")
    assert "## `interface:crm.customers.delete` — DELETE /customers/{customerId}" in text
    assert (
        "| `flow:loyalty` | to-points | customer.loyaltyTier | read | certain | "
        "response-required-property-removed |"
    ) in text
    assert "| T-6 | Connect the ERP | done | 2027-01-04 | 2027-01-07 | rework |" in text


def test_fail_on_counts_only_findings_that_reach_the_project(shop: Path) -> None:
    assert run(shop, CRM, CRM_2, "--fail-on", "ERR").exit_code == 1
    assert run(shop, CRM, CRM_2, "--fail-on", "warn").exit_code == 1
    assert run(shop, CRM, CRM).exit_code == 0
    assert run(shop, CRM, CRM, "--fail-on", "WARN").exit_code == 0
    current = (shop / CRM).read_text("utf-8")
    delete = current.index("    delete:")
    kept = current[:delete] + current[current.index("  /customers:") :]
    (shop / "contracts" / "changes" / "no-delete.yaml").write_text(kept, "utf-8")
    proposal = "contracts/changes/no-delete.yaml"
    assert run(shop, CRM, proposal, "--fail-on", "ERR").exit_code == 1
    # Nothing of the project uses the delete operation any more.
    system = shop / "systems" / "crm.yaml"
    text = system.read_text("utf-8")
    system.write_text(text[: text.index("  - id: customers.delete")], "utf-8")
    erp = shop / "systems" / "erp.yaml"
    erp.write_text(erp.read_text("utf-8").split("consumes:")[0], "utf-8")
    (shop / "flows" / "purge.yaml").unlink()
    plan = shop / "plan" / "plan.yaml"
    plan.write_text(plan.read_text("utf-8").replace("[flow:purge]", "[]"), "utf-8")

    unused = run(shop, CRM, proposal, "--fail-on", "ERR", "-o", "json")

    assert unused.exit_code == 0, unused.output
    summary = json.loads(unused.stdout)["summary"]
    assert summary["counts"]["ERR"] == 1
    assert summary["affected_interfaces"] == []
    assert summary["unused_operations"] == ["DELETE /customers/{customerId}"]


def test_a_file_the_project_does_not_use_exits_2_with_a_located_error(
    shop: Path, tmp_path: Path
) -> None:
    stray = tmp_path / "billing.yaml"
    shutil.copy(shop / CRM_2, stray)

    result = run(shop, stray, stray, "-o", "json")

    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "E-IMPACT-001"
    assert error["location"] == {"file": str(stray)}
    assert CRM in error["hint"]

    missing = run(shop, "contracts/nope.yaml", CRM_2)
    assert missing.exit_code == 2
    assert "E-NOTFOUND-001" in missing.stderr
    assert "Traceback" not in missing.output


def test_a_malformed_contract_is_located(shop: Path) -> None:
    (shop / CRM_2).write_text("openapi: 3.1.0\ninfo: [\n", "utf-8")

    result = run(shop, CRM, CRM_2)

    assert result.exit_code == 2
    assert f"error E-CONTRACT-001 {CRM_2}:3:1 not valid YAML" in result.stderr


def test_raise_risks_puts_the_breaking_change_in_the_risk_register(shop: Path) -> None:
    result = run(shop, CRM, CRM_2, "--raise-risks", "-o", "json")

    assert result.exit_code == 0, result.output
    raised = json.loads(result.stdout)["summary"]["risks"]
    assert [r["action"] for r in raised] == ["created", "created", "created"]
    listed = CliRunner().invoke(
        app, ["--project", str(shop), "risks", "list", "--automatic", "-o", "json"]
    )
    assert listed.exit_code == 0, listed.output
    titles = {r["title"] for r in json.loads(listed.stdout)}
    assert "Breaking change in the contract of interface:crm.customers.delete" in titles

    again = run(shop, CRM, CRM_2, "--raise-risks", "-o", "json")
    assert [r["action"] for r in json.loads(again.stdout)["summary"]["risks"]] == ["updated"] * 3


def test_an_ignore_file_leaves_accepted_findings_out(shop: Path, tmp_path: Path) -> None:
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text(
        "ignore:\n  - id: new-required-request-property\n    reason: the CRM team adds it\n",
        "utf-8",
    )

    result = run(shop, CRM, CRM_2, "--ignore", accepted, "-o", "json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [f["id"] for f in data["findings"]] == [
        "response-required-property-removed",
        "api-removed-without-deprecation",
    ]
    assert data["summary"]["ignored"] == 1
    assert "T-3" not in data["summary"]["tasks"]
