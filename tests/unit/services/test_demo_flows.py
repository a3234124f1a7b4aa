"""The demo's flow checks: they sign as the flows verify, and they fail on what is wrong."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.connectors.soap_envelopes import soap_envelope
from interloom.core.errors import InterloomError
from interloom.runtime.pipeline import CompiledFlow, compile_flow
from interloom.runtime.sink_guard import unguarded
from interloom.services.demo import CheckFailedError
from interloom.services.demo_flows import (
    EXPECTED_COUNTS,
    INVOICES_FLOW,
    FlowScene,
    Webhook,
    _counters,
    _dead_letters,
    _invoice,
    _soap_fields,
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


@pytest.fixture(scope="module")
def invoice_flow() -> CompiledFlow:
    return compiled(INVOICES_FLOW, {"PAYMENTS_WEBHOOK_SECRET": SECRET})


@pytest.fixture(scope="module")
def payments() -> Webhook:
    return Webhook.of(RETAIL, INVOICES_FLOW, {"PAYMENTS_WEBHOOK_SECRET": SECRET})


def checked(flow: CompiledFlow, headers: dict[str, str], body: bytes) -> str | None:
    """The error code the flow's webhook check answers ``headers`` and ``body`` with."""
    assert flow.check is not None
    try:
        flow.check([(k.lower().encode(), v.encode()) for k, v in headers.items()], body)
    except InterloomError as refused:
        return refused.code
    return None


@settings(max_examples=50, deadline=None)
@given(body=st.binary(max_size=2000), ago=st.integers(min_value=0, max_value=200))
def test_what_the_demo_signs_with_a_timestamp_the_payment_flow_accepts(
    invoice_flow: CompiledFlow, payments: Webhook, body: bytes, ago: int
) -> None:
    sent = int(time.time()) - ago
    headers = payments.headers(body, sent)

    assert headers["Payments-Signature"].startswith(f"t={sent},v1=")
    assert checked(invoice_flow, headers, body) is None
    assert checked(invoice_flow, headers, body + b"x") == "E-WEBHOOK-001"
    assert checked(invoice_flow, payments.headers(body, sent - 3600), body) == "E-WEBHOOK-002"
    moved = headers["Payments-Signature"].replace(f"t={sent}", f"t={sent - 1}")
    assert checked(invoice_flow, {**headers, "Payments-Signature": moved}, body) == "E-WEBHOOK-001"


def test_the_payment_webhook_is_read_from_the_flow_file(payments: Webhook) -> None:
    assert (payments.path, payments.header, payments.secret) == (
        "/hooks/payments/captured",
        "Payments-Signature",
        SECRET.encode(),
    )
    assert (payments.signature_key, payments.timestamp_key) == ("v1", "t")
    assert payments.signed_payload == "{timestamp}.{body}"
    assert payments.hint() == (
        "POST /hooks/payments/captured with Payments-Signature: "
        "t=<t>,v1=<HMAC-SHA256 of '<t>.<body>'>, <t> the Unix time of sending"
    )
    assert Webhook.of(RETAIL, INVOICES_FLOW, {}).secret == b"demo-secret"


def test_a_timestamp_header_is_sent_and_signed_beside_the_signature() -> None:
    webhook = Webhook(
        path="/hooks/psp",
        secret=b"s",
        header="X-Signature",
        prefix="",
        algorithm="sha256",
        encoding="base64",
        signed_payload="v0:{timestamp}:{body}",
        timestamp_header="X-Timestamp",
    )
    expected = base64.b64encode(hmac.new(b"s", b"v0:1801473339:{}", hashlib.sha256).digest())

    assert webhook.headers(b"{}", 1801473339) == {
        "Content-Type": "application/json",
        "X-Signature": expected.decode(),
        "X-Timestamp": "1801473339",
    }
    assert webhook.hint() == (
        "POST /hooks/psp with X-Signature: <HMAC-SHA256 of 'v0:<t>:<body>', base64> "
        "and X-Timestamp: <t>, <t> the Unix time of sending"
    )


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

    assert [unguarded(s).config.url for s in orders.sinks] == ["http://127.0.0.1:3/shipments"]
    assert [s.config.url for s in stock.sinks] == ["http://127.0.0.1:1/stock-levels"]  # type: ignore[attr-defined]
    assert [s.request.shown_url for s in shipments.sinks] == [  # type: ignore[attr-defined]
        "http://127.0.0.1:2/activities",
        "http://127.0.0.1:1/orders/{orderId}/status",
    ]
    assert stock.source_config.path == "/tmp/inbox/stock"
    hints = driving_hints(SCENE)
    assert "stock-to-erp: drop CSV files in /tmp/inbox/stock" in hints
    assert (
        "order-to-wms: POST /hooks/erp/orders/created with X-Erp-Signature: "
        "sha256=<HMAC-SHA256 of the body>" in hints
    )
    assert any(h.startswith("shipment-to-crm: POST /hooks/wms/shipments/dispatched") for h in hints)
    payments = "invoice-on-payment: POST /hooks/payments/captured with Payments-Signature: t=<t>"
    assert any(h.startswith(payments) for h in hints)


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
    assert "; invoice-on-payment 2 = 1 + 1 + 0 + 0 (" in detail


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


def dead_letters_answer(step: str, stray: str | None = None) -> httpx.AsyncClient:
    """The dead letters the samples give, the stock flow's at ``step``, and one of ``stray``."""
    letters: dict[str, Any] = {
        "stock-to-erp": {
            "step": step,
            "error": "the message fails cleansing: counted_on = '31/02/2027' fails 'date'",
        },
        "order-to-wms": {
            "step": "customer",
            "error": "GET /customers/C-999999 found nothing (404)",
        },
    }
    if stray is not None:
        letters[stray] = {"step": "erp", "error": "POST /soap/invoicing answered 500"}

    def handler(request: httpx.Request) -> httpx.Response:
        flow = request.url.params.get("flow")
        if flow is None:
            items = list(letters.values())
        else:
            items = [letters[flow]] if flow in letters else []
        return httpx.Response(200, json={"items": items, "total": len(items)})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://demo")


