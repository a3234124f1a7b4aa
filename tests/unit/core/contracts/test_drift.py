"""Drift between exchanges and a contract: each kind, where it is, how often, an example."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interloom.core.contracts.drift import DriftFinding, DriftKind, DriftReport, detect_drift
from interloom.core.contracts.model import SourceLocation
from interloom.core.contracts.traffic import Body, Exchange, RecordedRequest, RecordedResponse
from interloom.formats.contracts.detect import import_contract
from interloom.formats.traffic.har import read_har

DATA = Path(__file__).resolve().parents[3] / "data" / "traffic"

CONTRACT = """
openapi: 3.1.0
info: {title: Orders, version: '1'}
servers:
  - url: https://shop.example.com/api/{version}
    variables: {version: {default: v2}}
paths:
  /orders:
    get:
      operationId: listOrders
      parameters:
        - {name: status, in: query, required: true, schema: {type: string}}
        - {name: page, in: query, schema: {type: integer}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Order'}}
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewOrder'}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
        4XX:
          description: refused
          content:
            application/problem+json:
              schema: {type: object}
  /orders/{orderId}:
    get:
      operationId: getOrder
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
        default:
          description: an error
    delete:
      operationId: deleteOrder
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: integer}}
      responses:
        '204': {description: gone}
  /orders/{orderId}/lines:
    get:
      operationId: listLines
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                additionalProperties: {$ref: '#/components/schemas/Line'}
components:
  schemas:
    Order:
      allOf:
        - $ref: '#/components/schemas/NewOrder'
        - type: object
          required: [id, status]
          properties:
            id: {type: integer}
            status: {type: string, enum: [open, shipped]}
            meta: {type: object}
    NewOrder:
      type: object
      required: [customer, lines]
      properties:
        customer: {type: string}
        lines:
          type: array
          items: {$ref: '#/components/schemas/Line'}
    Line:
      type: object
      additionalProperties: false
      required: [sku, quantity]
      properties:
        sku: {type: string}
        quantity: {type: integer, minimum: 1}
