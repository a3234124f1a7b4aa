"""Checking what a flow did against what a test case expects: a list of readable failures.

Pure: the caller runs the flow and gathers what it observed (:class:`Observation`); the
expected output comes inline or from a golden file the caller read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from interloom.core.flows.comparison import (
    Difference,
    Match,
    differences,
    unified_diff,
)
from interloom.core.flows.testcase import (
    CaseExpectation,
    FlowTestError,
    LineageExpectation,
    MessageStatus,
)
from interloom.core.suggestions import did_you_mean

__all__ = ["Failure", "Observation", "ObservedError", "check_expectation"]

_NOT_GIVEN: Any = object()


@dataclass(frozen=True, slots=True)
class ObservedError:
    """An error a message met: its code, message, the pointers it names, the step."""

    code: str
    message: str
    pointers: tuple[str, ...] = ()
    step: str | None = None
    details: tuple[str, ...] = ()  # "pointer: message" of each detail, to show

    def describe(self) -> str:
        """``E-MSG-001 step 'check': the message … (/lines/0/sku: …; +1 more)``."""
        where = f"step '{self.step}': " if self.step else ""
        text = f"{self.code} {where}{self.message}"
        if self.details:
            more = f"; +{len(self.details) - 3} more" if len(self.details) > 3 else ""
            text += f" ({'; '.join(self.details[:3])}{more})"
        return text


@dataclass(frozen=True, slots=True)
class Observation:
    """What the flow did with a case's messages."""

    statuses: tuple[MessageStatus, ...]  # one per message sent, in order
    outputs: tuple[Any, ...]  # every body delivered, in order
    sinks: Mapping[str, Sequence[Any]]  # sink id -> every body it received
    errors: tuple[ObservedError, ...] = ()  # in the order met (dead-lettered items too)


@dataclass(frozen=True, slots=True)
class Failure:
    """One unmet expectation: which check, what is wrong, where, and a diff to read."""

    check: str
    message: str
    differences: tuple[Difference, ...] = ()
    diff: str = ""
    expected: Any = None
    actual: Any = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        data: dict[str, Any] = {"check": self.check, "message": self.message}
        if self.differences:
            data["differences"] = [d.to_dict() for d in self.differences]
        if self.diff:
            data["diff"] = self.diff
        return data


def _per_item(pointers: Sequence[str]) -> list[str]:
    """Pointers into each body, as pointers into the array of bodies."""
    return ["/*" + pointer for pointer in pointers]


def _document_failure(
    check: str, what: str, expected: Any, actual: Any, match: Match, ignore: Sequence[str]
) -> Failure | None:
    found = differences(expected, actual, match=match, ignore=ignore)
    if not found:
        return None
    count = len(found)
    message = f"{what} differs from the expected at {count} place{'s' if count != 1 else ''}"
    diff = unified_diff(
        expected,
        actual,
        match=match,
        ignore=ignore,
        labels=(f"expected {check}", f"actual {check}"),
    )
    return Failure(check, message, tuple(found), diff, expected, actual)


def _check_status(expect: CaseExpectation, observed: Observation) -> list[Failure]:
    wanted = expect.status
    if wanted is None:
        return []
    actual = [s.value for s in observed.statuses]
    if isinstance(wanted, list):
        expected = [s.value for s in wanted]
        if expected != actual:
            return [
                Failure(
                    "status",
                    f"statuses are {actual}, expected {expected}",
                    expected=expected,
                    actual=actual,
                )
            ]
        return []
    wrong = [(i, s) for i, s in enumerate(actual) if s != wanted.value]
    if not wrong:
        return []
    if len(actual) == 1:
        message = f"status is {actual[0]}, expected {wanted.value}"
    else:
        shown = ", ".join(f"message {i + 1}: {s}" for i, s in wrong)
        message = f"expected every message {wanted.value}; {shown}"
    error = next(iter(observed.errors), None)
    if error is not None:
        message += f"; {error.describe()}"
    return [Failure("status", message, expected=wanted.value, actual=actual)]


def _check_outputs(
    expect: CaseExpectation, observed: Observation, expected_output: Any
) -> list[Failure]:
    form = expect.output_form
    if form is None:
        return []
    match, ignore = expect.match, expect.ignore
    if form in ("output", "output_file"):
        count = len(observed.outputs)
        if count != 1:
            message = f"the flow delivered {count} messages, expected one"
            if count > 1:
                message += " (expect 'outputs' for several)"
            return [Failure("output", message, expected=expected_output, actual=observed.outputs)]
        failure = _document_failure(
            "output", "output", expected_output, observed.outputs[0], match, ignore
        )
        return [failure] if failure else []
    if not isinstance(expected_output, list):
        return [Failure("outputs", "the expected outputs are not an array", expected_output)]
    failure = _document_failure(
        "outputs", "outputs", expected_output, list(observed.outputs), match, _per_item(ignore)
    )
    return [failure] if failure else []


