"""`interloom test` as a person or a CI job runs it: a summary, readable diffs, exit 1."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from interloom.cli.main import app

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "examples" / "bench"


@pytest.fixture
def bench_copy(tmp_path: Path) -> Path:
    """examples/bench copied with the W1 data its test cases name (same relative places)."""
    copy = tmp_path / "examples" / "bench"
    shutil.copytree(BENCH, copy, ignore=shutil.ignore_patterns(".interloom"))
    shutil.copytree(ROOT / "tests" / "data" / "w1", tmp_path / "tests" / "data" / "w1")
    return copy


def break_mapping(project: Path) -> None:
    """The W1 mapping now writes the buyer's name in capitals."""
    for name in ("w1.yaml", "w1-durable.yaml"):
        flow = project / "flows" / name
        text = flow.read_text("utf-8")
        broken = text.replace('"fullName": customer.name', '"fullName": $uppercase(customer.name)')
        assert broken != text
        flow.write_text(broken, "utf-8")


def test_the_bench_tests_pass(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--project", str(BENCH), "test"])

    assert result.exit_code == 0, result.output
    assert "9 passed" in result.stdout
    assert "w1-durable" in result.stdout


def test_the_retail_example_tests_pass(runner: CliRunner) -> None:
    retail = ROOT / "examples" / "retail"

    result = runner.invoke(app, ["--project", str(retail), "test", "-o", "json"])

    report = json.loads(result.stdout)
    assert result.exit_code == 0, [c for c in report["cases"] if c["outcome"] != "passed"]
    assert report["summary"]["passed"] == len(report["cases"]) > 0


def test_a_broken_mapping_fails_with_the_pointer_and_a_diff(
    runner: CliRunner, bench_copy: Path
) -> None:
    break_mapping(bench_copy)

    result = runner.invoke(app, ["--project", str(bench_copy), "test", "w1"])

    assert result.exit_code == 1
    out = result.stdout
    assert "✗ fail w1::an order is mapped to the downstream shape" in out
    assert '/buyer/fullName  changed  expected "Ada Lovelace", actual "ADA LOVELACE"' in out
    assert "--- expected output" in out
    assert "+++ actual output" in out
    assert '-    "fullName": "Ada Lovelace"' in out
    assert '+    "fullName": "ADA LOVELACE"' in out
    assert "2 passed, 3 failed" in out


def test_json_output_lists_every_case_and_difference(runner: CliRunner, bench_copy: Path) -> None:
    break_mapping(bench_copy)

    result = runner.invoke(app, ["--project", str(bench_copy), "test", "-o", "json"])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["summary"] == {"passed": 5, "failed": 4, "error": 0, "skipped": 0}
    failed = [c for c in report["cases"] if c["outcome"] == "failed"]
    assert {(c["flow"], c["failures"][0]["check"]) for c in failed} == {
        ("w1", "output"),
        ("w1-durable", "output"),
    }
    pointers = {d["pointer"] for c in failed for f in c["failures"] for d in f["differences"]}
    assert pointers == {"/buyer/fullName"}
    assert all(c["messages"][0]["status"] == "delivered" for c in failed)


def test_update_rewrites_the_golden_files_then_the_tests_pass(
    runner: CliRunner, bench_copy: Path
) -> None:
    break_mapping(bench_copy)

    updated = runner.invoke(app, ["--project", str(bench_copy), "test", "--update"])
    again = runner.invoke(app, ["--project", str(bench_copy), "test", "-k", "mapped"])

    golden = bench_copy.parents[1] / "tests" / "data" / "w1" / "order.mapped.json"
    assert "wrote" in updated.stdout
    assert "order.mapped.json" in updated.stdout
    assert json.loads(golden.read_text("utf-8"))["buyer"]["fullName"] == "ADA LOVELACE"
    assert again.exit_code == 0, again.stdout
    assert "2 passed" in again.stdout


def test_a_pattern_that_matches_nothing_fails(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--project", str(BENCH), "test", "-k", "no such case"])

    assert result.exit_code == 1
    assert "no test case matches" in result.stdout


def test_a_project_without_tests_says_so_and_passes(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "interloom.yaml").write_text("name: empty\nenvironments:\n  dev: {}\n", "utf-8")

    result = runner.invoke(app, ["--project", str(tmp_path), "test"])

    assert result.exit_code == 0
    assert "no test cases in flows/tests/" in result.stdout


def test_an_unknown_flow_is_an_error_with_a_hint(console_script: Callable[..., Any]) -> None:
    outcome = console_script("--project", str(BENCH), "test", "w2")

    assert outcome.exit_code == 1
    assert "E-NOTFOUND-001" in outcome.stderr
    assert "no flow 'w2'" in outcome.stderr


def test_the_flow_test_schema_accepts_the_bench_test_files(runner: CliRunner) -> None:
    schema = json.loads(runner.invoke(app, ["schema", "flow-test"]).stdout)
    check = jsonschema_rs.validator_for(schema)
    files = sorted((BENCH / "flows" / "tests").glob("*.yaml"))

    assert [f.name for f in files] == ["w1-durable.yaml", "w1.yaml"]
    for path in files:
        data = YAML(typ="safe", pure=True).load(path.read_text("utf-8"))
        assert [e.message for e in check.iter_errors(data)] == [], path
    assert not check.is_valid({"flow": "w1", "cases": [{"name": "n", "expect": {"statuz": 1}}]})
