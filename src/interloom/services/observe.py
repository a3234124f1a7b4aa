"""``interloom observe``: a reverse proxy that records the traffic it forwards.

Every request is forwarded to the upstream as it came (hop-by-hop headers and ``Host`` aside)
and the upstream's answer returned unchanged: status, reason, headers (hop-by-hop aside, repeated
ones kept) and body bytes, compressed or not. Each exchange is appended to the recording (JSON
Lines, see ``docs/traffic.md``) as soon as it completes, with bodies up to ``max_body`` bytes
(longer ones are marked truncated) and gzip/deflate response bodies stored decoded. A request
the upstream cannot answer gets a ``502`` problem and is not recorded.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from interloom.core.contracts.drift import DriftDetector, DriftReport
from interloom.core.contracts.path_templates import PathKey, PathTemplater
from interloom.core.contracts.traffic import Body, Exchange, RecordedRequest, RecordedResponse
from interloom.core.errors import ConfigError, InterloomError
from interloom.formats.traffic.recording import RecordingWriter
from interloom.services.contracts import read_contract

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
DEFAULT_MAX_BODY = 1024 * 1024
_MAX_REQUEST = 64 * 1024 * 1024


class UpstreamError(InterloomError):
    """The upstream an observing proxy forwards to did not answer (refused, reset, timed out)."""

    code = "E-OBSERVE-001"
    status = 502


@dataclass(frozen=True, slots=True)
class ObserveSettings:
    """Where to listen, where to forward, what to record and compare against."""

    upstream: str
    host: str = "127.0.0.1"
    port: int = 8080
    record: Path | None = None
    contract: Path | None = None
    max_body: int = DEFAULT_MAX_BODY
    timeout: float = 300.0


@dataclass(frozen=True, slots=True)
class OperationSeen:
    """A method and path template the proxy forwarded, how often, with which statuses."""

    method: str
    path: str
    count: int
    statuses: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ObserveSummary:
    """What an observing session saw."""

    upstream: str
    url: str
    exchanges: int
    upstream_errors: int
    record: Path | None
    operations: tuple[OperationSeen, ...]
    drift: DriftReport | None = None

    def to_dict(self) -> dict[str, Any]:
        """As ``observe --output json`` prints it."""
        return {
            "upstream": self.upstream,
            "url": self.url,
            "exchanges": self.exchanges,
            "upstream_errors": self.upstream_errors,
            "record": str(self.record) if self.record else None,
            "operations": [
                {"method": o.method, "path": o.path, "count": o.count, "statuses": list(o.statuses)}
                for o in self.operations
            ],
            "drift": self.drift.model_dump(mode="json") if self.drift else None,
        }


def _upstream_base(upstream: str) -> str:
    parts = urlsplit(upstream)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"--upstream {upstream!r} is not an http(s) URL",
            hint="give the upstream's base URL, e.g. http://127.0.0.1:9202",
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"--upstream {upstream!r} must not have a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _forwarded(headers: Any) -> CIMultiDict[str]:
    named = {
        token.strip().lower()
        for value in headers.getall("connection", ())
        for token in value.split(",")
    }
    return CIMultiDict(
        (name, value)
        for name, value in headers.items()
        if name.lower() not in HOP_BY_HOP and name.lower() not in named
    )


def _decoded(data: bytes, encoding: str | None) -> bytes | None:
    """The body without its content coding; ``None`` when it cannot be undone here."""
    if not encoding or encoding.lower() == "identity":
        return data
    try:
        if encoding.lower() in ("gzip", "x-gzip"):
            return zlib.decompress(data, 16 + zlib.MAX_WBITS)
        if encoding.lower() == "deflate":
            try:
                return zlib.decompress(data)
            except zlib.error:
                return zlib.decompress(data, -zlib.MAX_WBITS)
    except zlib.error:
        return None
    return None


@dataclass(slots=True)
class _Seen:
    count: int = 0
    statuses: set[int] = field(default_factory=set)


class TrafficObserver:
    """The proxy: ``async with TrafficObserver(settings) as observer:`` serves until the block
    ends; ``observer.url`` is where it listens, :meth:`summary` what it saw."""

    def __init__(
        self, settings: ObserveSettings, on_exchange: Callable[[Exchange], None] | None = None
    ) -> None:
        self.settings = settings
        self._base = _upstream_base(settings.upstream)
        self._on_exchange = on_exchange
        self._detector = (
            DriftDetector(read_contract(settings.contract)) if settings.contract else None
        )
        self._templater = PathTemplater()
        self._seen: dict[tuple[str, PathKey], _Seen] = {}
        self._stream: IO[bytes] | None = None
        self._writer: RecordingWriter | None = None
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.exchanges = 0
        self.upstream_errors = 0

    async def __aenter__(self) -> TrafficObserver:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Open the recording, the upstream session and the listening socket."""
        if self.settings.record is not None:
            self.settings.record.parent.mkdir(parents=True, exist_ok=True)
            self._stream = self.settings.record.open("ab")
            self._writer = RecordingWriter(self._stream)
        self._session = aiohttp.ClientSession(
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=10, sock_read=self.settings.timeout
            ),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        )
        app = web.Application(client_max_size=_MAX_REQUEST)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            raise ConfigError(
                f"cannot listen on {self.settings.host}:{self.settings.port}: "
                f"{error.strerror or error}",
                hint="pick another port with --port (0 picks a free one)",
            ) from None
        host, port = self._runner.addresses[0][:2]
        shown = f"[{host}]" if ":" in str(host) else host
        self.url = f"http://{shown}:{port}"

    async def stop(self) -> None:
        """Stop listening, close the upstream session and the recording."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None
            self._writer = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = datetime.now(UTC)
        clock = time.perf_counter()
        body = await request.read()
        target = self._base + request.raw_path
        headers = _forwarded(request.headers)
        headers.popall("host", None)
        assert self._session is not None
        try:
            async with self._session.request(
                request.method,
                URL(target, encoded=True),
                headers=headers,
                data=body if body else None,
                allow_redirects=False,
            ) as answer:
                payload = await answer.read()
                raw_headers = CIMultiDict(
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in answer.raw_headers
                )
                status, reason = answer.status, answer.reason
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            self.upstream_errors += 1
            problem = UpstreamError(
                f"the upstream {self._base} did not answer: {error or type(error).__name__}"
            )
            return web.json_response(
                problem.to_dict(), status=502, content_type="application/problem+json"
            )
        returned = _forwarded(raw_headers)
        returned.popall("content-length", None)
        response = web.Response(status=status, reason=reason, headers=returned, body=payload)
        duration = (time.perf_counter() - clock) * 1000
        self._observe(
            self._exchange(
                request.method,
                target,
                headers,
                body,
                status,
                reason,
                returned,
                payload,
                started,
                duration,
            )
        )
        return response

    def _body(self, data: bytes, content_type: str | None) -> Body | None:
        limit = self.settings.max_body
        return Body.from_bytes(data[:limit], content_type, truncated=len(data) > limit)

    def _exchange(
        self,
        method: str,
        url: str,
        request_headers: CIMultiDict[str],
        request_body: bytes,
        status: int,
        reason: str | None,
        response_headers: CIMultiDict[str],
        payload: bytes,
        started: datetime,
        duration: float,
    ) -> Exchange:
        recorded_headers = list(response_headers.items())
        encoding = response_headers.get("content-encoding")
        plain = _decoded(payload, encoding)
        if plain is not None and encoding and encoding.lower() != "identity":
            recorded_headers = [
                (k, v) for k, v in recorded_headers if k.lower() != "content-encoding"
            ]
        return Exchange(
            request=RecordedRequest(
                method=method,
                url=url,
                headers=tuple(request_headers.items()),
                body=self._body(request_body, request_headers.get("content-type")),
            ),
            response=RecordedResponse(
                status=status,
                reason=reason,
                headers=tuple(recorded_headers),
                body=self._body(plain, response_headers.get("content-type"))
                if plain is not None
                else None,
            ),
            started_at=started,
            duration_ms=duration,
        )

    def _observe(self, exchange: Exchange) -> None:
        self.exchanges += 1
        if self._writer is not None:
            self._writer.write(exchange)
        local = exchange.request.path
        prefix = urlsplit(self._base).path
        if prefix and local.startswith(prefix):
            local = local[len(prefix) :] or "/"
        key = self._templater.add(local)
        seen = self._seen.setdefault((exchange.request.method, key), _Seen())
        seen.count += 1
        seen.statuses.add(exchange.response.status)
        if self._detector is not None:
            self._detector.add(exchange)
        if self._on_exchange is not None:
            self._on_exchange(exchange)

    def summary(self) -> ObserveSummary:
        """What was seen so far: exchanges, operations (templated paths) and drift."""
        templates = self._templater.build()
        merged: dict[tuple[str, str], _Seen] = {}
        for (method, key), seen in self._seen.items():
            into = merged.setdefault((method, templates[key].path), _Seen())
            into.count += seen.count
            into.statuses |= seen.statuses
        operations = tuple(
            OperationSeen(method, path, seen.count, tuple(sorted(seen.statuses)))
            for (method, path), seen in sorted(merged.items(), key=lambda item: item[0][::-1])
        )
        return ObserveSummary(
            upstream=self._base,
            url=self.url,
            exchanges=self.exchanges,
            upstream_errors=self.upstream_errors,
            record=self.settings.record,
            operations=operations,
            drift=self._detector.report() if self._detector is not None else None,
        )


async def observe_until(
    settings: ObserveSettings,
    stop: asyncio.Event,
    *,
    on_ready: Callable[[TrafficObserver], None] | None = None,
    on_exchange: Callable[[Exchange], None] | None = None,
) -> ObserveSummary:
    """Proxy and record until ``stop`` is set; what was seen."""
    async with TrafficObserver(settings, on_exchange) as observer:
        if on_ready is not None:
            on_ready(observer)
        await stop.wait()
    return observer.summary()


__all__ = [
    "DEFAULT_MAX_BODY",
    "ObserveSettings",
    "ObserveSummary",
    "OperationSeen",
    "TrafficObserver",
    "UpstreamError",
    "observe_until",
]
