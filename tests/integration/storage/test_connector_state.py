"""Background sources' state and leases, on every backend."""

from __future__ import annotations

import asyncio

from interloom.storage.connector_state import ConnectorStates
from interloom.storage.database import Database


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_new_source_gets_its_lease_with_no_state_then_keeps_what_it_saved(
    database: Database,
) -> None:
    states = ConnectorStates(database)

    lease = await states.acquire("orders", "poll-http", "a", 30)
    assert lease is not None
    assert lease.state is None
    assert await states.save(lease, {"cursor": "2026-03-01T10:00:00Z"}, 30)
    await states.release(lease)

    again = await states.acquire("orders", "poll-http", "b", 30)
    assert again is not None
    assert again.state == {"cursor": "2026-03-01T10:00:00Z"}
    record = await states.get("orders")
    assert record is not None
    assert (record.owner, record.connector) == ("b", "poll-http")


async def test_one_owner_at_a_time_until_the_lease_runs_out(database: Database) -> None:
    clock = Clock()
    states = ConnectorStates(database, clock=clock)
    first = await states.acquire("nightly", "schedule", "a", 30)
    assert first is not None

    assert await states.acquire("nightly", "schedule", "b", 30) is None
    clock.now += 29
    assert await states.renew(first, 30)
    clock.now += 29
    assert await states.acquire("nightly", "schedule", "b", 30) is None

    clock.now += 31  # a stopped renewing: its lease runs out
    taken = await states.acquire("nightly", "schedule", "b", 30)
    assert taken is not None
    # The old owner can no longer save: its cursor cannot overwrite the new owner's.
    assert not await states.save(first, {"last_fire": 1.0}, 30)
    assert not await states.renew(first, 30)
    assert await states.save(taken, {"last_fire": 2.0}, 30)
    record = await states.get("nightly")
    assert record is not None
    assert record.state == {"last_fire": 2.0}


async def test_many_processes_racing_for_a_lease_give_it_to_one(database: Database) -> None:
    states = ConnectorStates(database)

    leases = await asyncio.gather(
        *(states.acquire("files", "file", f"owner-{n}", 30) for n in range(8))
    )

    assert len([lease for lease in leases if lease is not None]) == 1


async def test_forgetting_a_source_restarts_it_from_nothing(database: Database) -> None:
    states = ConnectorStates(database)
    lease = await states.acquire("orders", "sql", "a", 30)
    assert lease is not None
    await states.save(lease, {"cursor": 5}, 30)

    assert await states.forget("orders")
    assert await states.get("orders") is None
    assert not await states.forget("orders")
