"""The request an HTTP sink sends for a message: method, URL, headers and body, compiled once.

The URL and header values are templates: ``{expression}`` is JSONata evaluated on the message
(URL parts are percent-encoded). With an ``interface:`` and no ``url``, the method, server and
path come from the interface's contract and ``path`` gives each path parameter. ``body`` is
JSONata for the request body (default: the message as it reaches the sink); a SOAP interface's
body is sent in the envelope its contract describes, with its SOAPAction. A request with no
expression and no envelope is fixed: sending it evaluates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from interloom.connectors.interface_contracts import InterfaceContracts, interface_url
from interloom.connectors.soap_envelopes import SoapCall, soap_envelope
from interloom.connectors.spec import SinkError
from interloom.core.errors import ConfigError
from interloom.core.flows.expressions import (
    UNDEFINED,
    CompiledExpression,
    ExpressionError,
    ExpressionEvaluationError,
)
from interloom.core.flows.url_templates import (
    UrlTemplate,
    UrlTemplateError,
    UrlValueError,
    parse_url_template,
)

__all__ = ["RequestTemplate", "SinkTemplateError", "compile_request"]


class SinkTemplateError(SinkError):
    """A sink's URL, header or body template gives nothing usable for a message."""

    code = "E-SINK-010"
    status = 422

    def __init__(self, message: str) -> None:
        # The same message fails the same way on every try: it goes to the dead letters.
        super().__init__(message, retryable=False)


@dataclass(frozen=True, slots=True)
class RequestTemplate:
    """What varies with the message: the URL, templated headers, the body expression."""

    method: str
    url: str | None
    """The URL when it is fixed; None when :attr:`template` builds it per message."""
    template: UrlTemplate
    headers: Mapping[str, str]
    """The headers that do not depend on the message."""
    header_templates: tuple[tuple[str, UrlTemplate], ...] = ()
    body: CompiledExpression | None = None
    soap: SoapCall | None = None
    """A SOAP operation's call: the body is sent in its envelope, as XML."""

    @property
    def fixed(self) -> bool:
        """Whether the request is the same for every message but for its JSON body."""
        return (
            self.url is not None
            and not self.header_templates
            and self.body is None
            and self.soap is None
        )

    @property
    def shown_url(self) -> str:
        """The URL as written, for messages about the sink."""
        return self.url if self.url is not None else _shown(self.template)

    def render(self, body: Any, headers: dict[str, str]) -> tuple[str, bytes]:
        """The URL and encoded body for this message; templated headers go in ``headers``."""
        try:
            url = self.url if self.url is not None else self.template.render(body)
            for name, template in self.header_templates:
                headers[name] = "".join(
                    part if isinstance(part, str) else _header_value(part.evaluate(body), part)
                    for part in template.parts
                )
            if self.body is not None:
                selected = self.body.evaluate(body)
                if selected is UNDEFINED:
                    raise SinkTemplateError(
                        f"the body expression {self.body.text!r} selects nothing in the message"
                    )
                body = selected
        except UrlValueError as error:
            raise SinkTemplateError(f"{error} for {self.shown_url}") from None
        except ExpressionEvaluationError as error:
            raise SinkTemplateError(f"a template of {self.shown_url} failed: {error}") from None
        if self.soap is None:
            return url, orjson.dumps(body)
        try:
            return url, soap_envelope(self.soap, body)
        except ValueError as error:
            raise SinkTemplateError(
                f"the message cannot be the body of {self.soap.operation}: {error}"
            ) from None


def _shown(template: UrlTemplate) -> str:
    return "".join(part if isinstance(part, str) else f"{{{part.text}}}" for part in template.parts)


def _header_value(value: Any, part: CompiledExpression) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str | int | float):
        return str(value)
    what = "nothing" if value is UNDEFINED else type(value).__name__
    raise SinkTemplateError(f"the header part {{{part.text}}} gives {what}, not a text or a number")


def compile_request(
    *,
    method: str,
    method_given: bool,
    url: str | None,
    base_url: str | None,
    path: Mapping[str, str],
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: str | None,
    interface: str | None,
    contracts: InterfaceContracts | None,
) -> RequestTemplate:
    """Compile a sink's request once.

    Raises :class:`~interloom.connectors.interface_contracts.InterfaceContractError` when the
    interface's contract cannot give the call, and :class:`ConfigError` for a template that
    does not compile.
    """
    soap: SoapCall | None = None
    if url is not None and (path or base_url):
        raise ConfigError(
            "'path' and 'base_url' are for calls by interface, not with 'url'",
            hint="write the values in the URL, e.g. /orders/{orderId}, or leave 'url' out",
        )
    try:
        if url is not None:
            template = parse_url_template(url, query)
        elif interface is not None and contracts is not None:
            call, template = interface_url(
                contracts, interface, base_url=base_url, path=path, query=query
            )
            if method_given and call.method != method:
                raise ConfigError(
                    f"the contract of {interface} calls it with {call.method}, not {method}",
                    hint="leave 'method' out: the contract gives it",
                )
            method, soap = call.method, call.soap
        else:
            raise ConfigError(
                "no URL to send to",
                hint="give 'url', or an 'interface:' on the sink whose contract has the call",
            )
        fixed: dict[str, str] = soap.headers if soap is not None else {}
        templated: list[tuple[str, UrlTemplate]] = []
        for name, value in headers.items():
            header = parse_url_template(value)
            if header.fixed is None:
                templated.append((name, header))
            else:
                fixed[name] = value
        expression = CompiledExpression(body, target="body") if body else None
    except UrlTemplateError as error:
        raise ConfigError(error.message, hint=error.hint) from None
    except ExpressionError as error:
        raise ConfigError(error.message, hint=error.hint) from None
    return RequestTemplate(
        method, template.fixed, template, fixed, tuple(templated), expression, soap
    )