def _check_sinks(expect: CaseExpectation, observed: Observation) -> list[Failure]:
    failures: list[Failure] = []
    for sink, expected in (expect.sinks or {}).items():
        if sink not in observed.sinks:
            hint = did_you_mean(sink, observed.sinks) or f"sinks: {', '.join(observed.sinks)}"
            failures.append(Failure(f"sinks.{sink}", f"the flow has no sink '{sink}' ({hint})"))
            continue
        failure = _document_failure(
            f"sinks.{sink}",
            f"what sink '{sink}' received",
            expected,
            list(observed.sinks[sink]),
            expect.match,
            _per_item(expect.ignore),
        )
        if failure is not None:
            failures.append(failure)
    return failures


def _check_error(expect: CaseExpectation, observed: Observation) -> list[Failure]:
    wanted = [
        (name, value)
        for name, value in (
            ("error_code", expect.error_code),
            ("error_pointer", expect.error_pointer),
            ("error_message", expect.error_message),
        )
        if value is not None
    ]
    if not wanted:
        return []
    if not observed.errors:
        statuses = ", ".join(s.value for s in observed.statuses)
        return [Failure(name, f"no message met an error (status {statuses})") for name, _ in wanted]
    failures = []
    codes = [e.code for e in observed.errors]
    pointers = [p for e in observed.errors for p in e.pointers]
    first = observed.errors[0]
    if expect.error_code is not None and expect.error_code not in codes:
        failures.append(
            Failure(
                "error_code",
                f"expected {expect.error_code}, the error is {first.describe()}",
                expected=expect.error_code,
                actual=codes,
            )
        )
    if expect.error_pointer is not None and expect.error_pointer not in pointers:
        named = ", ".join(repr(p) for p in pointers) if pointers else "no pointer"
        failures.append(
            Failure(
                "error_pointer",
                f"the error names {named}, not {expect.error_pointer!r}",
                expected=expect.error_pointer,
                actual=pointers,
            )
        )
    if expect.error_message is not None and not any(
        expect.error_message in e.message for e in observed.errors
    ):
        failures.append(
            Failure(
                "error_message",
                f"the error message {first.message!r} does not contain {expect.error_message!r}",
                expected=expect.error_message,
                actual=[e.message for e in observed.errors],
            )
        )
    return failures


def _check_lineage(
    expectation: LineageExpectation, lineage: Mapping[str, Sequence[str]], label: str
) -> list[Failure]:
    failures = []
    for target, sources in expectation.fields.items():
        if target not in lineage:
            hint = did_you_mean(target, lineage)
            failures.append(
                Failure(
                    "lineage",
                    f"{label} sets no field '{target}'" + (f" ({hint})" if hint else ""),
                )
            )
            continue
        wanted, found = sorted(set(sources)), sorted(set(lineage[target]))
        if wanted != found:
            failures.append(
                Failure(
                    "lineage",
                    f"{label} builds '{target}' from {', '.join(found) or 'nothing'}; "
                    f"expected {', '.join(wanted)}",
                    expected=wanted,
                    actual=found,
                )
            )
    return failures


def check_expectation(
    expect: CaseExpectation,
    observed: Observation,
    *,
    expected_output: Any = _NOT_GIVEN,
    lineage: tuple[str, Mapping[str, Sequence[str]]] | None = None,
) -> list[Failure]:
    """Every expectation of ``expect`` that ``observed`` does not meet.

    ``expected_output`` is the expected output(s) when the case gives them in a file;
    ``lineage`` is ``(what, target field -> source fields)`` for a lineage expectation:
    the flow end to end, or the step it names.
    """
    if expected_output is _NOT_GIVEN:
        expected_output = expect.outputs if expect.output_form == "outputs" else expect.output
    failures = _check_status(expect, observed)
    failures += _check_error(expect, observed)
    failures += _check_outputs(expect, observed, expected_output)
    failures += _check_sinks(expect, observed)
    if expect.lineage is not None:
        if lineage is None:
            raise FlowTestError("a lineage expectation needs the flow's lineage")
        failures += _check_lineage(expect.lineage, lineage[1], lineage[0])
    return failures
