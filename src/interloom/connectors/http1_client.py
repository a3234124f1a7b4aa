"""An HTTP/1.1 client on the event loop: keep-alive connections pooled per origin.

Made for the HTTP sink and the enrich step (docs/decisions/0025-http-sink-client.md): each
request is written in one ``transport.write`` and its answer parsed by llhttp (httptools) in
the protocol's ``data_received``, so a request costs the loop a few Python calls and no thread
hop. It does what a sink needs and nothing more: no HTTP/2, redirects, proxies, cookies or
compression.

Errors are :class:`TransportError` (``timed_out`` when the time-out struck); their message
says what failed and where, e.g. ``ConnectError: could not connect to 127.0.0.1:8080:
connection refused``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import socket
import ssl
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from interloom.connectors.http1_connection import (
    NEVER,
    DroppedError,
    Http1Connection,
    TransportError,
)

__all__ = ["MAX_BODY_BYTES", "Http1Client", "TransportError"]

MAX_BODY_BYTES = 16 * 1024 * 1024
IDLE_SECONDS = 60.0

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_KEEP, _HOST, _FRAMING = 0, 1, 2
_NAMES: dict[str, int] = {}  # header names seen before, and what the client does with them
_METHODS: set[str] = set()  # methods seen before
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "DELETE"})
_SAFE_IN_TARGET = "/:@!$&'()*+,;=?%-._~[]"


@dataclass(frozen=True, slots=True)
class _Target:
    """What a URL gives a request: the origin to connect to and the request's fixed lines."""

    origin: tuple[str, str, int]
    where: str  # host:port, for messages
    start: str  # " /path?query HTTP/1.1\r\n"
    host_line: str  # "host: example.com\r\n"
    auth_line: str  # from user:password@ in the URL, or ""


