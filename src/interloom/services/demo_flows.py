"""The demo's flow checks: messages driven through the example's flows, and where they went.

A :class:`FlowScene` is what the checks work with: the example project (its flows and the
sample messages in ``samples/``), the base URL of each system's stand-in
(:mod:`interloom.services.demo_upstreams`) and the folder the stock flow reads. The checks
sign webhook calls as each flow's source expects (its secret, header, prefix and what is
signed — the body, or a timestamp and the body — read from the flow file), drop a stock file,
wait until the flows are done, then compare what the stand-ins received, the flows' counters
and the dead letters with what the samples must give.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import shutil
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import httpx
import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml

from interloom.core.project import expand_variables
from interloom.services.demo import Check, CheckFailedError
from interloom.services.project import load_project

SAMPLES = "samples"
STOCK_FILE = "stock-2027-02-02.csv"
SETTLE_SECONDS = 45.0  # a stock file waits for the folder's next look and its minimum age

ORDERS_FLOW = "order-to-wms"
STOCK_FLOW = "stock-to-erp"
SHIPMENTS_FLOW = "shipment-to-crm"
INVOICES_FLOW = "invoice-on-payment"

# received, delivered, filtered, rejected, dead-lettered: what the samples must give.
EXPECTED_COUNTS = {
    ORDERS_FLOW: (6, 2, 2, 1, 1),
    SHIPMENTS_FLOW: (1, 1, 0, 0, 0),
    STOCK_FLOW: (4, 3, 0, 0, 1),
    INVOICES_FLOW: (2, 1, 1, 0, 0),
}


@dataclass(frozen=True, slots=True)
class FlowScene:
    """The example project, its systems' stand-ins and the stock flow's inbox."""

    root: Path
    upstreams: dict[str, str]  # system id -> base URL of its stand-in
    inbox: Path


def _expect(condition: bool, detail: str) -> None:
    if not condition:
        raise CheckFailedError(detail)


def _sample(scene: FlowScene, name: str) -> bytes:
    return (scene.root / SAMPLES / name).read_bytes()


@dataclass(frozen=True, slots=True)
class Webhook:
    """How a webhook flow's source wants its calls: path and signature.

    The signature is an HMAC of ``signed_payload`` (``{body}``, or with ``{timestamp}`` too),
    sent as ``<prefix><signature>`` in ``header``, or, with ``signature_key``, as the
    ``key=value`` parts ``<timestamp_key>=<time>,<signature_key>=<signature>``; a
    ``timestamp_header`` carries the time of sending on its own.
    """

    path: str
    secret: bytes
    header: str
    prefix: str
    algorithm: str
    encoding: str
    signed_payload: str = "{body}"
    timestamp_header: str | None = None
    signature_key: str | None = None
    timestamp_key: str | None = None

    @classmethod
    def of(cls, root: Path, flow_id: str, environ: Mapping[str, str] | None = None) -> Webhook:
        """The webhook source of a flow of the project, ``${VAR}`` expanded from ``environ``.

        ``environ`` defaults to this process's environment, which the demo's server reads too.
        """
        flow = load_project(root).project.flow(flow_id)
        _expect(flow is not None, f"the example has no flow {flow_id}")
        assert flow is not None
        config = flow.source.config
        environ = os.environ if environ is None else environ
        _expect(flow.source.connector == "webhook", f"{flow_id} is not a webhook flow")
        return cls(
            path=config["path"],
            secret=expand_variables(str(config["secret"]), environ).encode(),
            header=config.get("signature_header", "X-Hub-Signature-256"),
            prefix=config.get("signature_prefix", "sha256="),
            algorithm=config.get("algorithm", "sha256"),
            encoding=config.get("encoding", "hex"),
            signed_payload=config.get("signed_payload", "{body}"),
            timestamp_header=config.get("timestamp_header"),
            signature_key=config.get("signature_key"),
            timestamp_key=config.get("timestamp_key"),
        )

    @property
    def stamped(self) -> bool:
        """Whether the time of sending is signed and sent with the body."""
        return bool(self.timestamp_header or self.timestamp_key)

    def signature(self, body: bytes, sent: int | None = None) -> str:
        """The signature header's value signing ``body``, sent at ``sent`` (default: now)."""
        stamp = str(int(time.time()) if sent is None else sent) if self.stamped else ""
        before, _, after = self.signed_payload.partition("{body}")
        payload = (
            before.replace("{timestamp}", stamp).encode()
            + body
            + after.replace("{timestamp}", stamp).encode()
        )
        digest = hmac.new(self.secret, payload, getattr(hashlib, self.algorithm)).digest()
        written = digest.hex() if self.encoding == "hex" else base64.b64encode(digest).decode()
        if self.signature_key is None:
            return self.prefix + written
        parts = [f"{self.timestamp_key}={stamp}"] if self.timestamp_key else []
        return ",".join([*parts, f"{self.signature_key}={written}"])

    def headers(self, body: bytes, sent: int | None = None) -> dict[str, str]:
        """The headers of a call carrying ``body``, sent at ``sent`` (default: now)."""
        sent = int(time.time()) if sent is None else sent
        headers = {"Content-Type": "application/json", self.header: self.signature(body, sent)}
        if self.timestamp_header:
            headers[self.timestamp_header] = str(sent)
        return headers

    def hint(self) -> str:
        """How a person signs a call by hand, in a line."""
        signed = "the body"
        if self.signed_payload != "{body}":
            shown = self.signed_payload.replace("{timestamp}", "<t>").replace("{body}", "<body>")
            signed = f"'{shown}'"
        written = "" if self.encoding == "hex" else ", base64"
        mac = f"<HMAC-{self.algorithm.upper()} of {signed}{written}>"
        if self.signature_key is None:
            value = f"{self.prefix}{mac}"
        else:
            stamp = f"{self.timestamp_key}=<t>," if self.timestamp_key else ""
            value = f"{stamp}{self.signature_key}={mac}"
        line = f"POST {self.path} with {self.header}: {value}"
        if self.timestamp_header:
            line += f" and {self.timestamp_header}: <t>"
        return line + (", <t> the Unix time of sending" if self.stamped else "")

    async def post(
        self,
        client: httpx.AsyncClient,
        body: bytes,
        *,
        signed: bool = True,
        sent: int | None = None,
    ) -> httpx.Response:
        """POST ``body`` as the sending system does, at ``sent`` (default: now).

        ``signed=False``: as an impostor, whose signature does not match the body.
        """
        headers = self.headers(body if signed else body + b" ", sent)
        return await client.post(self.path, content=body, headers=headers)


