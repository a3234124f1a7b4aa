"""Benchmark of the data plane's own cost per W1 request: CPU µs, without server or network.

    .venv/bin/python benchmarks/data_plane_bench.py [--requests 5000] [--runs 5] [--json FILE]

Loads ``examples/bench`` as ``interloom serve`` does, then calls its data plane directly with
W1 requests, through the door the server's HTTP protocol takes (``DataPlane.respond``, ADR
0030), 64 in flight, and times the process's CPU:

- ``invalid``: ``order-invalid.json`` to ``POST /orders``, answered 422 with its pointer;
- ``sync``: ``order.json`` to ``POST /orders`` (validate, map, send, answer 202), the sink's
  client replaced by one that answers 200 at once, so what is timed is Interloom's own work.

The server (HTTP parsing and writing) and the client's network work come on top; `make bench`
measures them end to end beside Node-RED. This one shows, run to run, whether the runtime's
own share grew: it is the part a change in ``runtime/`` moves. Best of ``--runs`` (a shared
machine only ever adds time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "examples" / "bench"
WORKLOAD = ROOT / "tests" / "data" / "w1"
IN_FLIGHT = 64


class _Answering200:
    """Stands where the HTTP sink keeps its client: every request taken at once."""

    closed = False

    def open(self) -> None:
        """Nothing to open."""

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        """Answer 200 with an empty body."""
        return 200, b""

    async def close(self) -> None:
        """Nothing to close."""


async def _measure(kind: str, requests: int, runs: int) -> dict[str, Any]:
    from interloom.runtime.data_plane import Answer
    from interloom.services.flow_runtime import FlowRuntime
    from interloom.services.project import open_project

    os.environ.setdefault("SINK_URL", "http://127.0.0.1:9/ingest")  # never reached
    runtime = FlowRuntime()
    runtime.load(open_project(PROJECT).project, PROJECT)
    for flow in runtime.compiled.values():
        for sink in flow.sinks:
            sink._transport = _Answering200()  # type: ignore[attr-defined]
    body = (WORKLOAD / ("order-invalid.json" if kind == "invalid" else "order.json")).read_bytes()
    headers = [
        (b"host", b"127.0.0.1:8080"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    flow = runtime.data_plane.fast_route("POST", "/orders")
    assert flow is not None
    statuses: dict[int, int] = {}
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one() -> None:
        async with gate:
            answer = runtime.data_plane.respond(flow, headers, body)
            if not isinstance(answer, Answer):  # a coroutine: the sink is being called
                answer = await answer
            statuses[answer.status] = statuses.get(answer.status, 0) + 1

    await asyncio.gather(*(one() for _ in range(500)))  # warm-up
    times = []
    for _ in range(runs):
        started = time.process_time()
        await asyncio.gather(*(one() for _ in range(requests)))
        times.append((time.process_time() - started) / requests * 1e6)
    await runtime.close()
    expected = 422 if kind == "invalid" else 202
    if set(statuses) != {expected}:
        raise SystemExit(f"data_plane: {kind} answered {statuses}, expected only {expected}")
    return {"kind": kind, "best_cpu_us": round(min(times), 1), "runs_cpu_us": times}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - Windows
        pass
    results = [
        asyncio.run(_measure(kind, args.requests, args.runs)) for kind in ("invalid", "sync")
    ]
    line = ", ".join(f"{r['kind']} {r['best_cpu_us']} µs" for r in results)
    print(f"data_plane: CPU per W1 request (best of {args.runs} × {args.requests}): {line}")
    if args.json:
        report = {
            "python": sys.version.split()[0],
            "machine": platform.machine(),
            "results": results,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
