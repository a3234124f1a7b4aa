"""What the demo's stand-ins for the ERP, the CRM and the WMS answer, after their contracts.

- CRM: ``GET /customers/{id}`` answers the customers of the contract's examples (404 for any
  other id); ``POST /activities`` adds an activity (201; 200 for one it has already).
- ERP: ``GET /orders/{id}`` answers the orders of the contract's examples (404 otherwise);
  ``POST /stock-levels`` records stock levels (200, with how many it applied); SOAP
  ``CreateInvoice`` at ``/soap/invoicing`` books an invoice (a ``DuplicateInvoiceFault`` for a
  second one of the same payment).
- WMS: ``POST /shipments`` creates a shipment (201; 409 for a second one of the same order).

A request body is checked against the operation's request schema in the contract: one that
breaks it is answered 400 with the pointers at fault (a SOAP request: a ``ValidationFault``
naming each violation of the WSDL's XML Schema). The contracts are found through the
example's systems (the interface on each operation), so the answers follow the files.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

import jsonschema_rs
import xmlschema
from aiohttp import web
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml
from lxml import etree

from interloom.core.contracts.model import Contract, Operation, SoapAddress
from interloom.core.contracts.schemas import rewrite_refs, schema_ref_name
from interloom.core.errors import ConfigError
from interloom.core.project import Project
from interloom.formats.contracts.json_schema_export import export_json_schema
from interloom.services.contracts import read_contract

Handler = Callable[[web.Request, Any], Awaitable["Answer"]]
Routes = list[tuple[str, str, Handler]]
"""Method, path pattern (aiohttp's) and handler of each operation a stand-in serves."""


JSON = "application/json"
SOAP_XML = "text/xml"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XS = "http://www.w3.org/2001/XMLSchema"


@dataclass(frozen=True, slots=True)
class Answer:
    """What a stand-in answers: a status and a JSON body (or, as ``text/xml``, SOAP text)."""

    status: int
    body: Any = None
    content_type: str = JSON


def problem(status: int, code: str, message: str, **more: Any) -> Answer:
    """An error answer in the ERP's and the WMS's error body (code, message, details)."""
    return Answer(status, {"code": code, "message": message, **more})


class Fault(NamedTuple):
    """Where a request body breaks its schema, and how."""

    pointer: str
    message: str


def _bad_request(faults: list[Fault]) -> Answer:
    """The ERP's and the WMS's error body for a request that breaks the contract."""
    details = [{"field": f.pointer, "issue": f.message} for f in faults]
    return problem(400, "BAD_REQUEST", f"{faults[0].pointer}: {faults[0].message}", details=details)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ContractBook:
    """The operations of the example's contracts, found through its systems' interfaces."""

    def __init__(self, root: Path, project: Project) -> None:
        self.root = root
        self.project = project
        self._contracts: dict[str, Contract] = {}

    def contract_file(self, system: str, operation_id: str) -> str:
        """The contract file of the interface of ``system`` on ``operation_id``."""
        for owner, interface in self.project.interfaces():
            if owner.id == system and interface.operation == operation_id:
                return interface.contract
        raise ConfigError(
            f"system '{system}' has no interface on the operation '{operation_id}'",
            hint="the demo's stand-ins serve the retail example project",
        )

    def xml_schema(self, system: str, operation_id: str) -> xmlschema.XMLSchema:
        """The XML Schema in the types of the WSDL of ``system``'s ``operation_id``."""
        wsdl = etree.parse(str(self.root / self.contract_file(system, operation_id)))
        types = wsdl.find(f".//{{{XS}}}schema")
        if types is None:
            raise ConfigError(f"the WSDL of {system}'s {operation_id} has no XML Schema")
        # serialised, the schema keeps the prefixes the WSDL declares around it
        return xmlschema.XMLSchema(etree.tostring(types, encoding="unicode"))

    def operation(self, system: str, operation_id: str) -> tuple[Contract, Operation]:
        """The contract and operation behind the interface of ``system`` on ``operation_id``."""
        for owner, interface in self.project.interfaces():
            if owner.id != system or interface.operation != operation_id:
                continue
            path = interface.contract
            if path not in self._contracts:
                self._contracts[path] = read_contract(self.root / path, root=self.root, name=path)
            contract = self._contracts[path]
            for operation in contract.operations:
                if operation.id == operation_id:
                    return contract, operation
        raise ConfigError(
            f"system '{system}' has no interface on the operation '{operation_id}'",
            hint="the demo's stand-ins serve the retail example project",
        )

    def examples(self, system: str, operation_id: str, status: str) -> list[Any]:
        """The example values of the operation's ``status`` response."""
        _, operation = self.operation(system, operation_id)
        response = operation.responses.get(status)
        if response is None:
            return []
        return [
            example.value
            for media in response.content.values()
            for example in media.examples.values()
            if example.value is not None
        ]

    def request_check(self, system: str, operation_id: str) -> Callable[[Any], list[Fault]]:
        """A check of a request body against the operation's JSON request schema."""
        contract, operation = self.operation(system, operation_id)
        body = operation.request_body
        media = body.content.get("application/json") if body is not None else None
        if media is None or media.json_schema is None:
            return lambda _: []

        def to_defs(ref: str) -> str:
            name = schema_ref_name(ref)
            return f"#/$defs/{name}" if name is not None else ref

        document = export_json_schema(contract)
        document.pop("title", None)
        document.update(rewrite_refs(media.json_schema, to_defs))
        validator = jsonschema_rs.validator_for(document)

        def check(value: Any) -> list[Fault]:
            faults = (
                Fault(_pointer(e.instance_path), e.message) for e in validator.iter_errors(value)
            )
            return list(itertools.islice(faults, 20))

        return check


def _pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path) or "/"


