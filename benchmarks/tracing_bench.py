"""Cost of tracing on the W1 relay: µs per message through the data plane, tracing off and on.

    .venv/bin/python benchmarks/tracing_bench.py [--messages 200] [--repeat 150] [--json FILE]

The W1 flow of ``examples/bench`` (validate, map, forward; reply sync) is compiled as the
server compiles it and its requests are handed to the data plane's ASGI app directly, as the
HTTP server would hand them; its sink is swapped for an in-process one that answers at once,
so that the figure is Interloom's own work per message (no socket, no downstream). Each mode
is the best of ``--repeat`` runs of ``--messages`` requests (short runs: on a shared machine a
long one is almost always preempted somewhere):

- ``off``: tracing not configured (the default): per message, a run context of ids only;
- ``traceparent``: the same, each request carrying a W3C ``traceparent`` header;
- ``on``: tracing configured with the SDK's BatchSpanProcessor and an exporter that drops
  the spans (the cost of making and batching spans, not of sending them).

What tracing off adds to each message is also timed alone (``run context``): far below what
the runs can resolve on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import time
import timeit
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "examples" / "bench"
ORDER = (ROOT / "tests" / "data" / "w1" / "order.json").read_bytes()
TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class InstantSink:
    """A sink that takes every message at once."""

    def __init__(self) -> None:
        self.count = 0

    async def write(self, message: Any, body: Any) -> int:
        self.count += 1
        return 200


def _scope(traceparent: bool) -> dict[str, Any]:
    headers = [
        (b"host", b"relay"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(ORDER)).encode()),
        (b"user-agent", b"bench"),
    ]
    if traceparent:
        headers.append((b"traceparent", TRACEPARENT))
    return {"type": "http", "method": "POST", "path": "/orders", "headers": headers}


async def _run(app: Any, messages: int, traceparent: bool) -> float:
    scope = _scope(traceparent)
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": ORDER, "more_body": False}

    async def send(event: Any) -> None:
        if event["type"] == "http.response.start":
            statuses.append(event["status"])

    started = time.perf_counter()
    for _ in range(messages):
        await app(scope, receive, send)
    elapsed = time.perf_counter() - started
    if set(statuses) != {202}:
        raise SystemExit(f"the relay answered {sorted(set(statuses))}, not only 202")
    return elapsed / messages * 1e6


def _data_plane() -> tuple[Any, InstantSink]:
    from interloom.services.flow_runtime import FlowRuntime
    from interloom.services.project import open_project

    runtime = FlowRuntime()
    runtime.load(open_project(BENCH).project, BENCH)
    sink = InstantSink()
    flow = runtime.compiled["w1"]
    flow.sinks = [sink]  # type: ignore[list-item]
    return runtime.data_plane, sink


def _measure(mode: str, messages: int, repeat: int) -> float:
    app, sink = _data_plane()
    traceparent = mode == "traceparent"

    async def best() -> float:
        await _run(app, 200, traceparent)  # warm up
        return min([await _run(app, messages, traceparent) for _ in range(repeat)])

    figure = asyncio.run(best())
    assert sink.count == 200 + messages * repeat
    return figure


def _run_context_ns() -> float:
    """What tracing off adds to a message, timed alone: the run context set, checked, reset."""
    from interloom.observability.tracing import MESSAGE_RUN, TRACING

    headers = _scope(False)["headers"]

    def added() -> None:
        run = MESSAGE_RUN.set(("w1", "1901cadbd096-0000000001", headers))
        try:
            if TRACING.enabled:
                raise AssertionError("tracing is on")
        finally:
            MESSAGE_RUN.reset(run)

    def bare() -> None:
        return None

    number = 200_000
    cost = min(timeit.repeat(added, number=number, repeat=9))
    call = min(timeit.repeat(bare, number=number, repeat=9))
    return (cost - call) / number * 1e9


def _enable_tracing() -> None:
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    from interloom.observability.tracing import configure_tracing

    class Discard(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    configure_tracing(exporter=Discard())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=150)
    parser.add_argument("--modes", nargs="+", default=["off", "traceparent", "on"])
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    context_ns = _run_context_ns()
    print(f"run context  {context_ns:8.0f} ns/message (tracing off, timed alone)")
    figures: dict[str, float] = {}
    for mode in args.modes:  # "on" last: tracing, once configured, stays on in the process
        if mode == "on":
            _enable_tracing()
        figures[mode] = round(_measure(mode, args.messages, args.repeat), 1)
        print(f"{mode:12s} {figures[mode]:8.1f} µs/message")
    if args.json:
        report = {
            "benchmark": "tracing",
            "python": sys.version.split()[0],
            "machine": platform.machine(),
            "messages": args.messages,
            "repeat": args.repeat,
            "us_per_message": figures,
            "run_context_ns_per_message": round(context_ns),
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