async def _accepted(webhook: Webhook, client: httpx.AsyncClient, body: bytes) -> None:
    response = await webhook.post(client, body)
    _expect(
        response.status_code == 202,
        f"POST {webhook.path} answered {response.status_code}: {response.text[:300]}",
    )


async def _status(client: httpx.AsyncClient, flow_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/flows/{flow_id}")
    _expect(response.status_code == 200, f"GET /api/v1/flows/{flow_id}: {response.status_code}")
    status: dict[str, Any] = response.json()
    _expect(status["state"] == "running", f"{flow_id} is {status['state']}: {status['reason']}")
    return status


async def _settled(client: httpx.AsyncClient, flow_id: str, received: int) -> dict[str, Any]:
    """The flow's status once it received ``received`` messages and has none in flight."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        status = await _status(client, flow_id)
        if status["received"] >= received and status["in_flight"] == 0:
            return status
        if time.monotonic() > deadline:
            counts = {k: status[k] for k in ("received", "in_flight", "source_error")}
            raise CheckFailedError(f"{flow_id} did not settle in {SETTLE_SECONDS:g} s: {counts}")
        await asyncio.sleep(0.2)


async def _received(
    client: httpx.AsyncClient, scene: FlowScene, system: str, method: str, path: str
) -> list[dict[str, Any]]:
    """What the stand-in of ``system`` received on ``method path`` (first answers only)."""
    response = await client.get(f"{scene.upstreams[system]}/_received")
    _expect(response.status_code == 200, f"the {system} stand-in answered {response.status_code}")
    return [
        entry
        for entry in response.json()
        if entry["method"] == method and entry["path"] == path and not entry["replayed"]
    ]


async def _orders(client: httpx.AsyncClient, scene: FlowScene) -> str:
    webhook = Webhook.of(scene.root, ORDERS_FLOW)
    order = _sample(scene, "erp-order-created.json")
    refused = await webhook.post(client, order, signed=False)
    _expect(refused.status_code == 401, f"a badly signed order answered {refused.status_code}")
    broken = orjson.loads(order)
    broken["order"]["lines"][0]["quantity"] = "2"
    invalid = orjson.dumps(broken)
    rejected = await webhook.post(client, invalid)
    pointers = [d.get("pointer") for d in rejected.json().get("details", [])]
    _expect(
        rejected.status_code == 422 and "/order/lines/0/quantity" in pointers,
        f"an order with a quantity as text answered {rejected.status_code}: {pointers}",
    )
    for name in (
        "erp-order-created.json",
        "erp-order-created-belgium.json",
        "erp-order-click-and-collect.json",
        "erp-order-unknown-customer.json",
    ):
        await _accepted(webhook, client, _sample(scene, name))
    await _settled(client, ORDERS_FLOW, received=EXPECTED_COUNTS[ORDERS_FLOW][0] - 1)
    await _accepted(webhook, client, order)  # the ERP sends it again later: a repeat
    await _settled(client, ORDERS_FLOW, received=EXPECTED_COUNTS[ORDERS_FLOW][0])
    shipments = await _received(client, scene, "wms", "POST", "/shipments")
    placed = {s["body"]["orderId"]: s for s in shipments}
    _expect(
        len(shipments) == 2 and set(placed) == {"SO-2027-000123", "SO-2027-000126"},
        f"the WMS received {[s['body'].get('orderId') for s in shipments]}",
    )
    emma, lucas = placed["SO-2027-000123"], placed["SO-2027-000126"]
    _expect(
        emma["status"] == 201 and lucas["status"] == 201,
        f"the WMS answered {emma['status']} and {lucas['status']}",
    )
    _expect(
        (emma["body"]["warehouseId"], lucas["body"]["warehouseId"]) == ("DC-UTR-01", "DC-ANR-01"),
        "the orders went to the wrong warehouses",
    )
    _expect(
        emma["body"]["recipient"]["email"] == "emma.jansen@example.com"
        and lucas["body"]["recipient"]["phone"] == "+31687654321",
        f"the CRM's contact details are missing: {emma['body']['recipient']}",
    )
    _expect(all(s["idempotency_key"] for s in shipments), "a shipment came without Idempotency-Key")
    return (
        "2 shipment requests (SO-2027-000123 → DC-UTR-01, SO-2027-000126 → DC-ANR-01), "
        "click-and-collect and a repeat filtered, unknown customer dead-lettered, "
        "unsigned → 401, invalid → 422"
    )


async def _shipment(client: httpx.AsyncClient, scene: FlowScene) -> str:
    webhook = Webhook.of(scene.root, SHIPMENTS_FLOW)
    await _accepted(webhook, client, _sample(scene, "wms-shipment-dispatched.json"))
    await _settled(client, SHIPMENTS_FLOW, received=EXPECTED_COUNTS[SHIPMENTS_FLOW][0])
    lookups = await _received(client, scene, "erp", "GET", "/orders/SO-2027-000123")
    _expect(len(lookups) == 1, f"the ERP order was looked up {len(lookups)} times")
    activities = await _received(client, scene, "crm", "POST", "/activities")
    _expect(len(activities) == 1, f"the CRM received {len(activities)} activities, expected 1")
    activity = activities[0]
    body = activity["body"]
    _expect(
        activity["status"] == 201
        and body["customerId"] == "C-100042"
        and body["subject"] == "Order SO-2027-000123 dispatched with PostNL",
        f"the CRM answered {activity['status']} to {body}",
    )
    updates = await _received(client, scene, "erp", "PUT", "/orders/SO-2027-000123/status")
    _expect(len(updates) == 1, f"the ERP received {len(updates)} status updates, expected 1")
    update = updates[0]
    _expect(
        update["status"] == 200
        and update["body"]["status"] == "shipped"
        and update["body"]["shipment"]["trackingNumber"] == "3SRTL0001234567"
        and bool(update["idempotency_key"]),
        f"the ERP answered {update['status']} to {update['body']}",
    )
    return f"C-100042: “{body['subject']}”, {body['body']}; SO-2027-000123 shipped in the ERP"


async def _stock(client: httpx.AsyncClient, scene: FlowScene) -> str:
    scene.inbox.mkdir(parents=True, exist_ok=True)
    partial = scene.inbox / f".{STOCK_FILE}.part"  # the file source skips hidden files
    shutil.copyfile(scene.root / SAMPLES / STOCK_FILE, partial)
    os.replace(partial, scene.inbox / STOCK_FILE)
    await _settled(client, STOCK_FLOW, received=EXPECTED_COUNTS[STOCK_FLOW][0])
    updates = await _received(client, scene, "erp", "POST", "/stock-levels")
    levels = [level for update in updates for level in update["body"]["levels"]]
    _expect(
        len(updates) == 3 and all(u["status"] == 200 for u in updates),
        f"the ERP received {len(updates)} stock updates",
    )
    cleaned = {
        "sku": "JKT-20017",
        "warehouseId": "DC-UTR-01",
        "country": "NL",
        "onHand": 58,
        "reserved": 4,
        "countedOn": "2027-02-02",
    }
    _expect(cleaned in levels, f"the messy row did not arrive cleaned: {levels}")
    moved = scene.inbox / "processed" / STOCK_FILE
    _expect(moved.is_file(), f"{STOCK_FILE} was not moved to processed/")
    return f"{len(levels)} stock levels to the ERP (' jkt-20017 ', Netherlands, 02/02/2027 cleaned)"


def _soap_fields(text: Any) -> dict[str, str]:
    """The leaves of a SOAP call's request element, by path without namespaces."""
    try:
        envelope = parse_xml(text if isinstance(text, str) else "")
    except (ParseError, DefusedXmlException) as error:
        raise CheckFailedError(f"the ERP received no SOAP envelope: {error}") from None
    body = next((e for e in envelope if e.tag.endswith("}Body")), None)
    _expect(body is not None and len(body) == 1, "the ERP received a SOAP envelope without a call")
    assert body is not None
    fields: dict[str, str] = {}

    def walk(element: Element, path: str) -> None:
        for child in element:
            name = f"{path}{child.tag.rpartition('}')[2]}"
            if len(child):
                walk(child, f"{name}/")
            else:
                fields.setdefault(name, (child.text or "").strip())

    walk(body[0], "")
    return fields


async def _invoice(client: httpx.AsyncClient, scene: FlowScene) -> str:
    webhook = Webhook.of(scene.root, INVOICES_FLOW)
    event = _sample(scene, "payments-intent-captured.json")
    payment = orjson.loads(event)["data"]
    stale = await webhook.post(client, event, sent=int(time.time()) - 3600)
    _expect(
        stale.status_code == 401 and stale.json().get("code") == "E-WEBHOOK-002",
        f"a payment signed an hour ago answered {stale.status_code}: {stale.text[:300]}",
    )
    accepted = await webhook.post(client, event)
    _expect(
        accepted.status_code == 202,
        f"POST {webhook.path} answered {accepted.status_code}: {accepted.text[:300]}",
    )
    await _settled(client, INVOICES_FLOW, received=1)
    invoices = await _received(client, scene, "erp", "POST", "/soap/invoicing")
    _expect(len(invoices) == 1, f"the ERP received {len(invoices)} invoices, expected 1")
    invoice = invoices[0]
    fields = _soap_fields(invoice["body"])
    gross = f"{Decimal(payment['amountCaptured']) / 100:.2f}"
    expected = {
        "OrderId": payment["orderId"],
        "GrossTotal": gross,
        "Payment/Reference": payment["id"],
    }
    shown = {name: fields.get(name) for name in expected}
    _expect(
        invoice["status"] == 200 and shown == expected,
        f"the ERP answered {invoice['status']} to CreateInvoice {shown}, expected {expected}",
    )
    key = f"{INVOICES_FLOW}:{accepted.json()['id']}"
    _expect(
        invoice["idempotency_key"] == key,
        f"the invoice came with Idempotency-Key {invoice['idempotency_key']}, expected {key}",
    )
    repeated = await webhook.post(client, event)  # the provider sends the event again
    _expect(repeated.status_code == 202, f"the repeated payment answered {repeated.status_code}")
    status = await _settled(client, INVOICES_FLOW, received=EXPECTED_COUNTS[INVOICES_FLOW][0])
    again = await _received(client, scene, "erp", "POST", "/soap/invoicing")
    _expect(
        len(again) == 1 and status["filtered"] == 1,
        f"the repeated payment gave {len(again)} invoices, {status['filtered']} filtered",
    )
    return (
        f"{payment['id']} → CreateInvoice for {payment['orderId']}, "
        f"{gross} {payment['currency']} paid; the repeat filtered, signed an hour ago → 401"
    )


async def _counters(client: httpx.AsyncClient, scene: FlowScene) -> str:
    response = await client.get("/api/v1/flows")
    _expect(response.status_code == 200, f"GET /api/v1/flows answered {response.status_code}")
    flows = {f["id"]: f for f in response.json()}
    shown = []
    for flow_id, expected in EXPECTED_COUNTS.items():
        _expect(flow_id in flows, f"the server runs no flow {flow_id}")
        f = flows[flow_id]
        done = f["delivered"] + f["filtered"] + f["rejected"] + f["failed"] + f["dead_lettered"]
        _expect(
            f["in_flight"] == 0 and f["received"] == done,
            f"{flow_id} does not balance: {f}",
        )
        actual = (f["received"], f["delivered"], f["filtered"], f["rejected"], f["dead_lettered"])
        _expect(
            actual == expected, f"{flow_id}: received/delivered/filtered/rejected/dead {actual}"
        )
        shown.append(f"{flow_id} {actual[0]} = {' + '.join(str(n) for n in actual[1:])}")
    return "; ".join(shown) + " (delivered + filtered + rejected + dead-lettered), none in flight"


# The dead letter each flow that dead-letters one must hold: its step and words of its error.
EXPECTED_DEAD_LETTERS = {
    STOCK_FLOW: ("clean", ("counted_on", "31/02/2027")),
    ORDERS_FLOW: ("customer", ("C-999999", "404")),
}


async def _dead_letter_page(client: httpx.AsyncClient, flow_id: str | None) -> dict[str, Any]:
    params = {} if flow_id is None else {"flow": flow_id}
    response = await client.get("/api/v1/dead-letters", params=params)
    _expect(response.status_code == 200, f"GET /api/v1/dead-letters: {response.status_code}")
    page: dict[str, Any] = response.json()
    return page


async def _dead_letters(client: httpx.AsyncClient, scene: FlowScene) -> str:
    found = []
    for flow_id, counts in EXPECTED_COUNTS.items():
        page = await _dead_letter_page(client, flow_id)
        dead = counts[4]
        _expect(
            page["total"] == dead, f"{flow_id} has {page['total']} dead letters, expected {dead}"
        )
        if flow_id not in EXPECTED_DEAD_LETTERS:
            continue
        step, words = EXPECTED_DEAD_LETTERS[flow_id]
        letter = page["items"][0]
        _expect(
            letter["step"] == step and all(w in letter["error"] for w in words),
            f"the dead letter of {flow_id} says {letter['step']}: {letter['error']}",
        )
        found.append(f"{flow_id} at {step}: {letter['error'][:90]}")
    expected = sum(counts[4] for counts in EXPECTED_COUNTS.values())
    total = (await _dead_letter_page(client, None))["total"]
    _expect(total == expected, f"there are {total} dead letters in all, expected {expected}")
    return "; ".join(found)


FlowCheck = Callable[[httpx.AsyncClient, FlowScene], Awaitable[str]]

FLOW_CHECKS: list[tuple[str, FlowCheck]] = [
    ("orders reach the warehouse", _orders),
    ("a dispatched shipment reaches the CRM and the ERP", _shipment),
    ("a stock file reaches the ERP", _stock),
    ("a captured payment is invoiced in the ERP", _invoice),
    ("the flows' counters balance", _counters),
    ("bad data waits in the dead letters", _dead_letters),
]


def flow_checks(scene: FlowScene) -> list[tuple[str, Check]]:
    """The flow checks, bound to ``scene``, in the shape the self-check runs."""

    def bind(check: FlowCheck) -> Check:
        async def run(client: httpx.AsyncClient) -> str:
            return await check(client, scene)

        return run

    return [(name, bind(check)) for name, check in FLOW_CHECKS]


STOCK_INBOX_VARIABLE = "STOCK_INBOX"


def scene_environment(scene: FlowScene) -> dict[str, str]:
    """The environment variables that point the example's flows at the scene.

    The systems' URLs (``ERP_URL``…) and the stock flow's folder (``STOCK_INBOX``), which the
    flow files read as ``${VAR:-default}``; set them before the server loads the flows.
    """
    return {
        **{f"{system.upper()}_URL": url for system, url in scene.upstreams.items()},
        STOCK_INBOX_VARIABLE: str(scene.inbox),
    }


def driving_hints(scene: FlowScene) -> list[str]:
    """How a person drives the example's flows by hand, one line each."""
    lines = []
    for flow_id in (ORDERS_FLOW, SHIPMENTS_FLOW, INVOICES_FLOW):
        lines.append(f"{flow_id}: {Webhook.of(scene.root, flow_id).hint()}")
    lines.append(f"{STOCK_FLOW}: drop CSV files in {scene.inbox}")
    lines.append(f"samples to send: {scene.root / SAMPLES}")
    return lines
