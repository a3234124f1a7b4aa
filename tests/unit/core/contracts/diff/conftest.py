"""Contract pairs under tests/data/contracts/diff, diffed as the CLI does (lines included)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from interloom.core.contracts import Contract
from interloom.core.contracts.diff import DiffResult, Finding, diff_contracts
from interloom.formats.contracts import import_contract
from interloom.formats.contracts.source_lines import SourceLines

DATA = Path(__file__).resolve().parents[4] / "data" / "contracts" / "diff"
TODAY = dt.date(2027, 3, 1)
"""The day the tests diff on: sunset dates are judged against it."""


def load(name: str) -> Contract:
    """``load("responses/old.yaml")``: a contract of tests/data/contracts/diff, imported."""
    path = DATA / name
    return import_contract(
        path.read_bytes(), name, resolve_file=lambda relative: (path.parent / relative).read_bytes()
    )


def diff_files(old: str, new: str) -> DiffResult:
    """The diff of two data files, with every location given the line of its pointer."""
    result = diff_contracts(load(old), load(new), today=TODAY)
    lines = SourceLines(lambda file: (DATA / file).read_bytes())
    located = tuple(
        finding.located(
            lines.locate(finding.old) if finding.old else None,
            lines.locate(finding.new) if finding.new else None,
        )
        for finding in result.findings
    )
    return result.with_findings(located)


def line_of(name: str, text: str, *, after: str | None = None) -> int:
    """The 1-based line of the first line of ``name`` holding ``text`` (after ``after``)."""
    lines = (DATA / name).read_text("utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line) + 1
    return next(i + 1 for i in range(start, len(lines)) if text in lines[i])


def one(
    result: DiffResult, rule_id: str, *, operation: str | None = None, path: str | None = None
) -> Finding:
    """The single finding of ``rule_id`` (for ``operation`` and ``path`` when given)."""
    found = [
        f
        for f in result.findings
        if f.id == rule_id
        and (operation is None or f.operation == operation)
        and (path is None or f.path == path)
    ]
    assert len(found) == 1, (rule_id, operation, path, [f.render() for f in result.findings])
    return found[0]


def ids(result: DiffResult) -> set[str]:
    """The rule ids found."""
    return {finding.id for finding in result.findings}


@pytest.fixture
def pair() -> Callable[[str], DiffResult]:
    """``pair("responses")``: the diff of ``responses/old.*`` and ``responses/new.*``."""

    def diff(family: str) -> DiffResult:
        old = next((DATA / family).glob("old.*")).name
        new = next((DATA / family).glob("new.*")).name
        return diff_files(f"{family}/{old}", f"{family}/{new}")

    return diff
