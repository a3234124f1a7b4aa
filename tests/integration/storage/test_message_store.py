"""The durable message store: nothing lost, nothing handed out twice, counters that balance.

Every test runs on SQLite (a file of its own) and on PostgreSQL (a schema of its own). Time is
a fake clock the test moves forward, except where real time is the point.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from interloom.storage.database import Database
from interloom.storage.message_store import (
    LEASE_EXPIRED,
    MessageStore,
    NewMessage,
    StoredMessage,
    open_message_store,
)
from interloom.storage.sqlite_message_store import PAGE_SIZE

BODY = b'{"order": "' + b"x" * 1000 + b'"}'


class Clock:
    """A clock that stands still until the test moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(database_url: str, clock: Clock) -> AsyncIterator[MessageStore]:
    """A message store on each backend, migrated, on the fake clock."""
    opened = await open_message_store(database_url, clock=clock)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def rows(database_url: str) -> AsyncIterator[Database]:
    """The same database seen through SQLAlchemy, to count what the tables really hold."""
    async with Database.from_url(database_url) as database:
        yield database


async def assert_balanced(store: MessageStore, rows: Database) -> None:
    """received = delivered + dead_lettered + in_flight, and in flight is what the table holds."""
    counts = await store.counts()
    assert counts.received == counts.delivered + counts.dead_lettered + counts.in_flight
    async with rows.session() as session:
        live = await session.scalar(
            sa.text("SELECT count(*) FROM messages WHERE state IN ('ready', 'waiting')")
        )
        dead = await session.scalar(sa.text("SELECT count(*) FROM messages WHERE state = 'dead'"))
        orphans = await session.scalar(
            sa.text(
                "SELECT count(*) FROM message_leases l "
                "WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.seq = l.seq)"
            )
        )
    assert counts.in_flight == live
    assert dead is not None
    assert dead <= counts.dead_lettered
    assert orphans == 0


def ids(messages: list[StoredMessage]) -> list[str]:
    return [message.id for message in messages]


async def test_a_message_put_is_leased_with_its_body_then_completed_and_counted(
    store: MessageStore, rows: Database, clock: Clock
) -> None:
    assert await store.put("orders", "m1", BODY) is True
    await assert_balanced(store, rows)

    [leased] = await store.lease("orders", "w1", 10, 30)

    assert leased == StoredMessage("m1", "orders", BODY, None, 0, clock.now, clock.now)
    await assert_balanced(store, rows)
    assert await store.complete(["m1"]) == 1
    assert await store.lease("orders", "w1", 10, 30) == []
    assert (await store.counts("orders")).as_dict() == {
        "received": 1,
        "delivered": 1,
        "filtered": 0,
        "dead_lettered": 0,
        "in_flight": 0,
    }
    await assert_balanced(store, rows)


async def test_messages_are_leased_oldest_first_and_only_from_their_flow(
    store: MessageStore, clock: Clock
) -> None:
    for n in range(5):
        await store.put("orders", f"m{n}", BODY)
        clock.advance(1)
    await store.put("invoices", "i1", BODY)

    first = await store.lease("orders", "w1", 3, 30)
    rest = await store.lease("orders", "w1", 10, 30)

    assert ids(first) == ["m0", "m1", "m2"]
    assert ids(rest) == ["m3", "m4"]
    assert ids(await store.lease(None, "w1", 10, 30)) == ["i1"]


async def test_a_second_put_of_an_id_is_a_no_op_and_says_so(
    store: MessageStore, rows: Database
) -> None:
    assert await store.put("orders", "m1", BODY) is True
    assert await store.put("orders", "m1", b"another body") is False

    accepted = await store.put_many(
        "orders",
        [NewMessage("m2", BODY), NewMessage("m1", BODY), NewMessage("m2", BODY)],
    )

    assert accepted == [True, False, False]
    assert (await store.counts("orders")).received == 2
    [first, second] = await store.lease("orders", "w1", 10, 30)
    assert (first.id, first.body) == ("m1", BODY)
    assert second.id == "m2"
    await assert_balanced(store, rows)


async def test_a_put_of_a_dead_lettered_id_is_a_no_op_too(store: MessageStore) -> None:
    await store.put("orders", "m1", BODY)
    await store.dead_letter("m1", "bad", "map")

    assert await store.put("orders", "m1", BODY) is False
    assert (await store.counts("orders")).received == 1


async def test_concurrent_puts_are_group_committed(store: MessageStore, rows: Database) -> None:
    before = store.stats.transactions

    accepted = await asyncio.gather(*(store.put("orders", f"m{n}", BODY) for n in range(500)))

    assert all(accepted)
    transactions = store.stats.transactions - before
    assert transactions <= 50, f"{transactions} transactions for 500 puts"
    assert store.stats.largest_batch >= 10
    assert (await store.counts("orders")).received == 500
    await assert_balanced(store, rows)


