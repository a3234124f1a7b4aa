"""The enricher: call another interface over HTTP and merge its answer into the message.

Each step sends through its own pooled keep-alive client, the HTTP sink's
:class:`~interloom.connectors.http_transport.HttpTransport` (docs/decisions/0025), opened on
the first message in the loop that runs the flow and closed with the flow. The URL is a
template: ``{...}`` holds a JSONata expression evaluated on the message (its value is
URL-encoded), ``${VAR}`` an environment variable. Without a URL, the step's ``interface:``
gives the method, server and path from its contract, and ``path`` the values of the path's
parameters. A 404 does what ``on_missing`` says; 408, 429, 5xx, timeouts and unreachable hosts
raise :class:`StepFailedError`, which the flow's error policy retries; any other status
rejects the message.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import orjson
from pydantic import Field, field_validator, model_validator

from interloom.connectors.http_transport import HttpTransport, TransportError
from interloom.connectors.interface_contracts import InterfaceContractError, interface_url
from interloom.core.flows.expressions import UNDEFINED, ExpressionError
from interloom.core.flows.url_templates import (
    UrlTemplate,
    UrlTemplateError,
    UrlValueError,
    parse_url_template,
)
from interloom.core.project import expand_variables
from interloom.observability.tracing import TRACING, end_client_span, start_client_span
from interloom.runtime.processors.base import (
    INTERFACE_FIELD,
    BuildContext,
    MessageRejectedError,
    Mode,
    Processor,
    StepConfigError,
    StepContext,
    StepFailedError,
    _Config,
    expression,
)
from interloom.runtime.processors.paths import PathConflictError, parse_path, set_path


class OnMissing(StrEnum):
    """What a 404 from the enrichment call does."""

    REJECT = "reject"  # the message is rejected (dead-lettered)
    SKIP = "skip"  # the message goes on unchanged
    NULL = "null"  # the enrichment is null: target set to null, or $enrichment null


class EnrichConfig(_Config):
    """Call an HTTP interface for each message and merge the answer into it."""

    url: str | None = Field(
        default=None,
        description="URL template: {expression} is evaluated on the message and URL-encoded; "
        "${VAR} comes from the environment. Without it, the step's interface gives the "
        "method, server and path.",
        examples=["${CRM_URL}/customers/{customer.id}"],
    )
    base_url: str | None = Field(
        default=None,
        description="With an interface: the server to call instead of the contract's first "
        "one; ${VAR} is expanded.",
        examples=["${CRM_URL:-http://127.0.0.1:9202}"],
    )
    path: dict[str, str] = Field(
        default_factory=dict,
        description="With an interface: JSONata for each parameter of the operation's path.",
        examples=[{"customerId": "order.customerId"}],
    )
    query: dict[str, str] = Field(
        default_factory=dict,
        description="Query parameters: JSONata each, URL-encoded; one that gives nothing is "
        "left out, an array repeats the parameter.",
    )
    method: str = Field(default="GET", pattern=r"^(GET|POST|PUT|PATCH|DELETE)$")
    headers: dict[str, str] = Field(default_factory=dict, description="${VAR} is expanded.")
    body: str | None = Field(default=None, description="JSONata for a JSON request body.")
    timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    connections: int = Field(default=100, ge=1, le=10_000)
    target: str | None = Field(default=None, description="Dotted field the answer is put in.")
    merge: str | None = Field(
        default=None,
        description="JSONata over the message with $enrichment (the answer): the new message.",
    )
    on_missing: OnMissing = OnMissing.REJECT

    @field_validator("on_missing", mode="before")
    @classmethod
    def _null_is_a_choice(cls, value: Any) -> Any:
        return "null" if value is None else value  # YAML reads a bare `null` as nothing

    @model_validator(mode="after")
    def _one_way_in(self) -> EnrichConfig:
        if (self.target is None) == (self.merge is None):
            raise ValueError("give either 'target' (a field) or 'merge' (an expression)")
        return self


def _url_template(config: EnrichConfig, context: BuildContext) -> tuple[str, UrlTemplate]:
    """The call's method and URL template: from ``url``, else from the step's interface."""
    environ = context.environ
    if config.url is not None and (config.path or config.base_url):
        raise StepConfigError(
            "'path' and 'base_url' are for calls by interface, not with 'url'",
            field=("path",) if config.path else ("base_url",),
            hint="write the values in the URL, e.g. /orders/{order.id}, or leave 'url' out",
        )
    try:
        if config.url is not None:
            return config.method, parse_url_template(
                expand_variables(config.url, environ), config.query
            )
        if context.interface is None:
            raise StepConfigError(
                "no URL to call",
                field=("url",),
                hint="give 'url', or an 'interface:' on the step whose contract has the call",
            )
        call, template = interface_url(
            context.contracts(),
            context.interface,
            base_url=expand_variables(config.base_url, environ) if config.base_url else None,
            path=config.path,
            query=config.query,
        )
        if call.soap is not None:
            raise StepConfigError(
                f"{context.interface} is the SOAP operation {call.soap.operation}: an enrich "
                "step does not read SOAP answers",
                field=(INTERFACE_FIELD,),
                hint="call it from an http sink, or give 'url' to a JSON interface",
                problem="E-FLOW-020",
            )
        method = call.method
    except UrlTemplateError as error:
        raise StepConfigError(error.message, field=("url",), hint=error.hint) from None
    except ExpressionError as error:
        target = tuple((error.target or "url").split("."))
        raise StepConfigError(error.message, field=target, hint=error.hint) from None
    except InterfaceContractError as error:
        raise StepConfigError.from_interface(error) from None
    if "method" in config.model_fields_set and config.method != method:
        raise StepConfigError(
            f"the contract of {context.interface} calls it with {method}, not {config.method}",
            field=("method",),
            hint="leave 'method' out: the contract gives it",
        )
    return method, template


def _rejected(error: UrlValueError) -> MessageRejectedError:
    return MessageRejectedError(
        str(error),
        [{"pointer": "", "message": f"{{{error.source}}} has no usable value", "field": "url"}],
    )


class Enricher:
    """The compiled enricher: a URL template, the call, and how the answer is merged."""

    def __init__(self, config: EnrichConfig, context: BuildContext) -> None:
        environ = context.environ
        self.config = config
        self.step = context.step
        self.method, self.url = _url_template(config, context)
        self.headers = {
            "Accept": "application/json",
            **{name: expand_variables(value, environ) for name, value in config.headers.items()},
        }
        self.body = expression(config.body, "body").evaluate if config.body else None
        self.target = parse_path(config.target, "target") if config.target else None
        self.merge = expression(config.merge, "merge").evaluate if config.merge else None
        self.json_headers = {"Content-Type": "application/json", **self.headers}  # the step's win
        # Built here, opened by the first send: a client belongs to the loop that uses it.
        self._transport = HttpTransport(
            timeout_seconds=config.timeout_seconds, connections=config.connections
        )

    def url_for(self, body: Any) -> str:
        """The URL of the call for this message."""
        try:
            return self.url.render(body)
        except UrlValueError as error:
            raise _rejected(error) from None

    async def __call__(self, body: Any, message: StepContext) -> Any:
        url = self.url_for(body)
        method = self.method
        payload, headers = b"", self.headers
        if self.body is not None:
            request = self.body(body)
            if request is not UNDEFINED:
                payload, headers = orjson.dumps(request), self.json_headers
        span = None
        if TRACING.enabled:  # a client span, and its traceparent sent to the called system
            span, headers = start_client_span(method, url, headers)
        try:
            status, raw = await self._transport.send(method, url, headers, payload)
        except TransportError as error:
            if span is not None:
                end_client_span(span, error=error)
            raise StepFailedError(
                f"step '{self.step}': {method} {url} could not be reached: {error.message}"
            ) from None
        if span is not None:
            end_client_span(span, status)
        if status == 404:
            return self._missing(body, url)
        if status >= 500 or status in (408, 429):
            raise StepFailedError(f"step '{self.step}': {method} {url} answered {status}")
        if not 200 <= status < 300:
            raise MessageRejectedError(
                f"the enrichment call {method} {url} answered {status}",
                [{"pointer": "", "message": f"{method} {url} answered {status}"}],
            )
        return self._merged(body, _decoded(raw))

    def _missing(self, body: Any, url: str) -> Any:
        on_missing = self.config.on_missing
        if on_missing is OnMissing.SKIP:
            return body
        if on_missing is OnMissing.NULL:
            return self._merged(body, None)
        raise MessageRejectedError(
            f"the enrichment call {self.method} {url} found nothing (404)",
            [{"pointer": "", "message": f"{url} answered 404", "rule": "on_missing"}],
        )

    def _merged(self, body: Any, enrichment: Any) -> Any:
        if self.merge is not None:
            result = self.merge(body, {"enrichment": enrichment})
            if result is UNDEFINED:
                raise MessageRejectedError("the merge expression selects nothing", [])
            return result
        assert self.target is not None
        try:
            return set_path(body, self.target, enrichment)
        except PathConflictError as error:
            raise MessageRejectedError(
                f"cannot put the enrichment at {self.config.target}: {error.reason}",
                [{"pointer": error.pointer, "message": error.reason}],
            ) from None

    async def close(self) -> None:
        """Close the client and its connections."""
        await self._transport.close()


def _decoded(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", errors="replace")


def build_enrich(config: EnrichConfig, context: BuildContext) -> Processor:
    """Templates and expressions compiled once; the client opened on the first message."""
    enricher = Enricher(config, context)
    return Processor(enricher, Mode.ASYNC, close=enricher.close, handle=enricher)
