"""Flows that take their schema and calls from their interfaces' contracts, end to end.

A real ERP (an aiohttp server on a free port) answers GET /orders/{orderId} and
PUT /orders/{orderId}/status; the flow validates against its source interface's request body,
enriches by the ERP's getOrder and sends the status update with the contract's method and path.
"""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from interloom.services.project import load_project

from ..local_server import serving
from .processor_projects import FAST_RETRIES, eventually, post, running, status, write_project

SYSTEM = """\
id: erp
name: ERP
kind: erp
owner: {team: ERP}
interfaces:
  - {id: shipments.record, name: Record a shipment, style: rest,
     contract: contracts/erp.openapi.yaml, operation: recordShipment}
  - {id: orders.get, name: Get an order, style: rest,
     contract: contracts/erp.openapi.yaml, operation: getOrder}
  - {id: orders.status.update, name: Update an order's status, style: rest,
     contract: contracts/erp.openapi.yaml, operation: updateOrderStatus}
"""

CONTRACT = """\
openapi: 3.1.0
info: {title: ERP, version: 1.0.0}
servers:
  - url: http://127.0.0.1:9/unused
paths:
  /shipments:
    post:
      operationId: recordShipment
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [orderId, status]
              properties:
                orderId: {type: string}
                status: {$ref: '#/components/schemas/StatusUpdate'}
      responses:
        '202': {description: Accepted.}
  /orders/{orderId}:
    get:
      operationId: getOrder
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: The order.}
  /orders/{orderId}/status:
    put:
      operationId: updateOrderStatus
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/StatusUpdate'}
      responses:
        '200': {description: The order in its new status.}
components:
  schemas:
    StatusUpdate:
      type: object
      required: [status]
      properties:
        status: {type: string, enum: [allocated, shipped]}
      additionalProperties: false
"""


@dataclass
class Erp:
    """What the ERP received: (method, raw path, Idempotency-Key, body)."""

    url: str = ""
    orders: dict[str, Any] = field(default_factory=dict)
    calls: list[tuple[str, str, str | None, Any]] = field(default_factory=list)


@pytest.fixture
async def erp() -> AsyncIterator[Erp]:
    state = Erp(orders={"SO 1/A": {"id": "SO 1/A", "customerId": "C-7"}})

    async def get_order(request: web.Request) -> web.Response:
        state.calls.append(("GET", request.raw_path, None, None))
        found = state.orders.get(request.match_info["order"])
        if found is None:
            return web.json_response({"code": "ORDER_NOT_FOUND"}, status=404)
        return web.json_response(found)

    async def put_status(request: web.Request) -> web.Response:
        body = await request.json()
        key = request.headers.get("Idempotency-Key")
        state.calls.append(("PUT", request.raw_path, key, body))
        return web.json_response({"id": request.match_info["order"], **body})

    app = web.Application()
    app.router.add_get("/orders/{order}", get_order)
    app.router.add_put("/orders/{order}/status", put_status)
    async with serving(app) as state.url:
        yield state


def project(root: Path, erp: Erp, sink_config: str) -> Path:
    flow = textwrap.dedent(
        f"""\
        id: ship
        name: Shipments to the ERP
        source:
          connector: http
          interface: interface:erp.shipments.record
          config: {{path: /shipments, reply: durable}}
        steps:
          - id: check
            kind: validate
            interface: interface:erp.shipments.record
          - id: order
            kind: enrich
            interface: interface:erp.orders.get
            config: {{base_url: "{erp.url}", path: {{orderId: orderId}}, target: order}}
        sinks:
          - id: erp
            connector: http
            interface: interface:erp.orders.status.update
            config: {{{sink_config}}}
        """
    )
    write_project(root, {"ship": flow + FAST_RETRIES})
    (root / "systems").mkdir()
    (root / "systems" / "erp.yaml").write_text(SYSTEM, "utf-8")
    (root / "contracts").mkdir()
    (root / "contracts" / "erp.openapi.yaml").write_text(CONTRACT, "utf-8")
    return root


async def test_the_status_update_is_put_at_the_path_the_contract_declares(
    tmp_path: Path, erp: Erp
) -> None:
    sink = f'base_url: "{erp.url}", path: {{orderId: orderId}}, body: status'
    root = project(tmp_path, erp, sink)
    assert load_project(root).problems == []
    async with running(root) as runtime:
        response = await post(
            runtime, "/shipments", {"orderId": "SO 1/A", "status": {"status": "shipped"}}
        )
        assert response.status_code == 202

        async def delivered() -> bool:
            return (await status(runtime, "ship")).delivered == 1

        await eventually(delivered)

    message_id = response.json()["id"]
    assert erp.calls == [
        ("GET", "/orders/SO%201%2FA", None, None),
        ("PUT", "/orders/SO%201%2FA/status", f"ship:{message_id}", {"status": "shipped"}),
    ]


async def test_a_message_breaking_the_interfaces_request_schema_is_refused_at_once(
    tmp_path: Path, erp: Erp
) -> None:
    sink = f'base_url: "{erp.url}", path: {{orderId: orderId}}, body: status'
    root = project(tmp_path, erp, sink)
    async with running(root) as runtime:
        response = await post(
            runtime, "/shipments", {"orderId": "SO 1/A", "status": {"status": "lost"}}
        )

        assert response.status_code == 422
        assert response.json()["code"] == "E-MSG-001"
        assert response.json()["details"][0]["pointer"] == "/status/status"
    assert erp.calls == []


async def test_a_url_part_missing_from_the_message_dead_letters_it_with_the_reason(
    tmp_path: Path, erp: Erp
) -> None:
    sink = f'url: "{erp.url}/orders/{{order.number}}/status", method: PUT, body: status'
    root = project(tmp_path, erp, sink)
    async with running(root) as runtime:
        await post(runtime, "/shipments", {"orderId": "SO 1/A", "status": {"status": "shipped"}})
        assert runtime.store is not None
        store = runtime.store

        async def dead() -> bool:
            return (await store.counts("ship")).dead_lettered == 1

        await eventually(dead)
        (letter,) = await store.list_dead("ship")

    assert "the URL part {order.number} gives nothing" in letter.error
    assert [call[0] for call in erp.calls] == ["GET"]  # looked up once, never PUT


def test_validate_reports_a_path_parameter_the_sink_gives_no_value_for(
    tmp_path: Path, erp: Erp
) -> None:
    root = project(tmp_path, erp, f'base_url: "{erp.url}", body: status')

    [problem] = load_project(root).problems

    assert problem.code.value == "E-FLOW-022"
    assert (problem.file, problem.path) == ("flows/ship.yaml", "sinks[0].interface")
    assert "needs a value for orderId" in problem.message