class _Pool:
    """The connections to one origin: at most ``limit`` open, callers beyond wait in turn."""

    def __init__(self, client: Http1Client, loop: asyncio.AbstractEventLoop, target: _Target):
        self.client = client
        self.loop = loop
        self.scheme, self.host, self.port = target.origin
        self.where = target.where
        self.max_body = client.max_body
        self.limit = client.connections
        self.count = 0  # connections open or opening, idle ones included
        self.open: set[Http1Connection] = set()
        self.idle: list[Http1Connection] = []
        self.waiters: deque[asyncio.Future[Http1Connection | None]] = deque()
        self._sweep: asyncio.TimerHandle | None = None
        self._alarm: asyncio.TimerHandle | None = None
        self._alarm_at = NEVER

    def watch(self, conn: Http1Connection, deadline: float) -> None:
        """Fail the request of ``conn`` if its answer is not whole by ``deadline``.

        One timer per pool, set for the earliest deadline of the requests in flight, instead
        of one per request: requests start in deadline order (the time-out is the same for
        all), so it is rarely moved.
        """
        conn.deadline = deadline
        if deadline < self._alarm_at:
            if self._alarm is not None:
                self._alarm.cancel()
            self._alarm_at = deadline
            self._alarm = self.loop.call_at(deadline, self._expire_due)

    def _expire_due(self) -> None:
        self._alarm, self._alarm_at = None, NEVER
        now = self.loop.time()
        earliest = NEVER
        for conn in list(self.open):
            if conn.deadline <= now:
                conn.expire()
            elif conn.deadline < earliest:
                earliest = conn.deadline
        if earliest < NEVER:
            self._alarm_at = earliest
            self._alarm = self.loop.call_at(earliest, self._expire_due)

    def take_idle(self) -> Http1Connection | None:
        """The most recently used idle connection that is still sound, if any."""
        idle = self.idle
        while idle:
            conn = idle.pop()
            if conn.usable:
                return conn
            self.discard(conn)
        return None

    async def acquire(self, deadline: float, fresh: bool) -> Http1Connection:
        """An idle connection, a new one, or the next one freed (callers wait in turn).

        ``fresh`` asks for a connection that has not served a request yet, when a reused one
        turned out closed: an idle one is closed to make room rather than tried.
        """
        while True:
            if not fresh and (conn := self.take_idle()) is not None:
                return conn
            if self.count < self.limit and not self.waiters:
                self.count += 1
                return await self._connect(deadline)
            if fresh and self.idle:
                self.discard(self.idle.pop(0))
                continue
            handed = await self._wait(deadline)
            if handed is not None:
                return handed
            return await self._connect(deadline)  # a slot was handed over

    async def _wait(self, deadline: float) -> Http1Connection | None:
        waiter: asyncio.Future[Http1Connection | None] = self.loop.create_future()
        self.waiters.append(waiter)
        try:
            async with asyncio.timeout_at(deadline):
                return await waiter
        except BaseException as error:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                handed = waiter.result()  # handed over as the time ran out: pass it on
                if handed is None:
                    self.slot_freed()
                else:
                    self.reuse(handed)
            elif waiter in self.waiters:
                self.waiters.remove(waiter)
            if isinstance(error, TimeoutError):
                raise TransportError(
                    f"TimeoutError: no connection to {self.where} came free within "
                    f"{self.client.timeout:g} s",
                    timed_out=True,
                ) from None
            raise

    async def _connect(self, deadline: float) -> Http1Connection:
        """Open a connection for a slot already counted; the slot passes on if that fails."""
        context = self.client.ssl_context() if self.scheme == "https" else None
        try:
            async with asyncio.timeout_at(deadline):
                _, conn = await self.loop.create_connection(
                    lambda: Http1Connection(
                        self.loop, self.where, self.client.timeout, self.max_body, self.lost
                    ),
                    self.host,
                    self.port,
                    ssl=context,
                    server_hostname=self.host if context is not None else None,
                )
        except (OSError, TimeoutError, ssl.CertificateError) as error:
            self.slot_freed()
            raise _connect_error(error, self.where, self.host, self.client.timeout) from None
        except BaseException:
            self.slot_freed()
            raise
        self.open.add(conn)
        if self.client.closed:  # closed while this one was connecting
            self.discard(conn)
            raise TransportError(f"RequestError: the client of {self.where} was closed")
        return conn

    def release(self, conn: Http1Connection) -> None:
        """Take a connection back after its answer: keep it for the next request or close it."""
        conn.waiter = None
        conn.deadline = NEVER
        conn.served += 1
        if conn.complete and conn.usable:
            self.reuse(conn)
        else:
            self.discard(conn)

    def reuse(self, conn: Http1Connection) -> None:
        waiters = self.waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        conn.idle_since = self.loop.time()
        self.idle.append(conn)
        if self._sweep is None:
            self._sweep = self.loop.call_at(conn.idle_since + IDLE_SECONDS, self._close_stale)

    def discard(self, conn: Http1Connection) -> None:
        """Close a connection that failed or cannot be reused; its slot passes on."""
        conn.close()
        if conn in self.open:
            self.open.remove(conn)
            self.slot_freed()

    def slot_freed(self) -> None:
        waiters = self.waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to the waiter: the count stays
                return
        self.count -= 1

    def lost(self, conn: Http1Connection) -> None:
        """An idle connection the server closed leaves the pool at once."""
        if conn in self.idle:
            self.idle.remove(conn)
            self.discard(conn)

    def _close_stale(self) -> None:
        self._sweep = None
        horizon = self.loop.time() - IDLE_SECONDS
        for conn in [conn for conn in self.idle if conn.idle_since <= horizon]:
            self.idle.remove(conn)
            self.discard(conn)
        if self.idle:
            oldest = min(conn.idle_since for conn in self.idle)
            self._sweep = self.loop.call_at(oldest + IDLE_SECONDS, self._close_stale)

    def close(self) -> None:
        """Close every connection, idle or busy; waiting callers get a TransportError."""
        for timer in (self._sweep, self._alarm):
            if timer is not None:
                timer.cancel()
        self._sweep = self._alarm = None
        self.idle.clear()
        for conn in list(self.open):
            conn.close()
        self.open.clear()
        closed = TransportError(f"RequestError: the client of {self.where} was closed")
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_exception(closed)


