"""Traces of message runs (OpenTelemetry), and the ids every log line of a message carries.

Tracing is off unless an exporter is configured (:func:`configure_tracing`): then the SDK's
``TracerProvider`` is set up once per process with a ``BatchSpanProcessor``, and the runtime
makes a span per message run, per step and per outgoing HTTP call. Off, a message run costs
a tuple of ids in a context variable (:data:`MESSAGE_RUN`) — no span objects — and the log
lines emitted meanwhile still carry ``flow.id``, ``message.id``, ``trace.id`` and ``span.id``
(:func:`add_message_context`): the trace id of the caller's ``traceparent`` when it sent one,
otherwise ids derived from the message id.

The standard ``OTEL_*`` variables are honoured: ``OTEL_SDK_DISABLED``,
``OTEL_TRACES_EXPORTER`` (``otlp``, ``console`` or ``none``), ``OTEL_EXPORTER_OTLP_ENDPOINT``
and ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (with their ``_HEADERS``, ``_TIMEOUT``…),
``OTEL_TRACES_SAMPLER`` and its argument, ``OTEL_SERVICE_NAME`` (default ``interloom``),
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_PROPAGATORS`` and ``OTEL_BSP_*``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, MutableMapping
from contextvars import ContextVar
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, SpanContext, SpanKind, Status, StatusCode

from interloom import __version__
from interloom.core.errors import ConfigError

__all__ = [
    "MESSAGE_RUN",
    "TRACING",
    "MessageRun",
    "TracingConfigError",
    "add_message_context",
    "configure_tracing",
    "end_client_span",
    "flush_tracing",
    "message_run_ids",
    "parent_context",
    "shutdown_tracing",
    "start_client_span",
]

SERVICE_NAME = "interloom"
TRACEPARENT = b"traceparent"
_TRUE = ("true", "1", "yes", "on")


class TracingConfigError(ConfigError):
    """The ``OTEL_*`` variables ask for an exporter or protocol Interloom cannot use."""

    code = "E-TRACE-001"


class Tracing:
    """Whether spans are made in this process, and the tracer that makes them."""

    __slots__ = ("enabled", "provider", "tracer")

    def __init__(self) -> None:
        self.enabled = False
        self.provider: TracerProvider | None = None
        self.tracer: trace.Tracer = trace.NoOpTracer()


TRACING = Tracing()


# --- the message under way, for the logs --------------------------------------------------


def _parse_traceparent(value: bytes) -> str | None:
    """The trace id of a W3C ``traceparent`` (``00-<32 hex>-<16 hex>-<2 hex>``), or None."""
    parts = value.strip().split(b"-")
    if len(parts) < 4 or len(parts[0]) != 2 or len(parts[1]) != 32 or len(parts[2]) != 16:
        return None
    try:
        if not int(parts[1], 16):
            return None
        int(parts[2], 16)
    except ValueError:
        return None
    return parts[1].decode("ascii").lower()


# The message a task is working on: its flow, its id and the source's raw headers (None when
# there are none). A plain tuple: one is made for every message, and a tuple costs least.
MessageRun = tuple[str, str, Iterable[tuple[bytes, bytes]] | None]


def message_run_ids(run: MessageRun) -> tuple[str, str]:
    """The trace and span ids a log line of the run shows when no span is recording.

    The trace id is the caller's when it sent a ``traceparent``; otherwise both are derived
    from the flow and message id, so that the lines of the source that took a durable message
    and of the worker that delivered it share one trace id, whatever the process.
    """
    flow, message_id, headers = run
    digest = hashlib.blake2b(f"{flow}:{message_id}".encode(), digest_size=24).hexdigest()
    trace_id = None
    for name, value in headers or ():
        if name.lower() == TRACEPARENT:
            trace_id = _parse_traceparent(value)
            break
    return trace_id or digest[:32], digest[32:]


MESSAGE_RUN: ContextVar[MessageRun | None] = ContextVar("interloom_message_run", default=None)


def add_message_context(
    _: Any, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Structlog processor: the flow, message, trace and span ids of the message under way."""
    run = MESSAGE_RUN.get()
    if run is None:
        return event
    event.setdefault("flow.id", run[0])
    event.setdefault("message.id", run[1])
    if TRACING.enabled:
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            event.setdefault("trace.id", format(span_context.trace_id, "032x"))
            event.setdefault("span.id", format(span_context.span_id, "016x"))
            return event
    trace_id, span_id = message_run_ids(run)
    event.setdefault("trace.id", trace_id)
    event.setdefault("span.id", span_id)
    return event


# --- configuration ------------------------------------------------------------------------


def _resource() -> Resource:
    resource = Resource.create({"service.version": __version__})
    name = str(resource.attributes.get("service.name", ""))
    if not name or name.startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    return resource


