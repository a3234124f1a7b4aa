"""Ignore rules: every given field must match; expired rules match nothing."""

from __future__ import annotations

import datetime as dt

from interloom.core.contracts.diff import DiffResult, Finding, Level
from interloom.core.contracts.diff.ignore import IgnoreRule, apply_ignore_rules

TODAY = dt.date(2027, 3, 1)
REMOVED = Finding(
    id="response-optional-property-removed",
    level=Level.WARN,
    message="removed the optional property 'nickname' from the response 200 body (in Customer)",
    operation="GET /customers/{customerId}",
    operation_id="getCustomer",
    path="/nickname",
)
ADDED = Finding(
    id="new-required-request-property",
    level=Level.ERR,
    message="added the required property 'vat' to the request body",
    operation="POST /customers",
    operation_id="createCustomer",
    path="/billing/vat",
)


def test_an_oasdiff_style_line_matches_operation_and_message_piece() -> None:
    rule = IgnoreRule(
        operation="get /customers/{id}", message="Removed the optional property 'nickname'"
    )

    assert rule.matches(REMOVED, TODAY)
    assert not rule.matches(ADDED, TODAY)


def test_the_whole_message_quoted_with_more_text_still_matches() -> None:
    rule = IgnoreRule(operation="GET /customers/{x}", message=f"{REMOVED.message} (agreed in CR-7)")

    assert rule.matches(REMOVED, TODAY)


def test_rule_id_operation_id_and_path_prefix() -> None:
    assert IgnoreRule(rule_id="new-required-request-property").matches(ADDED, TODAY)
    assert IgnoreRule(operation="createCustomer").matches(ADDED, TODAY)
    assert IgnoreRule(path="/billing/*").matches(ADDED, TODAY)
    assert IgnoreRule(path="billing/vat").matches(ADDED, TODAY)
    assert not IgnoreRule(path="/billing").matches(ADDED, TODAY)
    assert not IgnoreRule(rule_id="new-required-request-property", path="/other").matches(
        ADDED, TODAY
    )


def test_an_expired_rule_matches_nothing() -> None:
    rule = IgnoreRule(rule_id=ADDED.id, until=dt.date(2027, 2, 28))

    assert not rule.matches(ADDED, TODAY)
    assert rule.matches(ADDED, dt.date(2027, 2, 28))


def test_ignored_findings_leave_the_result_and_are_counted() -> None:
    result = DiffResult(old_file="a", new_file="b", findings=(REMOVED, ADDED))

    filtered = apply_ignore_rules(result, [IgnoreRule(rule_id=ADDED.id)], today=TODAY)

    assert filtered.findings == (REMOVED,)
    assert filtered.ignored == (ADDED,)
    assert not filtered.fails(Level.ERR)
    assert filtered.fails(Level.WARN)
