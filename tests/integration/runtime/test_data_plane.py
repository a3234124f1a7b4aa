"""The data plane relays real HTTP requests through compiled flows to a real downstream server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from interloom.services.flow_runtime import FlowRuntime, FlowState, FlowStatus
from interloom.services.project import open_project

from .conftest import RecordingSink

W1 = Path(__file__).resolve().parents[2] / "data" / "w1"


def _load(name: str) -> Any:
    return json.loads((W1 / name).read_text("utf-8"))


@pytest.fixture
def runtime(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> FlowRuntime:
    monkeypatch.setenv("SINK_URL", sink.url)
    flows = FlowRuntime()
    flows.load(open_project(bench_project).project, bench_project)
    return flows


async def _post(runtime: FlowRuntime, path: str, content: bytes, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=runtime.data_plane)
    async with httpx.AsyncClient(transport=transport, base_url="http://relay") as client:
        response = await client.post(
            path, content=content, headers={"content-type": "application/json", **headers}
        )
    await runtime.close()
    return response


async def _w1(runtime: FlowRuntime) -> FlowStatus:
    return next(s for s in await runtime.statuses() if s.id == "w1")


@pytest.mark.parametrize(
    ("order", "mapped"),
    [("order.json", "order.mapped.json"), ("order-minimal.json", "order-minimal.mapped.json")],
)
async def test_a_valid_order_reaches_the_sink_mapped_and_is_answered_202(
    runtime: FlowRuntime, sink: RecordingSink, order: str, mapped: str
) -> None:
    response = await _post(runtime, "/orders", (W1 / order).read_bytes())

    assert response.status_code == 202
    assert response.json()["status"] == "accepted"
    assert sink.bodies() == [_load(mapped)]
    headers, _ = sink.received[0]
    assert headers["Idempotency-Key"] == f"w1:{response.json()['id']}"


async def test_an_invalid_order_is_422_at_the_field_and_nothing_is_forwarded(
    runtime: FlowRuntime, sink: RecordingSink
) -> None:
    response = await _post(runtime, "/orders", (W1 / "order-invalid.json").read_bytes())

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_message"
    assert {"pointer": "/lines/2/qty", "message": '"3" is not of type "integer"'} in body["details"]
    assert sink.bodies() == []


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"{not json", {}, 400, "E-MSG-002"),
        (b'{"orderId": 1}', {"content-type": "text/plain"}, 415, "E-MSG-003"),
        (b"[]", {}, 422, "E-MSG-001"),
    ],
)
async def test_bad_input_is_a_4xx_with_a_code_and_nothing_is_forwarded(
    runtime: FlowRuntime,
    sink: RecordingSink,
    content: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = await _post(runtime, "/orders", content, **headers)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert sink.bodies() == []


async def test_an_oversize_body_is_413(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow = bench_project / "flows" / "w1.yaml"
    flow.write_text(
        flow.read_text("utf-8").replace(
            "    reply: sync", "    reply: sync\n    max_body_bytes: 512"
        )
    )
    monkeypatch.setenv("SINK_URL", sink.url)
    runtime = FlowRuntime()
    runtime.load(open_project(bench_project).project, bench_project)

    response = await _post(runtime, "/orders", (W1 / "order.json").read_bytes())

    assert response.status_code == 413
    assert response.json()["code"] == "E-MSG-004"
    assert sink.bodies() == []


async def test_a_failing_sink_is_answered_502_and_counted(
    runtime: FlowRuntime, sink: RecordingSink
) -> None:
    sink.status = 500

    response = await _post(runtime, "/orders", (W1 / "order.json").read_bytes())

    assert response.status_code == 502
    assert response.json()["error"] == "downstream_failed"
    status = await _w1(runtime)
    assert (status.received, status.failed, status.delivered, status.in_flight) == (1, 1, 0, 0)


async def test_an_unknown_path_is_404_in_the_error_model(runtime: FlowRuntime) -> None:
    response = await _post(runtime, "/nowhere", b"{}")

    assert response.status_code == 404
    assert response.json()["code"] == "E-NOTFOUND-002"


async def test_counters_balance_after_a_mix_of_requests(
    runtime: FlowRuntime, sink: RecordingSink
) -> None:
    transport = httpx.ASGITransport(app=runtime.data_plane)
    async with httpx.AsyncClient(transport=transport, base_url="http://relay") as client:
        for name in ("order.json", "order-invalid.json", "order-minimal.json"):
            await client.post(
                "/orders",
                content=(W1 / name).read_bytes(),
                headers={"content-type": "application/json"},
            )
    await runtime.close()

    status = await _w1(runtime)
    assert (status.received, status.delivered, status.rejected) == (3, 2, 1)
    assert status.received == status.delivered + status.rejected + status.failed + status.in_flight
    assert len(sink.bodies()) == 2


async def test_a_flow_naming_a_connector_this_installation_lacks_is_unavailable_not_fatal(
    bench_project: Path,
) -> None:
    flow = bench_project / "flows" / "w1.yaml"
    flow.write_text(
        flow.read_text("utf-8").replace(
            "connector: http\n  config:", "connector: amqp\n  config:", 1
        )
    )
    runtime = FlowRuntime()

    runtime.load(open_project(bench_project).project, bench_project)

    status = await _w1(runtime)
    assert status.state is FlowState.UNAVAILABLE
    assert "no source connector 'amqp'" in (status.reason or "")
    assert ("POST", "/orders") not in runtime.data_plane.routes
    assert ("POST", "/orders/durable") in runtime.data_plane.routes
