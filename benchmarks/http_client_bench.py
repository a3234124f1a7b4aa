"""CPU per request of the HTTP clients the sink could use: aiohttp, pyreqwest and Interloom's own.

    .venv/bin/python benchmarks/http_client_bench.py [--requests 20000] [--rounds 3] [--json FILE]

Each client POSTs the mapped W1 order (``tests/data/w1/order.mapped.json``, with the sink's
``Content-Type`` and ``Idempotency-Key`` headers) to a small keep-alive HTTP/1.1 server on
127.0.0.1, 64 requests in flight over at most 64 connections, on uvloop as ``interloom serve``
runs. The server runs in a child process (its CPU is not counted) and stops after the
requests it was told to expect, or when this process ends. Timed per client: the CPU of this
process per request (user and system, every thread counted: pyreqwest's Tokio threads too)
and requests per second; each client's best of ``--rounds`` rounds, the clients taking turns
within a round (a shared machine only ever adds time).

- ``interloom``: :class:`interloom.connectors.http_transport.HttpTransport` (ADR 0025);
- ``aiohttp``: one ``ClientSession`` with a 64-connection ``TCPConnector``;
- ``pyreqwest``: one pooled ``Client`` (Rust reqwest/hyper), when it is installed
  (``uv sync --group bench``; left out otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BODY = (ROOT / "tests" / "data" / "w1" / "order.mapped.json").read_bytes()
HEADERS = {"Content-Type": "application/json", "Idempotency-Key": "w1:1901cadbd096-0000000001"}
IN_FLIGHT = 64
WARM_UP = 2000

Send = Callable[[], Awaitable[int]]


def _serve(max_requests: int) -> None:
    """The downstream server: answers each request ``200 {"ok":true}``, keep-alive."""
    import httptools
    import uvloop

    answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n"
        b'{"ok":true}'
    )
    served = 0
    done = asyncio.Event()

    class Server(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.parser = httptools.HttpRequestParser(self)

        def data_received(self, data: bytes) -> None:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                self.transport.close()

        def on_message_complete(self) -> None:
            nonlocal served
            self.transport.write(answer)
            served += 1
            if served >= max_requests:
                done.set()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Server, "127.0.0.1", 0, backlog=1024)
        print(server.sockets[0].getsockname()[1], flush=True)
        stdin_closed = loop.run_in_executor(None, sys.stdin.read)  # the parent went away
        await asyncio.wait(
            [asyncio.ensure_future(done.wait()), stdin_closed],
            return_when=asyncio.FIRST_COMPLETED,
        )
        server.close()

    uvloop.run(main())


async def _interloom(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    from interloom.connectors.http_transport import HttpTransport

    transport = HttpTransport(timeout_seconds=10, connections=IN_FLIGHT)

    async def send() -> int:
        status, _ = await transport.send("POST", url, HEADERS, BODY)
        return status

    return send, transport.close


async def _aiohttp(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    import aiohttp

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=IN_FLIGHT),
        skip_auto_headers=("User-Agent",),
        timeout=aiohttp.ClientTimeout(total=10),
    )

    async def send() -> int:
        async with session.post(url, data=BODY, headers=HEADERS) as response:
            await response.read()
            return response.status

    return send, session.close


async def _pyreqwest(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    from pyreqwest.client import ClientBuilder  # type: ignore[import-not-found, unused-ignore]

    client = (
        ClientBuilder()
        .timeout(timedelta(seconds=10))
        .max_connections(IN_FLIGHT)
        .tcp_nodelay(True)
        .build()
    )

    async def send() -> int:
        request = client.request("POST", url).headers(HEADERS).body_bytes(BODY).build()
        response = await request.send()
        await response.bytes()
        return int(response.status)

    return send, client.close


CLIENTS = {"interloom": _interloom, "aiohttp": _aiohttp, "pyreqwest": _pyreqwest}


async def _drive(send: Send, count: int) -> None:
    gate = asyncio.Semaphore(IN_FLIGHT)
    statuses: set[int] = set()

    async def one() -> None:
        async with gate:
            statuses.add(await send())

    await asyncio.gather(*(one() for _ in range(count)))
    if statuses != {200}:
        raise SystemExit(f"the server answered {sorted(statuses)}, not only 200")


async def _round(name: str, url: str, requests: int) -> dict[str, float]:
    send, close = await CLIENTS[name](url)
    try:
        await _drive(send, WARM_UP)
        before = resource.getrusage(resource.RUSAGE_SELF)
        cpu, wall = time.process_time(), time.perf_counter()
        await _drive(send, requests)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        await close()
    return {
        "cpu_us": round(cpu / requests * 1e6, 1),
        "user_us": round((after.ru_utime - before.ru_utime) / requests * 1e6, 1),
        "system_us": round((after.ru_stime - before.ru_stime) / requests * 1e6, 1),
        "requests_per_second": round(requests / wall),
    }


def _available(names: list[str]) -> list[str]:
    found = []
    for name in names:
        module = "interloom" if name == "interloom" else name
        try:
            __import__(module)
        except ImportError:
            print(f"{name:10s} not installed: left out")
            continue
        found.append(name)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", nargs="+", default=list(CLIENTS), choices=list(CLIENTS))
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the child: N requests
    args = parser.parse_args(argv)
    if args.serve is not None:
        _serve(args.serve)
        return 0
    import uvloop

    clients = _available(args.clients)
    expected = len(clients) * args.rounds * (WARM_UP + args.requests)
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(expected)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline())}/ingest"
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.rounds):
            for name in clients:
                figures = uvloop.run(_round(name, url, args.requests))
                if name not in best or figures["cpu_us"] < best[name]["cpu_us"]:
                    best[name] = figures
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=10)
    for name, figures in best.items():
        print(
            f"{name:10s} {figures['cpu_us']:7.1f} µs CPU/request "
            f"(user {figures['user_us']:.1f}, system {figures['system_us']:.1f})  "
            f"{figures['requests_per_second']:>7,.0f} req/s"
        )
    if args.json:
        report = {
            "benchmark": "http_client",
            "python": sys.version.split()[0],
            "machine": platform.machine(),
            "requests": args.requests,
            "rounds": args.rounds,
            "in_flight": IN_FLIGHT,
            "body_bytes": len(BODY),
            "clients": best,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
