"""Aggregator groups and dedupe keys in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from interloom.storage.database import Database
from interloom.storage.processor_state import ProcessorState

STEP = ("orders", "batch")


@pytest.fixture
def state(database: Database) -> ProcessorState:
    return ProcessorState(database)


async def test_items_join_the_open_group_of_their_key_until_the_count(
    state: ProcessorState,
) -> None:
    first = await state.collect(*STEP, "NL", "m1", b"1", 100.0, count=2)
    other = await state.collect(*STEP, "BE", "m2", b"2", 101.0, count=2)
    second = await state.collect(*STEP, "NL", "m3", b"3", 102.0, count=2)
    third = await state.collect(*STEP, "NL", "m4", b"4", 103.0, count=2)

    assert (first.added, first.complete, first.size) == (True, False, 1)
    assert other.group_id != first.group_id
    assert (second.group_id, second.complete, second.size) == (first.group_id, True, 2)
    assert third.group_id not in (first.group_id, other.group_id)  # a new group opened
    groups = {g.id: (g.key, g.size, g.state) for g in await state.groups("orders")}
    assert groups == {
        first.group_id: ("NL", 2, "complete"),
        other.group_id: ("BE", 1, "open"),
        third.group_id: ("NL", 1, "open"),
    }


async def test_a_message_is_collected_once_however_often_it_is_delivered(
    state: ProcessorState,
) -> None:
    await state.collect(*STEP, "k", "m1", b"1", 1.0, count=3)

    again = await state.collect(*STEP, "k", "m1", b"1", 2.0, count=3)

    assert not again.added
    assert [g.size for g in await state.groups()] == [1]


async def test_complete_groups_and_expired_ones_are_claimed_once_with_their_items(
    state: ProcessorState,
) -> None:
    full = await state.collect(*STEP, "a", "m1", b'{"n":1}', 10.0, count=1)
    await state.collect(*STEP, "b", "m2", b'{"n":2}', 10.0, window=5.0)
    await state.collect(*STEP, "b", "m3", b'{"n":3}', 12.0, window=5.0)
    await state.collect(*STEP, "c", "m4", b'{"n":4}', 13.0, max_wait=1.0)
    await state.collect("other", "batch", "a", "m5", b"5", 10.0, count=1)

    assert [g.id for g in await state.claim_due(11.0, [STEP])] == [full.group_id]
    assert await state.claim_due(11.0, [STEP]) == []  # claimed: no one else's
    claimed = await state.claim_due(15.0, [STEP])

    assert [(g.key, g.size) for g in claimed] == [("b", 2), ("c", 1)]
    assert await state.items(claimed[0].id) == [b'{"n":2}', b'{"n":3}']


async def test_waiting_for_the_next_item_starts_again_with_each_item(
    state: ProcessorState,
) -> None:
    await state.collect(*STEP, "k", "m1", b"1", 10.0, max_wait=5.0)
    await state.collect(*STEP, "k", "m2", b"2", 14.0, max_wait=5.0)

    assert await state.next_due([STEP]) == 19.0
    assert await state.claim_due(18.0, [STEP]) == []
    assert len(await state.claim_due(19.0, [STEP])) == 1


async def test_a_claim_that_runs_out_lets_the_group_be_claimed_again(
    state: ProcessorState,
) -> None:
    await state.collect(*STEP, "k", "m1", b"1", 10.0, count=1)
    (claimed,) = await state.claim_due(10.0, [STEP], lease_seconds=30.0)

    assert await state.claim_due(39.0, [STEP]) == []
    (again,) = await state.claim_due(40.0, [STEP])

    assert again.id == claimed.id


async def test_a_finished_group_is_gone_with_its_items(state: ProcessorState) -> None:
    collected = await state.collect(*STEP, "k", "m1", b"1", 10.0, count=1)

    await state.finish(collected.group_id)

    assert await state.groups() == []
    assert await state.items(collected.group_id) == []


async def test_concurrent_items_of_one_key_end_in_one_group_in_full(
    state: ProcessorState,
) -> None:
    results = await asyncio.gather(
        *(state.collect(*STEP, "k", f"m{n}", b"%d" % n, 1.0, count=100) for n in range(20))
    )

    assert {r.group_id for r in results} == {results[0].group_id}
    assert sorted(await state.items(results[0].group_id)) == sorted(b"%d" % n for n in range(20))


async def test_a_key_seen_within_the_time_window_is_a_repeat(state: ProcessorState) -> None:
    assert await state.sight(*STEP, "O-1", "m1", 100.0, window_seconds=60) is None

    repeat = await state.sight(*STEP, "O-1", "m2", 150.0, window_seconds=60)
    later = await state.sight(*STEP, "O-1", "m3", 161.0, window_seconds=60)

    assert repeat is not None
    assert (repeat.message_id, repeat.seen_at) == ("m1", 100.0)
    assert later is None  # the window of the first sighting is over: m3 is the new first
    assert (await state.sight(*STEP, "O-1", "m4", 162.0, window_seconds=60)).message_id == "m3"


async def test_the_recorded_message_is_no_repeat_of_itself(state: ProcessorState) -> None:
    await state.sight(*STEP, "O-1", "m1", 100.0, window_seconds=60)

    assert await state.sight(*STEP, "O-1", "m1", 101.0, window_seconds=60) is None


async def test_a_key_among_the_last_n_keys_is_a_repeat(state: ProcessorState) -> None:
    for n, key in enumerate("abc"):
        assert await state.sight(*STEP, key, f"m{n}", 1.0, window_keys=2) is None

    assert await state.sight(*STEP, "c", "x1", 2.0, window_keys=2) is not None
    assert await state.sight(*STEP, "b", "x2", 2.0, window_keys=2) is not None
    assert await state.sight(*STEP, "a", "x3", 2.0, window_keys=2) is None  # fell out


async def test_pruning_forgets_the_keys_out_of_the_window(state: ProcessorState) -> None:
    await state.sight(*STEP, "old", "m1", 10.0, window_seconds=60)
    await state.sight(*STEP, "new", "m2", 65.0, window_seconds=60)
    await state.sight("other", "batch", "old", "m3", 10.0, window_seconds=60)

    assert await state.prune_keys(*STEP, 71.0, window_seconds=60) == 1
    assert await state.key_count(*STEP) == 1
    assert await state.key_count("other", "batch") == 1


async def test_pruning_by_count_keeps_the_last_n_keys(state: ProcessorState) -> None:
    for n in range(5):
        await state.sight(*STEP, f"k{n}", f"m{n}", 1.0, window_keys=2)

    assert await state.prune_keys(*STEP, 2.0, window_keys=2) == 3
    assert await state.key_count(*STEP) == 2


async def test_the_state_survives_reopening_the_database(database_url: str) -> None:
    first = await ProcessorState.open(database_url)
    try:
        await first.collect(*STEP, "k", "m1", b"1", 1.0, count=5)
        await first.sight(*STEP, "O-1", "m1", 1.0, window_seconds=60)
    finally:
        await first.close()

    second = await ProcessorState.open(database_url)
    try:
        assert [g.size for g in await second.groups()] == [1]
        assert await second.sight(*STEP, "O-1", "m2", 2.0, window_seconds=60) is not None
    finally:
        await second.close()
