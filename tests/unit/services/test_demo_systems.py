"""The demo's stand-ins for the ERP, the CRM and the WMS answer as the example's contracts say."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from aiohttp.test_utils import TestClient, TestServer

from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.connectors.soap_envelopes import soap_envelope
from interloom.services.demo_systems import ROUTES, ContractBook
from interloom.services.demo_upstreams import RECEIVED_PATH, StandIn
from interloom.services.project import load_project

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"

SHIPMENT: dict[str, Any] = {
    "orderId": "SO-2027-000123",
    "warehouseId": "DC-UTR-01",
    "serviceLevel": "standard",
    "recipient": {"name": "Emma Jansen", "email": "emma.jansen@example.com"},
    "shipTo": {
        "name": "Emma Jansen",
        "line1": "Keizersgracht 123",
        "postalCode": "1015 CJ",
        "city": "Amsterdam",
        "country": "NL",
    },
    "lines": [{"lineNumber": 1, "sku": "TSH-10042", "quantity": 2}],
}
ACTIVITY: dict[str, Any] = {
    "customerId": "C-100042",
    "type": "shipment",
    "subject": "Order SO-2027-000123 dispatched with PostNL",
    "occurredAt": "2027-02-02T16:04:51Z",
    "reference": {"system": "wms", "kind": "shipment", "id": "SHP-00012345"},
}


def levels(on_hand: int, counted_on: str) -> dict[str, Any]:
    level = {"sku": "TSH-10042", "warehouseId": "DC-UTR-01", "onHand": on_hand}
    return {"source": "test", "levels": [{**level, "countedOn": counted_on}]}


@pytest.fixture(scope="module")
def book() -> ContractBook:
    return ContractBook(RETAIL, load_project(RETAIL).project)


Serve = Callable[[str], Any]


@pytest.fixture
async def serve(book: ContractBook) -> AsyncIterator[Serve]:
    clients: list[TestClient[Any, Any]] = []

    async def start(system: str) -> TestClient[Any, Any]:
        stand_in = StandIn(system)
        client: TestClient[Any, Any] = TestClient(
            TestServer(stand_in.application(ROUTES[system](book)))
        )
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


async def test_the_crm_serves_the_customers_of_its_contract_examples(serve: Serve) -> None:
    crm = await serve("crm")

    emma = await crm.get("/customers/C-100042")
    lucas = await crm.get("/customers/C-100587")  # from the example of createCustomer
    nobody = await crm.get("/customers/C-999999")

    assert emma.status == 200
    assert (await emma.json())["email"] == "emma.jansen@example.com"
    assert (await emma.json())["loyalty"] == {"tier": "gold", "points": 1840}
    assert (await lucas.json())["lastName"] == "de Vries"
    assert nobody.status == 404
    assert (await nobody.json())["code"] == "CUSTOMER_NOT_FOUND"


async def test_the_crm_adds_an_activity_once_per_reference(serve: Serve) -> None:
    crm = await serve("crm")

    first = await crm.post("/activities", json=ACTIVITY)
    again = await crm.post("/activities", json={**ACTIVITY, "subject": "Sent twice"})
    other = await crm.post(
        "/activities", json={**ACTIVITY, "reference": {"system": "wms", "id": "SHP-2"}}
    )

    assert first.status == 201
    created = await first.json()
    assert created["customerId"] == "C-100042"
    assert created["createdAt"].endswith("Z")
    assert again.status == 200
    assert (await again.json())["id"] == created["id"]
    assert other.status == 201
    assert (await other.json())["id"] != created["id"]


async def test_the_crm_refuses_an_activity_its_contract_does_not_allow(serve: Serve) -> None:
    crm = await serve("crm")

    unknown = await crm.post("/activities", json={**ACTIVITY, "customerId": "C-999999"})
    broken = await crm.post("/activities", json={**ACTIVITY, "type": "parcel", "color": "red"})

    assert unknown.status == 404
    assert broken.status == 400
    pointers = [e["pointer"] for e in (await broken.json())["errors"]]
    assert "/type" in pointers
    assert "/" in pointers  # the extra member


async def test_the_wms_takes_one_shipment_per_order(serve: Serve) -> None:
    wms = await serve("wms")

    created = await wms.post("/shipments", json=SHIPMENT)
    second = await wms.post("/shipments", json=SHIPMENT)
    invalid = await wms.post("/shipments", json={**SHIPMENT, "warehouseId": "UTRECHT"})

    assert created.status == 201
    shipment = await created.json()
    assert shipment["id"] == "SHP-00000001"
    assert shipment["status"] == "created"
    assert shipment["lines"] == [{**SHIPMENT["lines"][0], "quantityPicked": 0}]
    assert second.status == 409
    assert (await second.json())["code"] == "SHIPMENT_EXISTS"
    assert invalid.status == 400
    assert (await invalid.json())["details"][0]["field"] == "/warehouseId"


async def test_the_erp_serves_its_example_order_and_ignores_older_stock_levels(
    serve: Serve,
) -> None:
    erp = await serve("erp")

    order = await erp.get("/orders/SO-2027-000123")
    missing = await erp.get("/orders/SO-2027-999999")
    newer = await erp.post("/stock-levels", json=levels(300, "2027-02-02"))
    older = await erp.post("/stock-levels", json=levels(280, "2027-02-01"))
    broken = await erp.post("/stock-levels", json=levels(-1, "2027-02-03"))

    assert (await order.json())["customerId"] == "C-100042"
    assert missing.status == 404
    assert await newer.json() == {"received": 1, "applied": 1, "ignored": 0}
    assert await older.json() == {"received": 1, "applied": 0, "ignored": 1}
    assert broken.status == 400
    assert (await broken.json())["details"][0]["field"] == "/levels/0/onHand"


async def test_a_repeated_idempotency_key_gets_the_first_answer_without_a_second_effect(
    serve: Serve,
) -> None:
    wms = await serve("wms")
    key = {"Idempotency-Key": "order-to-wms:m-1"}

    first = await wms.post("/shipments", json=SHIPMENT, headers=key)
    retry = await wms.post("/shipments", json=SHIPMENT, headers=key)
    received = await (await wms.get(RECEIVED_PATH)).json()

    assert first.status == retry.status == 201
    assert await retry.json() == await first.json()
    assert [(r["status"], r["idempotency_key"], r["replayed"]) for r in received] == [
        (201, "order-to-wms:m-1", False),
        (201, "order-to-wms:m-1", True),
    ]
    assert received[0]["body"] == SHIPMENT


async def test_a_body_that_is_not_json_is_answered_400_and_recorded(serve: Serve) -> None:
    wms = await serve("wms")

    answer = await wms.post("/shipments", data=b"{not json", headers={"Content-Type": "text/plain"})
    received = await (await wms.get(RECEIVED_PATH)).json()

    assert answer.status == 400
    assert [(r["path"], r["status"], r["body"]) for r in received] == [
        ("/shipments", 400, "{not json")
    ]


INVOICING = "urn:retail:erp:invoicing:v1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
INVOICE: dict[str, Any] = {
    "OrderId": "SO-2027-000123",
    "CustomerId": "C-100042",
    "Currency": "EUR",
    "IssueDate": "2027-02-01",
    "BillTo": {
        "Name": "Emma Jansen",
        "Street": "Keizersgracht 123",
        "PostalCode": "1015 CJ",
        "City": "Amsterdam",
        "CountryCode": "NL",
    },
    "Lines": {
        "Line": [
            {
                "LineNumber": 1,
                "Sku": "TSH-10042",
                "Quantity": 2,
                "UnitPrice": "19.99",
                "VatRate": "21.00",
                "LineAmount": "39.98",
            }
        ]
    },
    "ShippingAmount": "4.95",
    "GrossTotal": "44.93",
    "Payment": {
        "Reference": "pi_7QmZ2kLx9VbR4tYw1HcE8sNa",
        "Method": "IDEAL",
        "Amount": "44.93",
        "PaidAt": "2027-02-01T09:15:38Z",
    },
}


def create_invoice(invoice: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The envelope and headers the invoice flow's sink posts for ``invoice``."""
    call = InterfaceContracts(RETAIL).http_call("interface:erp.invoices.create")
    assert call.soap is not None
    return soap_envelope(call.soap, invoice), call.soap.headers