async def test_the_dead_letters_must_name_the_step_and_the_reason() -> None:
    async with dead_letters_answer("clean") as client:
        detail = await _dead_letters(client, SCENE)
    assert detail.startswith("order-to-wms at customer: GET /customers/C-999999")
    assert "; stock-to-erp at clean: the message fails cleansing" in detail

    async with dead_letters_answer("check") as client:
        with pytest.raises(CheckFailedError, match="the dead letter of stock-to-erp says check"):
            await _dead_letters(client, SCENE)


async def test_a_dead_letter_of_a_flow_that_should_have_none_fails() -> None:
    async with dead_letters_answer("clean", stray=INVOICES_FLOW) as client:
        expected = "invoice-on-payment has 1 dead letters, expected 0"
        with pytest.raises(CheckFailedError, match=expected):
            await _dead_letters(client, SCENE)


PAYMENT = (RETAIL / "samples" / "payments-intent-captured.json").read_bytes()
INVOICE_CALL = InterfaceContracts(RETAIL).http_call("interface:erp.invoices.create").soap


def envelope(gross: str = "134.88", order: str = "SO-2027-000123") -> str:
    """The CreateInvoice the flow's sink posts, with the fields the check reads."""
    assert INVOICE_CALL is not None
    invoice = {
        "OrderId": order,
        "CustomerId": "C-100042",
        "Lines": {"Line": [{"LineNumber": 1, "Sku": "TSH-10042"}, {"LineNumber": 2}]},
        "GrossTotal": gross,
        "Payment": {"Reference": "pi_7QmZ2kLx9VbR4tYw1HcE8sNa", "Method": "IDEAL"},
    }
    return soap_envelope(INVOICE_CALL, invoice).decode()


def test_the_soap_fields_are_read_by_their_paths_without_namespaces() -> None:
    fields = _soap_fields(envelope())

    assert fields["OrderId"] == "SO-2027-000123"
    assert fields["GrossTotal"] == "134.88"
    assert fields["Payment/Reference"] == "pi_7QmZ2kLx9VbR4tYw1HcE8sNa"
    assert fields["Lines/Line/Sku"] == "TSH-10042"
    with pytest.raises(CheckFailedError, match="the ERP received no SOAP envelope"):
        _soap_fields("<Envelope")
    with pytest.raises(CheckFailedError, match="the ERP received no SOAP envelope"):
        _soap_fields({"OrderId": "SO-2027-000123"})


def payments_answer(
    invoice_flow: CompiledFlow, *, books_repeats: bool = False, body: str | None = None
) -> httpx.AsyncClient:
    """The server and the ERP stand-in as the invoice check sees them, signatures checked by
    the flow's own webhook check; ``books_repeats``: as if the flow did not drop repeats."""
    accepted: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/hooks/payments/captured":
            code = checked(invoice_flow, dict(request.headers), request.content)
            if code is not None:
                return httpx.Response(401, json={"code": code})
            accepted.append(f"m-{len(accepted) + 1}")
            return httpx.Response(202, json={"id": accepted[-1]})
        if request.url.path == f"/api/v1/flows/{INVOICES_FLOW}":
            invoiced = len(accepted) if books_repeats else min(len(accepted), 1)
            status = {"state": "running", "reason": None, "received": len(accepted), "in_flight": 0}
            return httpx.Response(200, json={**status, "filtered": len(accepted) - invoiced})
        assert request.url.path == "/_received"
        booked = accepted if books_repeats else accepted[:1]
        invoices = [
            {
                "method": "POST",
                "path": "/soap/invoicing",
                "status": 200,
                "body": envelope() if body is None else body,
                "idempotency_key": f"{INVOICES_FLOW}:{message}",
                "replayed": False,
            }
            for message in booked
        ]
        return httpx.Response(200, json=invoices)

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://demo")


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FlowScene:
    monkeypatch.setenv("PAYMENTS_WEBHOOK_SECRET", SECRET)  # what the check signs with
    return SCENE


async def test_the_invoice_check_passes_on_one_invoice_for_the_payment(
    invoice_flow: CompiledFlow, scene: FlowScene
) -> None:
    async with payments_answer(invoice_flow) as client:
        detail = await _invoice(client, scene)

    assert detail.startswith("pi_7QmZ2kLx9VbR4tYw1HcE8sNa → CreateInvoice for SO-2027-000123, ")
    assert "134.88 EUR" in detail
    assert orjson.loads(PAYMENT)["data"]["amountCaptured"] == 13488


@pytest.mark.parametrize(
    ("books_repeats", "body", "message"),
    [
        (True, None, "the repeated payment gave 2 invoices, 0 filtered"),
        (False, envelope(gross="13488"), "'GrossTotal': '13488'"),
        (False, envelope(order="SO-2027-000124"), "'OrderId': 'SO-2027-000124'"),
        (False, "not xml", "the ERP received no SOAP envelope"),
    ],
)
async def test_the_invoice_check_fails_on_a_second_invoice_or_a_wrong_one(
    invoice_flow: CompiledFlow,
    scene: FlowScene,
    books_repeats: bool,
    body: str | None,
    message: str,
) -> None:
    async with payments_answer(invoice_flow, books_repeats=books_repeats, body=body) as client:
        with pytest.raises(CheckFailedError, match=message):
            await _invoice(client, scene)
