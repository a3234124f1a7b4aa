"""OpenAPI 3.0 and 3.1 to the canonical model: operations, schemas, references, locations."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from interloom.core.contracts import (
    Contract,
    ContractFormatError,
    ContractReferenceError,
    ContractStructureError,
    ContractWarningCode,
    HttpAddress,
    ParameterIn,
)
from interloom.formats.contracts import import_contract

Load = Callable[[str], Contract]


def test_operations_are_read_in_document_order_with_ids_and_keys(contract: Load) -> None:
    orders = contract("orders.openapi30.yaml")

    assert orders.format == "openapi"
    assert orders.format_version == "3.0.3"
    assert [(op.id, op.match_key) for op in orders.operations] == [
        ("listOrders", "GET /orders"),
        ("placeOrder", "POST /orders"),
        ("getOrder", "GET /orders/{}"),
        ("PATCH /orders/{orderId}", "PATCH /orders/{}"),
        ("cancelOrder", "POST /orders/{}/cancel"),
    ]
    assert orders.paths == ("/orders", "/orders/{orderId}", "/orders/{orderId}/cancel")


def test_missing_operation_id_and_callbacks_are_located_warnings(contract: Load) -> None:
    warnings = {w.code: w for w in contract("orders.openapi30.yaml").warnings}

    missing = warnings[ContractWarningCode.MISSING_OPERATION_ID]
    assert missing.location is not None
    assert (missing.location.line, missing.location.pointer) == (
        119,
        "/paths/~1orders~1{orderId}/patch",
    )
    callbacks = warnings[ContractWarningCode.UNSUPPORTED_FEATURE]
    assert callbacks.location is not None
    assert callbacks.location.pointer == "/paths/~1orders/post/callbacks"


def test_nullable_becomes_a_type_union_and_null_joins_the_enum(contract: Load) -> None:
    orders = contract("orders.openapi30.yaml")
    address = orders.schemas["Address"].json_schema

    assert address["properties"]["line2"] == {"type": ["string", "null"]}
    parameters = {p.name: p for p in orders.operations[0].parameters}
    assert parameters["placedAfter"].json_schema == {
        "type": ["string", "null"],
        "format": "date-time",
    }


def test_nullable_without_a_type_accepts_null_beside_the_composition(contract: Load) -> None:
    new_order = contract("orders.openapi30.yaml").schemas["NewOrder"].json_schema

    assert new_order["properties"]["note"] == {
        "anyOf": [
            {
                "anyOf": [
                    {"type": "string", "maxLength": 500},
                    {"type": "object", "properties": {"giftMessage": {"type": "string"}}},
                ]
            },
            {"type": "null"},
        ]
    }


def test_boolean_exclusive_bounds_become_numbers(contract: Load) -> None:
    line = contract("orders.openapi30.yaml").schemas["OrderLine"].json_schema

    assert line["properties"]["quantity"] == {
        "type": "integer",
        "exclusiveMinimum": 0,
        "maximum": 1000,
    }


def test_discriminator_mapping_points_into_the_registry(contract: Load) -> None:
    payment = contract("orders.openapi30.yaml").schemas["Payment"].json_schema

    assert payment["discriminator"] == {
        "propertyName": "method",
        "mapping": {
            "card": "#/components/schemas/CardPayment",
            "transfer": "#/components/schemas/BankTransfer",
            "voucher": "#/components/schemas/Voucher",
        },
    }
    assert payment["oneOf"][0] == {"$ref": "#/components/schemas/CardPayment"}


def test_example_becomes_examples(contract: Load) -> None:
    card = contract("orders.openapi30.yaml").schemas["CardPayment"].json_schema

    assert card["properties"]["expires"] == {"type": "string", "examples": ["12/29"]}


def test_component_parameters_bodies_and_responses_are_resolved_in_place(contract: Load) -> None:
    place = contract("orders.openapi30.yaml").operation("placeOrder")
    assert place is not None

    (key,) = place.parameters
    assert (key.name, key.in_, key.required) == ("Idempotency-Key", ParameterIn.HEADER, True)
    assert key.location is not None
    assert key.location.pointer == "/components/parameters/IdempotencyKey"
    body = place.request_body
    assert body is not None
    assert body.required
    media = body.content["application/json"]
    assert media.json_schema == {"$ref": "#/components/schemas/NewOrder"}
    assert media.examples["card"].summary == "Paid by card"
    created = place.responses["201"]
    assert created.headers["Location"].required
    assert created.headers["Location"].json_schema == {"type": "string", "format": "uri"}
    assert place.responses["default"].content["application/problem+json"].json_schema == {
        "$ref": "#/components/schemas/Problem"
    }


def test_path_level_parameters_apply_to_every_operation(contract: Load) -> None:
    get_order = contract("orders.openapi30.yaml").operation("getOrder")
    assert get_order is not None

    assert [(p.name, p.in_, p.required) for p in get_order.parameters] == [
        ("orderId", ParameterIn.PATH, True)
    ]


def test_document_security_applies_unless_the_operation_says_otherwise(contract: Load) -> None:
    loyalty = contract("loyalty.openapi31.yaml")

    member = loyalty.operation("getMember")
    rewards = loyalty.operation("listRewards")
    assert member is not None
    assert rewards is not None
    assert member.security == ({"clientCredentials": ("members",)},)
    assert rewards.security == ()
    flow = loyalty.security_schemes["clientCredentials"].flows["clientCredentials"]
    assert flow.token_url == "https://login.example.com/oauth/token"


def test_deprecation_and_sunset_are_kept(contract: Load) -> None:
    cancel = contract("orders.openapi30.yaml").operation("cancelOrder")

    assert cancel is not None
    assert cancel.deprecated
    assert cancel.sunset == "2027-06-30"


def test_openapi_31_webhooks_are_operations(contract: Load) -> None:
    catalog = contract("catalog.openapi31.yaml")

    webhook = catalog.operation("priceChanged")
    assert webhook is not None
    assert webhook.address == HttpAddress(method="POST", path="priceChanged", webhook=True)
    assert webhook.match_key == "WEBHOOK POST priceChanged"
    assert "priceChanged" not in catalog.paths


def test_openapi_31_schemas_keep_their_2020_12_keywords(contract: Load) -> None:
    schemas = contract("catalog.openapi31.yaml").schemas

    assert schemas["Dimensions"].json_schema["prefixItems"] == [{"type": "integer"}] * 3
    assert schemas["Dimensions"].json_schema["items"] is False
    product = schemas["Product"].json_schema
    assert product["properties"]["description"] == {"type": ["string", "null"], "maxLength": 2000}
    assert product["properties"]["variants"]["items"] == {"$ref": "#/components/schemas/Product"}
    assert product["examples"][0]["sku"] == "TSH-10042"


def test_path_items_from_components_and_cookie_parameters(contract: Load) -> None:
    catalog = contract("catalog.openapi31.yaml")

    assert [op.id for op in catalog.operations] == [
        "listProducts",
        "getProduct",
        "replaceProduct",
        "priceChanged",
    ]
    get_product = catalog.operation("getProduct")
    assert get_product is not None
    assert [(p.name, p.in_) for p in get_product.parameters] == [
        ("sku", ParameterIn.PATH),
        ("locale", ParameterIn.HEADER),
        ("session", ParameterIn.COOKIE),
    ]


def test_ref_siblings_are_kept_in_31(contract: Load) -> None:
    member = contract("loyalty.openapi31.yaml").schemas["Member"].json_schema

    assert member["properties"]["tier"] == {
        "$ref": "#/components/schemas/Tier",
        "description": "Recomputed every night.",
        "default": "bronze",
    }


def test_a_ref_into_a_schema_is_registered_under_a_derived_name(contract: Load) -> None:
    loyalty = contract("loyalty.openapi31.yaml")

    earn = loyalty.schemas["Earn"].json_schema
    assert earn["properties"]["receipt"] == {"$ref": "#/components/schemas/Transaction_Receipt"}
    assert loyalty.schemas["Transaction_Receipt"].json_schema["required"] == ["store", "number"]
    returns = contract("returns.openapi30.yaml")
    get_return = returns.operation("getReturn")
    assert get_return is not None
    assert get_return.responses["200"].content["application/json"].json_schema == {
        "$ref": "#/components/schemas/listReturns_200"
    }


def test_recursive_schemas_stay_references(contract: Load) -> None:
    category = contract("inventory.openapi30.json").schemas["Category"].json_schema

    assert category["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Category"}
    assert category["properties"]["parent"] == {
        "anyOf": [{"allOf": [{"$ref": "#/components/schemas/Category"}]}, {"type": "null"}]
    }


def test_json_documents_carry_lines_too(contract: Load) -> None:
    inventory = contract("inventory.openapi30.json")

    record = inventory.operation("recordCount")
    assert record is not None
    assert record.location is not None
    assert (record.location.line, record.location.pointer) == (
        42,
        "/paths/~1shops~1{shopId}~1counts/post",
    )
    assert record.request_body is not None
    assert list(record.request_body.content) == ["application/json", "text/csv"]
    list_counts = inventory.operation("listCounts")
    assert list_counts is not None
    assert list_counts.parameters[-1].json_schema == {
        "type": "object",
        "properties": {"sku": {"type": "string"}, "minQuantity": {"type": "integer"}},
    }


class TestSplitSpecification:
    """A specification split into files, joined through relative ``$ref``s."""

    def test_operations_come_from_the_path_files(self, contract: Load) -> None:
        api = contract("split/api.yaml")

        assert [op.id for op in api.operations] == [
            "searchCustomers",
            "createCustomer",
            "getCustomer",
        ]
        search = api.operations[0]
        assert search.location is not None
        assert (search.location.file, search.location.line, search.location.pointer) == (
            "split/paths/customers.yaml",
            1,
            "/get",
        )
        assert [p.name for p in search.parameters] == ["page", "pageSize", "q"]

    def test_schema_files_are_named_by_their_component(self, contract: Load) -> None:
        api = contract("split/api.yaml")

        assert list(api.schemas) == [
            "Customer",
            "Address",
            "Problem",
            "Customer_id",
            "Customer_Segment",
            "Country",
        ]
        customer = api.schemas["Customer"]
        assert customer.location is not None
        assert customer.location.file == "split/schemas/customer.yaml"
        properties = customer.json_schema["properties"]
        assert properties["referredBy"] == {"$ref": "#/components/schemas/Customer"}
        assert properties["address"] == {"$ref": "#/components/schemas/Address"}
        assert properties["email"]["type"] == ["string", "null"]
        assert api.schemas["Address"].json_schema["properties"]["country"] == {
            "$ref": "#/components/schemas/Country"
        }

    def test_responses_from_another_file_resolve_there(self, contract: Load) -> None:
        search = contract("split/api.yaml").operations[0]

        bad = search.responses["400"]
        assert bad.content["application/problem+json"].json_schema == {
            "$ref": "#/components/schemas/Problem"
        }
        assert bad.location is not None
        assert bad.location.file == "split/common/errors.yaml"


def _openapi(body: str, version: str = "3.0.3") -> bytes:
    return f"openapi: {version}\ninfo: {{title: t, version: '1'}}\n{body}".encode()


def test_a_relative_ref_without_a_file_reader_is_a_located_error() -> None:
    data = _openapi("paths:\n  /a:\n    $ref: 'paths/a.yaml'\n")

    with pytest.raises(ContractReferenceError) as caught:
        import_contract(data, "api.yaml")

    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.pointer) == (5, "/paths/~1a/$ref")


def test_unsupported_openapi_version_is_a_format_error() -> None:
    with pytest.raises(ContractFormatError) as caught:
        import_contract(_openapi("paths: {}\n", version="4.0.0"), "api.yaml")

    assert "OpenAPI 4.0.0 is not supported" in caught.value.message
    assert caught.value.location is not None
    assert caught.value.location.line == 1


def test_an_unknown_parameter_place_is_a_structure_error() -> None:
    data = _openapi(
        "paths:\n  /a:\n    get:\n      parameters:\n        - {name: x, in: body}\n"
        "      responses: {}\n"
    )

    with pytest.raises(ContractStructureError) as caught:
        import_contract(data, "api.yaml")

    assert "'in' must be path, query, header or cookie, not 'body'" in caught.value.message
    assert caught.value.location is not None
    assert caught.value.location.pointer == "/paths/~1a/get/parameters/0/in"


def test_an_unknown_operation_field_and_a_path_mismatch_are_warnings() -> None:
    data = _openapi(
        "paths:\n  /a/{id}:\n    get:\n      operationId: a\n      summery: typo\n"
        "      responses: {}\n"
    )

    contract = import_contract(data, "api.yaml")

    assert [(w.code, w.message) for w in contract.warnings] == [
        (ContractWarningCode.UNKNOWN_FIELD, "an operation has no field 'summery'"),
        (
            ContractWarningCode.PATH_PARAMETER_MISMATCH,
            "path '/a/{id}' names '{id}', which no path parameter declares",
        ),
    ]


def test_a_schema_that_is_not_json_schema_is_a_located_warning() -> None:
    data = _openapi(
        "paths: {}\ncomponents:\n  schemas:\n    When:\n      type: date\n", version="3.1.0"
    )

    contract = import_contract(data, "api.yaml")

    (warning,) = contract.warnings
    assert warning.code is ContractWarningCode.INVALID_SCHEMA
    assert warning.location is not None
    assert (warning.location.line, warning.location.pointer) == (
        7,
        "/components/schemas/When/type",
    )


def test_an_undeclared_security_scheme_is_a_warning() -> None:
    data = _openapi("security:\n  - oauth: []\npaths: {}\n")

    contract = import_contract(data, "api.yaml")

    assert [w.code for w in contract.warnings] == [ContractWarningCode.UNDECLARED_SECURITY_SCHEME]


def test_duplicate_operation_ids_get_a_suffix() -> None:
    data = _openapi(
        "paths:\n  /a:\n    get: {operationId: read, responses: {}}\n"
        "  /b:\n    get: {operationId: read, responses: {}}\n"
    )

    contract = import_contract(data, "api.yaml")

    assert [op.id for op in contract.operations] == ["read", "read_2"]
    assert contract.warnings[0].code is ContractWarningCode.DUPLICATE_OPERATION_ID
