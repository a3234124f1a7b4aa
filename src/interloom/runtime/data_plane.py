"""The data plane: a plain ASGI app that receives flow messages over HTTP.

Kept free of framework routing and middleware: a request costs a dict lookup, the body read,
one JSON parse, the compiled steps and the sink call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable, MutableMapping
from time import perf_counter
from typing import Any, NamedTuple

import orjson
import structlog

from interloom.connectors.http_sink import SinkError
from interloom.core.errors import InterloomError, StorageError
from interloom.core.messages import Message
from interloom.observability.metrics import message_histogram
from interloom.observability.tracing import MESSAGE_RUN, TRACING
from interloom.runtime.execution import StepRaisedError, park, run_steps, write_deliveries
from interloom.runtime.faults import CRASH
from interloom.runtime.message_traces import trace_request
from interloom.runtime.pipeline import CompiledFlow
from interloom.runtime.processors import DROP, MessageRejectedError, StepFailedError
from interloom.runtime.recording import Recorders, run_recorded
from interloom.storage.message_store import MessageStore

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_JSON_HEADERS = [(b"content-type", b"application/json")]

log = structlog.get_logger(__name__)


class Answer(NamedTuple):
    """What the data plane answers a request: status, JSON body and any extra headers."""

    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ()


def _reply(status: int, payload: dict[str, Any]) -> Answer:
    return Answer(status, orjson.dumps(payload))


async def _send_answer(send: Send, answer: Answer) -> None:
    headers = [*_JSON_HEADERS, *answer.headers] if answer.headers else _JSON_HEADERS
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


async def _answer(send: Send, status: int, payload: dict[str, Any]) -> None:
    await _send_answer(send, _reply(status, payload))


def _error(code: str, error: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": error, "code": code, "message": message, **extra}


def _observe(flow: CompiledFlow, started: float) -> None:
    """Time the request in the flow's message histogram (stage sync or durable)."""
    stage = "durable" if flow.durable else "sync"
    message_histogram(flow.id, stage).observe(perf_counter() - started)


_PAUSED_HEADERS = ((b"retry-after", b"30"),)


