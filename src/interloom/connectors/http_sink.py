"""HTTP sink: POST (or PUT…) each message to a downstream system over one pooled session."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from aiohttp.payload import BytesPayload
from pydantic import BaseModel, ConfigDict, Field

from interloom.core.errors import InterloomError
from interloom.core.messages import Message


class SinkError(InterloomError):
    """The downstream system did not take the message (it may be retried)."""

    code = "E-SINK-001"
    status = 502

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.downstream_status = status


class HttpSinkConfig(BaseModel):
    """Where and how to send each message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="Full URL; ${VAR} and ${VAR:-default} are expanded.")
    method: str = "POST"
    timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    connections: int = Field(default=100, ge=1, le=10_000)
    headers: dict[str, str] = Field(default_factory=dict)
    success_statuses: list[int] = Field(default_factory=list, description="Default: any 2xx.")


class HttpSink:
    """One keep-alive session per sink, opened on first use; the idempotency key on each call."""

    def __init__(self, config: HttpSinkConfig) -> None:
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
