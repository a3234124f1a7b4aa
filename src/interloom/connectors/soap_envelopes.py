"""SOAP envelopes built from JSON messages, for calls to a WSDL operation by its contract.

The message is the content of the operation's request element (document/literal): its members
become child elements, written in the operation's namespace (the default namespace, as a schema
with ``elementFormDefault="qualified"`` wants them), in xmltodict's shape (``@name`` an
attribute, ``#text`` the text, an array a repeated element). The request element, the
namespace, the SOAP version and the ``SOAPAction`` come from the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import xmltodict

__all__ = ["SoapCall", "soap_envelope"]

ENVELOPE_NS = {
    "1.1": "http://schemas.xmlsoap.org/soap/envelope/",
    "1.2": "http://www.w3.org/2003/05/soap-envelope",
}


@dataclass(frozen=True, slots=True)
class SoapCall:
    """What a SOAP request to one operation needs besides its body."""

    operation: str
    namespace: str
    element: str
    """The local name of the request's body element (``CreateInvoiceRequest``)."""
    action: str | None
    version: str

    @property
    def headers(self) -> dict[str, str]:
        """The Content-Type (and, in SOAP 1.1, SOAPAction) of every request."""
        action = self.action or ""
        if self.version == "1.2":
            return {"Content-Type": f'application/soap+xml; charset=utf-8; action="{action}"'}
        return {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'}


def _xml_value(value: Any) -> Any:
    """A JSON value as xmltodict writes it: booleans as XML Schema's, nulls left out."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {key: _xml_value(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_xml_value(item) for item in value if item is not None]
    return value


def soap_envelope(call: SoapCall, message: Any) -> bytes:
    """The envelope whose body is the request element holding ``message``.

    Raises ``ValueError`` when the message cannot be the content of an element (an array, or
    a name that is no XML name).
    """
    if isinstance(message, list):
        raise ValueError("an array cannot be the content of the request element")
    content = _xml_value(message) if isinstance(message, dict) else {"#text": message}
    document = {
        "soap:Envelope": {
            "@xmlns:soap": ENVELOPE_NS[call.version],
            "soap:Body": {call.element: {"@xmlns": call.namespace, **content}},
        }
    }
    text: str = xmltodict.unparse(document, full_document=True)
    return text.encode("utf-8")
