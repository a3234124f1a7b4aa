"""Step spans: one per step run, with its kind and outcome; errors recorded on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanContext, StatusCode

from interloom.observability.tracing import configure_tracing, flush_tracing, shutdown_tracing
from interloom.runtime.message_traces import PersistedTraces, traced_process
from interloom.runtime.processors import (
    DROP,
    HELD,
    MessageRejectedError,
    Mode,
    Routed,
    Split,
    StepContext,
    StepFailedError,
)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    configure_tracing(exporter=exporter, environ={})
    try:
        yield exporter
    finally:
        shutdown_tracing()


def _only(exporter: InMemorySpanExporter) -> ReadableSpan:
    assert flush_tracing(5_000)
    [span] = exporter.get_finished_spans()
    return span


@pytest.mark.parametrize(
    ("out", "outcome"),
    [
        ({"id": 1}, "passed"),
        (DROP, "dropped"),
        (HELD, "held"),
        (Split([1, 2]), "split"),
        (Routed({"id": 1}, (0,)), "routed"),
    ],
)
def test_a_step_span_says_what_the_step_did_with_the_message(
    spans: InMemorySpanExporter, out: Any, outcome: str
) -> None:
    process = traced_process("pick", "route", lambda body: out, Mode.SYNC)

    assert process({"id": 1}) is out
    span = _only(spans)
    assert span.name == "step pick"
    assert span.attributes == {
        "interloom.step.id": "pick",
        "interloom.step.kind": "route",
        "interloom.step.outcome": outcome,
    }
    assert span.status.status_code is StatusCode.UNSET


def test_a_rejection_is_an_error_status_with_the_reason(spans: InMemorySpanExporter) -> None:
    def reject(body: Any) -> Any:
        raise MessageRejectedError("total is negative", [])

    process = traced_process("check", "validate", reject, Mode.SIMPLE)

    with pytest.raises(MessageRejectedError):
        process({"total": -1})
    span = _only(spans)
    assert (span.attributes or {})["interloom.step.outcome"] == "rejected"
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "total is negative"


async def test_an_awaited_step_that_fails_records_the_exception(
    spans: InMemorySpanExporter,
) -> None:
    async def call(body: Any, context: StepContext) -> Any:
        raise StepFailedError("step 'customer': GET http://crm/customers/7 answered 503")

    process = traced_process("customer", "enrich", call, Mode.ASYNC)

    with pytest.raises(StepFailedError):
        await process({"id": 7}, StepContext("w1", "m-1", 1))
    span = _only(spans)
    assert (span.attributes or {})["interloom.step.outcome"] == "failed"
    assert span.status.status_code is StatusCode.ERROR
    [event] = span.events
    assert event.name == "exception"
    assert "answered 503" in str((event.attributes or {})["exception.message"])


def test_a_step_compiled_traced_runs_bare_once_tracing_is_off() -> None:
    exporter = InMemorySpanExporter()
    configure_tracing(exporter=exporter, environ={})
    process = traced_process("map", "map", lambda body: body + 1, Mode.SIMPLE)
    shutdown_tracing()

    assert process(1) == 2
    assert exporter.get_finished_spans() == ()


def test_remembered_contexts_are_bounded_oldest_first() -> None:
    traces = PersistedTraces(limit=2)
    contexts = [SpanContext(trace_id=n, span_id=n, is_remote=False) for n in (1, 2, 3)]
    for n, context in enumerate(contexts):
        traces.remember(f"m-{n}", context)

    assert traces.get("m-0") is None
    assert [traces.get("m-1"), traces.get("m-2")] == contexts[1:]
