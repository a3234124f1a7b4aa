"""The HTTP client under the HTTP sink and the enrich step: one pooled keep-alive client each.

Requests go through :class:`~interloom.connectors.http1_client.Http1Client`, an HTTP/1.1
client on the event loop itself (docs/decisions/0025-http-sink-client.md). The sink sees only
this small surface: send bytes, get a status and bytes back, or a :class:`TransportError`
saying why the downstream system could not be reached.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping

from interloom.connectors.http1_client import MAX_BODY_BYTES, Http1Client, TransportError

__all__ = ["HttpTransport", "TransportError"]


class HttpTransport:
    """A pooled client, opened on first use; reused for every request of its sink."""

    def __init__(
        self,
        *,
        timeout_seconds: float,
        connections: int,
        ssl_context: ssl.SSLContext | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self._timeout = timeout_seconds
        self._connections = connections
        self._ssl_context = ssl_context
        self._max_body = max_body_bytes
        self._client: Http1Client | None = None

    @property
    def closed(self) -> bool:
        """Whether no client is open (never opened, or closed)."""
        return self._client is None

    def open(self) -> None:
        """Make the client (idempotent); it binds to the loop of its first request."""
        if self._client is None:
            self._client = Http1Client(
                timeout_seconds=self._timeout,
                connections=self._connections,
                ssl_context=self._ssl_context,
                max_body_bytes=self._max_body,
            )

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        """Send one request; return the status and the whole response body."""
        client = self._client
        if client is None:
            self.open()
            client = self._client
            assert client is not None
        return await client.request(method, url, headers, body)

    async def close(self) -> None:
        """Close the client and its pooled connections."""
        client, self._client = self._client, None
        if client is not None:
            client.close()