def _exporter(environ: Mapping[str, str], endpoint: str | None) -> SpanExporter | None:
    """The exporter the environment (or the project's ``runtime.otlp_endpoint``) asks for."""
    names = [
        name.strip().lower()
        for name in environ.get("OTEL_TRACES_EXPORTER", "").split(",")
        if name.strip()
    ]
    env_endpoint = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    if not names:
        names = ["otlp"] if env_endpoint or endpoint else ["none"]
    unknown = [name for name in names if name not in ("otlp", "console", "none")]
    if unknown:
        raise TracingConfigError(
            f"OTEL_TRACES_EXPORTER={environ.get('OTEL_TRACES_EXPORTER')}: "
            f"Interloom cannot export traces to {', '.join(unknown)}",
            hint="use otlp (OTLP over HTTP/protobuf), console or none",
        )
    if "none" in names:
        return None
    if "console" in names:
        return ConsoleSpanExporter(service_name=SERVICE_NAME)
    protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    if protocol != "http/protobuf":
        raise TracingConfigError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol}: Interloom exports traces over "
            "OTLP HTTP/protobuf only",
            hint="set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf and the collector's HTTP "
            "port (4318 by default)",
        )
    # Imported here: the exporter pulls in protobuf, which a process without tracing skips.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    if env_endpoint:
        return OTLPSpanExporter()  # it reads the OTEL_EXPORTER_OTLP_* variables itself
    if endpoint:
        return OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
    return OTLPSpanExporter()  # OTEL_TRACES_EXPORTER=otlp alone: the collector on localhost


def configure_tracing(
    *,
    endpoint: str | None = None,
    exporter: SpanExporter | None = None,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """Turn tracing on if an exporter is configured; say whether it is on.

    ``endpoint`` is the project's OTLP endpoint (``runtime.otlp_endpoint``), used when the
    environment names none. ``exporter`` (tests, benchmarks) replaces whatever is configured.
    Called again without ``exporter``, tracing already on stays as it is: one provider per
    process.
    """
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() in _TRUE:
        shutdown_tracing()
        return False
    if exporter is None:
        if TRACING.enabled:
            return True
        exporter = _exporter(env, endpoint)
        if exporter is None:
            return False
    shutdown_tracing()
    provider = TracerProvider(resource=_resource())  # the sampler from OTEL_TRACES_SAMPLER
    provider.add_span_processor(BatchSpanProcessor(exporter))
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        # Other instrumentation in the process (a driver's) reports to the same place.
        trace.set_tracer_provider(provider)
    TRACING.provider = provider
    TRACING.tracer = provider.get_tracer("interloom", __version__)
    TRACING.enabled = True
    return True


def flush_tracing(timeout_millis: int = 30_000) -> bool:
    """Export the spans ended so far; False if the exporter did not finish in time."""
    if TRACING.provider is None:
        return True
    return TRACING.provider.force_flush(timeout_millis)


def shutdown_tracing() -> None:
    """Export what is pending and stop making spans."""
    provider = TRACING.provider
    TRACING.enabled = False
    TRACING.provider = None
    TRACING.tracer = trace.NoOpTracer()
    if provider is not None:
        provider.shutdown()


# --- propagation and HTTP client spans ----------------------------------------------------


def parent_context(headers: Iterable[tuple[bytes, bytes]]) -> otel_context.Context:
    """The trace context a caller sent in its headers (``traceparent``…), to continue it."""
    carrier = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in headers}
    return propagate.extract(carrier)


def span_context_of(parent: SpanContext) -> otel_context.Context:
    """A context whose current span is ``parent`` (ended, or in another task): to join it."""
    return trace.set_span_in_context(trace.NonRecordingSpan(parent))


def start_client_span(
    method: str, url: str, headers: Mapping[str, str]
) -> tuple[Span, dict[str, str]]:
    """Start the span of an outgoing HTTP call; the headers to send, with its ``traceparent``."""
    span = TRACING.tracer.start_span(
        method,
        kind=SpanKind.CLIENT,
        attributes={"http.request.method": method, "url.full": url},
    )
    sent = dict(headers)
    propagate.inject(sent, context=trace.set_span_in_context(span))
    return span, sent


def end_client_span(
    span: Span, status: int | None = None, error: BaseException | None = None
) -> None:
    """End an HTTP call's span with the status it got, or the error that stopped it."""
    if status is not None:
        span.set_attribute("http.response.status_code", status)
        if status >= 400:
            span.set_status(Status(StatusCode.ERROR, f"answered {status}"))
    if error is not None:
        span.record_exception(error)
        span.set_attribute("error.type", type(error).__qualname__)
        span.set_status(Status(StatusCode.ERROR, str(error) or type(error).__name__))
    span.end()
