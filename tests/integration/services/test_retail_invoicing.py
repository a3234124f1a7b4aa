"""The retail example's invoice-on-payment flow, served, against the demo's ERP stand-in.

A captured payment is posted signed as the payment provider signs it; the flow reads the
order from the ERP over HTTP and books the invoice through the ERP's SOAP service.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

import httpx
import pytest

from interloom.services.demo_upstreams import running_upstreams
from interloom.services.flow_runtime import FlowRuntime

from ..runtime.processor_projects import eventually, running, status

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"
SECRET = "payments-test-secret"
HOOK = "/hooks/payments/captured"
FLOW = "invoice-on-payment"


def signed(body: bytes, sent: int, secret: str = SECRET) -> dict[str, str]:
    """The headers the payment provider sends: t=<time>,v1=<HMAC of 't.body'>."""
    signature = hmac.new(secret.encode(), f"{sent}.".encode() + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "Payments-Signature": f"t={sent},v1={signature.hexdigest()}",
    }


async def post(runtime: FlowRuntime, body: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=runtime.data_plane)
    async with httpx.AsyncClient(transport=transport, base_url="http://relay") as client:
        return await client.post(HOOK, content=body, headers=headers)


async def test_a_captured_payment_is_invoiced_once_in_the_erp_and_forgeries_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = (RETAIL / "samples" / "payments-intent-captured.json").read_bytes()
    async with running_upstreams(RETAIL) as upstreams:
        for system, url in upstreams.urls.items():
            monkeypatch.setenv(f"{system.upper()}_URL", url)
        monkeypatch.setenv("STOCK_INBOX", str(tmp_path / "inbox"))
        monkeypatch.setenv("PAYMENTS_WEBHOOK_SECRET", SECRET)
        async with running(RETAIL, f"sqlite:///{tmp_path / 'records.db'}") as runtime:
            now = int(time.time())
            forged = await post(runtime, body, signed(body, now, secret="a guess"))
            stale = await post(runtime, body, signed(body, now - 3600))
            accepted = await post(runtime, body, signed(body, now))
            repeated = await post(runtime, body, signed(body, now + 1))  # the provider retries

            assert (forged.status_code, forged.json()["code"]) == (401, "E-WEBHOOK-001")
            assert (stale.status_code, stale.json()["code"]) == (401, "E-WEBHOOK-002")
            assert (accepted.status_code, repeated.status_code) == (202, 202)

            async def settled() -> bool:
                found = await status(runtime, FLOW)
                return found.received == 2 and found.in_flight == 0

            await eventually(settled)
            final = await status(runtime, FLOW)
            assert (final.delivered, final.filtered, final.dead_lettered) == (1, 1, 0)

    erp = [(r.method, r.path, r.status) for r in upstreams.received("erp")]
    assert erp == [("GET", "/orders/SO-2027-000123", 200), ("POST", "/soap/invoicing", 200)]
    invoice = upstreams.received("erp")[1]
    assert "<GrossTotal>134.88</GrossTotal>" in invoice.body
    assert "<Reference>pi_7QmZ2kLx9VbR4tYw1HcE8sNa</Reference>" in invoice.body
    assert invoice.idempotency_key == f"{FLOW}:{accepted.json()['id']}"