"""

ORDER = {"id": 1, "status": "open", "customer": "C-1", "lines": [{"sku": "A", "quantity": 2}]}


def call(
    method: str,
    path: str,
    status: int = 200,
    response: Any = None,
    *,
    request: Any = None,
    request_type: str = "application/json",
    response_type: str = "application/json",
    line: int = 1,
) -> Exchange:
    def body(value: Any, media_type: str) -> Body | None:
        if value is None:
            return None
        text = value if isinstance(value, str) else json.dumps(value)
        return Body(media_type=media_type, text=text)

    return Exchange(
        request=RecordedRequest(
            method=method,
            url="https://shop.example.com/api/v2" + path,
            body=body(request, request_type),
        ),
        response=RecordedResponse(status=status, body=body(response, response_type)),
        source=SourceLocation(file="traffic.jsonl", line=line),
    )


def drift(*exchanges: Exchange) -> DriftReport:
    contract = import_contract(CONTRACT.encode(), "orders.yaml")
    return detect_drift(contract, exchanges)


def only(report: DriftReport, kind: DriftKind) -> list[DriftFinding]:
    return [f for f in report.findings if f.kind is kind]


def test_matching_traffic_has_no_drift() -> None:
    report = drift(
        call("GET", "/orders?status=open", response=[ORDER]),
        call("POST", "/orders", 201, ORDER, request={"customer": "C-1", "lines": []}),
        call("GET", "/orders/1", response=ORDER),
        call("GET", "/orders/1/lines", response={"l1": {"sku": "A", "quantity": 1}}),
        call("DELETE", "/orders/1", 204),
    )

    assert report.findings == ()
    assert not report.has_drift
    assert (report.exchanges, report.matched, report.operations_seen) == (5, 5, 5)


def test_undocumented_operations_are_grouped_by_template_and_cite_an_example() -> None:
    report = drift(
        call("PUT", "/orders/1", 200, line=3),
        call("PUT", "/orders/2", 409, line=4),
        call("GET", "/invoices/7", line=5),
        call("GET", "/orders?status=open", response=[]),
    )

    found = only(report, DriftKind.UNDOCUMENTED_OPERATION)
    assert [(f.method, f.path, f.count, f.example) for f in found] == [
        ("GET", "/invoices/{invoiceId}", 1, "traffic.jsonl:5"),
        ("PUT", "/orders/{orderId}", 2, "traffic.jsonl:3"),
    ]
    assert "409" in found[1].message
    assert report.has_drift


def test_undocumented_status_unless_a_range_or_default_covers_it() -> None:
    report = drift(
        call("GET", "/orders?status=open", 500, line=2),
        call(
            "POST",
            "/orders",
            422,
            {"title": "no"},
            request={"customer": "C", "lines": []},
            response_type="application/problem+json",
        ),
        call("GET", "/orders/9", 404),
    )

    (found,) = only(report, DriftKind.UNDOCUMENTED_STATUS)
    assert (found.operation, found.status, found.example) == ("listOrders", 500, "traffic.jsonl:2")


def test_undocumented_and_missing_query_parameters() -> None:
    report = drift(
        call("GET", "/orders?status=open&sort=date", response=[]),
        call("GET", "/orders?page=2&sort=id", response=[]),
    )

    (extra,) = only(report, DriftKind.UNDOCUMENTED_PARAMETER)
    assert (extra.pointer, extra.count) == ("sort", 2)
    (missing,) = only(report, DriftKind.MISSING_REQUIRED_PARAMETER)
    assert (missing.pointer, missing.count) == ("status", 1)


def test_undocumented_fields_through_refs_allof_items_and_maps() -> None:
    order = {**ORDER, "channel": "web", "lines": [{"sku": "A", "quantity": 1, "colour": "red"}]}
    report = drift(
        call("GET", "/orders/1", response=order),
        call("GET", "/orders/1/lines", response={"x": {"sku": "A", "quantity": 1, "gift": True}}),
        call("GET", "/orders/2", response={**ORDER, "meta": {"anything": 1}}),
    )

    found = {(f.operation, f.pointer) for f in only(report, DriftKind.UNDOCUMENTED_FIELD)}
    assert found == {
        ("getOrder", "/channel"),
        ("getOrder", "/lines/*/colour"),
        ("listLines", "/x/gift"),
    }
    colour = next(f for f in report.findings if f.pointer == "/lines/*/colour")
    assert colour.example_pointer == "/lines/0/colour"
    assert colour.direction == "response"
    assert colour.status == 200


def test_missing_required_fields_are_located() -> None:
    report = drift(
        call("POST", "/orders", 201, {**ORDER, "lines": [{"sku": "A"}]}, request={"lines": []}),
        call("POST", "/orders", 201, ORDER),
    )

    found = {
        (f.direction, f.pointer, f.count) for f in only(report, DriftKind.MISSING_REQUIRED_FIELD)
    }
    assert found == {
        ("request", "/customer", 1),
        ("response", "/lines/*/quantity", 1),
        ("request", "", 1),  # the required request body was not sent
    }


def test_wrong_types_and_other_violations() -> None:
    report = drift(
        call("GET", "/orders/1", response={**ORDER, "id": "1"}),
        call("GET", "/orders/2", response={**ORDER, "status": "lost"}),
        call("GET", "/orders/3", response={**ORDER, "lines": [{"sku": "A", "quantity": 0}]}),
    )

    (wrong,) = only(report, DriftKind.WRONG_TYPE)
    assert (wrong.pointer, wrong.operation) == ("/id", "getOrder")
    assert "integer" in wrong.message
    violations = {(f.pointer, f.message) for f in only(report, DriftKind.SCHEMA_VIOLATION)}
    assert {pointer for pointer, _ in violations} == {"/status", "/lines/*/quantity"}
    assert any("lost" in message for _, message in violations)


def test_media_types_not_documented_and_bodies_that_are_not_json() -> None:
    report = drift(
        call("POST", "/orders", 201, ORDER, request="customer=C", request_type="text/plain"),
        call("GET", "/orders/1", 200, "<order/>", response_type="application/xml"),
        call("DELETE", "/orders/1", 204, {"deleted": True}),
        call("GET", "/orders/2", 200, "{not json", line=9),
    )

    found = {
        (f.operation, f.direction, f.media_type)
        for f in only(report, DriftKind.UNDOCUMENTED_CONTENT_TYPE)
    }
    assert found == {
        ("createOrder", "request", "text/plain"),
        ("getOrder", "response", "application/xml"),
        ("deleteOrder", "response", "application/json"),
    }
    (invalid,) = only(report, DriftKind.INVALID_BODY)
    assert (invalid.operation, invalid.example) == ("getOrder", "traffic.jsonl:9")


def test_unused_operations_are_coverage_not_drift() -> None:
    report = drift(call("GET", "/orders/1", response=ORDER))

    unused = only(report, DriftKind.UNUSED_OPERATION)
    assert {f.operation for f in unused} == {
        "listOrders",
        "createOrder",
        "deleteOrder",
        "listLines",
    }
    assert all(f.category == "coverage" and f.count == 0 for f in unused)
    assert not report.has_drift
    assert report.without([DriftKind.UNUSED_OPERATION]).findings == ()


def test_paths_outside_the_server_base_path_are_still_matched_as_given() -> None:
    contract = import_contract(CONTRACT.encode(), "orders.yaml")
    bare = Exchange(
        request=RecordedRequest(method="GET", url="http://127.0.0.1:9000/orders/5"),
        response=RecordedResponse(
            status=200, body=Body(media_type="application/json", text=json.dumps(ORDER))
        ),
    )

    report = detect_drift(contract, [bare])

    assert report.matched == 1
    assert not report.has_drift


def test_counts_add_up_per_kind() -> None:
    report = drift(
        call("GET", "/orders/1", response={**ORDER, "x": 1}),
        call("GET", "/orders/2", response={**ORDER, "x": 2}),
        call("PUT", "/orders/2"),
    )

    assert report.counts()["undocumented-field"] == 2
    assert report.counts()["undocumented-operation"] == 1
    assert report.counts()["unused-operation"] == 0


@pytest.fixture(scope="module")
def crm_report() -> DriftReport:
    contract_file = DATA / "crm-contract.openapi.yaml"
    contract = import_contract(contract_file.read_bytes(), str(contract_file))
    har = DATA / "crm.har"
    return detect_drift(contract, read_har(har.read_bytes(), "crm.har"))


def test_the_crm_recording_drifts_from_its_contract_in_every_way(crm_report: DriftReport) -> None:
    summary = {(f.kind.value, f.method, f.path, f.pointer) for f in crm_report.findings}

    assert summary >= {
        ("undocumented-operation", "DELETE", "/customers/{customerId}", None),
        ("undocumented-operation", "POST", "/deals/{dealId}/notes", None),
        ("undocumented-operation", "GET", "/health", None),
        ("undocumented-status", "GET", "/customers/{customerId}", None),
        ("undocumented-status", "POST", "/customers", None),
        ("undocumented-content-type", "PATCH", "/deals/{dealId}", None),
        ("undocumented-parameter", "GET", "/customers", "sort"),
        ("undocumented-parameter", "GET", "/deals", "ownerId"),
        ("undocumented-field", "GET", "/customers/{customerId}", "/loyaltyTier"),
        ("undocumented-field", "GET", "/customers", "/items/*/loyaltyTier"),
        ("missing-required-field", "GET", "/customers/{customerId}", "/phone"),
        ("wrong-type", "GET", "/customers/{customerId}", "/creditLimit"),
        ("schema-violation", "GET", "/customers/{customerId}", "/status"),
        ("unused-operation", "GET", "/customers/{customerId}/invoices", None),
    }
    assert crm_report.exchanges == 30  # the entry that never completed is left out
    assert (crm_report.documented_operations, crm_report.operations_seen) == (12, 11)
    wrong = next(f for f in crm_report.findings if f.kind is DriftKind.WRONG_TYPE)
    assert wrong.example == "crm.har /log/entries/5"
