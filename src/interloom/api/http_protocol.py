"""The server's HTTP/1.1 protocol: uvicorn's, with a short way in for the data plane.

uvicorn's httptools protocol does the HTTP work for both planes: parsing, keep-alive,
pipelining, flow control, time-outs, ``Expect: 100-continue``, shutdown. A request to a path
a running flow listens on does not become an ASGI cycle (scope, receive/send events, a task
per request): when its headers are parsed the protocol asks the data plane for the flow,
collects the body, and hands headers and body to the data plane, which answers at once (bad
input, a rejected message) or with a coroutine (the sinks or the store take the message).
The answer is written as one buffer. Everything else, and every special case of the data
plane (a paused flow, recording, tracing, an escaped path), takes the ASGI app as before.

This is where a relayed message's time went (docs/decisions/0030-data-plane-http-protocol.md):
per request the ASGI cycle cost about twice the whole HTTP parsing and writing.

The protocol builds on uvicorn's internals (``HttpToolsProtocol``, its ``cycle`` and
``pipeline``); pyproject pins uvicorn below its next minor version and
``tests/integration/api/test_http_protocol.py`` checks the HTTP behaviour on a real server.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Coroutine
from typing import Any, Protocol

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

_log = logging.getLogger("interloom.http")

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_CONTENT_TYPE = b"content-type: application/json\r\n"
_CLOSE = b"connection: close\r\n"
_DEFAULTS: list[Any] = [None, b""]  # the server's default headers, and the same as bytes
_INTERNAL = (
    b'{"error":"internal","code":"E-INTERNAL-001",'
    b'"message":"the server failed to answer this request; it was logged"}'
)


class Answer(Protocol):
    """What the data plane answers (``runtime.data_plane.Answer``)."""

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> bytes: ...

    @property
    def headers(self) -> tuple[tuple[bytes, bytes], ...]: ...


class DataPlaneDoor(Protocol):
    """The data plane's short way in (``runtime.data_plane.DataPlane``)."""

    def fast_route(self, method: str, path: str) -> Any:
        """The flow to answer through :meth:`respond`, or None."""

    def respond(
        self, flow: Any, headers: list[tuple[bytes, bytes]], body: bytes | None
    ) -> Answer | Coroutine[Any, Any, Answer]:
        """The answer, or a coroutine that gives it."""


class _Event:
    """Stands where an ASGI cycle keeps its event: nothing waits on this cycle's."""

    __slots__ = ()

    def set(self) -> None:
        """Nothing to wake."""


_NO_EVENT = _Event()


class FlowRequest:
    """One request on its way to the data plane; the protocol's ``cycle`` while it runs.

    Has the attributes uvicorn's protocol reads of a cycle (``response_complete``,
    ``disconnected``, ``keep_alive``, ``message_event``), so that connection loss, shutdown
    and pipelining treat it like any other request.
    """

    __slots__ = (
        "body",
        "complete",
        "disconnected",
        "expects_continue",
        "flow",
        "headers",
        "keep_alive",
        "limit",
        "plane",
        "response_complete",
        "started",
        "too_large",
    )

    message_event = _NO_EVENT

    def __init__(
        self,
        plane: DataPlaneDoor,
        flow: Any,
        headers: list[tuple[bytes, bytes]],
        *,
        keep_alive: bool,
        limit: int,
        expects_continue: bool = False,
    ) -> None:
        self.plane = plane
        self.flow = flow
        self.headers = headers
        self.keep_alive = keep_alive
        self.limit = limit
        self.expects_continue = expects_continue  # sent Expect: 100-continue
        self.body = bytearray()
        self.too_large = False
        self.complete = False  # the whole body is in
        self.started = False  # its turn on the connection has come
        self.response_complete = False
        self.disconnected = False


class Outbox:
    """Answers written together once the event loop has read what this round brought.

    Writing an answer at once costs its own wake-up of the client on loopback or a fast
    network: the send hands the bytes over and wakes the reader, per answer. Answers made in
    one round of the loop are kept here and written one after another at the start of the next
    round (a ``call_soon``), so that one wake-up serves several. Order holds: whatever a
    connection writes later is scheduled after this round's flush. A FlowRequest's answers, and
    the ``100 Continue`` it may send, always go through it.
    """

    __slots__ = ("_loop", "_pending")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._pending: list[tuple[asyncio.Transport, bytes, bool]] = []

    def put(self, transport: asyncio.Transport, data: bytes, *, close: bool = False) -> None:
        """Write ``data`` (then close, if asked) at the start of the next round."""
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append((transport, data, close))

    def flush(self) -> None:
        """Write what is pending."""
        pending, self._pending = self._pending, []
        for transport, data, close in pending:
            if not transport.is_closing():
                transport.write(data)
                if close:
                    transport.close()


_OUTBOXES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Outbox] = (
    weakref.WeakKeyDictionary()
)


def _outbox(loop: asyncio.AbstractEventLoop) -> Outbox:
    outbox = _OUTBOXES.get(loop)
    if outbox is None:
        outbox = _OUTBOXES[loop] = Outbox(loop)
    return outbox


