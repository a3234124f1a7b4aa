"""Flow tests found in flows/tests/, run through their flows, checked, reported."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from interloom.core.errors import NotFoundError
from interloom.services.flow_testing import (
    CaseOutcome,
    FlowTestReport,
    collect_flow_tests,
    run_flow_tests_sync,
)
from interloom.services.project import load_project

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "examples" / "bench"

FLOW = """\
id: relay
name: Relay
source:
  connector: http
  config: {path: /in, reply: sync}
steps:
  - id: shape
    kind: map
    config:
      expression: '{"ref": id, "name": $uppercase(name)}'
sinks:
  - connector: http
    config: {url: "http://downstream.invalid/in"}
"""


def project(tmp_path: Path, tests: str, *, flow: str = FLOW) -> Path:
    root = tmp_path / "project"
    (root / "flows" / "tests").mkdir(parents=True)
    (root / "interloom.yaml").write_text("name: demo\nenvironments:\n  dev: {}\n", "utf-8")
    (root / "flows" / "relay.yaml").write_text(flow, "utf-8")
    (root / "flows" / "tests" / "relay.yaml").write_text(textwrap.dedent(tests), "utf-8")
    return root


def run(
    root: Path, *flows: str, pattern: str | None = None, update: bool = False
) -> FlowTestReport:
    return run_flow_tests_sync(collect_flow_tests(root, flows, pattern), update=update)


def test_the_bench_cases_all_pass() -> None:
    report = run(BENCH)

    assert report.ok, [c for c in report.cases if c.outcome is not CaseOutcome.PASSED]
    assert report.summary() == {"passed": 9, "failed": 0, "error": 0, "skipped": 0}
    assert {case.flow for case in report.cases} == {"w1", "w1-durable"}


def test_flows_and_a_pattern_choose_the_cases() -> None:
    assert collect_flow_tests(BENCH, ["w1"]).total == 5
    chosen = collect_flow_tests(BENCH, (), "503")
    assert [(f.loaded.model.flow, len(f.cases)) for f in chosen.files] == [
        ("w1-durable", 1),
        ("w1", 1),
    ]
    assert collect_flow_tests(BENCH, (), "w1-durable::*rejected*").total == 1


def test_a_flow_named_that_the_project_lacks_is_not_found() -> None:
    with pytest.raises(NotFoundError) as raised:
        collect_flow_tests(BENCH, ["w1-durble"])

    assert raised.value.hint == "did you mean 'w1-durable'?"


def test_a_failing_output_reports_each_pointer(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """\
        flow: relay
        cases:
          - name: upper-cased
            input: {id: 7, name: ada}
            expect: {status: delivered, output: {ref: 7, name: Ada}}
        """,
    )

    [case] = run(root).cases

    assert case.outcome is CaseOutcome.FAILED
    [failure] = case.failures
    assert failure["differences"] == [
        {"pointer": "/name", "kind": "changed", "expected": "Ada", "actual": "ADA"}
    ]
    assert '-  "name": "Ada",' in failure["diff"]
    assert '+  "name": "ADA",' in failure["diff"]


def test_update_writes_a_missing_golden_file_then_it_passes(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """\
        flow: relay
        cases:
          - name: golden
            input_file: data/in.yaml
            expect: {output_file: golden/out.json}
        """,
    )
    (root / "flows" / "tests" / "data").mkdir()
    (root / "flows" / "tests" / "data" / "in.yaml").write_text("id: 1\nname: grace\n", "utf-8")

    [missing] = run(root).cases
    assert missing.outcome is CaseOutcome.FAILED
    assert "run 'interloom test --update' to write it" in missing.failures[0]["message"]

    [updated] = run(root, update=True).cases
    assert updated.outcome is CaseOutcome.PASSED
    assert updated.updated == ["flows/tests/golden/out.json"]
    golden = root / "flows" / "tests" / "golden" / "out.json"
    assert json.loads(golden.read_text("utf-8")) == {"ref": 1, "name": "GRACE"}

    [again] = run(root).cases
    assert again.outcome is CaseOutcome.PASSED
    assert again.updated == []


def test_an_invalid_test_file_is_reported_with_its_line(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """\
        flow: relay
        cases:
          - name: typo
            input: {}
            expcet: {}
        """,
    )

    report = run(root)

    assert not report.ok
    assert report.cases == []
    rendered = [p.render() for p in report.file_errors[0].problems]
    assert any("flows/tests/relay.yaml:5:5" in line and "expcet" in line for line in rendered)


def test_a_missing_flow_is_an_error_at_the_flow_key(tmp_path: Path) -> None:
    root = project(tmp_path, "flow: rely\ncases:\n  - {name: n, input: {}, expect: {}}\n")

    [case] = run(root).cases

    assert case.outcome is CaseOutcome.ERROR
    assert case.error is not None
    assert case.error["code"] == "E-TEST-001"
    assert case.error["location"] == {
        "file": "flows/tests/relay.yaml",
        "line": 1,
        "column": 1,
        "path": "flow",
    }
    assert case.error["hint"] == "did you mean 'relay'?"


def test_a_missing_input_file_is_an_error_that_names_it(tmp_path: Path) -> None:
    root = project(
        tmp_path, "flow: relay\ncases:\n  - {name: n, input_file: no.json, expect: {}}\n"
    )

    [case] = run(root).cases

    assert case.error is not None
    assert case.error["code"] == "E-TEST-002"
    assert case.error["location"]["file"] == "flows/tests/no.json"


def test_a_fake_of_no_sink_is_located_in_the_case(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """\
        flow: relay
        cases:
          - name: n
            input: {}
            fakes:
              sink-9: {status: 500}
            expect: {}
        """,
    )

    [case] = run(root).cases

    assert case.error is not None
    assert case.error["code"] == "E-TEST-004"
    assert case.error["location"]["line"] == 6
    assert case.error["hint"] == "did you mean 'sink-0'?"


def test_a_flow_that_does_not_compile_fails_its_cases_with_the_flow_s_error(
    tmp_path: Path,
) -> None:
    broken = FLOW.replace('\'{"ref": id, "name": $uppercase(name)}\'', "'{\"ref\": id'")
    root = project(
        tmp_path, "flow: relay\ncases:\n  - {name: n, input: {}, expect: {}}\n", flow=broken
    )

    [case] = run(root).cases

    assert case.outcome is CaseOutcome.ERROR
    assert case.error is not None
    assert case.error["code"] == "E-FLOW-002"
    assert case.error["location"]["file"] == "flows/relay.yaml"


def test_a_skipped_case_does_not_run(tmp_path: Path) -> None:
    root = project(
        tmp_path, "flow: relay\ncases:\n  - {name: n, input: {}, expect: {}, skip: later}\n"
    )

    [case] = run(root).cases

    assert (case.outcome, case.reason) == (CaseOutcome.SKIPPED, "later")


def test_the_file_fakes_apply_to_every_case_and_a_case_s_own_win(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """\
        flow: relay
        fakes:
          sink-0: {status: 503}
        cases:
          - {name: from the file, input: {id: 1, name: a}, expect: {status: failed}}
          - name: its own
            input: {id: 1, name: a}
            fakes: {sink-0: {status: 201}}
            expect: {status: delivered}
        """,
    )

    report = run(root)

    assert [c.outcome for c in report.cases] == [CaseOutcome.PASSED, CaseOutcome.PASSED]


def test_lineage_is_checked_end_to_end(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """\
        flow: relay
        cases:
          - name: lineage
            input: {id: 1, name: a}
            expect:
              lineage:
                fields: {ref: [id], name: [id]}
        """,
    )

    [case] = run(root).cases

    assert [f["message"] for f in case.failures] == [
        "flow 'relay' builds 'name' from name; expected id"
    ]


def test_the_bench_project_copied_runs_from_its_copy(tmp_path: Path) -> None:
    copy = tmp_path / "examples" / "bench"
    shutil.copytree(BENCH, copy, ignore=shutil.ignore_patterns(".interloom"))
    shutil.copytree(ROOT / "tests" / "data" / "w1", tmp_path / "tests" / "data" / "w1")

    assert run(copy).ok


def test_test_files_are_not_read_as_flows(tmp_path: Path) -> None:
    root = project(tmp_path, "flow: relay\ncases:\n  - {name: n, input: {}, expect: {}}\n")

    loaded = load_project(root)

    assert [f.model.id for f in loaded.project.flows] == ["relay"]
    assert loaded.problems == []
