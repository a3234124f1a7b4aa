"""A sender's Idempotency-Key: one stored message per key, the same key at every sink."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from interloom.services.flow_runtime import FlowRuntime
from interloom.services.project import open_project
from interloom.storage.message_store import open_message_store

from .conftest import RecordingSink

W1 = Path(__file__).resolve().parents[2] / "data" / "w1"


async def _runtime(
    project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> FlowRuntime:
    monkeypatch.setenv("SINK_URL", sink.url)
    runtime = FlowRuntime()
    runtime.load(open_project(project).project, project)
    store = await open_message_store(str(project / "messages.db"))
    await runtime.start_delivery(store, lease_seconds=5, idle_wait=0.05)
    return runtime


async def _post(runtime: FlowRuntime, path: str, key: str | bytes | None) -> httpx.Response:
    headers: dict[str, str | bytes] = {"content-type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    transport = httpx.ASGITransport(app=runtime.data_plane)
    async with httpx.AsyncClient(transport=transport, base_url="http://relay") as client:
        return await client.post(path, content=(W1 / "order.json").read_bytes(), headers=headers)


async def test_a_retried_key_is_stored_once_and_answered_as_a_duplicate(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = await _runtime(bench_project, sink, monkeypatch)
    try:
        first = await _post(runtime, "/orders/durable", "order-42")
        again = await _post(runtime, "/orders/durable", "order-42")
        status = next(s for s in await runtime.statuses() if s.id == "w1-durable")
    finally:
        await runtime.close()

    assert first.status_code == again.status_code == 202
    assert first.json() == {"id": "c:w1-durable:order-42", "status": "accepted"}
    assert again.json() == {"id": "c:w1-durable:order-42", "status": "duplicate"}
    assert status.received == 1


async def test_the_sink_gets_the_senders_key_in_its_idempotency_key(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = await _runtime(bench_project, sink, monkeypatch)
    try:
        response = await _post(runtime, "/orders", "order-7")
    finally:
        await runtime.close()

    assert response.status_code == 202
    ((headers, _),) = sink.received
    assert headers["Idempotency-Key"] == "w1:c:w1:order-7"


@pytest.mark.parametrize(
    "key", ["", "x" * 201, "spaces are not allowed", "naïve".encode("latin-1")]
)
async def test_an_unusable_key_is_a_400_and_nothing_is_stored(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch, key: str | bytes
) -> None:
    runtime = await _runtime(bench_project, sink, monkeypatch)
    try:
        response = await _post(runtime, "/orders/durable", key)
        status = next(s for s in await runtime.statuses() if s.id == "w1-durable")
    finally:
        await runtime.close()

    assert response.status_code == 400
    assert response.json()["code"] == "E-MSG-005"
    assert status.received == 0