async def test_a_message_whose_lease_expired_is_leased_again_as_a_failed_try(
    store: MessageStore, rows: Database, clock: Clock
) -> None:
    await store.put("orders", "m1", BODY)
    await store.lease("orders", "w1", 10, lease_seconds=30)

    clock.advance(29)
    assert await store.lease("orders", "w2", 10, 30) == []
    clock.advance(1)
    [again] = await store.lease("orders", "w2", 10, 30)

    assert again.id == "m1"
    assert again.attempts == 1
    await assert_balanced(store, rows)
    # The first worker's lease is gone: it can no longer complete the message, w2 can.
    assert await store.complete(["m1"], worker="w1") == 0
    assert await store.complete(["m1"], worker="w2") == 1
    await assert_balanced(store, rows)


async def test_a_short_lease_runs_out_in_real_time(database_url: str) -> None:
    async with await open_message_store(database_url) as store:
        await store.put("orders", "m1", BODY)
        await store.lease("orders", "w1", 10, lease_seconds=0.05)
        assert await store.lease("orders", "w2", 10, 30) == []

        await asyncio.sleep(0.1)

        assert ids(await store.lease("orders", "w2", 10, 30)) == ["m1"]


async def test_an_expired_lease_is_recorded_in_the_history_of_a_dead_letter(
    store: MessageStore, clock: Clock
) -> None:
    await store.put("orders", "m1", BODY)
    await store.lease("orders", "w1", 10, 5)
    clock.advance(5)
    await store.lease("orders", "w2", 10, 5)

    await store.dead_letter("m1", "still failing", "sink", worker="w2")

    dead = await store.get_dead("m1")
    assert dead is not None
    assert dead.attempts == 2
    assert [(entry.error, entry.step) for entry in dead.history] == [
        (LEASE_EXPIRED.format(worker="w1"), None),
        ("still failing", "sink"),
    ]


async def test_two_stores_leasing_at_once_never_get_the_same_message(
    store: MessageStore, database_url: str, rows: Database
) -> None:
    # Two stores: two connections (on PostgreSQL, as two worker processes would have).
    await store.put_many("orders", [NewMessage(f"m{n}", BODY) for n in range(300)])
    async with await open_message_store(database_url, migrate=False) as other:

        async def drain(leaser: MessageStore, worker: str) -> list[str]:
            got: list[str] = []
            while leased := await leaser.lease("orders", worker, 7, 30):
                got += ids(leased)
            return got

        first, second = await asyncio.gather(drain(store, "w1"), drain(other, "w2"))

    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(f"m{n}" for n in range(300))
    assert len(first) + len(second) == 300
    await assert_balanced(store, rows)


async def test_a_retried_message_comes_back_after_its_delay_with_its_history(
    store: MessageStore, rows: Database, clock: Clock
) -> None:
    await store.put("orders", "m1", BODY)
    await store.lease("orders", "w1", 10, 30)

    assert await store.retry("m1", "HTTP 503 from wms", "sink", delay_seconds=10) is True
    await assert_balanced(store, rows)
    clock.advance(9)
    assert await store.lease("orders", "w1", 10, 30) == []
    clock.advance(1)
    [again] = await store.lease("orders", "w1", 10, 30)

    assert again.attempts == 1
    assert again.available_at == clock.now
    await store.dead_letter("m1", "HTTP 400 from wms", "sink")
    dead = await store.get_dead("m1")
    assert dead is not None
    assert [(entry.error, entry.step) for entry in dead.history] == [
        ("HTTP 503 from wms", "sink"),
        ("HTTP 400 from wms", "sink"),
    ]
    assert dead.history[0].at == clock.now - 10
    await assert_balanced(store, rows)


async def test_only_a_leased_message_can_be_retried_or_completed(store: MessageStore) -> None:
    await store.put("orders", "m1", BODY)

    assert await store.retry("m1", "boom", "map", 1) is False
    assert await store.complete(["m1"]) == 0
    assert await store.retry("nope", "boom", "map", 1) is False
    await store.lease("orders", "w1", 10, 30)
    assert await store.retry("m1", "boom", "map", 1, worker="w2") is False
    assert await store.retry("m1", "boom", "map", 1, worker="w1") is True


async def test_a_released_message_is_leasable_at_once_without_a_failed_try(
    store: MessageStore, rows: Database
) -> None:
    await store.put_many("orders", [NewMessage("m1", BODY), NewMessage("m2", BODY)])
    await store.lease("orders", "w1", 10, 30)

    assert await store.release(["m1", "m2"], worker="w2") == 0
    assert await store.release(["m1", "m2"], worker="w1") == 2

    again = await store.lease("orders", "w2", 10, 30)
    assert ids(again) == ["m1", "m2"]
    assert [message.attempts for message in again] == [0, 0]
    await assert_balanced(store, rows)


