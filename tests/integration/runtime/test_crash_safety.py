"""Crash safety: SIGKILL the serving process at each step boundary; nothing is lost or doubled.

Each case runs a three-step durable flow (validate → map → filter) in a real ``interloom serve``
process, sends 1,000 orders, and has the process kill itself (``INTERLOOM_CRASH_AT``) at one
boundary: before a message is persisted, after it is persisted but before the 202, between two
steps, after the sink's effect but before the acknowledgement, and during a retry. The sender
retries every order it got no 202 for, with the same ``Idempotency-Key``, once the server is
back. The sink counts effects by the idempotency key it receives. Afterwards every order must
have had exactly one effect (one key, never two) or sit in the dead-letter queue, and the
flow's counters must balance with nothing in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parents[3]
INTERLOOM = Path(sys.executable).parent / "interloom"
ORDERS = 1_000
CRASH_AFTER = 300  # the crash point fires the 300th time it is reached

pytestmark = pytest.mark.slow

FLOW = """\
id: orders
name: Orders to the warehouse
source:
  connector: http
  config: {path: /orders, method: POST, reply: durable}
steps:
  - id: check
    kind: validate
    config: {schema: contracts/order.schema.json}
  - id: to-warehouse
    kind: map
    config:
      expression: |
        {"orderRef": orderId, "customer": customer.id, "items": $count(lines),
         "total": $sum(lines.(qty * price))}
  - id: only-real-orders
    kind: filter
    config: {expression: "items > 0"}
sinks:
  - connector: http
    config: {url: "${SINK_URL}", timeout_seconds: 1}
error_policy:
  max_attempts: MAX_ATTEMPTS
  backoff_initial_seconds: 0.2
  backoff_max_seconds: BACKOFF_MAX
  jitter: 0.2
"""

SETTINGS = """\
name: crash
environments:
  test: {}
runtime:
  lease_seconds: 3
  poll_seconds: 0.1
