"""import_contract: any format by content, every malformed file a located error, never a crash."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interloom.core.contracts import (
    Contract,
    ContractError,
    ContractFormat,
    ContractFormatError,
    ContractReferenceError,
    ContractStructureError,
)
from interloom.formats.contracts import import_contract

Load = Callable[[str], Contract]
DATA = Path(__file__).resolve().parents[3] / "data" / "contracts"
RETAIL = Path(__file__).resolve().parents[4] / "examples" / "retail" / "contracts"

CONTRACTS = [
    # file, format, format version, operations, schemas
    ("hr-legacy.swagger.yaml", "openapi", "2.0", 6, 7),
    ("tickets.swagger.json", "openapi", "2.0", 3, 2),
    ("orders.openapi30.yaml", "openapi", "3.0.3", 5, 11),
    ("inventory.openapi30.json", "openapi", "3.0.1", 3, 3),
    ("returns.openapi30.yaml", "openapi", "3.0.2", 3, 1),
    ("catalog.openapi31.yaml", "openapi", "3.1.0", 4, 4),
    ("loyalty.openapi31.yaml", "openapi", "3.1.0", 3, 7),
    ("split/api.yaml", "openapi", "3.0.3", 3, 6),
    ("customer.schema.json", "json-schema", "draft-07", 0, 3),
    ("product.schema.yaml", "json-schema", "2019-09", 0, 3),
    ("invoice.schema.json", "json-schema", "2020-12", 0, 3),
    ("geo.schema.json", "json-schema", "draft-04", 0, 1),
    ("alerts.asyncapi20.yaml", "asyncapi", "2.0.0", 2, 0),
    ("shipments.asyncapi26.yaml", "asyncapi", "2.6.0", 3, 2),
    ("split/events.asyncapi.yaml", "asyncapi", "2.6.0", 1, 4),
    ("telemetry.asyncapi3.yaml", "asyncapi", "3.0.0", 2, 1),
    ("billing.asyncapi3.yaml", "asyncapi", "3.0.0", 2, 0),
    ("stock-service.wsdl", "wsdl", "1.1", 2, 13),
    ("currency-rpc.wsdl", "wsdl", "1.1", 2, 2),
    ("split-wsdl/service.wsdl", "wsdl", "1.1", 1, 2),
    ("support.graphql", "graphql", "2021", 9, 13),
    ("crm.postman_collection.json", "postman", "2.1.0", 6, 0),
]

MALFORMED = [
    # file, error, line, pointer, words of the message
    ("bad-indentation.openapi.yaml", ContractError, 12, None, "not valid YAML"),
    ("trailing-comma.openapi.json", ContractError, 6, None, "not valid JSON"),
    (
        "dangling-ref.openapi.yaml",
        ContractReferenceError,
        21,
        "/paths/~1customers~1{id}/get/responses/200/content/application~1json/schema/$ref",
        "points at nothing: no 'Costumer' under /components/schemas",
    ),
    (
        "missing-file.openapi.yaml",
        ContractReferenceError,
        15,
        "/paths/~1orders/get/responses/200/content/application~1json/schema/$ref",
        "'schemas/order.yaml' cannot be read",
    ),
    (
        "circular-parameter.openapi.yaml",
        ContractReferenceError,
        17,
        "/components/parameters/A/$ref",
        "is circular",
    ),
    (
        "wrong-type.openapi.yaml",
        ContractStructureError,
        9,
        "/paths/~1orders/get/parameters",
        "'parameters' must be a list, not a mapping",
    ),
    (
        "unsupported-version.asyncapi.yaml",
        ContractFormatError,
        1,
        "/asyncapi",
        "AsyncAPI 1.2.0 is not supported",
    ),
    (
        "wrong-action.asyncapi.yaml",
        ContractStructureError,
        10,
        "/operations/publishOrder/action",
        "'action' must be send or receive",
    ),
    ("unclosed-tag.wsdl", ContractError, 10, None, "not well-formed XML: mismatched tag"),
    ("unknown-message.wsdl", ContractReferenceError, 12, None, "message 'PingRespons'"),
    ("billion-laughs.wsdl", ContractError, 1, None, "DTD or entities"),
    ("syntax-error.graphql", ContractError, 7, None, "Expected ':'"),
    ("unknown-type.graphql", ContractReferenceError, 7, None, "Unknown type 'OrderLine'"),
    ("not-a-contract.yaml", ContractFormatError, 1, None, "not a contract format"),
]


def _import(path: Path) -> Contract:
    return import_contract(
        path.read_bytes(),
        str(path.relative_to(DATA)),
        resolve_file=lambda relative: (path.parent / relative).read_bytes(),
    )


@pytest.mark.parametrize(("name", "kind", "version", "operations", "schemas"), CONTRACTS)
def test_every_test_contract_imports(
    contract: Load, name: str, kind: str, version: str, operations: int, schemas: int
) -> None:
    imported = contract(name)

    assert (imported.format.value, imported.format_version) == (kind, version)
    assert (len(imported.operations), len(imported.schemas)) == (operations, schemas)


def test_at_least_twenty_varied_contracts() -> None:
    assert len(CONTRACTS) >= 20
    assert len({kind for _, kind, *_ in CONTRACTS}) == 6


# The project's contracts: every file under contracts/ but the proposals in contracts/changes/.
RETAIL_CONTRACTS = sorted(
    path.relative_to(RETAIL).as_posix()
    for path in RETAIL.rglob("*")
    if path.is_file() and path.relative_to(RETAIL).parts[0] != "changes"
)


@pytest.mark.parametrize("name", RETAIL_CONTRACTS)
def test_every_retail_contract_imports_without_warnings(retail: Load, name: str) -> None:
    imported = retail(name)

    if imported.format is ContractFormat.JSON_SCHEMA:
        assert imported.schemas  # a JSON Schema describes documents, not operations
    else:
        assert imported.operations
    assert imported.warnings == ()


@pytest.mark.parametrize(("name", "error", "line", "pointer", "words"), MALFORMED)
def test_a_malformed_contract_is_a_located_error(
    name: str, error: type[ContractError], line: int, pointer: str | None, words: str
) -> None:
    path = DATA / "malformed" / name

    with pytest.raises(error) as caught:
        _import(path)

    assert type(caught.value) is error
    location = caught.value.location
    assert location is not None
    assert location.file == f"malformed/{name}"
    assert location.line == line
    if pointer is not None:
        assert location.pointer == pointer
    assert words in caught.value.message
    assert str(caught.value).startswith(f"{error.code} malformed/{name}:{line}")


def test_an_unknown_format_says_which_formats_there_are() -> None:
    with pytest.raises(ContractFormatError) as caught:
        import_contract(b"name: my-service\nreplicas: 3\n", "deploy.yaml")

    assert caught.value.hint is not None
    assert "AsyncAPI" in caught.value.hint


@pytest.mark.parametrize(
    ("data", "file", "words"),
    [
        (b"", "empty.yaml", "the file is empty"),
        (b"- a\n- b\n", "list.yaml", "not a mapping at its root"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "logo.yaml", "not UTF-8 text"),
        (b"openapi: 3.0.0\x00", "nul.yaml", "NUL character"),
        (b"[" * 50_000 + b"]" * 50_000, "deep.json", "nested too deeply"),
        (b"a:\n" + b"  - " * 3000 + b"x\n", "deep.yaml", "nested too deeply"),
    ],
)
def test_unusable_bytes_are_errors_not_crashes(data: bytes, file: str, words: str) -> None:
    with pytest.raises(ContractError) as caught:
        import_contract(data, file)

    assert words in caught.value.message
    assert caught.value.location is not None
    assert caught.value.location.file == file


def test_utf16_with_a_byte_order_mark_is_read() -> None:
    text = '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}'

    contract = import_contract(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "api.json")

    assert contract.format_version == "3.1.0"


def test_yaml_numbers_for_versions_are_read_as_text() -> None:
    contract = import_contract(
        b"openapi: 3.0.0\ninfo: {title: t, version: 1.0}\npaths: {}\n", "a.yaml"
    )

    assert contract.version == "1.0"


def test_the_extension_is_only_a_hint() -> None:
    sdl = import_contract(b"type Query { ping: String }\n", "schema.yaml")
    wsdl = import_contract(
        b'<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:x"/>',
        "service.txt",
    )

    assert (sdl.format, wsdl.format) == ("graphql", "wsdl")


# --- fuzzing ---------------------------------------------------------------------------------


def _only_contract_errors(data: bytes, file: str) -> None:
    """Importing ``data`` returns a contract or raises a located ContractError, nothing else."""
    try:
        import_contract(data, file)
    except ContractError as error:
        location = error.location
    else:
        return
    assert location is not None
    assert location.file == file


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=300),
    file=st.sampled_from(["a.yaml", "a.json", "a.wsdl", "a.graphql", "a"]),
)
def test_arbitrary_bytes_never_crash(data: bytes, file: str) -> None:
    _only_contract_errors(data, file)


_PREFIXES = [
    "openapi: 3.0.3\n",
    "openapi: 3.1.0\n",
    "swagger: '2.0'\n",
    "asyncapi: 2.6.0\n",
    "asyncapi: 3.0.0\n",
    '{"$schema": "http://json-schema.org/draft-07/schema#",',
    "<definitions xmlns='http://schemas.xmlsoap.org/wsdl/'>",
    "type Query {",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(_PREFIXES), rest=st.text(max_size=200))
def test_arbitrary_text_after_a_format_marker_never_crashes(prefix: str, rest: str) -> None:
    _only_contract_errors((prefix + rest).encode("utf-8", "surrogatepass"), "contract")


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(
        ["#/components/schemas/Pet", "#/nope", "#", "other.yaml", "3.0.0", "object", "path"]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "$ref",
                    "type",
                    "name",
                    "in",
                    "schema",
                    "items",
                    "properties",
                    "required",
                    "x",
                    "get",
                ]
            ),
            children,
            max_size=3,
        )
    ),
    max_leaves=8,
)

SEEDS: list[dict[str, Any]] = [
    {
        "openapi": "3.0.3",
        "info": {"title": "Pets", "version": "1"},
        "paths": {
            "/pets/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {}}],
                "get": {
                    "operationId": "getPet",
                    "responses": {
                        "200": {
                            "description": "A pet.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                            },
                        }
                    },
                },
            }
        },
        "components": {
            "schemas": {
                "Pet": {
                    "type": "object",
                    "nullable": True,
                    "properties": {"kin": {"$ref": "#/components/schemas/Pet"}},
                    "discriminator": {"propertyName": "x", "mapping": {"a": "Pet"}},
                }
            }
        },
    },
    {
        "swagger": "2.0",
        "info": {"title": "Pets", "version": "1"},
        "paths": {
            "/pets": {
                "post": {
                    "parameters": [
                        {"name": "pet", "in": "body", "schema": {"$ref": "#/definitions/Pet"}},
                        {"name": "q", "in": "query", "type": "array", "items": {"type": "string"}},
                    ],
                    "responses": {"200": {"description": "ok", "schema": {"type": "file"}}},
                }
            }
        },
        "definitions": {"Pet": {"type": "object", "x-nullable": True}},
    },
    {
        "asyncapi": "3.0.0",
        "info": {"title": "Pets", "version": "1"},
        "channels": {"pets": {"address": "pets", "messages": {"pet": {"payload": {}}}}},
        "operations": {
            "send": {
                "action": "send",
                "channel": {"$ref": "#/channels/pets"},
                "messages": [{"$ref": "#/channels/pets/messages/pet"}],
            }
        },
    },
    {
        "asyncapi": "2.6.0",
        "info": {"title": "Pets", "version": "1"},
        "channels": {
            "pets": {"subscribe": {"message": {"oneOf": [{"payload": {"type": "string"}}]}}}
        },
    },
    {
        "info": {"name": "Pets", "schema": "https://schema.getpostman.com/json/v2.1.0/x"},
        "item": [
            {
                "name": "Get pet",
                "request": {"method": "GET", "url": {"raw": "{{u}}/pets/:id", "path": ["pets"]}},
                "response": [{"code": 200, "body": "{}"}],
            }
        ],
    },
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(range(len(SEEDS))), choice=st.integers(0, 10_000), value=JSON)
def test_valid_contracts_with_one_value_replaced_never_crash(
    seed: int, choice: int, value: Any
) -> None:
    document = json.loads(json.dumps(SEEDS[seed]))
    paths = [p for p in _paths(document) if p]
    target = paths[choice % len(paths)]
    parent = document
    for token in target[:-1]:
        parent = parent[token]
    parent[target[-1]] = value

    _only_contract_errors(json.dumps(document).encode(), "mutated.json")