def _by_id(values: Iterable[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for value in values:
        items = value.get("items") if isinstance(value, dict) else None
        for item in items if isinstance(items, list) else [value]:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.setdefault(item["id"], item)
    return found


def crm_routes(book: ContractBook) -> Routes:
    """The CRM: customers from the contract's examples, and timeline activities."""
    customers = _by_id(
        [
            *book.examples("crm", "getCustomer", "200"),
            *book.examples("crm", "listCustomers", "200"),
            *book.examples("crm", "createCustomer", "201"),
        ]
    )
    check_activity = book.request_check("crm", "createActivity")
    activities: dict[tuple[str, str, str], dict[str, Any]] = {}

    def not_found(customer: str) -> Answer:
        return Answer(
            404,
            {
                "type": "https://crm.retail.example.com/problems/not-found",
                "title": "Not found",
                "status": 404,
                "detail": f"No customer {customer}",
                "code": "CUSTOMER_NOT_FOUND",
            },
        )

    async def get_customer(request: web.Request, body: Any) -> Answer:
        customer = request.match_info["customer_id"]
        return Answer(200, customers[customer]) if customer in customers else not_found(customer)

    async def create_activity(request: web.Request, body: Any) -> Answer:
        errors = check_activity(body)
        if errors:
            return Answer(
                400,
                {
                    "type": "https://crm.retail.example.com/problems/bad-request",
                    "title": "Bad request",
                    "status": 400,
                    "code": "BAD_REQUEST",
                    "errors": [{"pointer": f.pointer, "detail": f.message} for f in errors],
                },
            )
        if body["customerId"] not in customers:
            return not_found(body["customerId"])
        reference = body.get("reference") or {}
        key = (body["customerId"], str(reference.get("system")), str(reference.get("id")))
        if reference and key in activities:
            return Answer(200, activities[key])
        activity = {"id": str(uuid.uuid4()), **body, "createdAt": _now()}
        if reference:
            activities[key] = activity
        return Answer(201, activity)

    return [
        ("GET", "/customers/{customer_id}", get_customer),
        ("POST", "/activities", create_activity),
    ]


def erp_routes(book: ContractBook) -> Routes:
    """The ERP: orders from the contract's examples, their status updates, and stock levels."""
    orders = _by_id(
        [*book.examples("erp", "getOrder", "200"), *book.examples("erp", "listOrders", "200")]
    )
    check_levels = book.request_check("erp", "updateStockLevels")
    check_status = book.request_check("erp", "updateOrderStatus")
    counted: dict[tuple[str, str], str] = {}  # (sku, warehouse) -> the day of the level held

    async def get_order(request: web.Request, body: Any) -> Answer:
        order = request.match_info["order_id"]
        if order in orders:
            return Answer(200, orders[order])
        return problem(404, "ORDER_NOT_FOUND", f"No order {order}")

    async def update_order_status(request: web.Request, body: Any) -> Answer:
        order = request.match_info["order_id"]
        if order not in orders:
            return problem(404, "ORDER_NOT_FOUND", f"No order {order}")
        errors = check_status(body)
        if errors:
            return _bad_request(errors)
        previous = orders[order].get("status", "confirmed")
        orders[order] = {**orders[order], "status": body["status"], "updatedAt": _now()}
        return Answer(
            200,
            {
                "id": order,
                "previousStatus": previous,
                "status": body["status"],
                "updatedAt": orders[order]["updatedAt"],
            },
        )

    async def update_stock_levels(request: web.Request, body: Any) -> Answer:
        errors = check_levels(body)
        if errors:
            return _bad_request(errors)
        applied = 0
        for level in body["levels"]:
            where = (level["sku"], level["warehouseId"])
            if counted.get(where, "") <= level["countedOn"]:
                counted[where] = level["countedOn"]
                applied += 1
        received = len(body["levels"])
        return Answer(
            200, {"received": received, "applied": applied, "ignored": received - applied}
        )

    return [
        ("GET", "/orders/{order_id}", get_order),
        ("PUT", "/orders/{order_id}/status", update_order_status),
        ("POST", "/stock-levels", update_stock_levels),
        ("POST", "/soap/invoicing", invoicing_handler(book)),
    ]


_QUALIFIER = re.compile(r"\{[^}]*\}")  # a namespace in an element path: {urn:…}Currency


def _soap(content: str, status: int = 200) -> Answer:
    envelope = (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_ENV}">'
        f"<soap:Body>{content}</soap:Body></soap:Envelope>"
    )
    return Answer(status, envelope, SOAP_XML)


def _soap_fault(who: str, message: str, detail: str = "") -> Answer:
    """A SOAP 1.1 fault (HTTP 500), with the WSDL's fault element as its detail."""
    return _soap(
        f"<soap:Fault><faultcode>soap:{who}</faultcode><faultstring>{escape(message)}"
        f"</faultstring><detail>{detail}</detail></soap:Fault>",
        500,
    )


def invoicing_handler(book: ContractBook) -> Handler:
    """The ERP's SOAP invoicing service: ``CreateInvoice``, one invoice per payment reference."""
    _, operation = book.operation("erp", "CreateInvoice")
    address = operation.address
    if not isinstance(address, SoapAddress):
        raise ConfigError("the ERP's CreateInvoice is not a SOAP operation")
    namespace = address.namespace
    schema = book.xml_schema("erp", "CreateInvoice")
    invoices: dict[str, str] = {}  # payment reference -> invoice number

    def tns(path: str) -> str:
        return "/".join(f"{{{namespace}}}{name}" for name in path.split("/"))

    def validation_fault(violations: list[tuple[str, str]]) -> Answer:
        listed = "".join(
            f"<Violation><Field>{escape(field)}</Field><Reason>{escape(reason)}</Reason>"
            "</Violation>"
            for field, reason in violations
        )
        message = f"{violations[0][0]}: {violations[0][1]}"
        detail = f'<ValidationFault xmlns="{namespace}"><Message>{escape(message)}</Message>'
        return _soap_fault("Client", message, f"{detail}{listed}</ValidationFault>")

    def amount(element: Element, path: str) -> Decimal:
        return Decimal(element.findtext(tns(path)) or "0")

    async def create_invoice(request: web.Request, body: Any) -> Answer:
        try:
            envelope = parse_xml(body if isinstance(body, str) else "")
        except (ParseError, DefusedXmlException):
            return _soap_fault("Client", "the body is not a SOAP envelope")
        found = envelope.find(f"{{{SOAP_ENV}}}Body/{tns('CreateInvoiceRequest')}")
        if found is None:
            return _soap_fault("Client", "the SOAP body holds no CreateInvoiceRequest")
        broken = [
            (_QUALIFIER.sub("", str(error.path or "/")), str(error.reason))
            for error in itertools.islice(schema.iter_errors(found), 20)
        ]
        if broken:
            return validation_fault(broken)
        try:
            lines = sum((amount(line, "LineAmount") for line in found.iter(tns("Line"))), Decimal())
            total, shipping = amount(found, "GrossTotal"), amount(found, "ShippingAmount")
        except InvalidOperation:  # the schema has checked the decimals already
            return _soap_fault("Client", "an amount is not a decimal")
        if lines + shipping != total:
            reason = f"is {total}, the lines and shipping make {lines + shipping}"
            return validation_fault([("GrossTotal", reason)])
        reference = found.findtext(tns("Payment/Reference"))
        if reference is not None and reference in invoices:
            existing = invoices[reference]
            message = f"payment {reference} is invoiced already, as {existing}"
            return _soap_fault(
                "Client",
                message,
                f'<DuplicateInvoiceFault xmlns="{namespace}"><ExistingInvoiceNumber>{existing}'
                f"</ExistingInvoiceNumber><Message>{escape(message)}</Message>"
                "</DuplicateInvoiceFault>",
            )
        year = (found.findtext(tns("IssueDate")) or _now())[:4]
        number = f"INV-{year}-{len(invoices) + 1:06d}"
        invoices[reference or number] = number
        status = "PAID" if reference is not None else "OPEN"
        return _soap(
            f'<CreateInvoiceResponse xmlns="{namespace}"><InvoiceNumber>{number}</InvoiceNumber>'
            f"<Status>{status}</Status><GrossTotal>{total}</GrossTotal>"
            f"<CreatedAt>{_now()}</CreatedAt></CreateInvoiceResponse>"
        )

    return create_invoice


def wms_routes(book: ContractBook) -> Routes:
    """The WMS: one shipment per order."""
    check_shipment = book.request_check("wms", "createShipment")
    shipments: dict[str, dict[str, Any]] = {}  # by order id

    async def create_shipment(request: web.Request, body: Any) -> Answer:
        errors = check_shipment(body)
        if errors:
            return _bad_request(errors)
        order = body["orderId"]
        if order in shipments:
            existing = shipments[order]["id"]
            return problem(409, "SHIPMENT_EXISTS", f"Order {order} already has shipment {existing}")
        now = _now()
        shipment = {
            "id": f"SHP-{len(shipments) + 1:08d}",
            **body,
            "status": "created",
            "carrier": body.get("carrier"),
            "trackingNumber": None,
            "lines": [{**line, "quantityPicked": 0} for line in body["lines"]],
            "parcels": [],
            "createdAt": now,
            "updatedAt": now,
            "dispatchedAt": None,
        }
        shipments[order] = shipment
        return Answer(201, shipment)

    return [("POST", "/shipments", create_shipment)]


ROUTES: dict[str, Callable[[ContractBook], Routes]] = {
    "erp": erp_routes,
    "crm": crm_routes,
    "wms": wms_routes,
}
