"""Durable reply mode: answered once persisted, delivered by a worker, retried, dead-lettered."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from interloom.services.flow_runtime import FlowRuntime
from interloom.services.project import open_project
from interloom.storage.message_store import open_message_store

from .conftest import RecordingSink

W1 = Path(__file__).resolve().parents[2] / "data" / "w1"
POLICY = """error_policy:
  max_attempts: 3
  backoff_initial_seconds: 0.05
  backoff_max_seconds: 0.1
  jitter: 0
"""


async def _runtime(
    project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> FlowRuntime:
    flow = project / "flows" / "w1-durable.yaml"
    flow.write_text(flow.read_text("utf-8") + POLICY, "utf-8")
    monkeypatch.setenv("SINK_URL", sink.url)
    runtime = FlowRuntime()
    runtime.load(open_project(project).project, project)
    store = await open_message_store(str(project / "messages.db"))
    await runtime.start_delivery(store, lease_seconds=5, idle_wait=0.05)
    return runtime


async def _post(runtime: FlowRuntime, name: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=runtime.data_plane)
    async with httpx.AsyncClient(transport=transport, base_url="http://relay") as client:
        return await client.post(
            "/orders/durable",
            content=(W1 / name).read_bytes(),
            headers={"content-type": "application/json"},
        )


async def _eventually(check: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def _status(runtime: FlowRuntime) -> Any:
    return next(s for s in await runtime.statuses() if s.id == "w1-durable")


async def test_a_persisted_order_is_answered_202_then_delivered_mapped(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = await _runtime(bench_project, sink, monkeypatch)
    try:
        response = await _post(runtime, "order.json")
        assert response.status_code == 202

        async def delivered() -> bool:
            return len(sink.bodies()) == 1

        await _eventually(delivered)
        assert sink.bodies() == [json.loads((W1 / "order.mapped.json").read_text("utf-8"))]
        headers, _ = sink.received[0]
        assert headers["Idempotency-Key"] == f"w1-durable:{response.json()['id']}"

        async def settled() -> bool:
            status = await _status(runtime)
            return (status.received, status.delivered, status.in_flight) == (1, 1, 0)

        await _eventually(settled)
    finally:
        await runtime.close()


async def test_an_invalid_order_is_rejected_before_it_is_persisted(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = await _runtime(bench_project, sink, monkeypatch)
    try:
        response = await _post(runtime, "order-invalid.json")

        assert response.status_code == 422
        assert {d["pointer"] for d in response.json()["details"]} == {"/lines/2/qty"}
        assert runtime.store is not None
        assert (await runtime.store.counts("w1-durable")).received == 0
    finally:
        await runtime.close()


async def test_a_failing_sink_is_retried_then_the_message_is_dead_lettered(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink.status = 503
    runtime = await _runtime(bench_project, sink, monkeypatch)
    try:
        response = await _post(runtime, "order.json")
        assert response.status_code == 202
        assert runtime.store is not None
        store = runtime.store

        async def dead() -> bool:
            return (await store.counts("w1-durable")).dead_lettered == 1

        await _eventually(dead)
        [letter] = await store.list_dead("w1-durable")
        assert letter.id == response.json()["id"]
        assert letter.step == "sinks[0]"
        assert "answered 503" in letter.error
        assert len(sink.bodies()) == 3  # max_attempts tries, all with the same idempotency key
        assert len({h["Idempotency-Key"] for h, _ in sink.received}) == 1
        counts = await store.counts("w1-durable")
        assert counts.received == counts.delivered + counts.dead_lettered + counts.in_flight
    finally:
        await runtime.close()


async def test_a_replayed_dead_letter_is_delivered_once_the_sink_is_back(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink.status = 500
    runtime = await _runtime(bench_project, sink, monkeypatch)
    try:
        await _post(runtime, "order-minimal.json")
        assert runtime.store is not None
        store = runtime.store

        async def dead() -> bool:
            return (await store.counts("w1-durable")).dead_lettered == 1

        await _eventually(dead)
        sink.status = 200
        assert await store.replay_dead(flow="w1-durable") == 1
        assert runtime.worker is not None
        runtime.worker.notify()

        async def delivered() -> bool:
            return (await store.counts("w1-durable")).delivered == 1

        await _eventually(delivered)
    finally:
        await runtime.close()