async def test_a_lease_whose_caller_gave_up_gives_its_messages_back(
    store: MessageStore,
) -> None:
    await store.put_many("orders", [NewMessage(f"m{n}", BODY) for n in range(3)])
    abandoned = asyncio.create_task(store.lease("orders", "w1", 10, 30))
    await asyncio.sleep(0)
    abandoned.cancel()

    got: list[str] = []
    async with asyncio.timeout(5):
        while len(got) < 3:
            got += ids(await store.lease("orders", "w2", 10, 30))
            await asyncio.sleep(0.01)

    assert sorted(got) == ["m0", "m1", "m2"]


async def test_the_dead_letter_queue_lists_gets_replays_and_discards(
    store: MessageStore, rows: Database, clock: Clock
) -> None:
    await store.put_many("orders", [NewMessage(f"m{n}", BODY) for n in range(4)])
    await store.put("invoices", "i1", BODY)
    await store.lease(None, "w1", 10, 30)
    for message_id in ("m0", "m1", "m2", "i1"):
        assert await store.dead_letter(message_id, f"{message_id} failed", "map") is True
    await assert_balanced(store, rows)

    listed = await store.list_dead("orders")
    assert [dead.id for dead in listed] == ["m0", "m1", "m2"]
    assert [dead.id for dead in await store.list_dead(limit=2, offset=2)] == ["m2", "i1"]
    dead = await store.get_dead("m1")
    assert dead is not None
    assert (dead.flow, dead.body, dead.error, dead.step, dead.attempts) == (
        "orders",
        BODY,
        "m1 failed",
        "map",
        1,
    )
    assert dead.failed_at == clock.now
    assert await store.get_dead("m3") is None  # leased, not dead
    assert (await store.counts("orders")).dead_lettered == 3

    assert await store.replay_dead(["m0", "m3"]) == 1
    assert await store.discard_dead(["m1"]) == 1
    await assert_balanced(store, rows)
    counts = await store.counts("orders")
    assert (counts.dead_lettered, counts.in_flight) == (2, 2)  # m1 discarded, still counted

    [replayed] = await store.lease("orders", "w2", 10, 30)
    assert (replayed.id, replayed.attempts) == ("m0", 0)
    assert await store.replay_dead(flow="orders") == 1  # m2
    assert await store.discard_dead() == 1  # i1
    assert await store.list_dead() == []
    await assert_balanced(store, rows)


async def test_messages_of_one_key_are_handed_out_one_at_a_time_in_order(
    store: MessageStore, rows: Database, clock: Clock
) -> None:
    await store.put("orders", "a1", BODY, key="customer-a")
    await store.put("orders", "b1", BODY, key="customer-b")
    await store.put_many(
        "orders",
        [NewMessage("a2", BODY, "customer-a"), NewMessage("a3", BODY, "customer-a")],
    )
    await store.put("orders", "free", BODY)

    assert ids(await store.lease("orders", "w1", 10, 30)) == ["a1", "b1", "free"]
    assert await store.lease("orders", "w1", 10, 30) == []  # a2 waits while a1 is leased

    await store.retry("a1", "timeout", "sink", delay_seconds=5)
    assert await store.lease("orders", "w1", 10, 30) == []  # ... and while a1 retries
    clock.advance(5)
    assert ids(await store.lease("orders", "w1", 10, 30)) == ["a1"]

    await store.complete(["a1"])
    assert ids(await store.lease("orders", "w1", 10, 30)) == ["a2"]
    await store.dead_letter("a2", "bad", "map")
    assert ids(await store.lease("orders", "w1", 10, 30)) == ["a3"]
    await assert_balanced(store, rows)

    # A replayed message of a key with a live head waits behind it.
    await store.replay_dead(["a2"])
    assert await store.lease("orders", "w1", 10, 30) == []
    await store.complete(["a3"])
    assert ids(await store.lease("orders", "w1", 10, 30)) == ["a2"]
    await assert_balanced(store, rows)


async def test_a_key_is_free_again_once_its_last_message_is_delivered(
    store: MessageStore,
) -> None:
    await store.put("orders", "a1", BODY, key="k")
    await store.lease("orders", "w1", 10, 30)
    await store.complete(["a1"])

    await store.put("orders", "a2", BODY, key="k")

    assert ids(await store.lease("orders", "w1", 10, 30)) == ["a2"]


