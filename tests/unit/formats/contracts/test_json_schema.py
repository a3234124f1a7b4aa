"""JSON Schema documents of every draft become registries of 2020-12 schemas."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from interloom.core.contracts import Contract, ContractFormatError, ContractReferenceError
from interloom.formats.contracts import import_contract

Load = Callable[[str], Contract]


def test_draft_07_is_normalised(contract: Load) -> None:
    customer = contract("customer.schema.json")

    assert (customer.format, customer.format_version, customer.title) == (
        "json-schema",
        "draft-07",
        "Customer",
    )
    assert list(customer.schemas) == ["customer", "address", "account"]
    root = customer.schemas["customer"].json_schema
    assert "$schema" not in root
    assert "$id" not in root
    assert "definitions" not in root
    assert root["properties"]["location"] == {
        "type": "array",
        "description": "Latitude and longitude.",
        "prefixItems": [
            {"type": "number", "minimum": -90, "maximum": 90},
            {"type": "number", "minimum": -180, "maximum": 180},
        ],
        "items": False,
    }
    assert root["dependentRequired"] == {"vatNumber": ["kind"]}
    assert root["dependentSchemas"] == {"birthDate": {"properties": {"kind": {"const": "person"}}}}
    assert root["properties"]["addresses"]["items"] == {"$ref": "#/components/schemas/address"}


def test_a_ref_by_id_resolves_inside_the_document(contract: Load) -> None:
    root = contract("customer.schema.json").schemas["customer"].json_schema

    assert root["properties"]["account"] == {"$ref": "#/components/schemas/account"}


def test_2019_09_anchors_and_keywords(contract: Load) -> None:
    product = contract("product.schema.yaml")

    assert product.format_version == "2019-09"
    root = product.schemas["product"].json_schema
    assert root["properties"]["price"] == {"$ref": "#/components/schemas/money"}
    assert root["unevaluatedProperties"] is False
    assert root["properties"]["bundle"]["minContains"] == 1


def test_2020_12_recursion_to_the_root(contract: Load) -> None:
    invoice = contract("invoice.schema.json")

    root = invoice.schemas["invoice"].json_schema
    assert root["properties"]["correctionOf"] == {"$ref": "#/components/schemas/invoice"}
    line = invoice.schemas["line"].json_schema
    assert line["properties"]["children"]["items"] == {"$ref": "#/components/schemas/line"}


def test_draft_04_boolean_bounds_and_id(contract: Load) -> None:
    geo = contract("geo.schema.json").schemas["geo"].json_schema

    assert "id" not in geo
    assert geo["properties"]["longitude"] == {
        "type": "number",
        "minimum": -180,
        "exclusiveMaximum": 180,
    }
    assert geo["properties"]["accuracyMetres"] == {"type": "number", "exclusiveMinimum": 0}


def test_an_unknown_dialect_is_a_format_error() -> None:
    data = b'{"$schema": "http://json-schema.org/draft-03/schema#", "type": "object"}'

    with pytest.raises(ContractFormatError) as caught:
        import_contract(data, "old.schema.json")

    assert caught.value.location is not None
    assert caught.value.location.pointer == "/$schema"


def test_a_remote_ref_is_not_fetched() -> None:
    data = b'{"type": "object", "properties": {"a": {"$ref": "https://example.com/a.json"}}}'

    with pytest.raises(ContractReferenceError) as caught:
        import_contract(data, "remote.schema.json")

    assert caught.value.location is not None
    assert caught.value.location.pointer == "/properties/a/$ref"
    assert caught.value.hint is not None
    assert "remote references are not fetched" in caught.value.hint
