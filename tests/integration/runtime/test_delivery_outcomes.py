"""How durable messages end, as the flow's status shows it, before and after a restart.

A message a delivery step drops is counted filtered by the store, so a restart does not turn
it into a delivered one; a sender retrying with its ``Idempotency-Key`` after its message was
delivered is answered "duplicate" and nothing is delivered or counted twice.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from interloom.api.app import create_server_app
from interloom.services.flow_runtime import FlowRuntime
from interloom.services.server import ServerConfig

from .conftest import RecordingSink
from .processor_projects import eventually, running, status, write_project

FILTERED_FLOW = """\
id: orders
name: Orders
source:
  connector: http
  config: {{path: /orders, method: POST, reply: durable}}
steps:
  - id: only-real-orders
    kind: filter
    config: {{expression: "quantity > 0"}}
sinks:
  - connector: http
    config: {{url: "{url}"}}
"""


async def post(
    runtime: FlowRuntime, path: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    """POST a JSON body to the data plane, with these headers."""
    transport = httpx.ASGITransport(app=runtime.data_plane)
    async with httpx.AsyncClient(transport=transport, base_url="http://relay") as client:
        return await client.post(path, json=body, headers=headers)


async def test_filtered_messages_stay_filtered_after_a_restart(
    tmp_path: Path, sink: RecordingSink, database_url: str
) -> None:
    root = write_project(tmp_path, {"orders": FILTERED_FLOW.format(url=sink.url)})
    async with running(root, database_url) as runtime:
        for quantity in (3, 0, 0):
            assert (await post(runtime, "/orders", {"quantity": quantity})).status_code == 202

        async def settled() -> bool:
            found = await status(runtime, "orders")
            return (found.delivered, found.filtered, found.in_flight) == (1, 2, 0)

        await eventually(settled)

    async with running(root, database_url) as runtime:
        found = await status(runtime, "orders")
        assert (found.received, found.delivered, found.filtered) == (3, 1, 2)
        assert (found.dead_lettered, found.in_flight) == (0, 0)
    assert sink.bodies() == [{"quantity": 3}]


async def test_a_retry_after_delivery_is_a_duplicate_even_after_a_restart(
    tmp_path: Path, sink: RecordingSink, database_url: str
) -> None:
    root = write_project(tmp_path, {"orders": FILTERED_FLOW.format(url=sink.url)})
    headers = {"Idempotency-Key": "order-1"}
    async with running(root, database_url) as runtime:
        first = await post(runtime, "/orders", {"quantity": 1}, headers=headers)
        assert first.json()["status"] == "accepted"

        async def delivered() -> bool:
            return (await status(runtime, "orders")).delivered == 1

        await eventually(delivered)
        again = await post(runtime, "/orders", {"quantity": 1}, headers=headers)
        assert (again.status_code, again.json()["status"]) == (202, "duplicate")

    async with running(root, database_url) as runtime:
        again = await post(runtime, "/orders", {"quantity": 1}, headers=headers)
        assert (again.status_code, again.json()["status"]) == (202, "duplicate")
        found = await status(runtime, "orders")
        assert (found.received, found.delivered, found.in_flight) == (1, 1, 0)
    assert len(sink.bodies()) == 1


W1 = Path(__file__).resolve().parents[2] / "data" / "w1"


@pytest.mark.parametrize(("setting", "second"), [("", "duplicate"), ("0", "accepted")])
def test_the_server_remembers_a_key_for_the_window_the_project_sets(
    bench_project: Path,
    sink: RecordingSink,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    setting: str,
    second: str,
) -> None:
    monkeypatch.setenv("SINK_URL", sink.url)
    runtime = "runtime:\n  poll_seconds: 0.05\n"
    if setting:
        runtime += f"  key_retention_seconds: {setting}\n"
    settings = bench_project / "interloom.yaml"
    settings.write_text(settings.read_text() + runtime)
    config = ServerConfig(root=bench_project, database_url=f"sqlite:///{tmp_path / 'k.db'}")
    order = {
        "content": (W1 / "order.json").read_bytes(),
        "headers": {"content-type": "application/json", "Idempotency-Key": "order-7"},
    }
    with TestClient(create_server_app(config)) as client:
        first = client.post("/orders/durable", **order)
        deadline = time.monotonic() + 10
        while len(sink.bodies()) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(sink.bodies()) == 1
        while time.monotonic() < deadline:  # the store has settled it, not only the sink
            status = client.get("/api/v1/flows/w1-durable").json()
            if status["in_flight"] == 0:
                break
            time.sleep(0.05)
        again = client.post("/orders/durable", **order)

    assert first.json()["status"] == "accepted"
    assert again.json()["status"] == second
