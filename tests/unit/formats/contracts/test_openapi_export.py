"""Exports: the canonical model as OpenAPI 3.1 (SOAP as a JSON facade) and as JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest

from interloom.core.contracts import Contract
from interloom.formats.contracts import export_json_schema, export_openapi, import_contract

Load = Callable[[str], Contract]

HTTP_CONTRACTS = [
    "hr-legacy.swagger.yaml",
    "tickets.swagger.json",
    "orders.openapi30.yaml",
    "inventory.openapi30.json",
    "returns.openapi30.yaml",
    "catalog.openapi31.yaml",
    "loyalty.openapi31.yaml",
    "split/api.yaml",
    "crm.postman_collection.json",
]
EVERY_CONTRACT = [
    *HTTP_CONTRACTS,
    "customer.schema.json",
    "product.schema.yaml",
    "invoice.schema.json",
    "alerts.asyncapi20.yaml",
    "shipments.asyncapi26.yaml",
    "telemetry.asyncapi3.yaml",
    "stock-service.wsdl",
    "currency-rpc.wsdl",
    "support.graphql",
]


def _reimported(contract: Contract) -> Contract:
    return import_contract(json.dumps(export_openapi(contract)).encode(), "exported.json")


def _without_locations(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_locations(v) for k, v in value.items() if k != "location"}
    if isinstance(value, list):
        return [_without_locations(v) for v in value]
    return value


def _operations(contract: Contract) -> dict[str, Any]:
    return {op.id: _without_locations(op.model_dump(mode="json")) for op in contract.operations}


@pytest.mark.parametrize("name", HTTP_CONTRACTS)
def test_http_contracts_survive_an_openapi_31_round_trip(contract: Load, name: str) -> None:
    original = contract(name)

    again = _reimported(original)

    assert _operations(again) == _operations(original)
    assert {n: s.json_schema for n, s in again.schemas.items()} == {
        n: s.json_schema for n, s in original.schemas.items()
    }
    assert again.security_schemes.keys() == original.security_schemes.keys()
    assert again.warnings == ()


@pytest.mark.parametrize("name", EVERY_CONTRACT)
def test_every_export_is_an_importable_openapi_31_document(contract: Load, name: str) -> None:
    document = export_openapi(contract(name))

    assert document["openapi"] == "3.1.0"
    again = _reimported(contract(name))
    assert again.format_version == "3.1.0"
    assert [w for w in again.warnings if w.code.value == "W-CONTRACT-005"] == []


def test_a_soap_service_becomes_a_json_facade(retail: Load) -> None:
    document = export_openapi(retail("erp-invoicing.wsdl"))

    assert list(document["paths"]) == ["/GetInvoice", "/CreateInvoice", "/ListInvoicesByOrder"]
    create = document["paths"]["/CreateInvoice"]["post"]
    assert create["requestBody"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/CreateInvoiceRequest"}}
    }
    assert create["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateInvoiceResponse"
    }
    assert "500" in create["responses"]
    soap = create["x-interloom-soap"]
    assert soap["soap_action"] == "urn:retail:erp:invoicing:v1/CreateInvoice"
    assert soap["input_element"] == "{urn:retail:erp:invoicing:v1}CreateInvoiceRequest"
    address = document["components"]["schemas"]["Address"]
    assert address["xml"] == {"namespace": "urn:retail:erp:invoicing:v1"}
    assert "servers" not in document


def test_soap_headers_ride_in_the_facade_extension(contract: Load) -> None:
    document = export_openapi(contract("stock-service.wsdl"))

    soap = document["paths"]["/Reserve"]["post"]["x-interloom-soap"]
    assert soap["headers"] == {"AuthHeader": {"$ref": "#/components/schemas/AuthHeader"}}
    assert soap["soap_version"] == "1.2"


def test_graphql_fields_and_async_operations_have_facades_too(contract: Load) -> None:
    graphql = export_openapi(contract("support.graphql"))
    events = export_openapi(contract("telemetry.asyncapi3.yaml"))

    reply = graphql["paths"]["/graphql/mutation/reply"]["post"]
    assert reply["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "ticketId",
        "body",
    ]
    receive = events["webhooks"]["receiveTemperature"]["post"]
    assert receive["x-interloom-channel"] == {
        "channel": "truckTemperature",
        "address": "trucks/{truckId}/temperature",
        "action": "receive",
        "transport": "mqtt",
        "messages": ["TemperatureReading"],
    }
    assert receive["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Reading"
    }


def test_the_json_schema_export_stands_alone(contract: Load) -> None:
    orders = contract("orders.openapi30.yaml")

    document = export_json_schema(orders, root="NewOrder")

    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["properties"]["payment"] == {"$ref": "#/$defs/Payment"}
    assert document["$defs"]["Payment"]["discriminator"]["mapping"]["card"] == (
        "#/$defs/CardPayment"
    )
    validator = jsonschema_rs.validator_for(document)
    good = {
        "lines": [{"sku": "ABC-1", "quantity": 1}],
        "payment": {"method": "card", "last4": "4242"},
        "shippingAddress": {"line1": "1 Main St", "city": "Springfield", "country": "US"},
    }
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "payment": {"method": "card", "last4": "42"}})


def test_the_json_schema_export_imports_back_to_the_same_registry(contract: Load) -> None:
    customer = contract("split/api.yaml")

    again = import_contract(
        json.dumps(export_json_schema(customer)).encode(), "directory.schema.json"
    )

    registry = {n: s.json_schema for n, s in again.schemas.items() if n != "directory"}
    assert registry == {n: s.json_schema for n, s in customer.schemas.items()}


def test_an_unknown_root_is_refused(contract: Load) -> None:
    with pytest.raises(KeyError):
        export_json_schema(contract("orders.openapi30.yaml"), root="Nope")
