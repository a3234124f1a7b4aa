"""The sink's HTTP/1.1 client against real servers on 127.0.0.1: framing, pooling, failures."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import struct
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web

from interloom.connectors.http1_client import MAX_BODY_BYTES
from interloom.connectors.http_transport import HttpTransport, TransportError

from ..local_server import serving

Handler = Callable[["RawServer", asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """A TCP server on 127.0.0.1 whose handler writes the answer bytes itself."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []  # heads of the requests, in order of arrival
        self.port = 0

    async def read_request(self, reader: asyncio.StreamReader) -> bytes | None:
        """The next request's head and body, or None at EOF."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await reader.readexactly(length)
        self.requests.append(head)
        return head + body

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(self, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[RawServer]:
    state = RawServer(handler)
    server = await asyncio.start_server(state._serve, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()


def keep_alive(*answers: bytes) -> Handler:
    """A handler that answers the requests on a connection with ``answers``, in turn."""

    async def handle(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        for answer in answers:
            if await server.read_request(reader) is None:
                return
            writer.write(answer)
            await writer.drain()
        await reader.read()

    return handle


OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


@pytest.fixture
async def transport() -> AsyncIterator[HttpTransport]:
    client = HttpTransport(timeout_seconds=5, connections=4)
    yield client
    await client.close()


async def test_sequential_requests_share_one_keep_alive_connection(
    transport: HttpTransport,
) -> None:
    peers: list[object] = []
    hosts: list[str] = []

    async def ingest(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))  # type: ignore[union-attr]
        hosts.append(request.headers["Host"])
        return web.Response(text=f"{request.method} {request.path_qs} {await request.text()}")

    app = web.Application()
    app.router.add_route("*", "/ingest", ingest)
    async with serving(app) as base:
        answers = [
            await transport.send("POST", f"{base}/ingest?n={n}&x=a%20b", {}, b"%d" % n)
            for n in range(10)
        ]

    assert answers[3] == (200, b"POST /ingest?n=3&x=a%20b 3")
    assert len(set(peers)) == 1
    assert hosts[0] == base.removeprefix("http://")  # the port, not the default one


async def test_never_more_connections_than_allowed_and_waiters_are_served() -> None:
    in_flight, most, peers = 0, 0, set()

    async def slow(request: web.Request) -> web.Response:
        nonlocal in_flight, most
        peers.add(request.transport.get_extra_info("peername"))  # type: ignore[union-attr]
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1
        return web.Response(text=request.query["n"])

    app = web.Application()
    app.router.add_get("/slow", slow)
    transport = HttpTransport(timeout_seconds=5, connections=3)
    try:
        async with serving(app) as base:
            answers = await asyncio.gather(
                *(transport.send("GET", f"{base}/slow?n={n}", {}, b"") for n in range(12))
            )
    finally:
        await transport.close()

    assert answers == [(200, str(n).encode()) for n in range(12)]
    assert most == 3
    assert len(peers) == 3


async def test_waiting_for_a_free_connection_counts_in_the_time_out() -> None:
    async def never(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.read()

    transport = HttpTransport(timeout_seconds=0.3, connections=1)
    try:
        async with raw_server(never) as server:
            url = f"http://127.0.0.1:{server.port}/"
            started = time.monotonic()
            sends = asyncio.gather(
                transport.send("GET", url, {}, b""),
                transport.send("GET", url, {}, b""),
                return_exceptions=True,
            )
            outcomes = await asyncio.wait_for(sends, 3)
            elapsed = time.monotonic() - started
    finally:
        await transport.close()

    assert all(isinstance(outcome, TransportError) for outcome in outcomes)
    assert [outcome.timed_out for outcome in outcomes] == [True, True]  # type: ignore[union-attr]
    assert "no connection to" in str(outcomes[1])
    assert elapsed < 1.5
    assert server.connections == 1


async def test_a_chunked_answer_is_put_together(transport: HttpTransport) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n"
    )
    async with raw_server(keep_alive(chunked, OK)) as server:
        first = await transport.send("GET", f"http://127.0.0.1:{server.port}/", {}, b"")
        second = await transport.send("GET", f"http://127.0.0.1:{server.port}/", {}, b"")
    assert (first, second) == ((200, b"hello world"), (200, b"ok"))
    assert server.connections == 1


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end",
        b"HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end",
    ],
    ids=["connection-close", "http-1.0"],
)
async def test_an_answer_ended_by_the_close_is_whole_and_its_connection_not_reused(
    transport: HttpTransport, answer: bytes
) -> None:
    async def handle(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await server.read_request(reader)
        writer.write(answer)
        await writer.drain()

    async with raw_server(handle) as server:
        url = f"http://127.0.0.1:{server.port}/"
        answers = [await transport.send("GET", url, {}, b"") for _ in range(2)]
    assert answers == [(200, b"until the end")] * 2
    assert server.connections == 2


async def test_a_framed_answer_cut_short_by_the_close_is_an_error(
    transport: HttpTransport,
) -> None:
    async def handle(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await server.read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 10\r\n\r\nshort")

    async with raw_server(handle) as server:
        with pytest.raises(TransportError) as caught:
            await transport.send("GET", f"http://127.0.0.1:{server.port}/", {}, b"")
    assert "after part of the answer" in caught.value.message
    assert not caught.value.timed_out


async def test_interim_answers_are_skipped(transport: HttpTransport) -> None:
    interim = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 201 Created\r\ncontent-length: 7\r\n\r\ncreated"
    )
    async with raw_server(keep_alive(interim, OK)) as server:
        url = f"http://127.0.0.1:{server.port}/orders"
        first = await transport.send("POST", url, {}, b"{}")
        second = await transport.send("POST", url, {}, b"{}")
    assert (first, second) == ((201, b"created"), (200, b"ok"))
    assert server.connections == 1


async def test_answers_without_a_body_keep_the_connection(transport: HttpTransport) -> None:
    answers = (
        b"HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n",  # to HEAD: no body follows
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\netag: x\r\n\r\n",
        OK,
    )
    async with raw_server(keep_alive(*answers)) as server:
        url = f"http://127.0.0.1:{server.port}/"
        got = [
            await transport.send(method, url, {}, b"")
            for method in ("HEAD", "DELETE", "GET", "GET")
        ]
    assert got == [(200, b""), (204, b""), (304, b""), (200, b"ok")]
    assert server.requests[0].startswith(b"HEAD / HTTP/1.1\r\n")
    assert b"content-length" not in server.requests[1].lower()  # a DELETE without a body


async def test_a_connection_the_server_closed_while_idle_is_replaced(
    transport: HttpTransport,
) -> None:
    async def one_each(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await server.read_request(reader)
        writer.write(OK)  # keep-alive, then the server closes the idle connection
        await writer.drain()

    async with raw_server(one_each) as server:
        url = f"http://127.0.0.1:{server.port}/"
        assert await transport.send("POST", url, {}, b"1") == (200, b"ok")
        await asyncio.sleep(0.05)  # the close reaches the client
        assert await transport.send("POST", url, {}, b"2") == (200, b"ok")
    assert server.connections == 2


async def test_a_reused_connection_closed_as_the_request_arrives_is_retried_once(
    transport: HttpTransport,
) -> None:
    async def racing(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        first = server.connections == 1
        await server.read_request(reader)
        writer.write(OK)
        await writer.drain()
        if first:  # the server gives up on the idle connection as the next request comes
            await server.read_request(reader)

    async with raw_server(racing) as server:
        url = f"http://127.0.0.1:{server.port}/"
        assert await transport.send("POST", url, {}, b"1") == (200, b"ok")
        assert await transport.send("POST", url, {}, b"2") == (200, b"ok")
    assert server.connections == 2
    assert len(server.requests) == 3  # the second request reached both connections


async def test_a_fresh_connection_closed_before_the_answer_is_not_retried(
    transport: HttpTransport,
) -> None:
    async def hang_up(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await server.read_request(reader)

    async with raw_server(hang_up) as server:
        with pytest.raises(TransportError) as caught:
            await transport.send("POST", f"http://127.0.0.1:{server.port}/", {}, b"{}")
    assert caught.value.message == (
        f"ReadError: 127.0.0.1:{server.port} closed the connection before answering"
    )
    assert server.connections == 1


async def test_no_retry_once_part_of_the_answer_came_back(transport: HttpTransport) -> None:
    async def partial(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await server.read_request(reader)
        writer.write(OK)
        await server.read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-le")
        await writer.drain()

    async with raw_server(partial) as server:
        url = f"http://127.0.0.1:{server.port}/"
        assert await transport.send("POST", url, {}, b"1") == (200, b"ok")
        with pytest.raises(TransportError) as caught:
            await transport.send("POST", url, {}, b"2")
    assert "closed the connection after part of the answer" in caught.value.message
    assert server.connections == 1


async def test_a_server_that_never_answers_times_out_in_bounded_time() -> None:
    closed = asyncio.Event()

    async def silent(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.read()  # until the client closes the connection
        closed.set()

    transport = HttpTransport(timeout_seconds=0.3, connections=1)
    try:
        async with raw_server(silent) as server:
            started = time.monotonic()
            send = transport.send("POST", f"http://127.0.0.1:{server.port}/", {}, b"{}")
            with pytest.raises(TransportError) as caught:
                await asyncio.wait_for(send, 3)  # fails the test, rather than hangs it
            elapsed = time.monotonic() - started
            await asyncio.wait_for(closed.wait(), 2)
    finally:
        await transport.close()
    assert caught.value.timed_out
    assert caught.value.message == (
        f"TimeoutError: no whole answer from 127.0.0.1:{server.port} within 0.3 s"
    )
    assert 0.25 < elapsed < 1.0


async def test_a_refused_connection_says_where(transport: HttpTransport) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError) as caught:
        await transport.send("POST", f"http://127.0.0.1:{port}/x", {}, b"{}")
    assert caught.value.message == (
        f"ConnectError: could not connect to 127.0.0.1:{port}: connection refused"
    )
    assert not caught.value.timed_out


async def test_a_reset_in_the_middle_of_the_answer_is_an_error(transport: HttpTransport) -> None:
    async def reset(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await server.read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npart")
        await writer.drain()
        await asyncio.sleep(0.05)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # closed with linger 0: an RST

    async with raw_server(reset) as server:
        with pytest.raises(TransportError) as caught:
            await transport.send("GET", f"http://127.0.0.1:{server.port}/", {}, b"")
    assert caught.value.message.startswith(f"ReadError: 127.0.0.1:{server.port} ")
    assert caught.value.message.endswith("after part of the answer")
    assert server.connections == 1


async def test_an_answer_over_the_size_limit_is_refused(transport: HttpTransport) -> None:
    size = MAX_BODY_BYTES + 1

    async def huge(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await server.read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % size)
        block = b"x" * 65536
        for _ in range(size // len(block) + 1):
            writer.write(block)
            await writer.drain()

    async with raw_server(huge) as server:
        with pytest.raises(TransportError) as caught:
            await transport.send("GET", f"http://127.0.0.1:{server.port}/", {}, b"")
    assert caught.value.message == (
        f"ProtocolError: the answer of 127.0.0.1:{server.port} is over {MAX_BODY_BYTES} bytes"
    )


async def test_an_answer_that_is_not_http_is_an_error(transport: HttpTransport) -> None:
    async with raw_server(keep_alive(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")) as server:
        with pytest.raises(TransportError) as caught:
            await transport.send("GET", f"http://127.0.0.1:{server.port}/", {}, b"")
    assert caught.value.message.startswith(f"ProtocolError: 127.0.0.1:{server.port} sent ")


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("X-Note", "a\r\nX-Admin: yes", "the value of header 'X-Note' holds a CR or LF"),
        ("X-Note", "a\nb", "the value of header 'X-Note' holds a CR or LF"),
        ("X-Note", "a\rb", "the value of header 'X-Note' holds a CR or LF"),
        ("X-Admin: yes\r\nX-Note", "a", "is not a valid header name"),
        ("X Note", "a", "is not a valid header name"),
    ],
)
async def test_header_injection_is_refused_before_sending(
    transport: HttpTransport, name: str, value: str, reason: str
) -> None:
    async with raw_server(keep_alive(OK)) as server:
        with pytest.raises(TransportError) as caught:
            await transport.send("POST", f"http://127.0.0.1:{server.port}/", {name: value}, b"")
    assert caught.value.message.startswith("RequestError: ")
    assert reason in caught.value.message
    assert server.connections == 0


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made with the openssl command."""
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_https_with_a_trusted_self_signed_certificate(tmp_path: Path) -> None:
    key, cert = _self_signed(tmp_path)
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    peers: list[object] = []

    async def hello(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))  # type: ignore[union-attr]
        return web.Response(text=f"secure {request.secure}")

    app = web.Application()
    app.router.add_post("/hello", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_side)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    trusting = HttpTransport(
        timeout_seconds=5, connections=2, ssl_context=ssl.create_default_context(cafile=cert)
    )
    default = HttpTransport(timeout_seconds=5, connections=2)
    try:
        answers = [
            await trusting.send("POST", f"https://{host}:{port}/hello", {}, b"{}")
            for host in ("127.0.0.1", "127.0.0.1", "localhost")
        ]
        with pytest.raises(TransportError) as untrusted:
            await default.send("POST", f"https://127.0.0.1:{port}/hello", {}, b"{}")
    finally:
        await trusting.close()
        await default.close()
        await runner.cleanup()
    assert answers == [(200, b"secure True")] * 3
    assert peers[0] == peers[1]  # kept alive
    assert untrusted.value.message.startswith(
        f"ConnectError: TLS handshake with 127.0.0.1:{port} failed: "
    )
    assert "certificate" in untrusted.value.message