def _client_key(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The sender's ``Idempotency-Key`` header; "" when it is unusable, None when absent.

    A sender that retries with the same key gets the same message (id ``c:FLOW:KEY``, unique
    across flows): a durable source stores it once, and every sink receives the same
    idempotency key, however often the sender retried.
    """
    for name, value in headers:
        if name == b"idempotency-key":
            raw: bytes = value
            if not 0 < len(raw) <= 200 or not all(33 <= c <= 126 for c in raw):
                return ""
            return raw.decode("ascii")
    return None


def _is_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return False


def _unsupported_media_type() -> Answer:
    return _reply(
        415,
        _error("E-MSG-003", "unsupported_media_type", "send Content-Type: application/json"),
    )


def _too_large(flow: CompiledFlow) -> Answer:
    assert flow.source is not None
    limit = flow.source.max_body_bytes
    return _reply(413, _error("E-MSG-004", "too_large", f"the body exceeds {limit} bytes"))


class DataPlane:
    """Routes ``(method, path)`` to a compiled flow and runs it for each request.

    Two doors lead in: the ASGI app (``__call__``), which handles every case, and
    :meth:`fast_route` + :meth:`respond`, which the server's HTTP protocol calls straight
    from its parser for the common case (a running flow, nothing recorded or traced),
    without an ASGI cycle. Both run the same checks and steps and give the same answers.
    """

    def __init__(
        self,
        flows: Iterable[CompiledFlow] = (),
        *,
        store: MessageStore | None = None,
        on_persisted: Callable[[], None] | None = None,
    ) -> None:
        self.routes: dict[tuple[str, str], CompiledFlow] = {}
        self.store = store
        self.on_persisted = on_persisted or (lambda: None)
        self.recorders = Recorders()  # flows whose inputs are being recorded
        self.replace(flows)

    def replace(self, flows: Iterable[CompiledFlow]) -> None:
        """Serve these flows from now on (a reload swaps the whole table at once)."""
        self.routes = {(f.source.method, f.source.path): f for f in flows if f.source is not None}

    def fast_route(self, method: str, path: str) -> CompiledFlow | None:
        """The flow to answer through :meth:`respond`, or None: take the ASGI app.

        None for a path no flow listens on, a paused flow, one whose inputs are being
        recorded, and any flow while tracing is on: those go through ``__call__``.
        """
        flow = self.routes.get((method, path))
        if flow is None or flow.paused or TRACING.enabled or flow.source is None:
            return None
        if self.recorders and self.recorders.get(flow.id) is not None:
            return None
        return flow

    def respond(
        self, flow: CompiledFlow, headers: list[tuple[bytes, bytes]], body: bytes | None
    ) -> Answer | Coroutine[Any, Any, Answer]:
        """Answer a request to ``flow`` (from :meth:`fast_route`); ``body`` None: too large.

        What can be answered at once (bad input, a rejected or filtered message) is
        returned as an :class:`Answer`; otherwise a coroutine that answers once the sinks
        or the store have taken the message.
        """
        started = perf_counter()
        if not _is_json(headers):
            return _unsupported_media_type()
        if body is None:
            return _too_large(flow)
        early = self._refused(flow, headers, body)
        if isinstance(early, Answer):
            return early
        message = early
        run = MESSAGE_RUN.set((flow.id, message.id, headers))
        try:
            result = self._admit(flow, message)
        finally:
            MESSAGE_RUN.reset(run)
        if isinstance(result, Answer):
            _observe(flow, started)
            return result
        return self._finish(flow, message, headers, result, started)

    async def _finish(
        self,
        flow: CompiledFlow,
        message: Message,
        headers: list[tuple[bytes, bytes]],
        pending: Coroutine[Any, Any, Answer],
        started: float,
    ) -> Answer:
        run = MESSAGE_RUN.set((flow.id, message.id, headers))
        try:
            return await pending
        finally:
            MESSAGE_RUN.reset(run)
            _observe(flow, started)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = perf_counter()
        flow = self.routes.get((scope["method"], scope["path"]))
        if flow is None or flow.source is None:
            await _answer(send, 404, _error("E-NOTFOUND-002", "not_found", "no flow listens here"))
            return
        if flow.paused:
            paused = _error("E-FLOW-003", "paused", f"flow '{flow.id}' is paused; try again later")
            await _send_answer(send, Answer(503, orjson.dumps(paused), _PAUSED_HEADERS))
            return
        headers = scope["headers"]
        if not _is_json(headers):
            await _send_answer(send, _unsupported_media_type())
            return
        body = await self._read(receive, flow.source.max_body_bytes)
        if body is None:
            await _send_answer(send, _too_large(flow))
            return
        early = self._refused(flow, headers, body)
        if isinstance(early, Answer):
            await _send_answer(send, early)
            return
        message = early
        # The log lines of this message carry its ids; tracing off, that is all it costs.
        run = MESSAGE_RUN.set((flow.id, message.id, headers))
        try:
            # Recording off: the truth test of the empty table is all it costs.
            recorder = self.recorders.get(flow.id) if self.recorders else None
            if recorder is not None:  # observed in the histograms below like any other
                await run_recorded(
                    self.recorders, recorder, self._run, flow, message, scope, body, send
                )
            elif TRACING.enabled:
                await trace_request(self._run, flow, message, send, headers)
            else:
                await self._run(flow, message, send)
        finally:
            MESSAGE_RUN.reset(run)
        _observe(flow, started)

    @staticmethod
    def _refused(
        flow: CompiledFlow, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> Answer | Message:
        """The request's message, or the answer refusing it (signature, JSON, key)."""
        if flow.check is not None:
            try:
                flow.check(headers, body)
            except InterloomError as error:
                log.warning(
                    "flow.request.refused", flow=flow.id, code=error.code, error=error.message
                )
                extra = {"hint": error.hint} if error.hint else {}
                return _reply(
                    error.status, _error(error.code, "unauthorized", error.message, **extra)
                )
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            return _reply(
                400, _error("E-MSG-002", "invalid_json", f"the body is not valid JSON: {error}")
            )
        key = _client_key(headers)
        if key == "":
            return _reply(
                400,
                _error(
                    "E-MSG-005",
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 200 visible ASCII characters",
                ),
            )
        if key is None:
            return Message(flow.id, data)
        return Message(flow.id, data, id=f"c:{flow.id}:{key}")

    @staticmethod
    async def _read(receive: Receive, limit: int) -> bytes | None:
        chunks = []
        size = 0
        while True:
            event = await receive()
            chunk = event.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not event.get("more_body", False):
                return b"".join(chunks)

    async def _run(self, flow: CompiledFlow, message: Message, send: Send) -> None:
        result = self._admit(flow, message)
        await _send_answer(send, result if isinstance(result, Answer) else await result)

    def _admit(self, flow: CompiledFlow, message: Message) -> Answer | Coroutine[Any, Any, Answer]:
        """Count the message in and run what needs no waiting; the rest as a coroutine."""
        counters = flow.counters
        counters.received += 1
        if not flow.simple and not flow.durable:
            return self._run_steps(flow, message)
        try:
            out = flow.admit(message.body)
        except MessageRejectedError as error:
            counters.rejected += 1
            return _reply(
                422, _error(error.code, "invalid_message", error.message, details=error.details)
            )
        except InterloomError as error:  # a step could not handle this message's content
            counters.rejected += 1
            return _reply(422, _error(error.code, "unprocessable", error.message))
        if out is DROP:
            counters.filtered += 1
            return _reply(202, {"id": message.id, "status": "filtered"})
        if flow.durable:
            return self._persist(flow, message, out)
        return self._deliver(flow, message, out)

    @staticmethod
    async def _deliver(flow: CompiledFlow, message: Message, out: Any) -> Answer:
        """Sync reply: 202 once every sink took the message."""
        counters = flow.counters
        try:
            for sink in flow.sinks:
                await sink.write(message, out)
        except SinkError as error:
            counters.failed += 1
            log.warning(
                "flow.sink.failed", flow=flow.id, message_id=message.id, error=error.message
            )
            return _reply(502, _error(error.code, "downstream_failed", error.message))
        counters.delivered += 1
        return _reply(202, {"id": message.id, "status": "accepted"})

    async def _run_steps(self, flow: CompiledFlow, message: Message) -> Answer:
        """Sync reply through steps that split, route, hold or await (runtime.execution).

        Counted once per request: delivered when any of its messages reached a sink or an
        aggregator took it, filtered when none did. An item of a split message that a step
        rejects becomes a dead letter of its own (the store counts it), the others go on.
        """
        counters = flow.counters
        try:
            outcome = await run_steps(flow.steps, message.body, message.id, flow=flow.id)
            if outcome.parked:
                if self.store is None:
                    item = outcome.parked[0]
                    raise StepRaisedError(item.step, item.error)
                await park(self.store, flow, outcome.parked)
            await write_deliveries(flow, outcome)
        except StepRaisedError as raised:
            failure = raised.error
            if isinstance(failure, MessageRejectedError):
                counters.rejected += 1
                details = failure.details
                payload = _error(failure.code, "invalid_message", failure.message, details=details)
                return _reply(422, {**payload, "step": raised.step})
            if isinstance(failure, SinkError | StepFailedError | StorageError):
                counters.failed += 1
                log.warning(
                    "flow.step.failed",
                    flow=flow.id,
                    message_id=message.id,
                    step=raised.step,
                    error=failure.message,
                )
                status = 503 if isinstance(failure, StorageError) else 502
                return _reply(status, _error(failure.code, "downstream_failed", failure.message))
            if isinstance(failure, InterloomError):
                counters.rejected += 1
                return _reply(422, _error(failure.code, "unprocessable", failure.message))
            counters.failed += 1
            raise failure from None
        except StorageError as error:  # parking an item failed
            counters.failed += 1
            return _reply(503, _error(error.code, "unavailable", error.message))
        if outcome.deliveries or outcome.held:
            counters.delivered += 1
            verdict = "accepted" if outcome.deliveries else "aggregated"
        else:
            counters.filtered += 1
            verdict = "filtered"
        answer: dict[str, Any] = {"id": message.id, "status": verdict}
        if outcome.deliveries and outcome.deliveries[0].id != message.id:
            answer["messages"] = len(outcome.deliveries)
        if outcome.parked:
            answer["dead_lettered"] = [item.id for item in outcome.parked]
        return _reply(202, answer)

    async def _persist(self, flow: CompiledFlow, message: Message, body: Any) -> Answer:
        """Durable reply: 202 once the message is in the store; a worker delivers it."""
        if self.store is None:
            flow.counters.failed += 1
            return _reply(503, _error("E-STORAGE-001", "unavailable", "no message store"))
        if CRASH.armed:
            CRASH.reached("before-persist")
        try:
            # An id made up on arrival (no Idempotency-Key) is never sent again: the store
            # need not remember it once the message is delivered.
            stored = await self.store.put(
                flow.id, message.id, orjson.dumps(body), remember=message.id.startswith("c:")
            )
        except InterloomError as error:
            flow.counters.failed += 1
            log.error("flow.persist.failed", flow=flow.id, error=str(error))
            return _reply(503, _error(error.code, "unavailable", error.message))
        if CRASH.armed:
            CRASH.reached("after-persist")
        if not stored:  # the sender retried a message already taken: same answer, no copy
            flow.counters.received -= 1
            return _reply(202, {"id": message.id, "status": "duplicate"})
        self.on_persisted()
        return _reply(202, {"id": message.id, "status": "accepted"})
