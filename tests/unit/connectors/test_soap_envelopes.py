"""SOAP envelopes built from JSON: valid against the WSDL's own schema, with its SOAPAction."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import xmlschema

from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.connectors.soap_envelopes import ENVELOPE_NS, SoapCall, soap_envelope

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"
WSDL = RETAIL / "contracts" / "erp-invoicing.wsdl"
XS = "http://www.w3.org/2001/XMLSchema"

INVOICE: dict[str, Any] = {
    "OrderId": "SO-2027-000123",
    "CustomerId": "C-100042",
    "Currency": "EUR",
    "PaymentTermDays": 14,
    "BillTo": {
        "Name": "Anna de Vries",
        "Street": "Oudegracht 12",
        "Street2": None,
        "PostalCode": "3511 AB",
        "City": "Utrecht",
        "CountryCode": "NL",
    },
    "Lines": {
        "Line": [
            {
                "LineNumber": 1,
                "Sku": "TSH-10042",
                "Quantity": 2,
                "UnitPrice": 19.95,
                "VatRate": 21,
                "LineAmount": 39.9,
            },
            {
                "LineNumber": 2,
                "Sku": "JKT-20017",
                "Quantity": 1,
                "UnitPrice": 89.0,
                "VatRate": 21,
                "LineAmount": 89.0,
            },
        ]
    },
    "GrossTotal": 128.9,
}


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    """The XML Schema embedded in the WSDL's types, with the prefixes the WSDL declares."""
    text = WSDL.read_text("utf-8")
    start, end = text.index("<xs:schema"), text.index("</xs:schema>") + len("</xs:schema>")
    embedded = text[start:end].replace("<xs:schema", f'<xs:schema xmlns:xs="{XS}"', 1)
    return xmlschema.XMLSchema(embedded)


@pytest.fixture(scope="module")
def create_invoice() -> SoapCall:
    call = InterfaceContracts(RETAIL).http_call("interface:erp.invoices.create")
    assert call.soap is not None
    return call.soap


def body_element(envelope: bytes, version: str = "1.1") -> ElementTree.Element:
    root = ElementTree.fromstring(envelope)
    assert root.tag == f"{{{ENVELOPE_NS[version]}}}Envelope"
    body = root.find(f"{{{ENVELOPE_NS[version]}}}Body")
    assert body is not None
    [element] = list(body)
    return element


def test_the_envelope_body_is_a_valid_request_element_of_the_wsdl(
    schema: xmlschema.XMLSchema, create_invoice: SoapCall
) -> None:
    element = body_element(soap_envelope(create_invoice, INVOICE))

    assert element.tag == "{urn:retail:erp:invoicing:v1}CreateInvoiceRequest"
    schema.validate(ElementTree.tostring(element, encoding="unicode"))
    lines = element.findall("{urn:retail:erp:invoicing:v1}Lines/{urn:retail:erp:invoicing:v1}Line")
    assert len(lines) == 2  # an array is a repeated element


def test_a_message_breaking_the_wsdl_makes_an_envelope_the_schema_refuses(
    schema: xmlschema.XMLSchema, create_invoice: SoapCall
) -> None:
    element = body_element(soap_envelope(create_invoice, {**INVOICE, "Currency": "USD"}))

    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema.validate(ElementTree.tostring(element, encoding="unicode"))


def test_booleans_are_written_as_xml_schema_booleans_and_nulls_left_out() -> None:
    call = SoapCall("Ping", "urn:x", "PingRequest", None, "1.2")

    element = body_element(soap_envelope(call, {"Urgent": True, "Note": None}), "1.2")

    assert [(child.tag, child.text) for child in element] == [("{urn:x}Urgent", "true")]
    assert call.headers == {"Content-Type": 'application/soap+xml; charset=utf-8; action=""'}


def test_an_array_cannot_be_the_request_element() -> None:
    with pytest.raises(ValueError, match="an array"):
        soap_envelope(SoapCall("Ping", "urn:x", "PingRequest", None, "1.1"), [1, 2])
