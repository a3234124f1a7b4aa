"""The HTTP sink's client against a real server on 127.0.0.1: what is sent, what comes back."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import orjson
import pytest
from aiohttp import web

from interloom.connectors.http_sink import HttpSink, HttpSinkConfig
from interloom.connectors.http_transport import HttpTransport, TransportError
from interloom.connectors.spec import SinkError
from interloom.core.messages import Message

from ..local_server import serving


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[web.Request], list[bytes]]]:
    seen: list[web.Request] = []
    bodies: list[bytes] = []

    async def ingest(request: web.Request) -> web.Response:
        seen.append(request)
        bodies.append(await request.read())
        status = int(request.query.get("status", "200"))
        return web.json_response({"ok": status < 400}, status=status)

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/ingest", ingest)
    app.router.add_get("/slow", slow)
    async with serving(app) as base:
        yield base, seen, bodies


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_sends_method_headers_and_body_and_returns_the_answer(
    server: tuple[str, list[web.Request], list[bytes]],
) -> None:
    base, seen, bodies = server
    transport = HttpTransport(timeout_seconds=5, connections=4)
    try:
        status, content = await transport.send(
            "PUT", f"{base}/ingest", {"X-Trace": "t-1", "Content-Type": "application/json"}, b"{}"
        )
    finally:
        await transport.close()

    assert status == 200
    assert orjson.loads(content) == {"ok": True}
    assert seen[0].method == "PUT"
    assert seen[0].headers["X-Trace"] == "t-1"
    assert bodies == [b"{}"]
    assert transport.closed


async def test_reuses_its_connections_for_many_requests(
    server: tuple[str, list[web.Request], list[bytes]],
) -> None:
    base, seen, _ = server
    transport = HttpTransport(timeout_seconds=5, connections=2)
    try:
        answers = await asyncio.gather(
            *(transport.send("POST", f"{base}/ingest", {}, b"[]") for _ in range(50))
        )
    finally:
        await transport.close()

    assert [status for status, _ in answers] == [200] * 50
    peers = {request.transport.get_extra_info("peername") for request in seen}  # type: ignore[union-attr]
    assert len(peers) <= 2


async def test_a_refused_connection_is_a_transport_error() -> None:
    transport = HttpTransport(timeout_seconds=5, connections=1)
    try:
        with pytest.raises(TransportError) as caught:
            await transport.send("POST", f"http://127.0.0.1:{_closed_port()}/x", {}, b"{}")
    finally:
        await transport.close()
    assert not caught.value.timed_out
    assert "Connect" in caught.value.message


async def test_a_slow_answer_times_out(
    server: tuple[str, list[web.Request], list[bytes]],
) -> None:
    base, _, _ = server
    transport = HttpTransport(timeout_seconds=0.3, connections=1)
    try:
        with pytest.raises(TransportError) as caught:
            await transport.send("GET", f"{base}/slow", {}, b"")
    finally:
        await transport.close()
    assert caught.value.timed_out


async def test_an_unusable_url_is_a_transport_error() -> None:
    transport = HttpTransport(timeout_seconds=1, connections=1)
    try:
        with pytest.raises(TransportError):
            await transport.send("POST", "not a url", {}, b"{}")
    finally:
        await transport.close()


async def test_the_sink_sends_the_idempotency_key_and_classifies_answers(
    server: tuple[str, list[web.Request], list[bytes]],
) -> None:
    base, seen, bodies = server
    ok = HttpSink(HttpSinkConfig(url=f"{base}/ingest", headers={"X-Env": "test"}))
    refused = HttpSink(HttpSinkConfig(url=f"{base}/ingest?status=409"))
    failing = HttpSink(HttpSinkConfig(url=f"{base}/ingest?status=503"))
    message = Message("w1", {"a": 1}, id="m-1")
    try:
        assert await ok.write(message, {"b": 2}) == 200
        with pytest.raises(SinkError) as permanent:
            await refused.write(message, {"b": 2})
        with pytest.raises(SinkError) as transient:
            await failing.write(message, {"b": 2})
    finally:
        for sink in (ok, refused, failing):
            await sink.close()

    assert seen[0].headers["Idempotency-Key"] == message.idempotency_key
    assert seen[0].headers["Content-Type"] == "application/json"
    assert seen[0].headers["X-Env"] == "test"
    assert orjson.loads(bodies[0]) == {"b": 2}
    assert (permanent.value.downstream_status, permanent.value.retryable) == (409, False)
    assert (transient.value.downstream_status, transient.value.retryable) == (503, True)
