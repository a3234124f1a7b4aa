"""Operations added, removed (with and without deprecation, before and after sunset), deprecated."""

from __future__ import annotations

from collections.abc import Callable

from interloom.core.contracts.diff import DiffResult, Level

from .conftest import line_of, one

OLD, NEW = "operations/old.yaml", "operations/new.yaml"


def test_a_path_removed_without_deprecation_is_breaking_and_located_in_the_old_file(
    pair: Callable[[str], DiffResult],
) -> None:
    finding = one(pair("operations"), "api-path-removed-without-deprecation")

    assert finding.level is Level.ERR
    assert finding.operation == "GET /legacy/orders"
    assert finding.operation_id == "listLegacyOrders"
    assert finding.old is not None
    assert finding.new is None
    assert finding.old.pointer == "/paths/~1legacy~1orders/get"
    assert finding.old.line == line_of(OLD, "get:", after="/legacy/orders:")


def test_removing_an_operation_before_its_sunset_is_breaking(
    pair: Callable[[str], DiffResult],
) -> None:
    finding = one(pair("operations"), "api-removed-before-sunset")

    assert finding.level is Level.ERR
    assert finding.operation == "DELETE /orders/{orderId}"
    assert "2099-12-31" in finding.message
    assert finding.old is not None
    assert finding.old.line == line_of(OLD, "delete:")


def test_removing_a_path_deprecated_past_its_sunset_is_information(
    pair: Callable[[str], DiffResult],
) -> None:
    finding = one(pair("operations"), "api-path-removed-with-deprecation")

    assert finding.level is Level.INFO
    assert finding.operation == "GET /reports"


def test_deprecations_report_their_sunset_and_its_problems(
    pair: Callable[[str], DiffResult],
) -> None:
    result = pair("operations")

    with_sunset = one(result, "endpoint-deprecated-with-sunset", operation="GET /orders")
    assert with_sunset.level is Level.INFO
    assert "2099-06-30" in with_sunset.message
    assert with_sunset.new is not None
    assert with_sunset.new.line == line_of(NEW, "get:", after="  /orders:")
    assert one(result, "endpoint-deprecated", operation="GET /orders/{id}").level is Level.INFO
    assert one(result, "api-deprecated-sunset-parse", operation="GET /customers").level is Level.ERR
    assert one(result, "api-sunset-date-too-small", operation="GET /returns").level is Level.ERR
    moved = one(result, "api-sunset-date-changed-too-small", operation="GET /archive")
    assert moved.level is Level.ERR
    assert "2099-12-31 to 2099-01-31" in moved.message
    assert one(result, "sunset-deleted", operation="GET /history").level is Level.ERR
    assert one(result, "endpoint-reactivated", operation="GET /exports").level is Level.INFO


def test_added_operations_and_webhooks(pair: Callable[[str], DiffResult]) -> None:
    result = pair("operations")

    added = one(result, "endpoint-added")
    assert (added.operation, added.level) == ("GET /invoices", Level.INFO)
    assert added.old is None
    assert added.new is not None
    assert added.new.pointer == "/paths/~1invoices/get"
    assert one(result, "webhook-added").operation == "POST orderPaid"
    removed = one(result, "webhook-removed")
    assert (removed.operation, removed.level) == ("POST orderShipped", Level.ERR)


def test_a_renamed_path_parameter_keeps_the_operation(pair: Callable[[str], DiffResult]) -> None:
    result = pair("operations")

    renamed = one(result, "request-path-parameter-renamed")
    assert renamed.operation == "GET /orders/{id}"
    assert "'orderId' was renamed 'id'" in renamed.message
    assert not any(f.operation == "GET /orders/{orderId}" for f in result.findings)


def test_a_changed_operation_id_is_reported_because_references_break(
    pair: Callable[[str], DiffResult],
) -> None:
    finding = one(pair("operations"), "api-operation-id-removed")

    assert finding.operation == "POST /orders"
    assert finding.operation_id == "placeOrder"
    assert "'createOrder' to 'placeOrder'" in finding.message


def test_tags(pair: Callable[[str], DiffResult]) -> None:
    finding = one(pair("operations"), "api-tag-removed")

    assert (finding.operation, finding.level) == ("GET /orders", Level.INFO)
    assert "'orders'" in finding.message
