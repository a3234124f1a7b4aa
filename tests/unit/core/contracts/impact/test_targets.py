"""Which interfaces a finding is about, and which part of their operation it changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from interloom.core.catalog import System
from interloom.core.contracts.diff import Finding, Level, diff_contracts
from interloom.core.contracts.impact import Part
from interloom.core.contracts.impact.targets import (
    contract_interfaces,
    finding_field,
    finding_part,
    normalise_contract_path,
)
from interloom.core.contracts.model import Contract
from interloom.core.project import Loaded, Project, SourceMap
from interloom.formats.contracts.detect import import_contract

CONTRACT = "contracts/crm.openapi.yaml"


def _openapi(operations: dict[str, tuple[str, str]], version: str = "1.0.0") -> Contract:
    """An OpenAPI document with ``operationId → (METHOD, path)``, each answering a string."""
    paths: dict[str, dict[str, Any]] = {}
    for operation_id, (method, path) in operations.items():
        paths.setdefault(path, {})[method.lower()] = {
            "operationId": operation_id,
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"type": "string"}}},
                }
            },
        }
    lines = [f"openapi: 3.1.0\ninfo: {{title: CRM, version: {version}}}\npaths:"]
    for path, methods in paths.items():
        lines.append(f"  '{path}':")
        for method, body in methods.items():
            lines.append(f"    {method}: {body!r}".replace("'", '"'))
    return import_contract("\n".join(lines).encode(), CONTRACT)


def _project(*interfaces: dict[str, Any]) -> Project:
    crm = System.model_validate(
        {
            "id": "crm",
            "name": "CRM",
            "kind": "crm",
            "owner": {"team": "IT"},
            "interfaces": [
                {"name": i["id"], "style": "rest", "contract": CONTRACT, **i} for i in interfaces
            ],
        }
    )
    return Project(settings=None, systems=(Loaded(crm, SourceMap("systems/crm.yaml")),))


def _finding(rule: str, **fields: Any) -> Finding:
    return Finding(id=rule, level=Level.ERR, message="m", **fields)


def test_an_interface_keeps_its_findings_when_only_the_operation_id_was_renamed() -> None:
    old = _openapi({"getCustomer": ("GET", "/c/{id}"), "listCustomers": ("GET", "/c")})
    new = _openapi({"fetchCustomer": ("GET", "/c/{customerId}"), "listCustomers": ("GET", "/c")})
    project = _project({"id": "customers.get", "operation": "getCustomer"})

    (found,) = contract_interfaces(project, "./contracts/../" + CONTRACT, old, new)
    diff = diff_contracts(old, new, today=dt.date(2027, 1, 1))

    assert found.ref == "interface:crm.customers.get"
    assert found.operation_ids == frozenset({"getCustomer", "fetchCustomer"})
    renamed = [f for f in diff.findings if f.operation == "GET /c/{customerId}"]
    assert renamed
    assert all(found.concerns(f) for f in renamed)
    assert not any(found.concerns(f) for f in diff.findings if f.operation == "GET /c")


def test_an_interface_naming_no_operation_of_several_concerns_every_finding() -> None:
    old = _openapi({"a": ("GET", "/a"), "b": ("GET", "/b")})
    project = _project({"id": "everything"}, {"id": "other", "operation": "zzz"})

    everything, other = contract_interfaces(project, CONTRACT, old, old)

    assert everything.whole_contract
    assert everything.concerns(_finding("x", operation_id="b"))
    assert other.operation_ids == frozenset()
    assert not other.whole_contract
    assert not other.concerns(_finding("x", operation_id="b", operation="GET /b"))
    # A finding about the contract as a whole concerns every interface, unless harmless.
    assert other.concerns(_finding("channel-removed"))
    assert not other.concerns(Finding(id="channel-added", level=Level.INFO, message="m"))


def test_an_interface_of_a_single_operation_contract_needs_no_name() -> None:
    old = _openapi({"only": ("POST", "/x")})

    (found,) = contract_interfaces(_project({"id": "x"}), CONTRACT, old, old)

    assert found.operation_ids == frozenset({"only"})
    assert not found.whole_contract


def test_interfaces_of_other_contracts_are_left_out() -> None:
    old = _openapi({"a": ("GET", "/a")})

    assert contract_interfaces(_project({"id": "x"}), "contracts/other.yaml", old, old) == []
    assert normalise_contract_path(".\\contracts\\a.yaml") == "contracts/a.yaml"


@pytest.mark.parametrize(
    ("rule", "fields", "part"),
    [
        ("response-required-property-removed", {"operation_id": "g"}, Part.RESPONSE),
        ("new-required-request-property", {"operation_id": "g"}, Part.REQUEST),
        ("request-parameter-became-required", {"operation_id": "g"}, Part.REQUEST),
        ("sent-message-required-property-removed", {"operation_id": "g"}, Part.REQUEST),
        ("received-message-property-became-required", {"operation_id": "g"}, Part.REQUEST),
        ("api-removed-without-deprecation", {"operation_id": "g"}, Part.OPERATION),
        ("channel-address-changed", {"operation_id": "g"}, Part.OPERATION),
        ("soap-request-required-element-added", {"operation_id": "g"}, Part.REQUEST),
        ("soap-response-required-element-removed", {"operation_id": "g"}, Part.RESPONSE),
        ("soap-operation-removed", {"operation_id": "g"}, Part.OPERATION),
        ("graphql-required-argument-added", {"operation_id": "g"}, Part.REQUEST),
        ("graphql-field-removed", {"operation_id": "g"}, Part.RESPONSE),
        ("channel-added", {}, Part.CONTRACT),
    ],
)
def test_the_part_a_rule_changes(rule: str, fields: dict[str, Any], part: Part) -> None:
    assert finding_part(_finding(rule, **fields)) is part


def test_the_field_of_a_finding_is_its_property_path_dotted() -> None:
    body = "the response 200 body (application/json)"
    assert finding_field(_finding("r", path="/items/a~1b", where=body)) == "items.a/b"
    assert finding_field(_finding("r", path="/meta/*/x", where=body)) == "meta"
    assert finding_field(_finding("r", path="/eventType", where="the headers of the msg")) == ""
    assert finding_field(_finding("r", path="", where="the query parameter 'q'")) == ""