"""


def _order(number: int) -> dict[str, Any]:
    return {
        "orderId": f"ORD-2026-{number:06d}",
        "createdAt": "2026-11-27T10:00:00Z",
        "currency": "EUR",
        "customer": {"id": f"C-{number % 97:03d}", "name": "Ada Byron", "email": "ada@example.com"},
        "shippingAddress": {
            "line1": "1 Loom Street",
            "city": "Lyon",
            "postalCode": "69001",
            "country": "FR",
        },
        "lines": [{"sku": "SKU-0001", "qty": 1 + number % 3, "price": 9.5}],
    }


@dataclass
class Sink:
    """A downstream system that applies each idempotency key's effect once, and says how often
    it was asked (a redelivery repeats the request, not the effect)."""

    mode: str = "ok"  # ok | fail-first (500 on a key's first try) | down (500s and time-outs)
    down_until: float = 0.0
    requests: Counter[str] = field(default_factory=Counter)
    keys_of_order: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    effects: set[str] = field(default_factory=set)

    async def handle(self, request: web.Request) -> web.Response:
        key = request.headers.get("Idempotency-Key", "")
        body = await request.json()
        self.requests[key] += 1
        if self.mode == "fail-first" and self.requests[key] == 1:
            return web.json_response({"error": "try again"}, status=500)
        if self.mode == "down" and time.monotonic() < self.down_until:
            if self.requests[key] % 2:
                await asyncio.sleep(2)  # longer than the sink's 1 s time-out
            return web.json_response({"error": "down"}, status=500)
        self.keys_of_order[body["orderRef"]].add(key)
        self.effects.add(key)
        return web.json_response({"ok": True})


@contextlib.asynccontextmanager
async def _sink_server(sink: Sink) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/ingest", sink.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/ingest"
    finally:
        await runner.cleanup()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _project(tmp_path: Path, *, max_attempts: int, backoff_max: float) -> Path:
    project = tmp_path / "crash"
    (project / "flows").mkdir(parents=True)
    (project / "contracts").mkdir()
    shutil.copy(
        ROOT / "examples" / "bench" / "contracts" / "order.schema.json",
        project / "contracts" / "order.schema.json",
    )
    (project / "interloom.yaml").write_text(SETTINGS)
    flow = FLOW.replace("MAX_ATTEMPTS", str(max_attempts)).replace("BACKOFF_MAX", str(backoff_max))
    (project / "flows" / "orders.yaml").write_text(flow)
    return project


@dataclass
class Server:
    project: Path
    database_url: str
    sink_url: str
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, crash_at: str | None) -> subprocess.Popen[bytes]:
        env = {**os.environ, "SINK_URL": self.sink_url}
        env.pop("INTERLOOM_CRASH_AT", None)
        if crash_at is not None:
            env["INTERLOOM_CRASH_AT"] = crash_at
        with (self.project / f"serve-{time.monotonic_ns()}.log").open("wb") as log:
            return subprocess.Popen(
                [
                    str(INTERLOOM),
                    "--project",
                    str(self.project),
                    "--database-url",
                    self.database_url,
                    "serve",
                    "--port",
                    str(self.port),
                    "--no-watch",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )

    async def start(self, crash_at: str | None = None) -> None:
        self.process = self._spawn(crash_at)
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, self._logs()
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.url}/api/v1/flows/orders")).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise AssertionError(f"interloom serve did not start\n{self._logs()}")

    def _logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.project.glob("*.log"))

    async def wait_killed(self, point: str, seconds: float = 60) -> None:
        """Wait for the crash point to fire; the whole process group goes down with it."""
        assert self.process is not None
        deadline = time.monotonic() + seconds
        while self.process.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        code = self.process.poll()
        self.stop()
        assert code is not None, f"the crash point never fired\n{self._logs()}"
        assert f"crash point '{point}' reached: SIGKILL" in self._logs()

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    async def status(self) -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{self.url}/api/v1/flows/orders")
            response.raise_for_status()
            result: dict[str, Any] = response.json()
            return result


async def _send(server: Server, pending: set[int], stop: asyncio.Event) -> None:
    """Post every pending order once; an order leaves ``pending`` on a 202."""
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=5) as client:
        queue = sorted(pending)

        async def one(number: int) -> None:
            if stop.is_set():
                return
            order = _order(number)
            try:
                response = await client.post(
                    "/orders",
                    content=json.dumps(order),
                    headers={
                        "Content-Type": "application/json",
                        "Idempotency-Key": order["orderId"],
                    },
                )
            except httpx.HTTPError:
                stop.set()  # the server is gone: the rest waits for the restart
                return
            assert response.status_code == 202, response.text
            pending.discard(number)

        for start in range(0, len(queue), 32):
            await asyncio.gather(*(one(n) for n in queue[start : start + 32]))
            if stop.is_set():
                return


async def _settled(server: Server, sink: Sink, seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = await server.status()
        if status["received"] >= ORDERS and status["in_flight"] == 0:
            return status
        await asyncio.sleep(0.25)
    raise AssertionError(f"not settled in {seconds} s: {status}; effects {len(sink.effects)}")


async def _run_case(
    tmp_path: Path,
    database_url: str,
    crash_at: str,
    sink: Sink,
    *,
    max_attempts: int = 10,
    backoff_max: float = 1.0,
    settle_seconds: float = 60,
) -> dict[str, Any]:
    project = _project(tmp_path, max_attempts=max_attempts, backoff_max=backoff_max)
    async with _sink_server(sink) as sink_url:
        server = Server(project, database_url, sink_url)
        try:
            pending = set(range(ORDERS))
            await server.start(crash_at)
            await _send(server, pending, asyncio.Event())
            await server.wait_killed(crash_at.partition(":")[0])
            await server.start()
            while pending:
                await _send(server, pending, asyncio.Event())
            status = await _settled(server, sink, settle_seconds)
        finally:
            server.stop()
    return status


def _assert_exactly_once(status: dict[str, Any], sink: Sink) -> None:
    doubled = {order: keys for order, keys in sink.keys_of_order.items() if len(keys) > 1}
    assert not doubled, f"orders applied under two keys: {list(doubled.items())[:5]}"
    assert status["in_flight"] == 0
    assert status["received"] == status["delivered"] + status["filtered"] + status["dead_lettered"]
    # Every order had its effect once, or is a dead letter. An order whose sender never saw
    # the 202 and retried is a duplicate, even after the first copy was delivered (the store
    # remembers a sender's key for a day): each order is received once.
    assert len(sink.effects) + status["dead_lettered"] == ORDERS
    assert len(sink.keys_of_order) + status["dead_lettered"] == ORDERS
    assert status["received"] == ORDERS


@pytest.mark.parametrize(
    ("point", "mode"),
    [
        ("before-persist", "ok"),
        ("after-persist", "ok"),
        ("mid-processing", "ok"),
        ("after-effect", "ok"),
        ("during-retry", "fail-first"),
    ],
)
async def test_a_kill_at_a_step_boundary_loses_and_doubles_nothing(
    tmp_path: Path, database_url: str, point: str, mode: str
) -> None:
    sink = Sink(mode=mode)

    status = await _run_case(tmp_path, database_url, f"{point}:{CRASH_AFTER}", sink)

    _assert_exactly_once(status, sink)
    assert status["dead_lettered"] == 0
    if point == "after-effect":
        # The killed worker's leased messages had their effect and no ack: they were
        # redelivered with the same key and applied once.
        assert any(count > 1 for count in sink.requests.values())


async def test_a_sink_down_for_30_s_with_a_kill_during_retry_loses_nothing(
    tmp_path: Path, database_url: str
) -> None:
    sink = Sink(mode="down", down_until=time.monotonic() + 30)

    status = await _run_case(
        tmp_path,
        database_url,
        f"during-retry:{CRASH_AFTER}",
        sink,
        max_attempts=12,
        backoff_max=4.0,
        settle_seconds=120,
    )

    _assert_exactly_once(status, sink)
    assert time.monotonic() >= sink.down_until
    assert sum(sink.requests.values()) > ORDERS  # it was tried while down
