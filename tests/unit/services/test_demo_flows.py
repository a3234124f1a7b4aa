"""The demo's flow checks: they sign as the flows verify, and they fail on what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interloom.core.errors import InterloomError
from interloom.runtime.pipeline import CompiledFlow, compile_flow
from interloom.runtime.sink_guard import unguarded
from interloom.services.demo import CheckFailedError
from interloom.services.demo_flows import (
    EXPECTED_COUNTS,
    FlowScene,
    Webhook,
    _counters,
    _dead_letters,
    driving_hints,
    scene_environment,
)
from interloom.services.project import load_project

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"
SECRET = "not-the-default"
SCENE = FlowScene(
    RETAIL,
    {"erp": "http://127.0.0.1:1", "crm": "http://127.0.0.1:2", "wms": "http://127.0.0.1:3"},
    Path("/tmp/inbox/stock"),
)


FLOWS = {loaded.model.id: loaded for loaded in load_project(RETAIL).project.flows}


def compiled(flow_id: str, environ: dict[str, str]) -> CompiledFlow:
    loaded = FLOWS[flow_id]
    return compile_flow(loaded.model, RETAIL, environ, source_map=loaded.source)


@pytest.fixture(scope="module")
def order_flow() -> CompiledFlow:
    return compiled("order-to-wms", {"ERP_WEBHOOK_SECRET": SECRET})


@pytest.fixture(scope="module")
def webhook() -> Webhook:
    return Webhook.of(RETAIL, "order-to-wms", {"ERP_WEBHOOK_SECRET": SECRET})


@settings(max_examples=50, deadline=None)
@given(body=st.binary(max_size=2000))
def test_what_the_demo_signs_the_flow_accepts_and_a_changed_body_it_refuses(
    order_flow: CompiledFlow, webhook: Webhook, body: bytes
) -> None:
    header = webhook.header.lower().encode()
    assert order_flow.check is not None

    order_flow.check([(header, webhook.signature(body).encode())], body)
    with pytest.raises(InterloomError) as refused:
        order_flow.check([(header, webhook.signature(body).encode())], body + b"x")
    assert refused.value.code == "E-WEBHOOK-001"


def test_the_webhook_secret_defaults_as_the_flow_file_says() -> None:
    assert Webhook.of(RETAIL, "order-to-wms", {}).secret == b"demo-secret"
    assert Webhook.of(RETAIL, "shipment-to-crm", {"WMS_WEBHOOK_SECRET": "x"}).secret == b"x"
    with pytest.raises(CheckFailedError, match="stock-to-erp is not a webhook flow"):
        Webhook.of(RETAIL, "stock-to-erp", {})


def test_the_scene_environment_points_the_flows_at_the_stand_ins_and_the_inbox() -> None:
    environ = scene_environment(SCENE)

    orders = compiled("order-to-wms", environ)
    stock = compiled("stock-to-erp", environ)
    shipments = compiled("shipment-to-crm", environ)

    assert [unguarded(s).config.url for s in orders.sinks] == ["http://127.0.0.1:3/shipments"]  # type: ignore[attr-defined]
    assert [s.config.url for s in stock.sinks] == ["http://127.0.0.1:1/stock-levels"]  # type: ignore[attr-defined]
    assert [s.request.shown_url for s in shipments.sinks] == [  # type: ignore[attr-defined]
        "http://127.0.0.1:2/activities",
        "http://127.0.0.1:1/orders/{orderId}/status",
    ]
    assert stock.source_config.path == "/tmp/inbox/stock"
    hints = driving_hints(SCENE)
    assert "stock-to-erp: drop CSV files in /tmp/inbox/stock" in hints
    assert any(h.startswith("shipment-to-crm: POST /hooks/wms/shipments/dispatched") for h in hints)


def flows_answer(change: Callable[[dict[str, Any]], None] = lambda _: None) -> httpx.AsyncClient:
    statuses = []
    for flow_id, (received, delivered, filtered, rejected, dead) in EXPECTED_COUNTS.items():
        status = {
            "id": flow_id,
            "state": "running",
            "received": received,
            "delivered": delivered,
            "filtered": filtered,
            "rejected": rejected,
            "failed": 0,
            "dead_lettered": dead,
            "in_flight": 0,
        }
        change(status)
        statuses.append(status)

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/flows"
        return httpx.Response(200, json=statuses)

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://demo")


async def test_balanced_counters_pass() -> None:
    async with flows_answer() as client:
        detail = await _counters(client, SCENE)

    assert detail.startswith("order-to-wms 6 = 2 + 2 + 1 + 1; ")


def in_flight(status: dict[str, Any]) -> None:
    if status["id"] == "stock-to-erp":
        status["delivered"] -= 1
        status["in_flight"] = 1


def one_more_filtered(status: dict[str, Any]) -> None:
    if status["id"] == "order-to-wms":
        status["received"] += 1
        status["filtered"] += 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (in_flight, "stock-to-erp does not balance"),
        (one_more_filtered, "order-to-wms: received/delivered/filtered/rejected/dead (7, 2, 3"),
    ],
)
async def test_counters_that_are_not_what_the_samples_give_fail(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    async with flows_answer(change) as client:
        with pytest.raises(CheckFailedError, match=message.replace("(", r"\(")):
            await _counters(client, SCENE)


def dead_letters_answer(step: str) -> httpx.AsyncClient:
    errors = {
        "stock-to-erp": "the message fails cleansing: counted_on = '31/02/2027' fails 'date'",
        "order-to-wms": "GET /customers/C-999999 found nothing (404)",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        flow = request.url.params["flow"]
        letter = {"step": step if flow == "stock-to-erp" else "customer", "error": errors[flow]}
        return httpx.Response(200, json={"items": [letter], "total": 1})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://demo")


async def test_the_dead_letters_must_name_the_step_and_the_reason() -> None:
    async with dead_letters_answer("clean") as client:
        detail = await _dead_letters(client, SCENE)
    assert detail.startswith("stock-to-erp at clean: the message fails cleansing")

    async with dead_letters_answer("check") as client:
        with pytest.raises(CheckFailedError, match="the dead letter of stock-to-erp says check"):
            await _dead_letters(client, SCENE)
