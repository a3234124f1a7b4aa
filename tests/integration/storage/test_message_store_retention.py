"""What the message store keeps of finished messages: their ids for a while, and how they ended.

A sender that retries after its message was delivered must get "duplicate", not a second
delivery; a message a step dropped must stay counted as filtered after a restart. Every test
runs on SQLite and on PostgreSQL, on a fake clock the test moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from interloom.storage.database import Database
from interloom.storage.message_store import (
    DEFAULT_RETENTION_SECONDS,
    MessageStore,
    NewMessage,
    open_message_store,
)

BODY = b'{"order": "' + b"x" * 1000 + b'"}'
HOUR = 3600.0


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
async def rows(database_url: str) -> AsyncIterator[Database]:
    """The same database seen through SQLAlchemy, to see what the tables really hold."""
    async with Database.from_url(database_url) as database:
        yield database


@pytest.fixture
def opener(database_url: str, clock: Clock) -> Callable[..., Awaitable[MessageStore]]:
    """Open the store on the fake clock, sweeping only when a test asks."""

    def open_store(**options: Any) -> Awaitable[MessageStore]:
        return open_message_store(database_url, clock=clock, **{"sweep_seconds": 0, **options})

    return open_store


@pytest.fixture
async def store(database_url: str, clock: Clock) -> AsyncIterator[MessageStore]:
    opened = await open_message_store(database_url, clock=clock, sweep_seconds=0)
    try:
        yield opened
    finally:
        await opened.close()


async def deliver(store: MessageStore, flow: str, *ids: str, outcome: str = "delivered") -> None:
    """Put, lease and complete messages, as a source and a worker would."""
    await store.put_many(flow, [NewMessage(message_id, BODY) for message_id in ids])
    leased = await store.lease(flow, "w1", len(ids) + 10, 30)
    assert sorted(m.id for m in leased) == sorted(ids)
    assert await store.complete(list(ids), worker="w1", outcome=outcome) == len(ids)


async def table_rows(rows: Database, where: str = "true") -> list[tuple[object, ...]]:
    async with rows.session() as session:
        result = await session.execute(
            sa.text(f"SELECT id, state, length(body) FROM messages WHERE {where} ORDER BY seq")
        )
        return [tuple(row) for row in result]


async def test_a_delivered_id_is_a_duplicate_for_the_retention_window(
    store: MessageStore, rows: Database, clock: Clock
) -> None:
    await deliver(store, "orders", "c:orders:K1")
    clock.advance(DEFAULT_RETENTION_SECONDS - 1)

    assert await store.put("orders", "c:orders:K1", BODY) is False
    assert await store.put_many(
        "orders", [NewMessage("c:orders:K1", BODY), NewMessage("c:orders:K2", BODY)]
    ) == [False, True]

    assert (await store.counts("orders")).as_dict() == {
        "received": 2,
        "delivered": 1,
        "filtered": 0,
        "dead_lettered": 0,
        "in_flight": 1,
    }
    assert [m.id for m in await store.lease("orders", "w1", 10, 30)] == ["c:orders:K2"]
    # Only the id is kept: the body is gone with the delivery.
    assert await table_rows(rows, "state = 'done'") == [("c:orders:K1", "done", 0)]


async def test_a_filtered_message_is_counted_as_filtered_and_its_id_remembered(
    store: MessageStore,
) -> None:
    await deliver(store, "orders", "m1", "m2")
    await deliver(store, "orders", "m3", outcome="filtered")

    counts = await store.counts("orders")
    assert counts.as_dict() == {
        "received": 3,
        "delivered": 2,
        "filtered": 1,
        "dead_lettered": 0,
        "in_flight": 0,
    }
    assert counts.received == counts.delivered + counts.filtered + counts.dead_lettered
    assert await store.put("orders", "m3", BODY) is False
    assert (await store.counts()).filtered == 1


async def test_one_batch_may_complete_some_messages_delivered_and_others_filtered(
    store: MessageStore,
) -> None:
    await store.put_many("orders", [NewMessage(f"m{n}", BODY) for n in range(6)])
    await store.lease("orders", "w1", 10, 30)

    done = await asyncio.gather(
        store.complete(["m0", "m1"], worker="w1"),
        store.complete(["m2"], worker="w1", outcome="filtered"),
        store.complete(["m3", "m4"], worker="w2", outcome="filtered"),  # not w2's
        store.complete(["m5"], outcome="filtered"),
    )

    assert list(done) == [2, 1, 0, 1]
    counts = await store.counts("orders")
    assert (counts.delivered, counts.filtered, counts.in_flight) == (2, 2, 2)


async def test_a_message_completed_twice_at_once_is_counted_once(
    database_url: str, clock: Clock
) -> None:
    async with (
        await open_message_store(database_url, clock=clock, sweep_seconds=0) as one,
        await open_message_store(database_url, clock=clock, sweep_seconds=0) as two,
    ):
        await one.put_many("orders", [NewMessage(f"m{n}", BODY) for n in range(200)])
        await one.lease("orders", "w1", 200, 30)
        ids = [f"m{n}" for n in range(200)]

        done = await asyncio.gather(one.complete(ids), two.complete(ids))

        assert sum(done) == 200
        assert (await one.counts("orders")).delivered == 200


async def test_filtered_counts_and_remembered_ids_survive_a_restart(
    database_url: str, clock: Clock
) -> None:
    async with await open_message_store(database_url, clock=clock) as store:
        await deliver(store, "orders", "d1", "d2")
        await deliver(store, "orders", "f1", outcome="filtered")
        await store.put("orders", "x1", BODY)
        await store.dead_letter("x1", "bad data", "map")
        assert await store.discard_dead(["x1"]) == 1

    async with await open_message_store(database_url, clock=clock) as store:
        assert (await store.counts("orders")).as_dict() == {
            "received": 4,
            "delivered": 2,
            "filtered": 1,
            "dead_lettered": 1,
            "in_flight": 0,
        }
        for message_id in ("d1", "d2", "f1", "x1"):
            assert await store.put("orders", message_id, BODY) is False, message_id
        assert (await store.counts("orders")).received == 4


async def test_a_discarded_dead_letter_leaves_its_id_but_no_dead_letter(
    store: MessageStore, rows: Database
) -> None:
    await store.put("orders", "x1", BODY)
    await store.dead_letter("x1", "bad data", "map")

    assert await store.discard_dead(flow="orders") == 1

    assert await store.list_dead() == []
    assert await store.get_dead("x1") is None
    assert await store.replay_dead(["x1"]) == 0
    assert await store.put("orders", "x1", BODY) is False
    assert await table_rows(rows) == [("x1", "done", 0)]


async def test_the_sweep_forgets_ids_only_once_their_window_has_passed(
    opener: Callable[..., Awaitable[MessageStore]], rows: Database, clock: Clock
) -> None:
    async with await opener(retention_seconds=HOUR) as store:
        await deliver(store, "orders", *(f"old{n}" for n in range(5)))
        clock.advance(HOUR / 2)
        await deliver(store, "orders", "new")
        await store.put("orders", "live", BODY)

        clock.advance(HOUR / 2 - 1)
        assert await store.sweep() == 0  # a second short of the window

        clock.advance(1)
        assert [await store.sweep(2) for _ in range(4)] == [2, 2, 1, 0]  # in batches

        assert await store.put("orders", "old0", BODY) is True  # a new message now
        assert await store.put("orders", "new", BODY) is False
        assert await table_rows(rows, "state = 'done'") == [("new", "done", 0)]
        clock.advance(HOUR)
        assert await store.sweep() == 1
        counts = await store.counts("orders")
        # The counters are not touched by the sweep: they count what happened.
        assert (counts.received, counts.delivered, counts.in_flight) == (8, 6, 2)
        assert sorted(m.id for m in await store.lease("orders", "w1", 10, 30)) == [
            "live",
            "old0",
        ]


async def test_the_store_sweeps_by_itself(database_url: str, rows: Database, clock: Clock) -> None:
    async with await open_message_store(
        database_url, clock=clock, retention_seconds=HOUR, sweep_seconds=0.02, sweep_batch=3
    ) as store:
        await deliver(store, "orders", *(f"m{n}" for n in range(10)))
        await asyncio.sleep(0.1)
        assert len(await table_rows(rows, "state = 'done'")) == 10  # within the window

        clock.advance(HOUR + 1)
        for _ in range(200):
            if not await table_rows(rows):
                break
            await asyncio.sleep(0.02)

        assert await table_rows(rows) == []
        assert await store.put("orders", "m0", BODY) is True


async def test_without_retention_a_finished_message_is_forgotten_at_once(
    opener: Callable[..., Awaitable[MessageStore]], rows: Database
) -> None:
    async with await opener(retention_seconds=0) as store:
        await deliver(store, "orders", "m1")
        await deliver(store, "orders", "m2", outcome="filtered")
        await store.put("orders", "x1", BODY)
        await store.dead_letter("x1", "bad", None)
        await store.discard_dead()

        assert await table_rows(rows) == []
        assert await store.put("orders", "m1", BODY) is True
        assert (await store.counts("orders")).as_dict() == {
            "received": 4,
            "delivered": 1,
            "filtered": 1,
            "dead_lettered": 1,
            "in_flight": 1,
        }


async def test_a_key_moves_on_when_its_head_is_filtered(store: MessageStore) -> None:
    await store.put("orders", "a1", BODY, key="k")
    await store.put("orders", "a2", BODY, key="k")
    await store.lease("orders", "w1", 10, 30)

    await store.complete(["a1"], outcome="filtered")

    assert [m.id for m in await store.lease("orders", "w1", 10, 30)] == ["a2"]
    await store.complete(["a2"])
    await store.put("orders", "a3", BODY, key="k")
    assert [m.id for m in await store.lease("orders", "w1", 10, 30)] == ["a3"]


async def test_bad_outcomes_and_options_are_refused(store: MessageStore, database_url: str) -> None:
    with pytest.raises(ValueError, match="outcome must be 'delivered' or 'filtered'"):
        await store.complete(["m1"], outcome="dropped")
    with pytest.raises(ValueError, match="sweep limit"):
        await store.sweep(0)
    with pytest.raises(ValueError, match="retention_seconds"):
        await open_message_store(database_url, retention_seconds=-1)
    with pytest.raises(ValueError, match="sweep_batch"):
        await open_message_store(database_url, sweep_batch=0)


# --- the migration -------------------------------------------------------------------------


def migrate_to(revision: str) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        config = Config()
        config.set_main_option("script_location", "interloom.storage:migrations")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    return run


async def test_a_store_of_the_previous_schema_keeps_its_messages_when_migrated(
    database_url: str, rows: Database, clock: Clock
) -> None:
    async with rows.engine.begin() as connection:
        await connection.run_sync(migrate_to("0006"))
    async with rows.engine.begin() as connection:
        await connection.execute(
            sa.text(
                "INSERT INTO messages (id, flow, key, body, state, attempts, created_at, "
                "available_at) VALUES ('m1', 'orders', 'k', :body, 'ready', 0, 1, 1), "
                "('m2', 'orders', 'k', :body, 'waiting', 0, 1, 1)"
            ),
            {"body": BODY},
        )
        await connection.execute(
            sa.text(
                "INSERT INTO flow_counters (flow, shard, received, delivered, dead_lettered) "
                "VALUES ('orders', 0, 5, 3, 0)"
            )
        )

    async with await open_message_store(database_url, clock=clock) as store:
        assert (await store.counts("orders")).as_dict() == {
            "received": 5,
            "delivered": 3,
            "filtered": 0,
            "dead_lettered": 0,
            "in_flight": 2,
        }
        [head] = await store.lease("orders", "w1", 10, 30)
        assert (head.id, head.body) == ("m1", BODY)
        await store.complete(["m1"], outcome="filtered")
        assert [m.id for m in await store.lease("orders", "w1", 10, 30)] == ["m2"]
        assert await store.put("orders", "m1", BODY) is False


async def test_an_id_put_not_to_be_remembered_is_forgotten_once_finished(
    store: MessageStore, rows: Database
) -> None:
    await store.put("orders", "made-up", BODY, remember=False)
    await store.put_many(
        "orders",
        [
            NewMessage("kept", BODY),
            NewMessage("also-made-up", BODY, remember=False),
            NewMessage("kept-keyed", BODY, key="k", remember=True),
            NewMessage("keyed-made-up", BODY, key="k2", remember=False),
        ],
    )
    await store.put("orders", "dead-made-up", BODY, remember=False)
    await store.put("orders", "dead-kept", BODY)
    await store.dead_letter("dead-made-up", "bad", None)
    await store.dead_letter("dead-kept", "bad", None)
    await store.lease("orders", "w1", 10, 30)

    assert await store.complete(["made-up", "kept", "also-made-up"]) == 3
    assert await store.complete(["kept-keyed", "keyed-made-up"], outcome="filtered") == 2
    assert await store.discard_dead() == 2

    assert await table_rows(rows) == [
        ("kept", "done", 0),
        ("kept-keyed", "done", 0),
        ("dead-kept", "done", 0),
    ]
    assert await store.put("orders", "made-up", BODY) is True
    assert await store.put("orders", "kept", BODY) is False
    assert (await store.counts("orders")).as_dict() == {
        "received": 8,
        "delivered": 3,
        "filtered": 2,
        "dead_lettered": 2,
        "in_flight": 1,
    }
