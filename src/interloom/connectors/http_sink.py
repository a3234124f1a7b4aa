"""HTTP sink: POST (or PUT…) each message to a downstream system over one pooled session."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from interloom.connectors.http_transport import HttpTransport, TransportError
from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.connectors.registry import connector
from interloom.connectors.request_templates import compile_request
from interloom.connectors.spec import ConnectorContext, SinkError
from interloom.core.messages import Message
from interloom.observability.tracing import TRACING, end_client_span, start_client_span

__all__ = ["HttpSink", "HttpSinkConfig", "SinkError"]


class HttpSinkConfig(BaseModel):
    """Where and how to send each message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(
        default=None,
        description="Full URL; ${VAR} and ${VAR:-default} are expanded, {expression} is "
        "JSONata on the message, URL-encoded. Without it, the sink's interface gives the "
        "method, server and path.",
    )
    method: str = Field(
        default="POST",
        pattern=r"^(POST|PUT|PATCH|DELETE)$",
        description="HTTP method of each request (with an interface: the contract's).",
    )
    base_url: str | None = Field(
        default=None,
        description="With an interface: the server instead of the contract's first one.",
    )
    path: dict[str, str] = Field(
        default_factory=dict,
        description="With an interface: JSONata for each parameter of the operation's path.",
    )
    query: dict[str, str] = Field(
        default_factory=dict,
        description="Query parameters: JSONata each; one that gives nothing is left out.",
    )
    body: str | None = Field(
        default=None,
        description="JSONata for the request body (default: the message as it reaches the sink).",
    )
    timeout_seconds: float = Field(
        default=10.0, gt=0, le=600, description="Whole-request timeout; a timeout is retried."
    )
    connections: int = Field(
        default=100, ge=1, le=10_000, description="Most connections kept open to the host."
    )
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Extra headers; ${VAR} in values is expanded, {expression} evaluated.",
    )
    success_statuses: list[int] = Field(default_factory=list, description="Default: any 2xx.")


@connector(
    "http",
    kind="sink",
    config=HttpSinkConfig,
    description="Send each message as a JSON request (POST by default) to a URL.\n\n"
    "The URL may hold {expression} parts filled from the message (URL-encoded); with an "
    "interface and no URL, the contract gives the method, server and path (a SOAP "
    "operation: the message is posted in its envelope, with its SOAPAction). A message whose "
    "template gives nothing is dead-lettered with the reason (E-SINK-010).\n\n"
    "One pooled keep-alive session per sink. 2xx (or success_statuses) is success; 5xx, "
    "408, 429 and network errors are retried; other 4xx dead-letter the message at once.",
    guarantees="At-least-once delivery. Every request carries the header Idempotency-Key: "
    "FLOW:MESSAGE-ID, the same on every retry: the effect happens once if the receiver "
    "honours the key (stores it with the effect and answers a repeat without applying it).",
    examples=[
        {"url": "${WMS_URL}/shipments", "timeout_seconds": 5},
        {"url": "${ERP_URL}/orders/{orderId}/status", "method": "PUT", "body": "statusUpdate"},
        {"base_url": "${ERP_URL}", "path": {"orderId": "orderId"}},
        {
            "url": "https://crm.example.com/api/customers",
            "method": "PUT",
            "headers": {"Authorization": "Bearer ${CRM_TOKEN}"},
        },
    ],
)
class HttpSink:
    """One keep-alive session per sink, opened on first use; the idempotency key on each call."""

    def __init__(self, config: HttpSinkConfig, context: ConnectorContext | None = None) -> None:
        self.config = config
        self.request = compile_request(
            method=config.method,
            method_given="method" in config.model_fields_set,
            url=config.url,
            base_url=config.base_url,
            path=config.path,
            query=config.query,
            headers=config.headers,
            body=config.body,
            interface=context.interface if context else None,
            contracts=context.interfaces or InterfaceContracts(context.root) if context else None,
        )
        self._method = self.request.method
        self._url = self.request.url if self.request.fixed else None
        self._headers = self.request.headers
        self._transport = HttpTransport(
            timeout_seconds=config.timeout_seconds, connections=config.connections
        )
        self._success = frozenset(config.success_statuses)

    async def connect(self) -> None:
        """Open the pooled client (idempotent)."""
        self._transport.open()

    def _ok(self, status: int) -> bool:
        return status in self._success if self._success else 200 <= status < 300

    async def write(self, message: Message, body: Any) -> int:
        """Send ``body``; return the downstream status, or raise :class:`SinkError`."""
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.idempotency_key,
            **self._headers,
        }
        url = self._url
        if url is None:  # the URL, a header or the body depends on the message (or SOAP)
            url, data = self.request.render(body, headers)
        else:
            data = orjson.dumps(body)
        span = None
        if TRACING.enabled:  # a client span, and its traceparent sent downstream
            span, headers = start_client_span(self._method, url, headers)
        try:
            status, _ = await self._transport.send(self._method, url, headers, data)
        except TransportError as error:
            if span is not None:
                end_client_span(span, error=error)
            raise SinkError(f"{url} could not be reached: {error.message}") from None
        if span is not None:
            end_client_span(span, status)
        if not self._ok(status):
            # 4xx other than 408/429 will not get better by retrying.
            retryable = status >= 500 or status in (408, 429)
            raise SinkError(f"{url} answered {status}", retryable=retryable, status=status)
        return status

    async def close(self) -> None:
        """Close the client and its connections."""
        await self._transport.close()
