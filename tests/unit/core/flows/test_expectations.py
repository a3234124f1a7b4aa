"""Checking what a flow did against what a case expects: one readable failure per miss."""

from __future__ import annotations

from typing import Any

import pytest

from interloom.core.flows.expectations import Observation, ObservedError, check_expectation
from interloom.core.flows.testcase import CaseExpectation, FlowTestError, MessageStatus

MAPPED = {"orderRef": "ORD-1", "buyer": {"fullName": "Ada", "email": "a@x"}, "total": 10.5}


def observed(**fields: Any) -> Observation:
    defaults: dict[str, Any] = {
        "statuses": (MessageStatus.DELIVERED,),
        "outputs": (MAPPED,),
        "sinks": {"sink-0": [MAPPED]},
    }
    return Observation(**{**defaults, **fields})


def expect(**fields: Any) -> CaseExpectation:
    return CaseExpectation.model_validate(fields)


def test_a_matching_observation_has_no_failure() -> None:
    checks = expect(status="delivered", output=MAPPED, sinks={"sink-0": [MAPPED]})

    assert check_expectation(checks, observed()) == []


def test_an_output_difference_names_the_pointer_and_shows_a_diff() -> None:
    wanted = {**MAPPED, "buyer": {"fullName": "Ada L.", "email": "a@x"}}

    [failure] = check_expectation(expect(output=wanted), observed())

    assert failure.check == "output"
    assert [d.pointer for d in failure.differences] == ["/buyer/fullName"]
    assert '-    "fullName": "Ada L."' in failure.diff
    assert '+    "fullName": "Ada"' in failure.diff


def test_subset_and_ignore_narrow_the_comparison() -> None:
    checks = expect(
        output={"buyer": {"fullName": "Ada"}, "total": 99}, match="subset", ignore=["/total"]
    )

    assert check_expectation(checks, observed()) == []


def test_ignored_pointers_apply_to_each_body_of_a_list() -> None:
    checks = expect(outputs=[{**MAPPED, "total": 1}], ignore=["/total"])

    assert check_expectation(checks, observed()) == []


def test_an_output_expected_of_a_flow_that_delivered_nothing_says_so() -> None:
    [failure, *_] = check_expectation(
        expect(output=MAPPED), observed(statuses=(MessageStatus.FILTERED,), outputs=())
    )

    assert failure.message == "the flow delivered 0 messages, expected one"


def test_a_wrong_status_shows_the_error_met() -> None:
    error = ObservedError(
        "E-MSG-001",
        "the message does not match its schema",
        ("/lines/2/qty",),
        "check",
        ('/lines/2/qty: "3" is not an integer',),
    )

    [failure] = check_expectation(
        expect(status="delivered"),
        observed(statuses=(MessageStatus.REJECTED,), outputs=(), errors=(error,)),
    )

    assert failure.message.startswith("status is rejected, expected delivered; E-MSG-001")
    assert "/lines/2/qty" in failure.message


def test_error_code_and_pointer_must_be_among_the_errors_met() -> None:
    error = ObservedError("E-MSG-001", "does not match", ("/lines/2/qty",), "check")
    seen = observed(statuses=(MessageStatus.REJECTED,), outputs=(), errors=(error,))

    assert (
        check_expectation(expect(error_code="E-MSG-001", error_pointer="/lines/2/qty"), seen) == []
    )
    failures = check_expectation(expect(error_code="E-SINK-001", error_pointer="/lines/0"), seen)
    assert [f.check for f in failures] == ["error_code", "error_pointer"]
    assert "the error names '/lines/2/qty', not '/lines/0'" in failures[1].message


def test_an_error_expected_when_there_was_none_fails() -> None:
    [failure] = check_expectation(expect(error_code="E-MSG-001"), observed())

    assert failure.message == "no message met an error (status delivered)"


def test_each_message_must_have_the_one_status_given() -> None:
    seen = observed(statuses=(MessageStatus.DELIVERED, MessageStatus.FILTERED))

    [failure] = check_expectation(expect(status="delivered"), seen)

    assert failure.message == "expected every message delivered; message 2: filtered"
    assert check_expectation(expect(status=["delivered", "filtered"]), seen) == []


def test_a_sink_that_does_not_exist_is_named_with_the_closest() -> None:
    [failure] = check_expectation(expect(sinks={"sink-1": []}), observed())

    assert failure.check == "sinks.sink-1"
    assert "did you mean 'sink-0'" in failure.message


def test_lineage_is_checked_against_the_lineage_given() -> None:
    checks = expect(lineage={"fields": {"buyer.customerNo": ["customer.id"], "total": ["x"]}})
    lineage = ("flow 'w1'", {"buyer.customerNo": ["customer.id"], "total": ["lines[].qty"]})

    [failure] = check_expectation(checks, observed(), lineage=lineage)

    assert failure.message == "flow 'w1' builds 'total' from lines[].qty; expected x"
    with pytest.raises(FlowTestError):
        check_expectation(checks, observed())
