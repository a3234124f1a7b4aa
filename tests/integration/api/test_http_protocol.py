"""The server's HTTP protocol on a real socket: the data plane's short way in, and HTTP/1.1.

A project with a sync flow (validate, map, forward to a real downstream server) and a durable
one (SQLite store) is served by uvicorn with ``InterloomHttpProtocol`` on a free port of
127.0.0.1. Requests are written as raw bytes, so that keep-alive, pipelining, ``Expect:
100-continue``, HTTP/1.0, chunked bodies and an oversize body are what the test says, and the
answers are read back from the socket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httptools
import pytest
import uvicorn
from aiohttp import web

from interloom.api.app import create_server_app
from interloom.api.http_protocol import FlowRequest, InterloomHttpProtocol, Outbox
from interloom.services.server import ServerConfig

from ..local_server import serving

SETTINGS = """\
name: protocol
environments:
  test: {}
"""

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["orderId", "qty"],
    "properties": {"orderId": {"type": "string"}, "qty": {"type": "integer"}},
}

SYNC_FLOW = """\
id: orders
name: Orders relayed
source:
  connector: http
  config: {path: /orders, method: POST, reply: sync, max_body_bytes: 4096}
steps:
  - id: check
    kind: validate
    config: {schema: contracts/order.schema.json}
  - id: to-downstream
    kind: map
    config:
      expression: '{"ref": orderId, "count": qty}'
sinks:
  - connector: http
    config: {url: "${SINK_URL}"}
"""

DURABLE_FLOW = """\
id: orders-durable
name: Orders kept
source:
  connector: http
  config: {path: /orders/durable, method: POST, reply: durable}
steps:
  - id: check
    kind: validate
    config: {schema: contracts/order.schema.json}
sinks:
  - connector: http
    config: {url: "${SINK_URL}"}
"""

ORDER = json.dumps({"orderId": "A-1", "qty": 2}).encode()
INVALID = json.dumps({"orderId": "A-1", "qty": "2"}).encode()


class Answer:
    """One HTTP response read back from the socket."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = b""
        self.done = False

    def json(self) -> Any:
        return json.loads(self.body)


class _Reader:
    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.parser = httptools.HttpResponseParser(self)

    def on_message_begin(self) -> None:
        self.answers.append(Answer())

    def on_header(self, name: bytes, value: bytes) -> None:
        self.answers[-1].headers[name.decode().lower()] = value.decode()

    def on_headers_complete(self) -> None:
        self.answers[-1].status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self.answers[-1].body += body

    def on_message_complete(self) -> None:
        self.answers[-1].done = True


async def exchange(
    url: tuple[str, int], data: bytes, *, answers: int, closes: bool = False
) -> list[Answer]:
    """Write ``data`` on one connection; read ``answers`` responses (and EOF if ``closes``)."""
    reader, writer = await asyncio.open_connection(*url)
    parsed = _Reader()
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(10):
            while True:
                done = [a for a in parsed.answers if a.done]
                if len(done) >= answers and not closes:
                    break
                chunk = await reader.read(65536)
                if not chunk:
                    break
                parsed.parser.feed_data(chunk)
    finally:
        writer.close()
    return [a for a in parsed.answers if a.done]


def post(path: str, body: bytes, *, extra: str = "", version: str = "1.1") -> bytes:
    head = (
        f"POST {path} HTTP/{version}\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


@pytest.fixture
async def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    received: list[dict[str, Any]] = []

    async def ingest(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"ok": True})

    downstream = web.Application()
    downstream.router.add_post("/ingest", ingest)
    async with serving(downstream) as base:
        root = tmp_path / "protocol"
        (root / "flows").mkdir(parents=True)
        (root / "contracts").mkdir()
        (root / "interloom.yaml").write_text(SETTINGS)
        (root / "contracts" / "order.schema.json").write_text(json.dumps(SCHEMA))
        (root / "flows" / "orders.yaml").write_text(SYNC_FLOW)
        (root / "flows" / "orders-durable.yaml").write_text(DURABLE_FLOW)
        monkeypatch.setenv("SINK_URL", f"{base}/ingest")
        app = create_server_app(
            ServerConfig(root=root, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", watch=False)
        )
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            http=InterloomHttpProtocol,
            ws="none",
            lifespan="on",
            log_config=None,
            access_log=False,
            proxy_headers=False,
        )
        instance = uvicorn.Server(config)
        task = asyncio.create_task(instance.serve())
        while not instance.started and not task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        port = instance.servers[0].sockets[0].getsockname()[1]
        try:
            yield type("Served", (), {"url": ("127.0.0.1", port), "received": received, "app": app})
        finally:
            instance.should_exit = True
            await task


async def test_a_valid_order_is_relayed_and_answered_202(server: Any) -> None:
    (answer,) = await exchange(server.url, post("/orders", ORDER), answers=1)
    assert answer.status == 202
    assert answer.headers["content-type"] == "application/json"
    assert int(answer.headers["content-length"]) == len(answer.body)
    assert answer.json()["status"] == "accepted"
    assert server.received == [{"ref": "A-1", "count": 2}]


async def test_an_invalid_order_gets_422_with_the_pointer_and_nothing_is_forwarded(
    server: Any,
) -> None:
    (answer,) = await exchange(server.url, post("/orders", INVALID), answers=1)
    assert answer.status == 422
    assert answer.json()["error"] == "invalid_message"
    assert [d["pointer"] for d in answer.json()["details"]] == ["/qty"]
    assert server.received == []


