"""The observing proxy against a real upstream on 127.0.0.1: forwarding, recording, inference."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from interloom.core.contracts.drift import DriftKind
from interloom.core.errors import ConfigError
from interloom.formats.traffic.recording import read_recording
from interloom.services.observe import ObserveSettings, TrafficObserver
from interloom.services.traffic import infer_contract_from_traffic

CUSTOMERS = {
    "1024": {"id": 1024, "name": "Jansen Bakkerij BV", "email": "inkoop@jansen.example"},
    "1025": {"id": 1025, "name": "De Vries", "email": "info@devries.example", "vip": True},
}
CONTRACT = """
openapi: 3.1.0
info: {title: CRM, version: '1'}
paths:
  /api/customers/{customerId}:
    get:
      operationId: getCustomer
      parameters: [{name: customerId, in: path, required: true, schema: {type: integer}}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, name, email]
                properties: {id: {type: integer}, name: {type: string}, email: {type: string}}
"""


def upstream_app() -> web.Application:
    """A tiny CRM: customers by id, creation, echo of what it received, a gzip body."""

    async def list_customers(request: web.Request) -> web.Response:
        response = web.json_response(list(CUSTOMERS.values()))
        response.headers.add("Set-Cookie", "a=1")
        response.headers.add("Set-Cookie", "b=2")
        response.headers["X-Upstream"] = "crm"
        return response

    async def get_customer(request: web.Request) -> web.Response:
        found = CUSTOMERS.get(request.match_info["id"])
        if found is None:
            return web.json_response(
                {"title": "Not Found"}, status=404, content_type="application/problem+json"
            )
        return web.json_response(found)

    async def create_customer(request: web.Request) -> web.Response:
        data = await request.json()
        return web.json_response(
            {"id": 3001, **data}, status=201, headers={"Location": "/api/customers/3001"}
        )

    async def echo(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "method": request.method,
                "path_qs": request.path_qs,
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": (await request.read()).decode(),
            }
        )

    async def compressed(request: web.Request) -> web.Response:
        body = gzip.compress(json.dumps({"report": "x" * 200}).encode())
        return web.Response(
            body=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
        )

    app = web.Application()
    app.router.add_get("/api/customers", list_customers)
    app.router.add_post("/api/customers", create_customer)
    app.router.add_get("/api/customers/{id}", get_customer)
    app.router.add_route("*", "/api/echo", echo)
    app.router.add_get("/api/report", compressed)
    return app


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    runner = web.AppRunner(upstream_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_the_proxy_forwards_unchanged_records_and_feeds_inference(
    upstream: str, tmp_path: Path
) -> None:
    recording = tmp_path / "crm.jsonl"
    contract = tmp_path / "crm.yaml"
    contract.write_text(CONTRACT, "utf-8")
    settings = ObserveSettings(upstream=upstream, port=0, record=recording, contract=contract)

    async with (
        TrafficObserver(settings) as observer,
        aiohttp.ClientSession(observer.url, auto_decompress=False) as client,
    ):
        assert observer.url.startswith("http://127.0.0.1:")
        async with client.get("/api/customers") as listed:
            assert listed.status == 200
            assert listed.headers.getall("Set-Cookie") == ["a=1", "b=2"]
            assert listed.headers["X-Upstream"] == "crm"
            assert await listed.json() == list(CUSTOMERS.values())
        for customer_id in ("1024", "1025", "999"):
            async with client.get(f"/api/customers/{customer_id}") as got:
                assert got.status == (404 if customer_id == "999" else 200)
        async with client.post("/api/customers", json={"name": "Visser"}) as created:
            assert created.status == 201
            assert created.headers["Location"] == "/api/customers/3001"
        async with client.patch(
            "/api/echo?a=1&a=2",
            data=b"payload",
            headers={"X-Trace": "t-1", "Proxy-Authorization": "secret", "Keep-Alive": "5"},
        ) as echoed:
            seen = await echoed.json()
        async with client.get("/api/report") as report:
            raw = await report.read()
            assert report.headers["Content-Encoding"] == "gzip"
            assert json.loads(gzip.decompress(raw)) == {"report": "x" * 200}

    assert seen["method"] == "PATCH"
    assert seen["path_qs"] == "/api/echo?a=1&a=2"
    assert seen["body"] == "payload"
    assert seen["headers"]["x-trace"] == "t-1"
    assert "proxy-authorization" not in seen["headers"]
    assert "keep-alive" not in seen["headers"]
    assert seen["headers"]["host"] == upstream.removeprefix("http://")

    exchanges = read_recording(recording.read_bytes(), str(recording))
    assert [e.describe() for e in exchanges] == [
        "GET /api/customers → 200",
        "GET /api/customers/1024 → 200",
        "GET /api/customers/1025 → 200",
        "GET /api/customers/999 → 404",
        "POST /api/customers → 201",
        "PATCH /api/echo → 200",
        "GET /api/report → 200",
    ]
    assert all(e.request.url.startswith(upstream) for e in exchanges)
    assert all(e.duration_ms is not None and e.duration_ms >= 0 for e in exchanges)
    created_exchange = exchanges[4]
    assert created_exchange.request.body is not None
    assert created_exchange.request.body.json_value() == (True, {"name": "Visser"})
    report_body = exchanges[6].response.body
    assert report_body is not None
    assert report_body.json_value() == (True, {"report": "x" * 200})
    assert exchanges[6].response.header("content-encoding") is None  # stored decoded

    summary = observer.summary()
    assert summary.exchanges == 7
    assert {(o.method, o.path, o.count) for o in summary.operations} >= {
        ("GET", "/api/customers/{customerId}", 3),
        ("POST", "/api/customers", 1),
    }
    assert summary.drift is not None
    fields = [f for f in summary.drift.findings if f.kind is DriftKind.UNDOCUMENTED_FIELD]
    assert [(f.operation, f.pointer) for f in fields] == [("getCustomer", "/vip")]

    inferred = infer_contract_from_traffic([recording], title="CRM", base_path="/api")
    paths = set(inferred.inference.contract.paths)
    assert {"/customers", "/customers/{customerId}", "/echo", "/report"} == paths
    get = next(op for op in inferred.inference.contract.operations if op.id == "getCustomer")
    assert set(get.responses) == {"200", "404"}
    schema = get.responses["200"].content["application/json"].json_schema
    assert schema is not None
    assert schema["required"] == ["email", "id", "name"]


async def test_an_upstream_base_path_prefixes_every_request(upstream: str, tmp_path: Path) -> None:
    settings = ObserveSettings(upstream=upstream + "/api/", port=0)

    async with (
        TrafficObserver(settings) as observer,
        aiohttp.ClientSession(observer.url) as client,
        client.get("/customers/1024") as got,
    ):
        assert got.status == 200
        assert (await got.json())["id"] == 1024

    assert [(o.path, o.count) for o in observer.summary().operations] == [
        ("/customers/{customerId}", 1)
    ]


async def test_long_bodies_are_recorded_truncated(upstream: str, tmp_path: Path) -> None:
    recording = tmp_path / "r.jsonl"
    settings = ObserveSettings(upstream=upstream, port=0, record=recording, max_body=16)

    async with (
        TrafficObserver(settings) as observer,
        aiohttp.ClientSession(observer.url) as client,
        client.put("/api/echo", data=b"0123456789" * 5) as echoed,
    ):
        assert (await echoed.json())["body"] == "0123456789" * 5

    (exchange,) = read_recording(recording.read_bytes(), "r.jsonl")
    assert exchange.request.body is not None
    assert exchange.request.body.truncated
    assert exchange.request.body.text == "0123456789012345"


async def test_an_upstream_that_does_not_answer_gets_a_502_problem_not_a_record(
    tmp_path: Path,
) -> None:
    closed = web.AppRunner(web.Application())
    await closed.setup()
    site = web.TCPSite(closed, "127.0.0.1", 0)
    await site.start()
    port = closed.addresses[0][1]
    await closed.cleanup()  # nothing listens there any more
    recording = tmp_path / "r.jsonl"
    settings = ObserveSettings(upstream=f"http://127.0.0.1:{port}", port=0, record=recording)

    async with (
        TrafficObserver(settings) as observer,
        aiohttp.ClientSession(observer.url) as client,
        client.get("/anything") as answer,
    ):
        assert answer.status == 502
        problem = await answer.json(content_type=None)

    assert problem["code"] == "E-OBSERVE-001"
    assert observer.summary().upstream_errors == 1
    assert recording.read_bytes() == b""


async def test_a_busy_port_or_a_bad_upstream_is_a_config_error(upstream: str) -> None:
    busy = int(upstream.rsplit(":", 1)[1])

    with pytest.raises(ConfigError) as caught:
        async with TrafficObserver(ObserveSettings(upstream=upstream, port=busy)):
            pass
    assert caught.value.hint is not None
    assert "--port" in caught.value.hint
    with pytest.raises(ConfigError):
        TrafficObserver(ObserveSettings(upstream="ftp://files.example.com"))
