"""One HTTP/1.1 connection of the sink's client: a request written, its answer parsed.

The protocol half of :mod:`interloom.connectors.http1_client`: the request goes out in one
``transport.write``; the answer is parsed by llhttp (httptools) as its bytes arrive, and the
future of the request gets the status and the whole body, or the error that ended it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

import httptools

__all__ = ["MAX_HEADER_BYTES", "NEVER", "DroppedError", "Http1Connection", "TransportError"]

MAX_HEADER_BYTES = 64 * 1024
NEVER = float("inf")


class TransportError(Exception):
    """The request did not get an answer: refused, reset, timed out, or the URL was unusable."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out


class DroppedError(Exception):
    """The connection ended before a whole answer; ``early`` when not a byte had come back."""

    def __init__(self, message: str, *, early: bool) -> None:
        super().__init__(message)
        self.message = message
        self.early = early


class _Batch:
    """Requests written together at the start of the event loop's next round.

    Each write to a local or fast peer wakes its reader; requests made in one round of the
    loop (one per message the round brought) are written one after another at the start of
    the next, so that one wake-up of the downstream server serves several of them.
    """

    __slots__ = ("_loop", "_pending")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._pending: list[tuple[asyncio.Transport, bytes]] = []

    def put(self, transport: asyncio.Transport, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append((transport, data))

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        for transport, data in pending:
            if not transport.is_closing():
                transport.write(data)


_BATCHES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batch] = weakref.WeakKeyDictionary()


def _batch_for(loop: asyncio.AbstractEventLoop) -> _Batch:
    batch = _BATCHES.get(loop)
    if batch is None:
        batch = _BATCHES[loop] = _Batch(loop)
    return batch


class Http1Connection(asyncio.Protocol):
    """One keep-alive connection; at most one request in flight."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        where: str,
        timeout: float,
        max_body: int,
        on_lost: Callable[[Http1Connection], None],
    ) -> None:
        self.loop = loop
        self.where = where  # host:port, for messages
        self.timeout = timeout
        self.max_body = max_body
        self._on_lost = on_lost
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.served = 0  # answers received whole
        self.broken = False  # closed, EOF, protocol error: never reused
        self.idle_since = 0.0
        self.deadline = NEVER  # of the request in flight
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.received = False  # a byte of the answer came back
        self.complete = False  # the whole answer came back
        self._head_request = False
        self._raw: list[bytes] = []  # what came back until the end of the headers
        self._raw_size = 0
        self._begin()

    def _begin(self) -> None:
        self._status = 0
        self._body: list[bytes] = []
        self._size = 0
        self._headers_done = False
        self._keep_alive = True
        self._interim = False

    def send(self, data: bytes, head_request: bool) -> asyncio.Future[tuple[int, bytes]]:
        """Write one request; the future gets its status and body."""
        assert self.transport is not None
        self._begin()
        self.received = self.complete = False
        self._raw = []
        self._raw_size = 0
        self._head_request = head_request
        self.waiter = waiter = self.loop.create_future()
        _batch_for(self.loop).put(self.transport, data)
        return waiter

    @property
    def usable(self) -> bool:
        """Whether an idle connection can take another request."""
        return not self.broken and self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        self.broken = True
        if self.transport is not None:
            self.transport.close()

    def expire(self) -> None:
        """The request's time ran out: fail it and drop the connection."""
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        message = f"TimeoutError: no whole answer from {self.where} within {self.timeout:g} s"
        waiter.set_exception(TransportError(message, timed_out=True))
        self.close()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():  # bytes nobody asked for: the connection is unsound
            self.close()
            return
        self.received = True
        if not self._headers_done:
            self._raw.append(data)
            self._raw_size += len(data)
        try:
            self.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as error:
            reason = str(error) or "an answer that is not HTTP/1.1"
            self._fail(f"{self.where} sent {reason}")
        else:
            if not self._headers_done and self._raw_size > MAX_HEADER_BYTES:
                self._fail(f"{self.where} sent over {MAX_HEADER_BYTES} bytes of headers")

    def eof_received(self) -> bool:
        ended_by_eof = self._headers_done and not self.complete and not self._keep_alive
        if ended_by_eof and not _framed(b"".join(self._raw)):
            self.complete = True  # the body ran until the server closed
            self._finish()
        self.broken = True
        self._drop("closed the connection")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.broken = True
        self._drop("reset the connection" if exc else "closed the connection")
        self._on_lost(self)

    def _drop(self, what: str) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            part = "after part of the answer" if self.received else "before answering"
            early = not self.received
            waiter.set_exception(DroppedError(f"{self.where} {what} {part}", early=early))

    def _fail(self, reason: str) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(TransportError(f"ProtocolError: {reason}"))
        self.close()

    def _finish(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result((self._status, b"".join(self._body)))
        self._raw = []

    # httptools callbacks

    def on_headers_complete(self) -> None:
        if self.complete:  # another answer than the one asked for: the connection is unsound
            self.close()
            return
        status = self.parser.get_status_code()
        if status < 200:
            self._interim = True  # 100 Continue, 103 Early Hints…: the answer follows
            return
        self._status = status
        self._headers_done = True
        self._keep_alive = self.parser.should_keep_alive()
        if self._head_request:  # no body, whatever the headers say: the answer is whole
            self.complete = True
            self.broken = not self._keep_alive
            self.parser = httptools.HttpResponseParser(self)  # not waiting for that body
            self._finish()

    def on_body(self, body: bytes) -> None:
        if self.complete:  # a body after the answer to HEAD: the connection is unsound
            self.close()
        if self.broken:
            return
        self._size += len(body)
        if self._size > self.max_body:
            self._fail(f"the answer of {self.where} is over {self.max_body} bytes")
            return
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._interim:
            self._begin()
            return
        if self.complete:  # the answer to HEAD, already given
            return
        self.complete = True
        if not self.parser.should_keep_alive():
            self.broken = True  # connection: close, or HTTP/1.0 without keep-alive
        self._finish()


def _framed(raw: bytes) -> bool:
    """Whether the final head in ``raw`` gives the body's length (or chunks): else EOF ends it."""
    start = 0
    while (end := raw.find(b"\r\n\r\n", start)) >= 0:
        lines = raw[start:end].split(b"\r\n")
        if lines[0][9:10] != b"1":  # not an interim answer
            names = {line.partition(b":")[0].strip().lower() for line in lines[1:]}
            return bool(names & {b"content-length", b"transfer-encoding"})
        start = end + 4
    return False
