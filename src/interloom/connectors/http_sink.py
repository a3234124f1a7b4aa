"""HTTP sink: POST (or PUT…) each message to a downstream system over one pooled session."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from aiohttp.payload import BytesPayload
from pydantic import BaseModel, ConfigDict, Field

from interloom.connectors.registry import connector
from interloom.connectors.spec import ConnectorContext, SinkError
from interloom.core.messages import Message

__all__ = ["HttpSink", "HttpSinkConfig", "SinkError"]


class HttpSinkConfig(BaseModel):
    """Where and how to send each message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="Full URL; ${VAR} and ${VAR:-default} are expanded.")
    method: str = Field(default="POST", description="HTTP method of each request.")
    timeout_seconds: float = Field(
        default=10.0, gt=0, le=600, description="Whole-request timeout; a timeout is retried."
    )
    connections: int = Field(
        default=100, ge=1, le=10_000, description="Most connections kept open to the host."
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra headers; ${VAR} in values is expanded."
    )
    success_statuses: list[int] = Field(default_factory=list, description="Default: any 2xx.")


@connector(
    "http",
    kind="sink",
    config=HttpSinkConfig,
    description="Send each message as a JSON request (POST by default) to a URL.\n\n"
    "One pooled keep-alive session per sink. 2xx (or success_statuses) is success; 5xx, "
    "408, 429 and network errors are retried; other 4xx dead-letter the message at once.",
    guarantees="At-least-once delivery. Every request carries the header Idempotency-Key: "
    "FLOW:MESSAGE-ID, the same on every retry: the effect happens once if the receiver "
    "honours the key (stores it with the effect and answers a repeat without applying it).",
    examples=[
        {"url": "${WMS_URL}/shipments", "timeout_seconds": 5},
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
        self._session: aiohttp.ClientSession | None = None
        self._success = frozenset(config.success_statuses)

    async def connect(self) -> None:
        """Open the pooled session (idempotent)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.config.connections, keepalive_timeout=60)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.config.timeout_seconds),
                json_serialize=lambda value: orjson.dumps(value).decode(),
                skip_auto_headers=("User-Agent",),
            )

    def _ok(self, status: int) -> bool:
        return status in self._success if self._success else 200 <= status < 300

    async def write(self, message: Message, body: Any) -> int:
        """Send ``body``; return the downstream status, or raise :class:`SinkError`."""
        if self._session is None:
            await self.connect()
        assert self._session is not None
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.idempotency_key,
            **self.config.headers,
        }
        try:
            # A ready payload: aiohttp's payload-type lookup for plain bytes costs ~5% of a relay.
            payload = BytesPayload(orjson.dumps(body), content_type="application/json")
            async with self._session.request(
                self.config.method, self.config.url, data=payload, headers=headers
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SinkError(f"{self.config.url} could not be reached: {error!r}") from None
        if not self._ok(status):
            # 4xx other than 408/429 will not get better by retrying.
            retryable = status >= 500 or status in (408, 429)
            raise SinkError(
                f"{self.config.url} answered {status}", retryable=retryable, status=status
            )
        return status

    async def close(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None