def soap_body(text: str) -> ElementTree.Element:
    [content] = list(ElementTree.fromstring(text).find(f"{{{SOAP_ENV}}}Body") or [])
    return content


async def test_the_erp_books_one_invoice_per_payment_over_soap(serve: Serve) -> None:
    erp = await serve("erp")
    envelope, headers = create_invoice(INVOICE)

    booked = await erp.post("/soap/invoicing", data=envelope, headers=headers)
    again = await erp.post("/soap/invoicing", data=envelope, headers=headers)
    received = await (await erp.get(RECEIVED_PATH)).json()

    assert booked.status == 200
    assert booked.content_type == "text/xml"
    answer = soap_body(await booked.text())
    assert answer.tag == f"{{{INVOICING}}}CreateInvoiceResponse"
    number = answer.findtext(f"{{{INVOICING}}}InvoiceNumber")
    assert (answer.findtext(f"{{{INVOICING}}}Status"), number) == ("PAID", "INV-2027-000001")
    assert again.status == 500
    fault = soap_body(await again.text())
    duplicate = fault.find(f"detail/{{{INVOICING}}}DuplicateInvoiceFault")
    assert duplicate is not None
    assert duplicate.findtext(f"{{{INVOICING}}}ExistingInvoiceNumber") == number
    assert [(r["path"], r["status"]) for r in received] == [
        ("/soap/invoicing", 200),
        ("/soap/invoicing", 500),
    ]
    assert "<OrderId>SO-2027-000123</OrderId>" in received[0]["body"]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"Currency": "USD"}, "/CreateInvoiceRequest/Currency", "must be one of ['EUR'"),
        ({"GrossTotal": "45.00"}, "GrossTotal", "the lines and shipping make 44.93"),
    ],
)
async def test_the_erp_answers_an_invoice_its_wsdl_refuses_with_a_validation_fault(
    serve: Serve, change: dict[str, Any], field: str, reason: str
) -> None:
    erp = await serve("erp")
    envelope, headers = create_invoice({**INVOICE, **change})

    answer = await erp.post("/soap/invoicing", data=envelope, headers=headers)

    assert answer.status == 500
    fault = soap_body(await answer.text())
    assert fault.findtext("faultcode") == "soap:Client"
    [violation] = fault.findall(f"detail/{{{INVOICING}}}ValidationFault/{{{INVOICING}}}Violation")
    assert violation.findtext(f"{{{INVOICING}}}Field") == field
    assert reason in (violation.findtext(f"{{{INVOICING}}}Reason") or "")


async def test_a_soap_call_that_is_not_an_envelope_is_a_client_fault(serve: Serve) -> None:
    erp = await serve("erp")

    answer = await erp.post("/soap/invoicing", data=b"<not", headers={"Content-Type": "text/xml"})

    assert answer.status == 500
    assert soap_body(await answer.text()).findtext("faultstring") == (
        "the body is not a SOAP envelope"
    )
