"""The HTTP client under the HTTP sink: one pooled keep-alive client per sink.

Requests go through pyreqwest (Python bindings of Rust's reqwest/hyper): connection pooling,
HTTP/1.1 framing and time-outs run in native code, so a relayed message costs the event loop
about a third of what a pure-Python client costs (docs/decisions/0025-http-sink-client.md).
The sink sees only this small surface: send bytes, get a status and bytes back, or a
:class:`TransportError` saying why the downstream system could not be reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from pyreqwest.client import Client, ClientBuilder
from pyreqwest.exceptions import PyreqwestError, RequestTimeoutError


class TransportError(Exception):
    """The request did not get an answer: refused, reset, timed out, or the URL was unusable."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out


class HttpTransport:
    """A pooled client, opened on first use; reused for every request of its sink."""

    def __init__(self, *, timeout_seconds: float, connections: int) -> None:
        self._timeout = timedelta(seconds=timeout_seconds)
        self._connections = connections
        self._client: Client | None = None

    @property
    def closed(self) -> bool:
        """Whether no client is open (never opened, or closed)."""
        return self._client is None

    def open(self) -> None:
        """Build the client (idempotent); must run in the event loop that will use it."""
        if self._client is None:
            self._client = (
                ClientBuilder()
                .timeout(self._timeout)
                .max_connections(self._connections)
                .pool_idle_timeout(timedelta(seconds=60))
                .follow_redirects(False)
                .gzip(False)
                .brotli(False)
                .zstd(False)
                .deflate(False)
                .tcp_nodelay(True)
                .build()
            )

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        """Send one request; return the status and the whole response body."""
        if self._client is None:
            self.open()
        assert self._client is not None
        try:
            request = self._client.request(method, url).headers(dict(headers)).body_bytes(body)
            response = await request.build().send()
            content = await response.bytes()
        except RequestTimeoutError as error:
            raise TransportError(_describe(error), timed_out=True) from None
        except (PyreqwestError, ValueError) as error:
            raise TransportError(_describe(error)) from None
        return response.status, content.to_bytes()

    async def close(self) -> None:
        """Close the client and its pooled connections."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()


def _describe(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    details = getattr(error, "details", None)
    causes = details.get("causes") if isinstance(details, dict) else None
    if causes:
        reasons = [cause["message"] for cause in causes if cause.get("message")]
        if reasons:
            message = f"{message}: {reasons[-1]}"
    return f"{type(error).__name__}: {message}"