class Http1Client:
    """Keep-alive HTTP/1.1 connections pooled per (scheme, host, port), used from one loop.

    Built without a running loop; the first request binds it to its loop.
    """

    def __init__(
        self,
        *,
        timeout_seconds: float,
        connections: int,
        ssl_context: ssl.SSLContext | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.timeout = timeout_seconds
        self.connections = connections
        self.max_body = max_body_bytes
        self.closed = False
        self._ssl = ssl_context
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pools: dict[tuple[str, str, int], _Pool] = {}
        self._targets: dict[str, _Target] = {}

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS settings of https connections (the system's trusted CAs by default)."""
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        return self._ssl

    async def request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        """Send one request; return the status and the whole body of the answer."""
        if self.closed:
            raise TransportError("RequestError: the client is closed")
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._bind(loop)
        target = self._targets.get(url) or self._target(url)
        data = _request_bytes(method, target, headers, body)
        pool = self._pools.get(target.origin)
        if pool is None:
            pool = self._pools[target.origin] = _Pool(self, loop, target)
        deadline = loop.time() + self.timeout
        head_request = method == "HEAD"
        fresh = False
        while True:
            conn = None if fresh else pool.take_idle()
            if conn is None:
                conn = await pool.acquire(deadline, fresh)
            reused = conn.served > 0
            waiter = conn.send(data, head_request)
            pool.watch(conn, deadline)
            try:
                answer = await waiter
            except DroppedError as dropped:
                pool.discard(conn)
                if reused and dropped.early and not fresh:
                    fresh = True  # the server closed it while idle: once more, on a new one
                    continue
                raise TransportError(f"ReadError: {dropped.message}") from None
            except BaseException:
                pool.discard(conn)
                raise
            pool.release(conn)
            return answer

    def close(self) -> None:
        """Close every connection; requests in flight fail, later ones are refused."""
        self.closed = True
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._pools:  # connections of a loop that is gone: drop them
            for pool in self._pools.values():
                with contextlib.suppress(RuntimeError):
                    pool.close()
            self._pools.clear()
        self._loop = loop

    def _target(self, url: str) -> _Target:
        target = _parse_url(url)
        if len(self._targets) >= 1024:  # URLs holding message data: keep the cache bounded
            self._targets.clear()
        self._targets[url] = target
        return target


def _parse_url(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as error:
        raise TransportError(f"RequestError: unusable URL {url!r}: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TransportError(f"RequestError: unusable URL {url!r}: not http or https")
    if not host:
        raise TransportError(f"RequestError: unusable URL {url!r}: no host")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise TransportError(f"RequestError: unusable URL {url!r}: bad host name") from None
    default = 443 if scheme == "https" else 80
    port = port or default
    name = f"[{host}]" if ":" in host else host
    host_header = name if port == default else f"{name}:{port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    auth = ""
    if parts.username is not None:
        user = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        auth = f"authorization: Basic {base64.b64encode(user.encode()).decode('ascii')}\r\n"
    return _Target(
        origin=(scheme, host, port),
        where=f"{name}:{port}",
        start=f" {quote(path, safe=_SAFE_IN_TARGET)} HTTP/1.1\r\n",
        host_line=f"host: {host_header}\r\n",
        auth_line=auth,
    )


def _header_kind(name: str) -> int:
    if not _TOKEN.fullmatch(name):
        raise TransportError(f"RequestError: {name!r} is not a valid header name")
    lowered = name.lower()
    kind = (
        _HOST
        if lowered == "host"
        else _FRAMING
        if lowered in ("content-length", "transfer-encoding")
        else _KEEP
    )
    if len(_NAMES) < 4096:
        _NAMES[name] = kind
    return kind


def _request_bytes(method: str, target: _Target, headers: Mapping[str, str], body: bytes) -> bytes:
    """The request head and body, ready for one write."""
    if method not in _METHODS:
        if not _TOKEN.fullmatch(method):
            raise TransportError(f"RequestError: {method!r} is not a valid HTTP method")
        if len(_METHODS) < 64:
            _METHODS.add(method)
    parts = [method, target.start]
    host = target.host_line
    for name, value in headers.items():
        kind = _NAMES.get(name)
        if kind is None:
            kind = _header_kind(name)
        if kind:
            if kind == _FRAMING:
                continue  # the client frames the body itself
            host = ""
        parts += (name, ": ", value, "\r\n")
    head = "".join(parts)
    lines = (len(parts) - 2) // 4 + 1
    if head.count("\n") != lines or head.count("\r") != lines:  # a CR or LF in a value
        raise TransportError(f"RequestError: {_injected(headers)}")
    if body or method not in _BODILESS:
        head = f"{head}{host}{target.auth_line}content-length: {len(body)}\r\n\r\n"
    else:
        head = f"{head}{host}{target.auth_line}\r\n"
    try:
        return head.encode("latin-1") + body
    except UnicodeEncodeError:
        raise TransportError("RequestError: a header holds characters outside Latin-1") from None


def _injected(headers: Mapping[str, str]) -> str:
    for name, value in headers.items():
        if "\r" in value or "\n" in value:
            return f"the value of header {name!r} holds a CR or LF"
    return "a header holds a CR or LF"


def _connect_error(error: BaseException, where: str, host: str, timeout: float) -> TransportError:
    """What went wrong in connecting, and where."""
    if isinstance(error, TimeoutError):
        within = f"{timeout:g} s"
        return TransportError(
            f"TimeoutError: connecting to {where} took over {within}", timed_out=True
        )
    if isinstance(error, socket.gaierror):
        return TransportError(f"ConnectError: could not resolve {host}: {error.strerror}")
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        reason = getattr(error, "verify_message", None) or getattr(error, "reason", None) or error
        return TransportError(f"ConnectError: TLS handshake with {where} failed: {reason}")
    if isinstance(error, ConnectionRefusedError):
        return TransportError(f"ConnectError: could not connect to {where}: connection refused")
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return TransportError(f"ConnectError: could not connect to {where}: {reason}")
