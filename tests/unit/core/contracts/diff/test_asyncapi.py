"""AsyncAPI: a received message is judged like a request, a sent one like a response."""

from __future__ import annotations

from collections.abc import Callable

from interloom.core.contracts.diff import DiffResult, Level

from .conftest import line_of, one

OLD, NEW = "asyncapi/old.yaml", "asyncapi/new.yaml"
RECEIVE, SEND = "receive payments.requests", "send payments.results"


def test_messages_the_application_receives_behave_like_requests(
    pair: Callable[[str], DiffResult],
) -> None:
    result = pair("asyncapi")

    added = one(result, "received-message-required-property-added", path="/currency")
    assert (added.level, added.operation, added.operation_id) == (
        Level.ERR,
        RECEIVE,
        "receivePaymentRequest",
    )
    assert added.new is not None
    assert added.new.pointer == "/components/messages/PaymentRequested/payload/properties/currency"
    assert added.new.line == line_of(NEW, "currency:")
    removed = one(result, "received-message-property-removed", path="/note")
    assert removed.level is Level.WARN
    assert one(result, "received-message-enum-value-removed", path="/method").level is Level.ERR
    assert one(result, "received-message-enum-value-added", path="/method").level is Level.INFO
    tightened = one(result, "received-message-constraint-tightened", path="/amount")
    assert tightened.level is Level.ERR
    assert "minimum" in tightened.message
    assert one(result, "message-content-type-changed", operation=RECEIVE).level is Level.ERR


def test_messages_the_application_sends_behave_like_responses(
    pair: Callable[[str], DiffResult],
) -> None:
    result = pair("asyncapi")

    removed = one(result, "sent-message-required-property-removed", path="/currency")
    assert (removed.level, removed.operation) == (Level.ERR, SEND)
    assert removed.old is not None
    assert removed.old.pointer == "/components/messages/PaymentCaptured/payload/properties/currency"
    assert removed.old.line == line_of(OLD, "currency:", after="PaymentCaptured:")
    assert (
        one(result, "sent-message-optional-property-removed", path="/capturedAt").level
        is Level.WARN
    )
    assert one(result, "sent-message-became-nullable", path="/amount").level is Level.ERR
    assert one(result, "sent-message-removed").level is Level.WARN
    assert "'payment.pending'" in one(result, "sent-message-added").message


def test_channels(pair: Callable[[str], DiffResult]) -> None:
    result = pair("asyncapi")

    moved = one(result, "channel-address-changed")
    assert (moved.level, moved.operation) == (Level.ERR, "send payments.refunds.v2")
    assert "'payments.refunds' to 'payments.refunds.v2'" in moved.message
    assert moved.new is not None
    assert moved.new.line == line_of(NEW, "refunds:")
    removed = one(result, "channel-removed")
    assert (removed.level, removed.operation) == (Level.ERR, "send payments.audit")
    assert one(result, "channel-added").operation is None
    assert one(result, "channel-operation-added").operation == "receive payments.disputes"


def test_a_deprecated_message(pair: Callable[[str], DiffResult]) -> None:
    finding = one(pair("asyncapi"), "message-deprecated")

    assert (finding.operation, finding.level) == ("send payments.refunds.v2", Level.INFO)
    assert finding.new is not None
    assert finding.new.line == line_of(NEW, "RefundIssued:")