async def test_keep_alive_serves_many_requests_on_one_connection(server: Any) -> None:
    data = post("/orders", ORDER) + post("/orders", INVALID) + post("/orders/durable", ORDER)
    answers = await exchange(server.url, data, answers=3)
    assert [a.status for a in answers] == [202, 422, 202]
    assert all("connection" not in a.headers for a in answers)


async def test_pipelined_requests_of_both_planes_are_answered_in_order(server: Any) -> None:
    data = (
        post("/orders", ORDER)
        + b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"
        + post("/orders", INVALID)
        + b"GET /api/v1/flows HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"
        + post("/orders", b"{not json")
    )
    answers = await exchange(server.url, data, answers=5)
    assert [a.status for a in answers] == [202, 200, 422, 200, 400]
    assert answers[4].json()["code"] == "E-MSG-002"
    assert {flow["id"] for flow in answers[3].json()} >= {"orders", "orders-durable"}


async def test_expect_100_continue_gets_its_interim_answer(server: Any) -> None:
    reader, writer = await asyncio.open_connection(*server.url)
    try:
        head, _, body = post("/orders", ORDER, extra="expect: 100-continue\r\n").partition(
            b"\r\n\r\n"
        )
        writer.write(head + b"\r\n\r\n")
        async with asyncio.timeout(5):
            interim = await reader.readuntil(b"\r\n\r\n")
        assert interim.startswith(b"HTTP/1.1 100 Continue")
        writer.write(body)
        async with asyncio.timeout(5):
            final = await reader.readuntil(b"\r\n\r\n")
        assert final.startswith(b"HTTP/1.1 202 ")
    finally:
        writer.close()


async def test_an_oversize_body_is_refused_413_and_the_connection_closed(server: Any) -> None:
    big = json.dumps({"orderId": "A" * 5000, "qty": 1}).encode()
    answers = await exchange(server.url, post("/orders", big), answers=1, closes=True)
    assert [a.status for a in answers] == [413]
    assert answers[0].json()["code"] == "E-MSG-004"
    assert answers[0].headers["connection"] == "close"
    assert server.received == []


async def test_http_1_0_is_answered_and_closed(server: Any) -> None:
    answers = await exchange(
        server.url, post("/orders", ORDER, version="1.0"), answers=1, closes=True
    )
    assert [a.status for a in answers] == [202]
    assert answers[0].headers["connection"] == "close"


async def test_a_chunked_body_is_put_together(server: Any) -> None:
    head = (
        b"POST /orders HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (ORDER[:7], ORDER[7:]))
    (answer,) = await exchange(server.url, head + chunks + b"0\r\n\r\n", answers=1)
    assert answer.status == 202
    assert server.received == [{"ref": "A-1", "count": 2}]


async def test_the_wrong_media_type_gets_415(server: Any) -> None:
    data = post("/orders", ORDER).replace(b"application/json", b"text/plain")
    (answer,) = await exchange(server.url, data, answers=1)
    assert answer.status == 415
    assert answer.json()["code"] == "E-MSG-003"


async def test_a_query_string_keeps_the_short_way_and_an_escaped_path_takes_the_app(
    server: Any,
) -> None:
    answers = await exchange(
        server.url,
        post("/orders?source=shop", INVALID) + post("/%6Frders", INVALID),
        answers=2,
    )
    assert [a.status for a in answers] == [422, 422]
    assert answers[0].json() == answers[1].json()


async def test_a_failure_inside_the_data_plane_is_a_500_and_the_server_goes_on(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plane = server.app.management.state.data_plane

    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(plane, "respond", broken)
    (answer,) = await exchange(server.url, post("/orders", ORDER), answers=1)
    assert answer.status == 500
    assert answer.json()["code"] == "E-INTERNAL-001"
    monkeypatch.undo()
    (answer,) = await exchange(server.url, post("/orders", ORDER), answers=1)
    assert answer.status == 202


async def test_a_paused_flow_takes_the_app_and_says_when_to_retry(server: Any) -> None:
    plane = server.app.management.state.data_plane
    flow = plane.routes[("POST", "/orders")]
    flow.paused = True
    try:
        assert plane.fast_route("POST", "/orders") is None
        (answer,) = await exchange(server.url, post("/orders", ORDER), answers=1)
    finally:
        flow.paused = False
    assert answer.status == 503
    assert answer.headers["retry-after"] == "30"


def test_a_flow_request_looks_like_a_cycle_to_uvicorn() -> None:
    request = FlowRequest(object(), object(), [], keep_alive=True, limit=10)
    request.message_event.set()  # what connection_lost does to the current cycle
    assert not request.response_complete
    assert not request.disconnected


class _Transport:
    def __init__(self, *, closing: bool = False) -> None:
        self.written: list[bytes] = []
        self.closing = closing

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True


async def test_the_outbox_writes_a_round_s_answers_in_order_at_the_next_round() -> None:
    outbox = Outbox(asyncio.get_running_loop())
    first, second, gone = _Transport(), _Transport(), _Transport(closing=True)
    outbox.put(first, b"a")  # type: ignore[arg-type]
    outbox.put(second, b"b", close=True)  # type: ignore[arg-type]
    outbox.put(gone, b"c")  # type: ignore[arg-type]
    outbox.put(first, b"d")  # type: ignore[arg-type]
    assert first.written == []  # nothing before the round ends
    await asyncio.sleep(0)
    assert first.written == [b"a", b"d"]
    assert second.written == [b"b"]
    assert second.closing
    assert gone.written == []