def _find_door(app: Any) -> Any:
    """The server app behind uvicorn's wrappers (middlewares keep the next app in ``.app``)."""
    for _ in range(8):
        if hasattr(app, "fast_route"):
            return app
        app = getattr(app, "app", None)
        if app is None:
            break
    return None


class InterloomHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with the data plane's short way in."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._door = _find_door(self.app)
        self._outbox = _outbox(self.loop)

    def on_message_begin(self) -> None:
        # The ASGI scope is built only for a request that goes to the ASGI app.
        self.url = b""
        self.expect_100_continue = False
        self.headers = []

    def on_headers_complete(self) -> None:
        door = self._door
        parser = self.parser
        if door is not None and not parser.should_upgrade():
            raw_path, _, _ = self.url.partition(b"?")
            route = None
            if b"%" not in raw_path and raw_path[:1] == b"/":
                method = parser.get_method().decode("ascii")
                route = door.fast_route(method, raw_path.decode("latin-1"))
            if route is not None:
                plane, flow = route
                self._begin(plane, flow)
                return
        # The ASGI path: let uvicorn build its scope now, around what was parsed.
        url, headers, expects_continue = self.url, self.headers, self.expect_100_continue
        super().on_message_begin()
        self.url, self.expect_100_continue = url, expects_continue
        self.headers = self.scope["headers"] = headers
        super().on_headers_complete()

    def _begin(self, plane: DataPlaneDoor, flow: Any) -> None:
        version = self.parser.get_http_version()
        request = FlowRequest(
            plane,
            flow,
            self.headers,
            keep_alive=version != "1.0" and self.parser.should_keep_alive(),
            limit=flow.source.max_body_bytes,
            expects_continue=self.expect_100_continue,
        )
        existing = self.cycle
        self.cycle = request  # type: ignore[assignment]
        if existing is None or existing.response_complete:
            self._start(request)
        else:  # pipelined behind a request still being answered: wait for its turn
            self.flow.pause_reading()
            self.pipeline.appendleft((request, None))  # type: ignore[arg-type]

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        if isinstance(cycle, FlowRequest):  # a pipelined flow request whose turn came
            self._start(cycle)
        else:
            super()._start_asgi_task(cycle, app)

    def _start(self, request: FlowRequest) -> None:
        request.started = True
        if request.complete or request.too_large:
            self._dispatch(request)
        elif request.expects_continue and not self.transport.is_closing():
            self._outbox.put(self.transport, _CONTINUE)

    def on_body(self, body: bytes) -> None:
        request = self.cycle
        if not isinstance(request, FlowRequest):
            super().on_body(body)
            return
        if request.response_complete or request.too_large:
            return
        request.body += body
        if len(request.body) > request.limit:
            # Answer 413 at once and close: the rest of the body is not worth reading.
            request.too_large = True
            request.keep_alive = False
            request.body = bytearray()
            if request.started:
                self._dispatch(request)

    def on_message_complete(self) -> None:
        request = self.cycle
        if not isinstance(request, FlowRequest):
            super().on_message_complete()
            return
        if request.response_complete or request.too_large:
            return
        request.complete = True
        if request.started:
            self._dispatch(request)

    def _dispatch(self, request: FlowRequest) -> None:
        body = None if request.too_large else bytes(request.body)
        try:
            result = request.plane.respond(request.flow, request.headers, body)
        except Exception:  # an Interloom bug: answer 500, keep serving
            _log.exception("the data plane failed to answer a request")
            self._write(request, 500, _INTERNAL, ())
            return
        if isinstance(result, Coroutine):
            task = self.loop.create_task(self._answer_later(request, result))
            task.add_done_callback(self.tasks.discard)
            self.tasks.add(task)
        else:
            self._write(request, result.status, result.body, result.headers)

    async def _answer_later(
        self, request: FlowRequest, pending: Coroutine[Any, Any, Answer]
    ) -> None:
        try:
            answer = await pending
        except asyncio.CancelledError:
            raise
        except Exception:  # an Interloom bug: answer 500, keep serving
            _log.exception("the data plane failed to answer a request")
            self._write(request, 500, _INTERNAL, ())
            return
        self._write(request, answer.status, answer.body, answer.headers)

    def _write(
        self,
        request: FlowRequest,
        status: int,
        body: bytes,
        headers: tuple[tuple[bytes, bytes], ...],
    ) -> None:
        if request.response_complete:
            return
        request.response_complete = True
        if request.disconnected or self.transport.is_closing():
            return
        defaults = self.server_state.default_headers  # a new list each second (the date)
        if defaults is not _DEFAULTS[0]:
            _DEFAULTS[:] = [defaults, b"".join(b"%s: %s\r\n" % pair for pair in defaults)]
        parts = [STATUS_LINE[status], _DEFAULTS[1], _CONTENT_TYPE]
        parts += [b"content-length: ", str(len(body)).encode(), b"\r\n"]
        for name, value in headers:
            parts += [name, b": ", value, b"\r\n"]
        if not request.keep_alive:
            parts.append(_CLOSE)
        parts += [b"\r\n", body]
        self._outbox.put(self.transport, b"".join(parts), close=not request.keep_alive)
        if request.keep_alive:
            self.on_response_complete()
        else:
            self.server_state.total_requests += 1
