"""The HTTP sink calling a SOAP interface by its WSDL, against a real local server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from aiohttp import web
from multidict import CIMultiDict

from interloom.connectors.http_sink import HttpSink, HttpSinkConfig
from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.connectors.spec import ConnectorContext, SinkError
from interloom.core.messages import Message

from ..local_server import serving

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"
SOAP_ENV = "{http://schemas.xmlsoap.org/soap/envelope/}"
TNS = "{urn:retail:erp:invoicing:v1}"


@dataclass
class Invoicing:
    """A SOAP endpoint: what it received (path, headers, body), and whether to fault."""

    url: str = ""
    received: list[tuple[str, CIMultiDict[str], bytes]] = field(default_factory=list)
    fault: bool = False


@pytest.fixture
async def invoicing() -> AsyncIterator[Invoicing]:
    state = Invoicing()

    async def endpoint(request: web.Request) -> web.Response:
        state.received.append((request.path, request.headers.copy(), await request.read()))
        if state.fault:
            fault = (
                f'<soap:Envelope xmlns:soap="{SOAP_ENV[1:-1]}"><soap:Body><soap:Fault>'
                "<faultcode>soap:Server</faultcode><faultstring>busy</faultstring>"
                "</soap:Fault></soap:Body></soap:Envelope>"
            )
            return web.Response(status=500, text=fault, content_type="text/xml")
        return web.Response(status=200, text="<ok/>", content_type="text/xml")

    app = web.Application()
    app.router.add_post("/soap/invoicing", endpoint)
    async with serving(app) as state.url:
        yield state


def soap_sink(config: dict[str, Any]) -> HttpSink:
    context = ConnectorContext(
        flow="invoice-on-payment",
        root=RETAIL,
        interface="interface:erp.invoices.create",
        interfaces=InterfaceContracts(RETAIL),
    )
    return HttpSink(HttpSinkConfig.model_validate(config), context)


INVOICE = {"OrderId": "SO-2027-000123", "CustomerId": "C-100042", "Currency": "EUR"}


async def test_the_message_is_posted_in_an_envelope_with_the_contracts_soap_action(
    invoicing: Invoicing,
) -> None:
    sink = soap_sink({"base_url": invoicing.url, "body": "invoice"})
    try:
        status = await sink.write(
            Message(flow="invoice-on-payment", body=None, id="m-1"), {"invoice": INVOICE}
        )
    finally:
        await sink.close()

    assert status == 200
    [(path, headers, body)] = invoicing.received
    assert path == "/soap/invoicing"
    assert headers["SOAPAction"] == '"urn:retail:erp:invoicing:v1/CreateInvoice"'
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    assert headers["Idempotency-Key"] == "invoice-on-payment:m-1"
    request = ElementTree.fromstring(body).find(f"{SOAP_ENV}Body/{TNS}CreateInvoiceRequest")
    assert request is not None
    assert {child.tag.removeprefix(TNS): child.text for child in request} == INVOICE


async def test_a_soap_fault_answered_500_is_retried(invoicing: Invoicing) -> None:
    invoicing.fault = True
    sink = soap_sink({"base_url": invoicing.url})
    try:
        with pytest.raises(SinkError) as caught:
            await sink.write(Message(flow="invoice-on-payment", body=None), INVOICE)
    finally:
        await sink.close()

    assert caught.value.retryable
    assert caught.value.downstream_status == 500
