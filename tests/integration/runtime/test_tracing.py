"""Traces and log ids of the W1 relay: real requests, a real aiohttp downstream, a real store."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from interloom.api.app import create_server_app
from interloom.observability.logging import LogFormat, configure_logging
from interloom.observability.tracing import (
    TRACING,
    configure_tracing,
    flush_tracing,
    shutdown_tracing,
)
from interloom.runtime.message_traces import traced_process
from interloom.runtime.processors import BuildContext, StepContext, build_processor
from interloom.services.flow_runtime import FlowRuntime
from interloom.services.project import open_project
from interloom.services.server import ServerConfig
from interloom.storage.message_store import open_message_store

from ..local_server import serving
from .conftest import RecordingSink

W1 = Path(__file__).resolve().parents[2] / "data" / "w1"
CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"


@dataclass
class Downstream:
    """An aiohttp server on 127.0.0.1 that records the headers it gets (names lower-cased)."""

    url: str = ""
    status: int = 200
    headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
async def downstream() -> AsyncIterator[Downstream]:
    state = Downstream()

    async def ingest(request: web.Request) -> web.Response:
        await request.read()
        state.headers.append({name.lower(): value for name, value in request.headers.items()})
        return web.json_response({"ok": True}, status=state.status)

    async def customer(request: web.Request) -> web.Response:
        state.headers.append({name.lower(): value for name, value in request.headers.items()})
        return web.json_response({"id": request.match_info["id"], "tier": "gold"})

    app = web.Application()
    app.router.add_post("/ingest", ingest)
    app.router.add_get("/customers/{id}", customer)
    async with serving(app) as base:
        state.url = f"{base}/ingest"
        yield state


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    configure_tracing(exporter=exporter, environ={})
    try:
        yield exporter
    finally:
        shutdown_tracing()


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "info", stream)
    yield stream
    configure_logging()


def _runtime(project: Path, downstream: Downstream, monkeypatch: pytest.MonkeyPatch) -> FlowRuntime:
    monkeypatch.setenv("SINK_URL", downstream.url)
    runtime = FlowRuntime()
    runtime.load(open_project(project).project, project)  # compiled with tracing on
    return runtime


async def _post(runtime: FlowRuntime, path: str, name: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=runtime.data_plane)
    async with httpx.AsyncClient(transport=transport, base_url="http://relay") as client:
        return await client.post(
            path,
            content=(W1 / name).read_bytes(),
            headers={"content-type": "application/json", **headers},
        )


def _finished(exporter: InMemorySpanExporter) -> dict[str, ReadableSpan]:
    assert flush_tracing(5_000)
    return {span.name: span for span in exporter.get_finished_spans()}


def _hex(number: int, width: int) -> str:
    return format(number, f"0{width}x")


async def test_a_relayed_order_is_one_trace_continuing_the_callers_and_sent_downstream(
    bench_project: Path,
    downstream: Downstream,
    spans: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = _runtime(bench_project, downstream, monkeypatch)
    try:
        response = await _post(runtime, "/orders", "order.json", traceparent=TRACEPARENT)
    finally:
        await runtime.close()
    assert response.status_code == 202

    found = _finished(spans)
    assert set(found) == {"flow w1", "step check", "step to-downstream", "POST"}
    flow, check, mapping, call = (
        found[name] for name in ("flow w1", "step check", "step to-downstream", "POST")
    )
    # The caller's trace goes on: same trace id, our flow span a child of the caller's span.
    assert all(_hex(s.context.trace_id, 32) == CALLER_TRACE for s in found.values())
    assert flow.parent is not None
    assert _hex(flow.parent.span_id, 16) == CALLER_SPAN
    for child in (check, mapping, call):
        assert child.parent is not None
        assert child.parent.span_id == flow.context.span_id
    assert flow.kind is SpanKind.SERVER
    assert call.kind is SpanKind.CLIENT
    assert dict(flow.attributes or {}) == {
        "interloom.flow.id": "w1",
        "interloom.flow.version": 1,
        "interloom.message.id": response.json()["id"],
        "interloom.source.kind": "http",
        "interloom.stage": "sync",
        "http.request.method": "POST",
        "url.path": "/orders",
        "http.response.status_code": 202,
    }
    assert check.attributes == {
        "interloom.step.id": "check",
        "interloom.step.kind": "validate",
        "interloom.step.outcome": "passed",
    }
    assert (mapping.attributes or {})["interloom.step.kind"] == "map"
    assert call.attributes == {
        "http.request.method": "POST",
        "url.full": downstream.url,
        "http.response.status_code": 200,
    }
    # Downstream gets the context of the call's span, in the same trace.
    [sent] = downstream.headers
    assert sent["traceparent"] == (f"00-{CALLER_TRACE}-{_hex(call.context.span_id, 16)}-01")
    assert sent["idempotency-key"] == f"w1:{response.json()['id']}"


async def test_a_rejected_order_marks_its_step_span_failed_and_calls_nobody(
    bench_project: Path,
    downstream: Downstream,
    spans: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = _runtime(bench_project, downstream, monkeypatch)
    try:
        response = await _post(runtime, "/orders", "order-invalid.json")
    finally:
        await runtime.close()
    assert response.status_code == 422

    found = _finished(spans)
    assert set(found) == {"flow w1", "step check"}
    check = found["step check"]
    assert check.status.status_code is StatusCode.ERROR
    assert (check.attributes or {})["interloom.step.outcome"] == "rejected"
    flow = found["flow w1"]
    assert flow.parent is None  # no traceparent came: the trace starts here
    assert (flow.attributes or {})["http.response.status_code"] == 422
    assert downstream.headers == []


async def test_a_failing_downstream_is_an_error_on_the_call_and_the_flow_and_logged_with_ids(
    bench_project: Path,
    downstream: Downstream,
    spans: InMemorySpanExporter,
    logs: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    downstream.status = 503
    runtime = _runtime(bench_project, downstream, monkeypatch)
    try:
        response = await _post(runtime, "/orders", "order.json")
    finally:
        await runtime.close()
    assert response.status_code == 502

    found = _finished(spans)
    call, flow = found["POST"], found["flow w1"]
    assert call.status.status_code is StatusCode.ERROR
    assert (call.attributes or {})["http.response.status_code"] == 503
    assert flow.status.status_code is StatusCode.ERROR
    # The warning logged while the message was under way names it and its trace.
    [line] = [json.loads(x) for x in logs.getvalue().splitlines() if "flow.sink.failed" in x]
    assert line["interloom"]["flow"]["id"] == "w1"
    assert line["interloom"]["message"]["id"] == (flow.attributes or {})["interloom.message.id"]
    assert line["trace"]["id"] == _hex(flow.context.trace_id, 32)
    assert line["span"]["id"] == _hex(flow.context.span_id, 16)


async def _eventually(check: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def test_a_durable_order_is_delivered_in_the_trace_of_the_request_that_put_it(
    bench_project: Path,
    downstream: Downstream,
    spans: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = _runtime(bench_project, downstream, monkeypatch)
    store = await open_message_store(str(bench_project / "messages.db"))
    await runtime.start_delivery(store, lease_seconds=5, idle_wait=0.05)
    try:
        response = await _post(runtime, "/orders/durable", "order.json", traceparent=TRACEPARENT)
        assert response.status_code == 202
        await _eventually(lambda: len(downstream.headers) == 1)
    finally:
        await runtime.close()
    message_id = response.json()["id"]

    assert flush_tracing(5_000)
    finished = list(spans.get_finished_spans())
    request, delivery = (s for s in finished if s.name == "flow w1-durable")
    assert (request.attributes or {})["interloom.stage"] == "durable"
    assert (delivery.attributes or {})["interloom.stage"] == "delivery"
    assert (delivery.attributes or {})["interloom.message.id"] == message_id
    assert (delivery.attributes or {})["interloom.message.attempt"] == 1
    # The worker's span joins the request's trace, under the request's span.
    assert _hex(delivery.context.trace_id, 32) == CALLER_TRACE
    assert delivery.parent is not None
    assert delivery.parent.span_id == request.context.span_id
    by_parent = {s.name: s.parent.span_id for s in finished if s.parent is not None}
    assert by_parent["step check"] == request.context.span_id  # validated before the answer
    assert by_parent["step to-downstream"] == delivery.context.span_id  # mapped by the worker
    assert by_parent["POST"] == delivery.context.span_id
    [sent] = downstream.headers
    assert sent["traceparent"].split("-")[1] == CALLER_TRACE


@dataclass
class Collector:
    """An OTLP/HTTP collector on 127.0.0.1: the (service, span) names it was sent."""

    url: str = ""
    spans: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
def collector() -> Iterator[Collector]:
    state = Collector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = ExportTraceServiceRequest()
            request.ParseFromString(self.rfile.read(int(self.headers["Content-Length"])))
            for resource_spans in request.resource_spans:
                resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                for scope in resource_spans.scope_spans:
                    state.spans += [(resource["service.name"], s.name) for s in scope.spans]
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


def test_the_server_sends_traces_to_the_projects_otlp_endpoint(
    bench_project: Path,
    sink: RecordingSink,
    collector: Collector,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SINK_URL", sink.url)
    settings = bench_project / "interloom.yaml"
    settings.write_text(
        settings.read_text("utf-8") + f"runtime:\n  otlp_endpoint: {collector.url}\n", "utf-8"
    )
    config = ServerConfig(
        root=bench_project, database_url=f"sqlite:///{tmp_path / 'm.db'}", watch=False
    )

    with TestClient(create_server_app(config)) as client:
        response = client.post(
            "/orders",
            content=(W1 / "order.json").read_bytes(),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 202
    # Stopping the server exported what was still batched.

    assert sorted(collector.spans) == [
        ("interloom", "POST"),
        ("interloom", "flow w1"),
        ("interloom", "step check"),
        ("interloom", "step to-downstream"),
    ]
    [(headers, _)] = sink.received
    sent = {name.lower(): value for name, value in headers.items()}
    assert sent["traceparent"].startswith("00-")


async def test_each_try_of_a_failing_delivery_is_a_failed_span_in_the_same_trace(
    bench_project: Path,
    downstream: Downstream,
    spans: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flow_file = bench_project / "flows" / "w1-durable.yaml"
    flow_file.write_text(
        flow_file.read_text("utf-8")
        + "error_policy:\n  max_attempts: 2\n  backoff_initial_seconds: 0.05\n  jitter: 0\n",
        "utf-8",
    )
    downstream.status = 503
    runtime = _runtime(bench_project, downstream, monkeypatch)
    store = await open_message_store(str(bench_project / "messages.db"))
    await runtime.start_delivery(store, lease_seconds=5, idle_wait=0.05)
    try:
        response = await _post(runtime, "/orders/durable", "order.json", traceparent=TRACEPARENT)
        assert response.status_code == 202
        await _eventually(lambda: len(downstream.headers) == 2)
    finally:
        await runtime.close()  # the worker finishes the delivery under way first

    assert flush_tracing(5_000)
    deliveries = sorted(
        (
            s
            for s in spans.get_finished_spans()
            if (s.attributes or {}).get("interloom.stage") == "delivery"
        ),
        key=lambda s: int((s.attributes or {})["interloom.message.attempt"]),  # type: ignore[arg-type]
    )
    assert [(s.attributes or {})["interloom.delivery.outcome"] for s in deliveries] == [
        "retry",
        "dead_lettered",
    ]
    for span in deliveries:
        assert span.status.status_code is StatusCode.ERROR
        assert "answered 503" in (span.status.description or "")
        assert (span.attributes or {})["interloom.delivery.failed_step"] == "sinks[0]"
        assert _hex(span.context.trace_id, 32) == CALLER_TRACE


async def test_an_enrich_call_is_a_client_span_under_its_step_and_sends_its_context(
    downstream: Downstream, spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    base = downstream.url.removesuffix("/ingest")
    context = BuildContext(root=tmp_path, step="customer", environ={"CRM_URL": base})
    processor = build_processor(
        "enrich", {"url": "${CRM_URL}/customers/{id}", "target": "customer"}, context
    )
    process = traced_process("customer", "enrich", processor.process, processor.mode)
    try:
        with TRACING.tracer.start_as_current_span("flow orders") as flow:
            out = await process({"id": "C7"}, StepContext("orders", "m-1", 1))
    finally:
        assert processor.close is not None
        await processor.close()
    assert out == {"id": "C7", "customer": {"id": "C7", "tier": "gold"}}

    found = _finished(spans)
    step, call = found["step customer"], found["GET"]
    assert step.parent is not None
    assert step.parent.span_id == flow.get_span_context().span_id
    assert call.parent is not None
    assert call.parent.span_id == step.context.span_id
    assert call.attributes == {
        "http.request.method": "GET",
        "url.full": f"{base}/customers/C7",
        "http.response.status_code": 200,
    }
    [sent] = downstream.headers
    trace_id = _hex(flow.get_span_context().trace_id, 32)
    # Sampled, and (W3C level 2) a random trace id: flags 03.
    assert sent["traceparent"] == f"00-{trace_id}-{_hex(call.context.span_id, 16)}-03"
