"""The canonical contract model: its invariants, keys, summary and schema helpers."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from interloom.core.contracts import (
    ChannelAddress,
    Contract,
    ContractError,
    ContractReferenceError,
    ContractWarning,
    ContractWarningCode,
    GraphQLAddress,
    HttpAddress,
    MediaType,
    Message,
    NamedSchema,
    Operation,
    Parameter,
    ParameterIn,
    Response,
    SoapAddress,
    SourceLocation,
    Transport,
    schema_ref,
    schema_ref_name,
)
from interloom.core.contracts.errors import WARNING_DESCRIPTIONS
from interloom.core.contracts.schemas import iter_refs, iter_subschemas, rewrite_refs
from interloom.core.errors import InterloomError


def _http(operation_id: str, method: str, path: str, **fields: Any) -> Operation:
    return Operation(
        id=operation_id,
        transport=Transport.HTTP,
        address=HttpAddress(method=method, path=path),
        **fields,
    )


def _contract(**fields: Any) -> Contract:
    return Contract(format="openapi", format_version="3.1.0", file="api.yaml", **fields)


def test_match_keys_ignore_path_parameter_names() -> None:
    by_id = _http("a", "GET", "/customers/{customerId}/orders/{orderId}")
    renamed = _http("b", "GET", "/customers/{id}/orders/{number}")

    assert by_id.match_key == renamed.match_key == "GET /customers/{}/orders/{}"


@pytest.mark.parametrize(
    ("address", "transport", "key"),
    [
        (
            HttpAddress(method="POST", path="paid", webhook=True),
            Transport.HTTP,
            "WEBHOOK POST paid",
        ),
        (ChannelAddress(channel="orders", action="send"), Transport.KAFKA, "send orders"),
        (
            SoapAddress(port_type="InvoicingPort", operation="GetInvoice", namespace="urn:x"),
            Transport.SOAP,
            "InvoicingPort.GetInvoice",
        ),
        (
            GraphQLAddress(root="query", type="Query", field="ticket"),
            Transport.GRAPHQL,
            "Query.ticket",
        ),
    ],
)
def test_match_keys_of_every_transport(address: Any, transport: Transport, key: str) -> None:
    operation = Operation(id="op", transport=transport, address=address)

    assert operation.match_key == key


def test_operation_ids_are_unique() -> None:
    with pytest.raises(ValidationError, match="two operations have the id 'a'"):
        _contract(operations=[_http("a", "GET", "/x"), _http("a", "POST", "/x")])


def test_every_ref_must_name_a_registry_schema() -> None:
    body = MediaType(json_schema={"type": "array", "items": schema_ref("Order")})
    operation = _http(
        "a",
        "GET",
        "/orders",
        responses={"200": Response(status="200", content={"application/json": body})},
    )

    with pytest.raises(ValidationError, match="names no schema of the registry"):
        _contract(operations=[operation])

    contract = _contract(
        operations=[operation],
        schemas={"Order": NamedSchema(name="Order", json_schema={"type": "object"})},
    )
    assert contract.operation("a") is operation


def test_a_property_named_ref_is_not_a_reference() -> None:
    schema = {
        "type": "object",
        "properties": {"$ref": {"type": "string"}, "enum": {"enum": [{"$ref": "#/nope"}]}},
        "default": {"$ref": "#/not/a/schema"},
    }

    contract = _contract(schemas={"Odd": NamedSchema(name="Odd", json_schema=schema)})

    assert list(iter_refs(contract.schemas["Odd"].json_schema)) == []


def test_messages_must_exist() -> None:
    operation = Operation(
        id="send",
        transport=Transport.AMQP,
        address=ChannelAddress(channel="orders", action="send"),
        messages=("OrderCreated",),
    )

    with pytest.raises(ValidationError, match="names no message 'OrderCreated'"):
        Contract(format="asyncapi", format_version="3.0.0", file="e.yaml", operations=[operation])

    contract = Contract(
        format="asyncapi",
        format_version="3.0.0",
        file="e.yaml",
        operations=[operation],
        messages={"OrderCreated": Message(id="OrderCreated", payload={"type": "object"})},
    )
    assert contract.summary()["counts"]["messages"] == 1


def test_models_are_frozen() -> None:
    operation = _http("a", "GET", "/x")

    with pytest.raises(ValidationError):
        operation.id = "b"  # type: ignore[misc]


def test_the_summary_is_what_inspect_prints() -> None:
    warning = ContractWarning(
        code=ContractWarningCode.MISSING_OPERATION_ID,
        message="operation has no id; it is called 'GET /x'",
        location=SourceLocation(file="api.yaml", line=12, column=5, pointer="/paths/~1x/get"),
    )
    contract = _contract(
        title="Orders",
        operations=[_http("GET /x", "GET", "/x"), _http("b", "POST", "/x")],
        warnings=[warning],
    )

    assert contract.summary() == {
        "file": "api.yaml",
        "format": "openapi",
        "format_version": "3.1.0",
        "title": "Orders",
        "version": None,
        "counts": {
            "paths": 1,
            "operations": 2,
            "schemas": 0,
            "channels": 0,
            "messages": 0,
            "security_schemes": 0,
            "servers": 0,
        },
        "operations": [
            {"id": "GET /x", "transport": "http", "key": "GET /x"},
            {"id": "b", "transport": "http", "key": "POST /x"},
        ],
        "warnings": [
            {
                "code": "W-CONTRACT-001",
                "message": "operation has no id; it is called 'GET /x'",
                "location": {
                    "file": "api.yaml",
                    "line": 12,
                    "column": 5,
                    "pointer": "/paths/~1x/get",
                },
            }
        ],
    }
    assert warning.render() == (
        "W-CONTRACT-001 api.yaml:12:5 /paths/~1x/get operation has no id; it is called 'GET /x'"
    )


def test_schema_document_validates_with_the_registry() -> None:
    contract = _contract(
        schemas={
            "Node": NamedSchema(
                name="Node",
                json_schema={
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string"},
                        "children": {"type": "array", "items": schema_ref("Node")},
                    },
                },
            )
        }
    )

    validator = jsonschema_rs.validator_for(contract.schema_document(schema_ref("Node")))

    assert validator.is_valid({"name": "root", "children": [{"name": "leaf"}]})
    assert not validator.is_valid({"name": "root", "children": [{"label": "no name"}]})


def test_iter_subschemas_walks_every_keyword_that_holds_schemas() -> None:
    schema = {
        "allOf": [{"title": "a"}],
        "properties": {"p~/q": {"title": "b"}},
        "items": {"title": "c"},
        "$defs": {"d": {"title": "d"}},
        "not": {"title": "e"},
        "enum": [{"title": "data, not a schema"}],
    }

    found = {pointer: node.get("title") for pointer, node in iter_subschemas(schema)}

    assert found == {
        "": None,
        "/allOf/0": "a",
        "/properties/p~0~1q": "b",
        "/items": "c",
        "/$defs/d": "d",
        "/not": "e",
    }


def test_rewrite_refs_rewrites_refs_and_discriminator_mappings_only() -> None:
    schema = {
        "oneOf": [schema_ref("Card")],
        "discriminator": {"propertyName": "kind", "mapping": {"card": "#/components/schemas/Card"}},
        "examples": [{"$ref": "#/components/schemas/Card"}],
    }

    rewritten = rewrite_refs(schema, lambda ref: ref.replace("/components/schemas/", "/$defs/"))

    assert rewritten == {
        "oneOf": [{"$ref": "#/$defs/Card"}],
        "discriminator": {"propertyName": "kind", "mapping": {"card": "#/$defs/Card"}},
        "examples": [{"$ref": "#/components/schemas/Card"}],
    }
    assert schema["oneOf"] == [schema_ref("Card")]


@given(st.text(min_size=1).filter(lambda name: "/" not in name))
def test_schema_ref_and_schema_ref_name_are_inverses(name: str) -> None:
    assert schema_ref_name(schema_ref(name)["$ref"]) == name


def test_refs_outside_the_registry_have_no_name() -> None:
    assert schema_ref_name("#/$defs/Order") is None
    assert schema_ref_name("#/components/schemas/Order/properties/id") is None


def test_parameters_read_and_write_in_by_its_json_name() -> None:
    parameter = Parameter.model_validate({"name": "id", "in": "path", "required": True})

    assert parameter.in_ is ParameterIn.PATH
    assert parameter.model_dump(by_alias=True, include={"name", "in_"}) == {
        "name": "id",
        "in": "path",
    }


def test_contract_errors_are_interloom_errors_with_codes_and_locations() -> None:
    error = ContractReferenceError(
        "$ref '#/components/schemas/Costumer' points at nothing",
        location=SourceLocation(
            file="api.yaml", line=21, column=17, pointer="/paths"
        ).to_location(),
        hint="did you mean 'Customer'?",
    )

    assert isinstance(error, ContractError)
    assert isinstance(error, InterloomError)
    assert error.status == 422
    assert str(error) == (
        "E-CONTRACT-003 api.yaml:21:17 /paths $ref '#/components/schemas/Costumer' points at "
        "nothing (did you mean 'Customer'?)"
    )
    assert error.to_dict()["location"] == {
        "file": "api.yaml",
        "line": 21,
        "column": 17,
        "pointer": "/paths",
    }


def test_every_warning_code_is_described_and_is_a_warning() -> None:
    assert set(WARNING_DESCRIPTIONS) == set(ContractWarningCode)
    assert all(code.value.startswith("W-CONTRACT-") for code in ContractWarningCode)