async def test_close_closes_every_connection_and_a_later_send_reopens() -> None:
    ends = 0

    async def handle(
        server: RawServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal ends
        while await server.read_request(reader) is not None:
            writer.write(OK)
            await writer.drain()
        ends += 1

    transport = HttpTransport(timeout_seconds=5, connections=4)
    async with raw_server(handle) as server:
        url = f"http://127.0.0.1:{server.port}/"
        await asyncio.gather(*(transport.send("GET", url, {}, b"") for _ in range(4)))
        await transport.close()
        assert transport.closed
        for _ in range(100):
            if ends == 4:
                break
            await asyncio.sleep(0.01)
        assert ends == 4
        assert await transport.send("GET", url, {}, b"") == (200, b"ok")
        await transport.close()
    assert server.connections == 5


async def test_the_request_is_written_as_one_well_formed_message(transport: HttpTransport) -> None:
    async with raw_server(keep_alive(OK, OK, OK)) as server:
        base = f"127.0.0.1:{server.port}"
        await transport.send(
            "PUT",
            f"http://user:p%40ss@{base}/orders/ä b?q=1&r=x%2Fy#fragment",
            {"Content-Type": "application/json", "Content-Length": "999", "X-Trace": "t-1"},
            b'{"a":1}',
        )
        await transport.send("GET", f"http://{base}", {"Host": "erp.example.com"}, b"")
    assert server.requests == [
        b"PUT /orders/%C3%A4%20b?q=1&r=x%2Fy HTTP/1.1\r\n"
        b"Content-Type: application/json\r\nX-Trace: t-1\r\n"
        b"host: " + base.encode() + b"\r\nauthorization: Basic dXNlcjpwQHNz\r\n"
        b"content-length: 7\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: erp.example.com\r\n\r\n",
    ]
