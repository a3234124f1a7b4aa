"""Request bodies: narrowing what the API accepts is breaking; widening is not."""

from __future__ import annotations

from collections.abc import Callable

from interloom.core.contracts.diff import DiffResult, Level

from .conftest import ids, line_of, one

OLD, NEW = "request-body/old.yaml", "request-body/new.yaml"


def test_a_new_required_property_is_breaking_at_its_property_path(
    pair: Callable[[str], DiffResult],
) -> None:
    result = pair("request-body")

    top = one(result, "new-required-request-property", path="/currency")
    assert (top.level, top.operation, top.operation_id) == (
        Level.ERR,
        "POST /orders",
        "createOrder",
    )
    assert top.new is not None
    assert top.old is not None
    assert top.new.pointer == "/components/schemas/OrderCreate/properties/currency"
    assert top.new.line == line_of(NEW, "currency:")
    assert top.old.pointer == "/components/schemas/OrderCreate"  # where it is missing
    nested = one(result, "new-required-request-property", path="/items/warehouse")
    assert nested.new is not None
    assert nested.new.pointer == "/components/schemas/OrderLine/properties/warehouse"
    assert "(in OrderLine)" in nested.message


def test_a_read_only_property_is_never_sent_so_adding_it_required_breaks_nothing(
    pair: Callable[[str], DiffResult],
) -> None:
    result = pair("request-body")

    assert not any(f.path == "/createdAt" for f in result.findings)


def test_narrowing_types_and_values(pair: Callable[[str], DiffResult]) -> None:
    result = pair("request-body")

    enum = one(result, "request-property-enum-value-removed", path="/channel")
    assert enum.level is Level.ERR
    assert "'phone'" in enum.message
    assert enum.old is not None
    assert enum.old.pointer == "/components/schemas/OrderCreate/properties/channel/enum/2"
    narrowed = one(result, "request-property-list-of-types-narrowed", path="/quantity")
    assert narrowed.level is Level.ERR
    specialized = one(result, "request-property-type-changed", path="/priority")
    assert "number -> integer" in specialized.message
    assert one(result, "request-property-max-length-set", path="/items/sku").level is Level.WARN


def test_closing_additional_properties_rejects_what_clients_send(
    pair: Callable[[str], DiffResult],
) -> None:
    finding = one(pair("request-body"), "request-body-additional-properties-closed")

    assert finding.level is Level.ERR
    assert finding.path == ""
    assert finding.new is not None
    assert finding.new.line == line_of(NEW, "OrderCreate:")


def test_a_removed_property_may_break_clients_that_still_send_it(
    pair: Callable[[str], DiffResult],
) -> None:
    finding = one(pair("request-body"), "request-property-removed", path="/note")

    assert finding.level is Level.WARN
    assert finding.old is not None
    assert finding.old.line == line_of(OLD, "note:")


def test_the_body_itself(pair: Callable[[str], DiffResult]) -> None:
    result = pair("request-body")

    assert one(result, "request-body-became-required").level is Level.ERR
    removed_type = one(result, "request-body-media-type-removed")
    assert removed_type.level is Level.ERR
    assert removed_type.old is not None
    assert removed_type.old.line == line_of(OLD, "application/xml:")
    added = one(result, "request-body-added-required")
    assert (added.operation, added.level) == ("POST /notes", Level.ERR)
    assert one(result, "request-body-removed").operation == "POST /pings"
    assert "request-body-media-type-added" not in ids(result)
