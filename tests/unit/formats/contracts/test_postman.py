"""Postman collections v2.1: requests in folders become HTTP operations with examples."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from interloom.core.contracts import Contract, ContractFormatError, ParameterIn
from interloom.formats.contracts import import_contract

Load = Callable[[str], Contract]


def test_every_request_in_every_folder_is_an_operation(contract: Load) -> None:
    crm = contract("crm.postman_collection.json")

    assert (crm.format, crm.format_version, crm.title) == ("postman", "2.1.0", "Partner CRM")
    assert [(op.id, op.match_key, op.tags) for op in crm.operations] == [
        ("listContacts", "GET /contacts", ("Contacts",)),
        ("getContact", "GET /contacts/{}", ("Contacts",)),
        ("createContact", "POST /contacts", ("Contacts",)),
        ("logIn", "POST /sessions", ("Sessions",)),
        ("uploadABusinessCard", "PUT /contacts/{}/card", ()),
        ("health", "GET /health", ()),
    ]


def test_path_variables_enabled_query_entries_and_headers(contract: Load) -> None:
    crm = contract("crm.postman_collection.json")

    listing = crm.operation("listContacts")
    assert listing is not None
    assert [(p.name, p.in_) for p in listing.parameters] == [
        ("page", ParameterIn.QUERY),
        ("tag", ParameterIn.QUERY),
        ("Accept", ParameterIn.HEADER),
    ]
    assert listing.parameters[1].description == "Only contacts with this tag."
    get_contact = crm.operation("getContact")
    assert get_contact is not None
    (contact_id,) = get_contact.parameters
    assert (contact_id.name, contact_id.required, contact_id.examples["default"].value) == (
        "contactId",
        True,
        "42",
    )


def test_raw_json_bodies_and_saved_responses_are_examples(contract: Load) -> None:
    crm = contract("crm.postman_collection.json")

    create = crm.operation("createContact")
    assert create is not None
    assert create.request_body is not None
    body = create.request_body.content["application/json"]
    assert body.json_schema is None
    assert body.examples["default"].value == {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "tags": ["vip"],
    }
    get_contact = crm.operation("getContact")
    assert get_contact is not None
    assert list(get_contact.responses) == ["200", "404"]
    found = get_contact.responses["200"].content["application/json"].examples["Found"]
    assert found.value["email"] == "ada@example.com"
    assert get_contact.responses["404"].description == "Not Found"


def test_forms(contract: Load) -> None:
    crm = contract("crm.postman_collection.json")

    log_in = crm.operation("logIn")
    upload = crm.operation("uploadABusinessCard")
    assert log_in is not None
    assert log_in.request_body is not None
    assert upload is not None
    assert upload.request_body is not None
    form = log_in.request_body.content["application/x-www-form-urlencoded"]
    assert form.examples["default"].value == {"username": "partner", "password": "{{password}}"}
    multipart = upload.request_body.content["multipart/form-data"].json_schema
    assert multipart is not None
    assert multipart["properties"]["card"] == {"type": "string", "format": "binary"}


def test_auth_is_inherited_and_noauth_clears_it(contract: Load) -> None:
    crm = contract("crm.postman_collection.json")

    by_id = {op.id: op.security for op in crm.operations}
    assert by_id["listContacts"] == ({"apikeyAuth": ()},)
    assert by_id["logIn"] == ()
    assert by_id["uploadABusinessCard"] == ({"bearerAuth": ()},)
    api_key = crm.security_schemes["apikeyAuth"]
    assert (api_key.type, api_key.in_, api_key.parameter_name) == (
        "apiKey",
        "header",
        "X-Partner-Key",
    )


def test_hosts_become_servers_with_collection_variables(contract: Load) -> None:
    crm = contract("crm.postman_collection.json")

    base, health = crm.servers
    assert base.url == "{baseUrl}"
    assert base.variables["baseUrl"].default == "https://crm.partner.example.com/api"
    assert health.url == "https://crm.partner.example.com"


def test_a_version_1_collection_is_not_supported() -> None:
    data = (
        b'{"info": {"name": "x", "schema": '
        b'"https://schema.getpostman.com/json/collection/v1.0.0/collection.json"}, "item": []}'
    )

    with pytest.raises(ContractFormatError) as caught:
        import_contract(data, "old.postman_collection.json")

    assert caught.value.location is not None
    assert caught.value.location.pointer == "/info/schema"
