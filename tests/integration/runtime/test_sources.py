"""Background sources run by the runtime: persisted before acknowledged, cursors saved, leases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from interloom.connectors.poll_http import PollHttpSource, PollHttpSourceConfig
from interloom.connectors.schedule import ScheduleSource, ScheduleSourceConfig
from interloom.connectors.spec import Batch, ConnectorContext, SourceContext, SourceItem
from interloom.runtime.sources import (
    RunnerSettings,
    SourceRunner,
    SourceState,
    message_id_for,
)
from interloom.storage.connector_state import ConnectorStates
from interloom.storage.database import Database
from interloom.storage.message_store import MessageStore, open_message_store

from ..local_server import serving

FAST = RunnerSettings(lease_seconds=5, retry_initial_seconds=0.05, retry_max_seconds=0.2)


@pytest.fixture
async def store(database: Database, database_url: str) -> AsyncIterator[MessageStore]:
    async with await open_message_store(database_url) as opened:
        yield opened


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached in time")


async def _bodies(store: MessageStore, flow: str) -> list[Any]:
    leased = await store.lease(flow, "inspector", 1000, 0.01)
    await store.release([m.id for m in leased])
    return [orjson.loads(m.body) for m in sorted(leased, key=lambda m: m.created_at)]


# --- poll-http against a real server -------------------------------------------------------


class Erp:
    """An ERP API on 127.0.0.1 that lists orders updated since a cursor (inclusive)."""

    def __init__(self) -> None:
        self.orders: list[dict[str, Any]] = []
        self.asked: list[str | None] = []
        self.status = 200
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        since = request.query.get("since")
        self.asked.append(since)
        if self.status != 200:
            return web.json_response({"error": "down"}, status=self.status)
        found = [o for o in self.orders if since is None or o["updatedAt"] >= since]
        return web.json_response({"orders": found})


@pytest.fixture
async def erp() -> AsyncIterator[Erp]:
    state = Erp()
    app = web.Application()
    app.router.add_get("/orders", state.handle)
    async with serving(app) as base:
        state.url = f"{base}/orders"
        yield state


def _poller(erp: Erp) -> PollHttpSource:
    config = PollHttpSourceConfig.model_validate(
        {
            "url": erp.url,
            "interval_seconds": 0.05,
            "items": "orders",
            "id": "id",
            "cursor": {"field": "updatedAt", "param": "since"},
        }
    )
    return PollHttpSource(config, ConnectorContext("erp-orders", Path(".")))


def _runner(
    reader: Any,
    store: MessageStore,
    states: ConnectorStates,
    owner: str = "a",
    flow: str = "erp-orders",
) -> SourceRunner:
    connector = "poll-http" if isinstance(reader, PollHttpSource) else "schedule"
    return SourceRunner(flow, connector, reader, store, states, owner=owner, settings=FAST)


async def test_polled_items_are_persisted_and_the_cursor_survives_a_restart(
    erp: Erp, store: MessageStore, database: Database
) -> None:
    states = ConnectorStates(database)
    erp.orders = [
        {"id": "SO-1", "updatedAt": "2026-03-01T10:00:00Z"},
        {"id": "SO-2", "updatedAt": "2026-03-01T11:00:00Z"},
    ]
    first = _runner(_poller(erp), store, states)
    first.start()

    async def both_stored() -> bool:
        return (await store.counts("erp-orders")).received == 2

    await _eventually(both_stored)
    await first.stop()
    record = await states.get("erp-orders")
    assert record is not None
    assert record.state == {"cursor": "2026-03-01T11:00:00Z"}

    erp.orders.append({"id": "SO-3", "updatedAt": "2026-03-01T12:00:00Z"})
    erp.asked.clear()
    second = _runner(_poller(erp), store, states)  # a new process: nothing in memory
    second.start()

    async def third_stored() -> bool:
        return (await store.counts("erp-orders")).received == 3

    await _eventually(third_stored)
    await second.stop()

    assert erp.asked[0] == "2026-03-01T11:00:00Z"  # resumed from the saved cursor
    # SO-2 came again (the API's since is inclusive) with the same id: stored once.
    assert second.status.duplicates >= 1
    assert [b["id"] for b in await _bodies(store, "erp-orders")] == ["SO-1", "SO-2", "SO-3"]


async def test_a_failing_api_is_reported_and_tried_again_without_moving_the_cursor(
    erp: Erp, store: MessageStore, database: Database
) -> None:
    states = ConnectorStates(database)
    erp.status = 503
    erp.orders = [{"id": "SO-1", "updatedAt": "2026-03-01T10:00:00Z"}]
    runner = _runner(_poller(erp), store, states)
    runner.start()
    try:

        async def failing() -> bool:
            return runner.status.state is SourceState.FAILING and len(erp.asked) >= 2

        await _eventually(failing)
        assert runner.status.error is not None
        assert "answered 503" in runner.status.error
        assert (await store.counts("erp-orders")).received == 0

        erp.status = 200

        async def recovered() -> bool:
            return runner.status.state is SourceState.RUNNING

        await _eventually(recovered)
        assert runner.status.error is None
        assert (await store.counts("erp-orders")).received == 1
    finally:
        await runner.stop()


# --- schedule: one process holds it; ticks are stored once ---------------------------------


def _ticker() -> ScheduleSource:
    config = ScheduleSourceConfig.model_validate({"interval_seconds": 0.05, "body": {"job": "x"}})
    return ScheduleSource(config, ConnectorContext("ticks", Path(".")))


async def test_two_processes_share_a_schedule_and_each_tick_is_stored_once(
    store: MessageStore, database: Database
) -> None:
    states = ConnectorStates(database)
    one = _runner(_ticker(), store, states, owner="one", flow="ticks")
    two = _runner(_ticker(), store, states, owner="two", flow="ticks")
    one.start()

    async def ticking() -> bool:
        return (await store.counts("ticks")).received >= 3

    await _eventually(ticking)
    two.start()

    async def standing_by() -> bool:
        return two.status.state is SourceState.STANDBY

    await _eventually(standing_by)
    await one.stop()  # gives its lease up: the other takes over

    async def taken_over() -> bool:
        return two.status.state is SourceState.RUNNING

    await _eventually(taken_over)
    held = await states.get("ticks")
    await two.stop()

    assert held is not None
    assert held.owner == "two"
    ticks = [body["tick"] for body in await _bodies(store, "ticks")]
    assert len(ticks) == len(set(ticks)) >= 3
    assert ticks == sorted(ticks)
    saved = await states.get("ticks")
    assert saved is not None
    # The saved state is the last tick stored: a restart goes on from there.
    last = datetime.fromisoformat(ticks[-1].replace("Z", "+00:00")).timestamp()
    assert saved.state["last_fire"] == pytest.approx(last)


def test_message_ids_are_stable_per_flow_and_key() -> None:
    assert message_id_for("a", "tick:1") == message_id_for("a", "tick:1")
    assert message_id_for("a", "tick:1") != message_id_for("b", "tick:1")
    assert message_id_for("a", "tick:1") != message_id_for("a", "tick:2")


class BusySource:
    """A source that always has something to read, so it never waits between batches."""

    def __init__(self) -> None:
        self.read_count = 0

    async def connect(self, context: SourceContext) -> None:
        self.read_count = int(context.state or 0)

    async def read(self) -> Batch:
        await asyncio.sleep(0.01)
        self.read_count += 1
        return Batch([SourceItem(f"n:{self.read_count}", {"n": self.read_count})], self.read_count)

    async def ack(self, batch: Batch) -> None:
        pass

    async def nack(self, batch: Batch, error: str) -> None:
        pass

    async def close(self) -> None:
        pass


async def test_a_source_that_never_waits_keeps_its_lease_and_a_second_process_stands_by(
    store: MessageStore, database: Database
) -> None:
    states = ConnectorStates(database)
    short = RunnerSettings(lease_seconds=0.6, retry_initial_seconds=0.05)
    one = SourceRunner("busy", "busy", BusySource(), store, states, owner="one", settings=short)
    two = SourceRunner("busy", "busy", BusySource(), store, states, owner="two", settings=short)
    one.start()
    await asyncio.sleep(0.2)
    two.start()
    try:
        await asyncio.sleep(2.0)  # more than three leases long

        assert two.status.state is SourceState.STANDBY
        assert two.status.persisted == 0
        assert one.status.persisted >= 10
    finally:
        await one.stop()
        await two.stop()
