"""The aggregators' timer: each due group emitted once into the store, even by two timers at
once, and again under the same id when an emission was cut short."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson

from interloom.core.flows.definition import Flow
from interloom.runtime.execution import split_resumable
from interloom.runtime.group_timer import GroupTimer, aggregator_steps
from interloom.runtime.pipeline import CompiledFlow, compile_flow
from interloom.storage.message_store import open_message_store
from interloom.storage.processor_state import ProcessorState

FLOW = {
    "id": "orders",
    "name": "Orders",
    "source": {"connector": "http", "config": {"path": "/orders"}},
    "steps": [{"id": "batch", "kind": "aggregate", "config": {"key": "k", "count": 2}}],
    "sinks": [{"connector": "http", "config": {"url": "http://127.0.0.1:1/x"}}],
}


def flows() -> dict[str, CompiledFlow]:
    return {"orders": compile_flow(Flow.model_validate(FLOW), Path("."), {})}


async def test_two_timers_emit_each_group_once(database_url: str) -> None:
    compiled = flows()
    assert aggregator_steps(compiled) == [("orders", "batch")]
    store = await open_message_store(database_url)
    state = await ProcessorState.open(database_url)
    try:
        for n in range(20):
            await state.collect("orders", "batch", f"k{n % 5}", f"m{n}", b"%d" % n, 1.0, count=2)
        one = GroupTimer(state, store, compiled)
        two = GroupTimer(state, store, compiled)

        emitted = await asyncio.gather(one.flush(), two.flush())

        assert sum(emitted) == 10
        assert await state.groups() == []
        counts = await store.counts("orders")
        assert counts.received == 10
        leased = await store.lease("orders", "w", 100)
        bodies = [split_resumable(m.body) for m in leased]
        assert [header for header, _ in bodies] == [{"emit": "batch"}] * 10
        groups = sorted((orjson.loads(raw)["key"], orjson.loads(raw)["items"]) for _, raw in bodies)
        assert groups == sorted(
            (f"k{k}", [k + 5 * i for i in range(4)][j : j + 2]) for k in range(5) for j in (0, 2)
        )
    finally:
        await store.close()
        await state.close()


async def test_a_group_claimed_but_not_finished_is_emitted_again_under_the_same_id(
    database_url: str,
) -> None:
    compiled = flows()
    store = await open_message_store(database_url)
    state = await ProcessorState.open(database_url)
    now = [100.0]
    try:
        await state.collect("orders", "batch", "k", "m1", b"1", now[0], count=1)
        (claimed,) = await state.claim_due(now[0], [("orders", "batch")], lease_seconds=30)
        # A timer stopped here: claimed, not stored. Once the claim runs out:
        now[0] += 31
        timer = GroupTimer(state, store, compiled, clock=lambda: now[0])

        assert await timer.flush() == 1
        assert await timer.flush() == 0
        (message,) = await store.lease("orders", "w", 10)
        assert message.id == f"batch/{claimed.id}"
        # And a timer stopped after storing it, before deleting the group, stores it again
        # under the same id: the store keeps one.
        assert await store.put("orders", message.id, message.body) is False
    finally:
        await store.close()
        await state.close()
