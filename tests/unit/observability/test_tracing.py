"""Tracing set-up from OTEL_* and the project, and the ids log lines of a message carry."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import structlog
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from interloom.observability.logging import LogFormat, configure_logging
from interloom.observability.tracing import (
    MESSAGE_RUN,
    TRACING,
    TracingConfigError,
    configure_tracing,
    flush_tracing,
    message_run_ids,
    shutdown_tracing,
)

CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{CALLER_TRACE}-b7ad6b7169203331-01".encode()


@pytest.fixture(autouse=True)
def _no_tracing_left(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "OTEL_SDK_DISABLED",
        "OTEL_TRACES_EXPORTER",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_TRACES_SAMPLER",
    ):
        monkeypatch.delenv(name, raising=False)
    yield
    shutdown_tracing()
    MESSAGE_RUN.set(None)


@dataclass
class Collector:
    """An OTLP/HTTP collector on 127.0.0.1: the export requests it got, decoded."""

    url: str = ""
    requests: list[tuple[str, str, ExportTraceServiceRequest]] = field(default_factory=list)

    def spans(self) -> list[tuple[str, str]]:
        """(service name, span name) of every span received."""
        found = []
        for _, _, request in self.requests:
            for resource_spans in request.resource_spans:
                attributes = {
                    a.key: a.value.string_value for a in resource_spans.resource.attributes
                }
                for scope in resource_spans.scope_spans:
                    found += [(attributes["service.name"], s.name) for s in scope.spans]
        return found


@pytest.fixture
def collector() -> Iterator[Collector]:
    state = Collector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            state.requests.append((self.path, self.headers.get("Content-Type", ""), request))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _one_span(name: str) -> None:
    with TRACING.tracer.start_as_current_span(name):
        pass


# --- configuration ------------------------------------------------------------------------


def test_tracing_is_off_when_no_exporter_is_configured() -> None:
    assert configure_tracing(environ={}) is False
    assert TRACING.enabled is False
    assert configure_tracing(environ={"OTEL_TRACES_EXPORTER": "none"}) is False


def test_the_projects_endpoint_gets_the_spans_over_otlp_http_as_service_interloom(
    collector: Collector,
) -> None:
    assert configure_tracing(endpoint=collector.url + "/", environ={}) is True
    _one_span("flow w1")
    assert flush_tracing(5_000)

    [(path, content_type, _)] = collector.requests
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    assert collector.spans() == [("interloom", "flow w1")]


def test_the_environments_endpoint_and_service_name_win_over_the_projects(
    collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "relay-eu")

    assert configure_tracing(endpoint="http://127.0.0.1:9/unused") is True
    _one_span("flow w1")
    assert flush_tracing(5_000)

    assert collector.spans() == [("relay-eu", "flow w1")]


def test_configuring_again_keeps_the_one_provider_of_the_process(collector: Collector) -> None:
    configure_tracing(endpoint=collector.url, environ={})
    provider = TRACING.provider

    assert configure_tracing(endpoint="http://127.0.0.1:9", environ={}) is True
    assert TRACING.provider is provider


def test_otel_sdk_disabled_turns_tracing_off_whatever_else_is_set(collector: Collector) -> None:
    environ = {"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url}
    assert configure_tracing(endpoint=collector.url, environ=environ) is False
    assert TRACING.enabled is False


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "zipkin"),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
            "HTTP/protobuf only",
        ),
    ],
)
def test_an_exporter_interloom_cannot_use_is_a_config_error_with_a_hint(
    environ: dict[str, str], expected: str
) -> None:
    with pytest.raises(TracingConfigError) as raised:
        configure_tracing(environ=environ)

    assert raised.value.code == "E-TRACE-001"
    assert expected in raised.value.message
    assert raised.value.hint
    assert TRACING.enabled is False


def test_a_sampler_that_samples_nothing_records_no_span(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    exporter = InMemorySpanExporter()
    configure_tracing(exporter=exporter, environ={})

    _one_span("flow w1")
    assert flush_tracing(5_000)

    assert exporter.get_finished_spans() == ()


# --- the ids of a message run -------------------------------------------------------------


def test_a_run_takes_the_callers_trace_id_from_its_traceparent() -> None:
    headers = [(b"content-type", b"application/json"), (b"Traceparent", TRACEPARENT)]

    trace_id, span_id = message_run_ids(("w1", "m-1", headers))

    assert trace_id == CALLER_TRACE
    assert len(span_id) == 16
    assert int(span_id, 16)


@pytest.mark.parametrize(
    "headers",
    [
        None,
        [(b"traceparent", b"00-zz-b7ad6b7169203331-01")],
        [(b"traceparent", b"00-" + b"0" * 32 + b"-b7ad6b7169203331-01")],
    ],
)
def test_without_a_usable_traceparent_the_ids_come_from_the_message(
    headers: list[tuple[bytes, bytes]] | None,
) -> None:
    trace_id, span_id = message_run_ids(("w1", "m-1", headers))

    # The worker that delivers the message later derives the same trace id.
    assert message_run_ids(("w1", "m-1", None)) == (trace_id, span_id)
    assert message_run_ids(("w1", "m-2", None))[0] != trace_id
    assert len(trace_id) == 32
    assert int(trace_id, 16)
    assert len(span_id) == 16
    assert int(span_id, 16)


# --- log lines ----------------------------------------------------------------------------


def _json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_logged_during_a_message_carry_its_ids_and_others_do_not() -> None:
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "info", stream)
    log = structlog.get_logger("interloom.test")

    token = MESSAGE_RUN.set(("w1", "m-1", [(b"traceparent", TRACEPARENT)]))
    log.warning("flow.sink.failed", flow="w1", message_id="m-1")
    MESSAGE_RUN.reset(token)
    log.info("project.reloaded")

    during, after = _json_lines(stream)
    assert during["interloom"] == {"flow": {"id": "w1"}, "message": {"id": "m-1"}}
    assert during["trace"]["id"] == CALLER_TRACE
    assert during["span"]["id"] == message_run_ids(("w1", "m-1", None))[1]
    assert during["message"] == "flow.sink.failed"
    assert "trace" not in after
    assert "interloom" not in after


def test_with_tracing_on_a_line_names_the_span_it_was_logged_in() -> None:
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "info", stream)
    configure_tracing(exporter=InMemorySpanExporter(), environ={})

    token = MESSAGE_RUN.set(("w1", "m-1", None))
    with TRACING.tracer.start_as_current_span("step check") as span:
        structlog.get_logger("interloom.test").info("step.note")
    MESSAGE_RUN.reset(token)

    [line] = _json_lines(stream)
    assert line["trace"]["id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span"]["id"] == format(span.get_span_context().span_id, "016x")
    assert line["interloom"]["message"]["id"] == "m-1"


def test_console_lines_show_the_ids_by_their_short_names() -> None:
    stream = io.StringIO()
    configure_logging(LogFormat.CONSOLE, "info", stream)

    token = MESSAGE_RUN.set(("w1", "m-1", None))
    structlog.get_logger("interloom.test").info("delivery.retry")
    MESSAGE_RUN.reset(token)

    [line] = stream.getvalue().splitlines()
    trace_id, _ = message_run_ids(("w1", "m-1", None))
    assert "flow.id=w1" in line
    assert "message.id=m-1" in line
    assert f"trace.id={trace_id}" in line