async def test_messages_survive_closing_and_reopening_the_store(
    database_url: str, clock: Clock
) -> None:
    async with await open_message_store(database_url, clock=clock) as store:
        await store.put_many("orders", [NewMessage(f"m{n}", BODY) for n in range(50)])
        await store.lease("orders", "w1", 10, 30)
        await store.complete([f"m{n}" for n in range(10)])
        await store.put("orders", "k1", BODY, key="k")
        await store.put("orders", "k2", BODY, key="k")

    async with await open_message_store(database_url, clock=clock) as store:
        assert (await store.counts("orders")).as_dict() == {
            "received": 52,
            "delivered": 10,
            "filtered": 0,
            "dead_lettered": 0,
            "in_flight": 42,
        }
        leased = await store.lease("orders", "w2", 100, 30)

    assert ids(leased) == [f"m{n}" for n in range(10, 50)] + ["k1"]
    assert leased[0].body == BODY


async def test_counts_add_up_over_every_flow(store: MessageStore) -> None:
    await store.put_many("orders", [NewMessage(f"m{n}", BODY) for n in range(3)])
    await store.put("invoices", "i1", BODY)
    await store.lease(None, "w1", 10, 30)
    await store.complete(["m0", "i1"])
    await store.dead_letter("m1", "bad", "map")

    assert (await store.counts()).as_dict() == {
        "received": 4,
        "delivered": 2,
        "filtered": 0,
        "dead_lettered": 1,
        "in_flight": 1,
    }
    assert (await store.counts("nothing")).received == 0


async def test_mistakes_in_calls_are_refused_before_anything_is_stored(
    store: MessageStore,
) -> None:
    with pytest.raises(TypeError, match="bytes"):
        await store.put("orders", "m1", "not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sequence of message ids"):
        await store.complete("m1")
    with pytest.raises(ValueError, match="limit"):
        await store.lease("orders", "w1", 0, 30)
    with pytest.raises(ValueError, match="lease_seconds"):
        await store.lease("orders", "w1", 1, 0)
    assert (await store.counts()).received == 0


async def test_a_closed_store_refuses_calls(database_url: str) -> None:
    store = await open_message_store(database_url)
    await store.close()

    with pytest.raises(Exception, match="closed") as caught:
        await store.put("orders", "m1", BODY)

    assert getattr(caught.value, "code", None) == "E-STORAGE-001"


# --- SQLite only ---------------------------------------------------------------------------


async def test_a_sqlite_store_opens_from_a_plain_path_with_large_pages(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    async with await open_message_store(str(path)) as store:
        await store.put("orders", "m1", BODY)

    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA page_size").fetchone() == (PAGE_SIZE,)
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert con.execute("SELECT id FROM messages").fetchall() == [("m1",)]


async def test_an_in_memory_sqlite_store_works_without_migrations() -> None:
    async with await open_message_store("sqlite://") as store:
        await store.put("orders", "m1", BODY)
        assert ids(await store.lease("orders", "w1", 10, 30)) == ["m1"]


# --- crash: SIGKILL while putting -----------------------------------------------------------

PUT_UNTIL_KILLED = """
import asyncio, sys
from interloom.storage.message_store import open_message_store

async def main() -> None:
    store = await open_message_store(sys.argv[1], migrate=False)
    acked = open(sys.argv[2], "a", buffering=1)  # a line reaches the OS as it is written
    body = b"x" * 1024

    async def producer(first: int) -> None:
        for n in range(first, 10_000_000, 32):
            if await store.put("crash", f"m{n}", body):
                acked.write(f"m{n}\\n")

    await asyncio.gather(*(producer(first) for first in range(32)))

asyncio.run(main())
"""


@pytest.mark.slow
async def test_no_message_whose_put_returned_is_lost_when_the_process_is_killed(
    database_url: str, tmp_path: Path, rows: Database
) -> None:
    async with await open_message_store(database_url):
        pass  # migrated
    acked_file = tmp_path / "acked.txt"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PUT_UNTIL_KILLED,
        database_url,
        str(acked_file),
        stderr=asyncio.subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not acked_file.exists() or acked_file.stat().st_size < 20_000:  # ~2,000 acks
        assert process.returncode is None, (await process.communicate())[1].decode()
        assert time.monotonic() < deadline, "the putting process made no progress"
        await asyncio.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    await process.wait()
    acked = set(acked_file.read_text().split())

    async with await open_message_store(database_url, migrate=False) as store:
        stored: set[str] = set()
        while leased := await store.lease("crash", "checker", 1000, 60):
            stored.update(ids(leased))
        counts = await store.counts("crash")
        await assert_balanced(store, rows)

    assert acked <= stored, f"{len(acked - stored)} acknowledged messages lost"
    assert counts.received == len(stored)
