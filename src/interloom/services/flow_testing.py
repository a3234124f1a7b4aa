"""Flow tests: find ``flows/tests/*.yaml``, run each case through its flow with fakes, report.

A case runs in the flow harness (:mod:`interloom.runtime.harness`): the flow is compiled as
the server compiles it, its sinks and calls answer from the case's fakes, and every message
goes through the runtime's own step execution. What happened is then checked against the
case's expectations (:mod:`interloom.core.flows.expectations`).

Only the flows under test need to compile: a problem elsewhere in the project (a plan file,
another flow) does not stop the tests.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from interloom.core.errors import InterloomError, Location
from interloom.core.flows.definition import Flow
from interloom.core.flows.expectations import Observation, ObservedError, check_expectation
from interloom.core.flows.testcase import (
    FakeKeyError,
    FlowTestCase,
    FlowTestError,
    FlowTestFileError,
    answers_of,
)
from interloom.core.project import Loaded
from interloom.core.refs import RefKind
from interloom.core.suggestions import did_you_mean
from interloom.runtime.harness import HarnessResult, run_flow
from interloom.services.flow_lineage import flow_lineage
from interloom.services.flow_test_files import (
    CollectedFile,
    TestCollection,
    TestFileError,
    collect_flow_tests,
    expected_output,
    inputs_of,
    read_data_file,
)

__all__ = [
    "CaseOutcome",
    "CaseReport",
    "FlowTestReport",
    "TestCollection",
    "collect_flow_tests",
    "read_data_file",
    "run_flow_tests",
    "run_flow_tests_sync",
]


class CaseOutcome(StrEnum):
    """How a case ended."""

    PASSED = "passed"
    FAILED = "failed"  # an expectation did not hold
    ERROR = "error"  # the case could not run (its flow, an input file, a fake)
    SKIPPED = "skipped"


class CaseReport(BaseModel):
    """One case's outcome, with what failed and what the flow did."""

    file: str
    flow: str
    name: str
    outcome: CaseOutcome
    duration_ms: float
    statuses: list[str] = Field(default_factory=list)
    failures: list[dict[str, Any]] = Field(default_factory=list)
    error: dict[str, Any] | None = None
    updated: list[str] = Field(default_factory=list)
    reason: str | None = None
    messages: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def id(self) -> str:
        """``flow::case name``, as ``-k`` matches it."""
        return f"{self.flow}::{self.name}"


class FlowTestReport(BaseModel):
    """Every case run, the files that could not be read, and the counts."""

    cases: list[CaseReport] = Field(default_factory=list)
    file_errors: list[TestFileError] = Field(default_factory=list)
    untested: list[str] = Field(default_factory=list, description="Flows named with no case.")
    duration_ms: float = 0.0

    def count(self, outcome: CaseOutcome) -> int:
        """How many cases ended so."""
        return sum(1 for case in self.cases if case.outcome is outcome)

    @property
    def ok(self) -> bool:
        """Whether every case that ran passed and every file could be read."""
        bad = self.count(CaseOutcome.FAILED) + self.count(CaseOutcome.ERROR)
        return not bad and not self.file_errors

    def summary(self) -> dict[str, int]:
        """Counts by outcome."""
        return {outcome.value: self.count(outcome) for outcome in CaseOutcome}


def _flow_of(collection: TestCollection, collected: CollectedFile) -> Loaded[Flow]:
    wanted = collected.loaded.model.flow
    project = collection.project.project
    for loaded in project.flows:
        if loaded.model.id == wanted:
            return loaded
    line, column = collected.loaded.source.locate(("flow",))
    where = Location(file=collected.file, line=line, column=column, path="flow")
    if wanted in project.unloaded.get(RefKind.FLOW, frozenset()):
        raise FlowTestError(
            f"flow '{wanted}' does not load",
            location=where,
            hint=f"run 'interloom validate {collection.root}' to see why",
        )
    known = [loaded.model.id for loaded in project.flows]
    raise FlowTestError(
        f"no flow '{wanted}' in the project",
        location=where,
        hint=did_you_mean(wanted, known) or f"flows: {', '.join(known) or 'none'}",
    )


def _located(error: InterloomError, collected: CollectedFile, index: int) -> InterloomError:
    """The error, placed in the test file when it has no place of its own."""
    if error.location is not None:
        return error
    source = collected.loaded.source
    path: tuple[str | int, ...] = ("cases", index)
    if isinstance(error, FakeKeyError):
        in_case = ("cases", index, "fakes", error.key)
        path = in_case if source.positions.get(in_case) else ("fakes", error.key)
    line, column = source.locate(path)
    dotted = ".".join(str(p) for p in path)
    error.location = Location(file=collected.file, line=line, column=column, path=dotted)
    return error


