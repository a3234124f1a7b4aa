"""The spans of a message run: one per run of a flow, one per step, joined across the store.

Only used when tracing is on (:data:`interloom.observability.tracing.TRACING`): the data
plane and the delivery worker call :func:`trace_request` and :func:`trace_delivery` instead
of running the message bare, and steps are compiled wrapped by :func:`traced_process`.

A durable message is answered by one task and delivered by another, often later. The
message store keeps no trace context, so the context of the request that persisted a
message is remembered in this process (:data:`PERSISTED`, bounded); the worker's span joins
that trace when it delivers the message in the same process. A message delivered by another
process, or after a restart, starts a trace of its own, found by its ``interloom.message.id``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode

from interloom.core.messages import Message
from interloom.observability.tracing import TRACING, parent_context, span_context_of
from interloom.runtime.processors import (
    DROP,
    HELD,
    MessageRejectedError,
    Mode,
    Process,
    Routed,
    Split,
)
from interloom.storage.message_store import StoredMessage

if TYPE_CHECKING:
    from interloom.runtime.pipeline import CompiledFlow

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# Attribute names of Interloom's spans.
FLOW_ID = "interloom.flow.id"
FLOW_VERSION = "interloom.flow.version"
MESSAGE_ID = "interloom.message.id"
ATTEMPT = "interloom.message.attempt"
SOURCE_KIND = "interloom.source.kind"
STAGE = "interloom.stage"
STEP_ID = "interloom.step.id"
STEP_KIND = "interloom.step.kind"
OUTCOME = "interloom.step.outcome"


class PersistedTraces:
    """The trace context of recently persisted messages, by message id, oldest dropped first."""

    def __init__(self, limit: int = 65_536) -> None:
        self.limit = limit
        self._contexts: dict[str, SpanContext] = {}

    def remember(self, message_id: str, span_context: SpanContext) -> None:
        """Keep the context of the request that persisted ``message_id``."""
        contexts = self._contexts
        contexts[message_id] = span_context
        if len(contexts) > self.limit:
            del contexts[next(iter(contexts))]

    def get(self, message_id: str) -> SpanContext | None:
        """The context of the request that persisted the message, if this process saw it."""
        return self._contexts.get(message_id)


PERSISTED = PersistedTraces()


def _outcome(out: Any) -> str:
    if out is DROP:
        return "dropped"
    if out is HELD:
        return "held"
    kind = out.__class__
    if kind is Split:
        return "split"
    if kind is Routed:
        return "routed"
    return "passed"


def _failed(span: trace.Span, error: Exception) -> None:
    if isinstance(error, MessageRejectedError):
        span.set_attribute(OUTCOME, "rejected")
        span.set_status(Status(StatusCode.ERROR, error.message))
        return
    span.set_attribute(OUTCOME, "failed")
    span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, str(error) or type(error).__name__))


def traced_process(step_id: str, kind: str, process: Process, mode: Mode) -> Process:
    """``process`` run in a span ``step <id>`` with its kind and outcome; errors recorded."""
    name = f"step {step_id}"
    attributes = {STEP_ID: step_id, STEP_KIND: kind}

    if mode is Mode.ASYNC:

        async def run_async(body: Any, context: Any) -> Any:
            if not TRACING.enabled:
                return await process(body, context)
            with TRACING.tracer.start_as_current_span(
                name, attributes=attributes, record_exception=False, set_status_on_exception=False
            ) as span:
                try:
                    out = await process(body, context)
                except Exception as error:
                    _failed(span, error)
                    raise
                span.set_attribute(OUTCOME, _outcome(out))
                return out

        return run_async

    def run(body: Any) -> Any:
        if not TRACING.enabled:
            return process(body)
        # Not made the current span: a step that is not awaited calls out to nobody, and
        # attaching a context costs as much as the span itself.
        span = TRACING.tracer.start_span(name, attributes=attributes)
        try:
            out = process(body)
        except Exception as error:
            _failed(span, error)
            span.end()
            raise
        span.set_attribute(OUTCOME, _outcome(out))
        span.end()
        return out

    return run


async def trace_request(
    run: Callable[[CompiledFlow, Message, Send], Awaitable[None]],
    flow: CompiledFlow,
    message: Message,
    send: Send,
    headers: list[tuple[bytes, bytes]],
) -> None:
    """Run a request's message in a span ``flow <id>`` continuing the caller's ``traceparent``."""
    status = 0

    async def answer(event: MutableMapping[str, Any]) -> None:
        nonlocal status
        if event["type"] == "http.response.start":
            status = event["status"]
        await send(event)

    attributes: dict[str, Any] = {
        FLOW_ID: flow.id,
        FLOW_VERSION: flow.version,
        MESSAGE_ID: message.id,
        SOURCE_KIND: flow.connector,
        STAGE: "durable" if flow.durable else "sync",
    }
    if flow.source is not None:
        attributes["http.request.method"] = flow.source.method
        attributes["url.path"] = flow.source.path
    with TRACING.tracer.start_as_current_span(
        f"flow {flow.id}",
        context=parent_context(headers),
        kind=SpanKind.SERVER,
        attributes=attributes,
    ) as span:
        await run(flow, message, answer)
        span.set_attribute("http.response.status_code", status)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR, f"answered {status}"))
    if flow.durable and status == 202:
        PERSISTED.remember(message.id, span.get_span_context())


async def trace_delivery(
    deliver: Callable[[StoredMessage], Awaitable[None]],
    flow: CompiledFlow | None,
    stored: StoredMessage,
) -> None:
    """Deliver a stored message in a span ``flow <id>``, in the trace that persisted it if known."""
    persisted = PERSISTED.get(stored.id)
    # An empty context, not the worker loop's: a message with no known parent starts a trace.
    parent = span_context_of(persisted) if persisted is not None else otel_context.Context()
    attributes: dict[str, Any] = {
        FLOW_ID: stored.flow,
        MESSAGE_ID: stored.id,
        ATTEMPT: stored.attempts + 1,
        STAGE: "delivery",
    }
    if flow is not None:
        attributes[FLOW_VERSION] = flow.version
        attributes[SOURCE_KIND] = flow.connector
    with TRACING.tracer.start_as_current_span(
        f"flow {stored.flow}", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ):
        await deliver(stored)


def note_failure(error: str, step: str | None, *, dead_lettered: bool) -> None:
    """Mark the current message span failed: retried later, or dead-lettered."""
    span = trace.get_current_span()
    if not span.is_recording():
        return
    span.set_attribute("interloom.delivery.outcome", "dead_lettered" if dead_lettered else "retry")
    if step is not None:
        span.set_attribute("interloom.delivery.failed_step", step)
    span.set_status(Status(StatusCode.ERROR, error))
