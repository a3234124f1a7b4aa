"""Vendor extensions of a contract, by operation: what the canonical model leaves out."""

from __future__ import annotations

import json

from interloom.formats.contract_extensions import read_contract_extensions

OPENAPI = """
openapi: 3.1.0
info: {title: T, version: '1', x-api-id: things}
x-rate-limit: {requests: 100, per: minute}
paths:
  /things:
    x-throttling-tier: gold
    get: {operationId: list, x-cache: 60, responses: {'200': {description: ok}}}
    post: {operationId: add, responses: {'201': {description: ok}}}
  /other:
    get: {responses: {'200': {description: ok}}}
"""


def test_openapi_extensions_are_found_on_the_root_info_path_and_operation() -> None:
    found = read_contract_extensions(OPENAPI, "api.yaml")

    assert found.document == {"x-rate-limit", "x-api-id"}
    assert found.operations == {
        "list": {"x-throttling-tier", "x-cache"},
        "add": {"x-throttling-tier"},
    }
    assert found.of("list") == {"x-rate-limit", "x-api-id", "x-throttling-tier", "x-cache"}
    assert found.of("missing") == found.of(None) == found.document


def test_asyncapi_operations_carry_their_extensions() -> None:
    v3 = {"asyncapi": "3.0.0", "operations": {"send": {"x-quota": 5}, "receive": {}}}
    v2 = {
        "asyncapi": "2.6.0",
        "channels": {"c": {"x-tier": 1, "publish": {"operationId": "pub", "x-quota": 5}}},
    }

    assert read_contract_extensions(json.dumps(v3), "a.json").operations == {
        "send": {"x-quota"},
        "receive": frozenset(),
    }
    assert read_contract_extensions(json.dumps(v2), "a.json").operations == {
        "pub": {"x-tier", "x-quota"}
    }


def test_files_without_extensions_or_that_do_not_parse_have_none() -> None:
    assert read_contract_extensions("<definitions/>", "s.wsdl").of("x") == frozenset()
    assert read_contract_extensions("a: [unclosed", "bad.yaml").document == frozenset()
    assert read_contract_extensions("- a list", "list.yaml").operations == {}