# --- running --------------------------------------------------------------------------------


def _lineage(flow: Flow, case: FlowTestCase) -> tuple[str, dict[str, list[str]]]:
    """The lineage a case's expectation is checked against: end to end, or one step's."""
    assert case.expect.lineage is not None
    found = flow_lineage(flow)
    step = case.expect.lineage.step
    if step is None:
        return f"flow '{flow.id}'", found.end_to_end
    for own in found.steps:
        if own.step == step:
            return f"step '{step}'", own.fields
    known = [own.step for own in found.steps]
    raise FlowTestError(
        f"flow '{flow.id}' has no map or set step '{step}'",
        hint=did_you_mean(step, known) or f"map and set steps: {', '.join(known) or 'none'}",
    )


def _observation(result: HarnessResult) -> Observation:
    met = [run.error for run in result.messages if run.error is not None]
    met += [item.error for run in result.messages for item in run.dead_letters]
    errors = [
        ObservedError(
            e.code,
            e.message,
            tuple(e.pointers),
            e.step,
            tuple(f"{d.get('pointer', '')}: {d.get('message', '')}".strip() for d in e.details),
        )
        for e in met
    ]
    return Observation(
        statuses=tuple(run.status for run in result.inputs),
        outputs=tuple(result.outputs),
        sinks=result.sinks,
        errors=tuple(errors),
    )


async def _run_case(
    collection: TestCollection,
    collected: CollectedFile,
    index: int,
    case: FlowTestCase,
    update: bool,
) -> CaseReport:
    test_file = collected.loaded.model
    report = CaseReport(
        file=collected.file,
        flow=test_file.flow,
        name=case.name,
        outcome=CaseOutcome.PASSED,
        duration_ms=0.0,
    )
    if case.skip is not None:
        report.outcome, report.reason = CaseOutcome.SKIPPED, case.skip
        return report
    started = time.perf_counter()
    base, root = collected.path.parent, collection.root
    try:
        flow = _flow_of(collection, collected)
        inputs = inputs_of(case, base, root)
        fakes = {key: answers_of(spec) for key, spec in {**test_file.fakes, **case.fakes}.items()}
        result = await run_flow(
            flow.model,
            root,
            inputs,
            headers=case.headers,
            environ={**os.environ, **test_file.env},
            fakes=fakes,
            source_map=flow.source,
        )
        report.statuses = [run.status.value for run in result.inputs]
        report.messages = [run.to_dict() for run in result.messages]
        try:
            golden, expected = expected_output(
                case, base, root, result.outputs, update, report.updated
            )
        except FlowTestFileError as error:
            report.failures.append({"check": "output_file", "message": str(error)})
            golden, expected = False, None
        observed = _observation(result)
        lineage = _lineage(flow.model, case) if case.expect.lineage is not None else None
        if golden:
            failures = check_expectation(
                case.expect, observed, expected_output=expected, lineage=lineage
            )
        else:
            failures = check_expectation(case.expect, observed, lineage=lineage)
            if case.expect.output_form in ("output_file", "outputs_file"):
                failures = [f for f in failures if f.check not in ("output", "outputs")]
        report.failures += [failure.to_dict() for failure in failures]
    except InterloomError as error:
        report.outcome = CaseOutcome.ERROR
        report.error = _located(error, collected, index).to_dict()
    if report.outcome is CaseOutcome.PASSED and report.failures:
        report.outcome = CaseOutcome.FAILED
    report.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    return report


async def run_flow_tests(
    collection: TestCollection,
    *,
    update: bool = False,
    on_case: Callable[[CaseReport], None] | None = None,
) -> FlowTestReport:
    """Run every collected case, in file order; ``update`` rewrites golden files first."""
    started = time.perf_counter()
    report = FlowTestReport(file_errors=list(collection.errors), untested=collection.untested)
    for collected in collection.files:
        for index, case in collected.cases:
            case_report = await _run_case(collection, collected, index, case, update)
            report.cases.append(case_report)
            if on_case is not None:
                on_case(case_report)
    report.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    return report


def run_flow_tests_sync(
    collection: TestCollection,
    *,
    update: bool = False,
    on_case: Callable[[CaseReport], None] | None = None,
) -> FlowTestReport:
    """:func:`run_flow_tests` for callers without an event loop (the CLI)."""
    return asyncio.run(run_flow_tests(collection, update=update, on_case=on_case))
