"""``interloom assess SYSTEM``: the readiness report in text, JSON, Markdown and HTML."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from interloom.cli.main import app
from interloom.core.readiness import CriterionId, SystemReadiness

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "retail"


@pytest.fixture
def retail(tmp_path: Path) -> Path:
    """A copy of examples/retail, which a test may edit."""
    root = tmp_path / "retail"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".interloom", ".git*"))
    return root


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'interloom.db'}"


@pytest.fixture
def interloom(runner: CliRunner, retail: Path, database: str) -> Callable[..., Any]:
    """``interloom(*args)``: run a command on the copy of the example; the result."""

    def run(*args: str) -> Any:
        return runner.invoke(app, ["--project", str(retail), "--database-url", database, *args])

    return run


def report_of(result: Any) -> SystemReadiness:
    assert result.exit_code == 0, result.output
    return SystemReadiness.model_validate_json(result.stdout)


def test_json_scores_every_interface_of_the_system(interloom: Callable[..., Any]) -> None:
    report = report_of(interloom("assess", "wms", "--output", "json"))

    assert report.system == "system:wms"
    assert [i.ref for i in report.interfaces] == [
        "interface:wms.shipments.create",
        "interface:wms.shipments.get",
        "interface:wms.shipments.dispatched",
        "interface:wms.stock.get",
        "interface:wms.stock.list",
        "interface:wms.stock.changed",
        "interface:wms.stock.file",
    ]
    for item in report.interfaces:
        assert [c.id for c in item.criteria] == list(CriterionId)
        assert item.score is not None
        assert 0 <= item.score <= 100
    stock_list = report.interfaces[4]
    deprecation = stock_list.criterion(CriterionId.DEPRECATION)
    assert deprecation.status == "fail"
    assert "the contract does not flag the operation deprecated" in deprecation.explanation
    assert stock_list.criterion(CriterionId.LATENCY).explanation == "not measured"
    assert report.score is not None
    assert report.gaps
    assert report.gaps[0].points >= report.gaps[-1].points


def test_text_shows_score_gaps_and_what_falls_short(interloom: Callable[..., Any]) -> None:
    result = interloom("assess", "wms")

    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("Warehouse management (system:wms, owner Logistics IT): score ")
    assert "Top gaps" in result.stdout
    assert "latency and error rate not measured" in result.stdout
    assert "wms.stock.list" in result.stdout
    assert "✗ deprecation: the catalog says deprecated" in result.stdout


def test_markdown_and_html_reports_are_written_to_a_file(
    interloom: Callable[..., Any], tmp_path: Path
) -> None:
    markdown = tmp_path / "reports" / "erp.md"
    html = tmp_path / "reports" / "erp.html"

    md_result = interloom("assess", "erp", "-o", "markdown", "--output-file", str(markdown))
    html_result = interloom("assess", "erp", "--output", "html", "--output-file", str(html))

    assert md_result.exit_code == 0, md_result.output
    assert f"wrote {markdown} (score " in md_result.stdout
    text = markdown.read_text("utf-8")
    assert text.startswith("# Readiness of Enterprise resource planning (`system:erp`)")
    assert "### `erp.invoices.create` — Create an invoice" in text
    assert "a WSDL cannot carry examples" in text
    assert html_result.exit_code == 0, html_result.output
    page = html.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<h3 id="i-erp-invoices-create">' in page


def test_markdown_goes_to_stdout_without_an_output_file(interloom: Callable[..., Any]) -> None:
    result = interloom("assess", "crm", "--output", "markdown")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Readiness of Customer relationship management")


def test_the_recorded_lifecycle_state_is_assessed(interloom: Callable[..., Any]) -> None:
    before = report_of(interloom("assess", "wms", "-o", "json")).interfaces[5]
    changed = interloom("interfaces", "set-lifecycle", "wms.stock.changed", "conformant")
    after = report_of(interloom("assess", "wms", "-o", "json")).interfaces[5]

    assert changed.exit_code == 0, changed.output
    assert before.criterion(CriterionId.LIFECYCLE).status == "fail"
    assert after.lifecycle == "conformant"
    assert after.criterion(CriterionId.LIFECYCLE).status == "pass"
    assert after.score is not None
    assert before.score is not None
    assert after.score > before.score


def test_a_contract_that_does_not_import_fails_with_its_located_error(
    interloom: Callable[..., Any], retail: Path
) -> None:
    (retail / "contracts" / "wms-events.asyncapi.yaml").write_text(
        "asyncapi: 3.0.0\ninfo: {title: x\n", "utf-8"
    )

    report = report_of(interloom("assess", "wms", "-o", "json"))

    dispatched = report.interfaces[2].criterion(CriterionId.CONTRACT)
    assert dispatched.status == "fail"
    assert dispatched.explanation.startswith("E-CONTRACT-001 contracts/wms-events.asyncapi.yaml:")
    assert report.interfaces[0].criterion(CriterionId.CONTRACT).status == "pass"


def test_an_unknown_system_is_a_coded_error_with_did_you_mean(
    console_script: Callable[..., Any], retail: Path, database: str
) -> None:
    base = ["--project", str(retail), "--database-url", database]

    text = console_script(*base, "assess", "wmx")
    as_json = console_script(*base, "assess", "wmx", "--output", "json")

    assert text.exit_code == 1
    assert text.stderr.strip() == "error E-NOTFOUND-001 no system 'wmx' (did you mean 'wms'?)"
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["error"] == {
        "code": "E-NOTFOUND-001",
        "message": "no system 'wmx'",
        "status": 404,
        "hint": "did you mean 'wms'?",
    }


def test_fail_under_fails_a_system_scoring_below(interloom: Callable[..., Any]) -> None:
    score = report_of(interloom("assess", "payments", "-o", "json")).score
    assert score is not None

    below = interloom("assess", "payments", "-o", "json", "--fail-under", f"{score + 1:.1f}")
    above = interloom("assess", "payments", "-o", "json", "--fail-under", f"{score - 1:.1f}")

    assert below.exit_code == 1
    assert f"score {score:.1f} is below {score + 1:.1f}" in below.stderr
    assert above.exit_code == 0, above.output
