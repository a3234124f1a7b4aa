"""SOAP: operations, bindings, body elements, enumerations, facets and faults."""

from __future__ import annotations

from collections.abc import Callable

from interloom.core.contracts.diff import DiffResult, Level

from .conftest import line_of, one

OLD, NEW = "soap/old.wsdl", "soap/new.wsdl"
CREATE = "ShippingPort.CreateShipment"


def test_operations(pair: Callable[[str], DiffResult]) -> None:
    result = pair("soap")

    removed = one(result, "soap-operation-removed")
    assert (removed.operation, removed.level) == ("ShippingPort.CancelShipment", Level.ERR)
    assert removed.old is not None
    assert removed.old.line == line_of(OLD, '<operation name="CancelShipment">')
    assert one(result, "soap-operation-added").operation == "ShippingPort.ListShipments"
    action = one(result, "soap-action-changed")
    assert (action.operation, action.level) == (CREATE, Level.ERR)


def test_request_elements(pair: Callable[[str], DiffResult]) -> None:
    result = pair("soap")

    added = one(result, "soap-request-required-element-added")
    assert (added.path, added.level) == ("/CarrierCode", Level.ERR)
    assert added.new is not None
    assert added.new.pointer == "/types/element/CreateShipment/CarrierCode"
    assert added.new.line == line_of(NEW, 'name="CarrierCode"')
    removed = one(result, "soap-request-element-removed")
    assert (removed.path, removed.level) == ("/Reference", Level.WARN)
    typed = one(result, "soap-request-element-type-changed")
    assert typed.path == "/Weight"
    assert typed.old is not None
    assert typed.old.line == line_of(OLD, 'name="Weight"')
    enum = one(result, "soap-request-enum-value-removed")
    assert enum.old is not None
    assert (enum.old.pointer, enum.old.line) == (
        "/types/type/ServiceLevel/express",
        line_of(OLD, 'value="express"'),
    )
    facet = one(result, "soap-request-constraint-tightened")
    assert (facet.path, facet.level) == ("/Notes", Level.ERR)
    assert "maxLength" in facet.message


def test_response_elements_and_faults(pair: Callable[[str], DiffResult]) -> None:
    result = pair("soap")

    removed = one(result, "soap-response-required-element-removed")
    assert (removed.path, removed.level) == ("/TrackingNumber", Level.ERR)
    optional = one(result, "soap-response-element-became-optional")
    assert (optional.path, optional.level) == ("/DeliveredAt", Level.ERR)
    assert one(result, "soap-response-enum-value-added").level is Level.WARN
    fault = one(result, "soap-fault-added")
    assert (fault.operation, fault.level) == ("ShippingPort.GetShipment", Level.WARN)
    assert "RateLimited" in fault.message
