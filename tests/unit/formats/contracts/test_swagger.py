"""Swagger 2.0 lands in the same model as OpenAPI 3: bodies, forms, definitions, servers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from interloom.core.contracts import Contract, ContractFormatError, ParameterIn
from interloom.formats.contracts import import_contract

Load = Callable[[str], Contract]


def test_operations_and_version(contract: Load) -> None:
    hr = contract("hr-legacy.swagger.yaml")

    assert (hr.format, hr.format_version, hr.title, hr.version) == (
        "openapi",
        "2.0",
        "Legacy HR API",
        "1.12.4",
    )
    assert [op.id for op in hr.operations] == [
        "listEmployees",
        "hireEmployee",
        "getEmployee",
        "terminateEmployee",
        "uploadDocument",
        "listDepartments",
    ]


def test_host_base_path_and_schemes_become_servers(contract: Load) -> None:
    hr = contract("hr-legacy.swagger.yaml")

    assert [s.url for s in hr.servers] == [
        "https://hr.internal.example.com/api/v1",
        "http://hr.internal.example.com/api/v1",
    ]


def test_a_body_parameter_becomes_the_request_body(contract: Load) -> None:
    hire = contract("hr-legacy.swagger.yaml").operation("hireEmployee")

    assert hire is not None
    assert hire.parameters == ()
    assert hire.request_body is not None
    assert hire.request_body.required
    assert {k: v.json_schema for k, v in hire.request_body.content.items()} == {
        "application/json": {"$ref": "#/components/schemas/NewEmployee"}
    }
    assert hire.security == ({"corporateSso": ("employees:write",)},)


def test_form_data_becomes_a_multipart_body_with_a_binary_file(contract: Load) -> None:
    upload = contract("hr-legacy.swagger.yaml").operation("uploadDocument")

    assert upload is not None
    assert upload.request_body is not None
    assert upload.request_body.content["multipart/form-data"].json_schema == {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary", "description": "The scan (PDF)."},
            "kind": {"type": "string", "enum": ["contract", "id_card", "certificate"]},
            "note": {"type": "string", "maxLength": 200},
        },
        "required": ["file", "kind"],
    }
    assert [(p.name, p.in_) for p in upload.parameters] == [("employeeId", ParameterIn.PATH)]


def test_url_encoded_forms(contract: Load) -> None:
    open_ticket = contract("tickets.swagger.json").operation("openTicket")

    assert open_ticket is not None
    assert open_ticket.request_body is not None
    schema = open_ticket.request_body.content["application/x-www-form-urlencoded"].json_schema
    assert schema == {
        "type": "object",
        "properties": {
            "subject": {"type": "string", "maxLength": 120},
            "priority": {"type": "integer", "default": 3, "maximum": 4, "minimum": 1},
        },
        "required": ["subject"],
    }


def test_collection_formats_become_styles(contract: Load) -> None:
    listing = contract("hr-legacy.swagger.yaml").operation("listEmployees")

    assert listing is not None
    styles = {p.name: (p.style, p.explode) for p in listing.parameters}
    assert styles["department"] == ("form", True)
    assert styles["fields"] == (None, False)
    assert listing.parameters[0].json_schema == {
        "type": "integer",
        "default": 50,
        "maximum": 200,
        "minimum": 1,
    }


def test_responses_per_produced_media_type_with_headers_and_examples(contract: Load) -> None:
    hr = contract("hr-legacy.swagger.yaml")
    listing = hr.operation("listEmployees")
    departments = hr.operation("listDepartments")

    assert listing is not None
    assert departments is not None
    ok = listing.responses["200"]
    assert ok.headers["X-Total-Count"].json_schema == {"type": "integer"}
    example = ok.content["application/json"].examples["default"].value
    assert example[0]["id"] == "E000123"
    assert list(departments.responses["200"].content) == ["application/json", "text/csv"]


def test_definitions_become_the_registry_with_x_nullable_and_exclusive_bounds(
    contract: Load,
) -> None:
    schemas = contract("hr-legacy.swagger.yaml").schemas

    assert list(schemas) == [
        "Person",
        "NewEmployee",
        "Employee",
        "EmployeeRef",
        "Department",
        "Document",
        "Error",
    ]
    assert schemas["Person"].json_schema["properties"]["birthDate"] == {
        "type": ["string", "null"],
        "format": "date",
    }
    assert schemas["EmployeeRef"].json_schema["type"] == ["object", "null"]
    salary = schemas["NewEmployee"].json_schema["allOf"][1]["properties"]["salaryCents"]
    assert salary == {"type": "integer", "format": "int64", "exclusiveMinimum": 0}
    assert schemas["Department"].json_schema["discriminator"] == {"propertyName": "kind"}


def test_security_definitions(contract: Load) -> None:
    schemes = contract("hr-legacy.swagger.yaml").security_schemes

    assert (schemes["basicAuth"].type, schemes["basicAuth"].scheme) == ("http", "basic")
    assert (schemes["apiKey"].in_, schemes["apiKey"].parameter_name) == ("header", "X-HR-Key")
    flow = schemes["corporateSso"].flows["authorizationCode"]
    assert flow.token_url == "https://sso.example.com/oauth/token"
    assert list(flow.scopes) == ["employees:read", "employees:write"]


def test_deprecated_with_sunset(contract: Load) -> None:
    terminate = contract("hr-legacy.swagger.yaml").operation("terminateEmployee")

    assert terminate is not None
    assert (terminate.deprecated, terminate.sunset) == (True, "2027-12-31")


def test_swagger_1_is_not_supported() -> None:
    with pytest.raises(ContractFormatError) as caught:
        import_contract(b'{"swagger": "1.2", "apis": []}', "old.json")

    assert "Swagger 1.2 is not supported" in caught.value.message
    assert caught.value.location is not None
    assert caught.value.location.pointer == "/swagger"
