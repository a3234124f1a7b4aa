"""Properties of the diff over generated contracts.

A contract diffed with an equal copy of itself has no finding, whatever its schemas (nested,
nullable, recursive through the registry). A change known to break clients — a response
property removed, a required request property added, an enum value a request accepted
removed, an operation removed, a property removed from a sent message — is always ERR.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interloom.core.contracts import (
    ChannelAddress,
    Contract,
    ContractFormat,
    HttpAddress,
    MediaType,
    Message,
    NamedSchema,
    Operation,
    Parameter,
    ParameterIn,
    RequestBody,
    Response,
    Transport,
    schema_ref,
)
from interloom.core.contracts.diff import RULES, DiffResult, Level, diff_contracts
from interloom.core.contracts.model import Channel

NAMES = ("Customer", "Order", "Line", "Money")
PROPERTIES = ("id", "name", "status", "total", "lines", "note", "createdAt")
VALUES = ("active", "blocked", "closed", "draft")
TODAY = dt.date(2027, 3, 1)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _leaves(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    options: list[st.SearchStrategy[dict[str, Any]]] = [
        st.sampled_from(["string", "integer", "number", "boolean"]).map(lambda t: {"type": t}),
        st.fixed_dictionaries(
            {"type": st.just("string")},
            optional={
                "format": st.sampled_from(["date", "uuid", "email"]),
                "maxLength": st.integers(1, 80),
                "minLength": st.integers(0, 3),
                "pattern": st.sampled_from(["^[A-Z]+$", "^[0-9]{3}$"]),
                "enum": st.lists(st.sampled_from(VALUES), min_size=1, max_size=4, unique=True),
            },
        ),
        st.fixed_dictionaries(
            {"type": st.sampled_from(["integer", "number"])},
            optional={"minimum": st.integers(-5, 5), "maximum": st.integers(6, 100)},
        ),
        st.sampled_from(["string", "integer"]).map(lambda t: {"type": [t, "null"]}),
    ]
    if names:
        options.append(st.sampled_from(names).map(schema_ref))
    return st.one_of(options)


@st.composite
def _object(draw: st.DrawFn, children: st.SearchStrategy[Any], min_size: int = 0) -> dict[str, Any]:
    properties = draw(
        st.dictionaries(st.sampled_from(PROPERTIES), children, min_size=min_size, max_size=4)
    )
    required = (
        draw(st.lists(st.sampled_from(sorted(properties)), unique=True)) if properties else []
    )
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = sorted(required)
    if draw(st.booleans()):
        schema["additionalProperties"] = False
    return schema


@cache  # building strategies is what costs in Hypothesis: build each one once
def schemas(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """JSON Schemas of the canonical model: nested objects, arrays, nullable, registry refs."""
    return st.recursive(
        _leaves(names),
        lambda children: st.one_of(
            _object(children),
            children.map(lambda item: {"type": "array", "items": item}),
            children.map(lambda inner: {"anyOf": [inner, {"type": "null"}]}),
            st.lists(children, min_size=2, max_size=3).map(lambda members: {"oneOf": members}),
        ),
        max_leaves=6,
    )


@cache
def _bodies(names: tuple[str, ...], min_size: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    return _object(schemas(names), min_size)


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    """An OpenAPI-like contract: a schema registry and operations using it in every place."""
    names = tuple(sorted(draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=4))))
    registry = {name: NamedSchema(name=name, json_schema=draw(schemas(names))) for name in names}
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(["GET", "POST", "PUT"]), st.sampled_from(["/a", "/b", "/c"])),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    operations = []
    for index, (method, path) in enumerate(keys):
        enum = draw(st.lists(st.sampled_from(VALUES), min_size=2, max_size=4, unique=True))
        operations.append(
            Operation(
                id=f"op{index}",
                transport=Transport.HTTP,
                address=HttpAddress(method=method, path=path),
                parameters=(
                    Parameter(
                        name="status",
                        in_=ParameterIn.QUERY,
                        json_schema={"type": "string", "enum": enum},
                    ),
                    Parameter(name="q", in_=ParameterIn.QUERY, json_schema=draw(schemas(names))),
                ),
                request_body=RequestBody(
                    content={"application/json": MediaType(json_schema=draw(_bodies(names)))}
                ),
                responses={
                    "200": Response(
                        status="200",
                        content={
                            "application/json": MediaType(
                                json_schema=draw(_bodies(names, min_size=1))
                            )
                        },
                    )
                },
            )
        )
    return Contract(
        format=ContractFormat.OPENAPI,
        format_version="3.1.0",
        file="api.yaml",
        schemas=registry,
        operations=tuple(operations),
    )


def _copy(contract: Contract) -> Contract:
    """An equal contract sharing no object with ``contract``."""
    return Contract.model_validate(contract.model_dump(by_alias=True))


def _diff(old: Contract, new: Contract) -> DiffResult:
    return diff_contracts(old, new, today=TODAY)


def _replace(contract: Contract, index: int, **changes: Any) -> Contract:
    operations = list(contract.operations)
    operations[index] = operations[index].model_copy(update=changes)
    return contract.model_copy(update={"operations": tuple(operations)})


@SETTINGS
@given(contracts())
def test_a_contract_has_no_difference_with_itself(contract: Contract) -> None:
    assert _diff(contract, _copy(contract)).findings == ()


@SETTINGS
@given(st.data())
def test_a_json_schema_document_has_no_difference_with_itself(data: st.DataObject) -> None:
    names = tuple(sorted(data.draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))))
    registry = {
        name: NamedSchema(name=name, json_schema=data.draw(schemas(names))) for name in names
    }
    root = NamedSchema(name="document", json_schema=data.draw(schemas(names)))
    contract = Contract(
        format=ContractFormat.JSON_SCHEMA,
        format_version="2020-12",
        file="document.json",
        schemas={"document": root, **registry},
    )

    assert _diff(contract, _copy(contract)).findings == ()


@SETTINGS
@given(contracts(), st.data())
def test_removing_a_response_property_is_breaking(contract: Contract, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(contract.operations) - 1))
    operation = contract.operations[index]
    schema = operation.responses["200"].content["application/json"].json_schema or {}
    name = data.draw(st.sampled_from(sorted(schema["properties"])))
    smaller = {
        **schema,
        "properties": {k: v for k, v in schema["properties"].items() if k != name},
        "required": [r for r in schema.get("required", []) if r != name],
    }
    changed = _replace(
        contract,
        index,
        responses={
            "200": Response(
                status="200", content={"application/json": MediaType(json_schema=smaller)}
            )
        },
    )

    found = [f for f in _diff(contract, changed).findings if f.path == f"/{name}"]
    expected = (
        "response-required-property-removed"
        if name in schema.get("required", [])
        else "response-optional-property-removed"
    )
    assert [(f.id, f.operation) for f in found] == [
        (expected, operation.match_key.replace("{}", ""))
    ]
    assert found[0].level is (Level.ERR if name in schema.get("required", []) else Level.WARN)


@SETTINGS
@given(contracts(), st.data())
def test_a_new_required_request_property_is_breaking(
    contract: Contract, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(contract.operations) - 1))
    body = contract.operations[index].request_body
    assert body is not None
    schema = body.content["application/json"].json_schema or {}
    larger = {
        **schema,
        "properties": {**schema["properties"], "vatNumber": {"type": "string"}},
        "required": [*schema.get("required", []), "vatNumber"],
    }
    changed = _replace(
        contract,
        index,
        request_body=RequestBody(content={"application/json": MediaType(json_schema=larger)}),
    )

    found = [f for f in _diff(contract, changed).findings if f.path == "/vatNumber"]
    assert [(f.id, f.level) for f in found] == [("new-required-request-property", Level.ERR)]


@SETTINGS
@given(contracts(), st.data())
def test_removing_an_enum_value_a_request_accepted_is_breaking(
    contract: Contract, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(contract.operations) - 1))
    parameters = list(contract.operations[index].parameters)
    values = list((parameters[0].json_schema or {})["enum"])
    dropped = data.draw(st.sampled_from(values))
    parameters[0] = parameters[0].model_copy(
        update={"json_schema": {"type": "string", "enum": [v for v in values if v != dropped]}}
    )
    changed = _replace(contract, index, parameters=tuple(parameters))

    found = _diff(contract, changed).findings
    assert [(f.id, f.level) for f in found] == [("request-parameter-enum-value-removed", Level.ERR)]
    assert repr(dropped) in found[0].message


@SETTINGS
@given(contracts(), st.data())
def test_removing_an_operation_is_breaking(contract: Contract, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(contract.operations) - 1))
    removed = contract.operations[index]
    rest = tuple(op for op in contract.operations if op is not removed)
    changed = contract.model_copy(update={"operations": rest})

    found = [f for f in _diff(contract, changed).findings if f.operation_id == removed.id]
    assert len(found) == 1
    assert found[0].id in (
        "api-removed-without-deprecation",
        "api-path-removed-without-deprecation",
    )
    assert found[0].level is Level.ERR


def _events(payload: dict[str, Any], action: str) -> Contract:
    return Contract(
        format=ContractFormat.ASYNCAPI,
        format_version="3.0.0",
        file="events.yaml",
        channels={"c": Channel(id="c", address="orders", messages=("m",))},
        messages={"m": Message(id="m", name="order.created", payload=payload)},
        operations=(
            Operation(
                id="op",
                transport=Transport.AMQP,
                address=ChannelAddress(channel="c", address="orders", action=action),  # type: ignore[arg-type]
                messages=("m",),
            ),
        ),
    )


@SETTINGS
@given(_object(schemas(()), min_size=1), st.data())
def test_removing_a_required_property_of_a_sent_message_is_breaking_and_harmless_received(
    payload: dict[str, Any], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(payload["properties"])))
    smaller = {
        **payload,
        "properties": {k: v for k, v in payload["properties"].items() if k != name},
        "required": [*payload.get("required", []), name],
    }
    required = {**payload, "required": sorted({*payload.get("required", []), name})}
    smaller["required"] = [r for r in required["required"] if r != name]

    sent = _diff(_events(required, "send"), _events(smaller, "send")).findings
    received = _diff(_events(required, "receive"), _events(smaller, "receive")).findings
    assert [(f.id, f.level) for f in sent] == [
        ("sent-message-required-property-removed", Level.ERR)
    ]
    assert [(f.id, f.level) for f in received] == [
        ("received-message-property-removed", Level.WARN)
    ]


@SETTINGS
@given(contracts(), contracts())
def test_any_two_contracts_diff_into_catalogued_findings(old: Contract, new: Contract) -> None:
    result = _diff(old, new)

    assert all(finding.level is RULES[finding.id].level for finding in result.findings)
    assert _diff(old, new) == result  # deterministic: same inputs, same findings, same order
