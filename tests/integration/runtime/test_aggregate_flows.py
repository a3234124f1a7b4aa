"""Aggregate end to end: groups by key in the database, completed by count or time, durable
across a restart, emitted once as a message of the flow, on SQLite and PostgreSQL."""

from __future__ import annotations

import textwrap
from pathlib import Path

from .conftest import RecordingSink
from .processor_projects import FAST_RETRIES, eventually, post, running, status, write_project

OUTPUT = "{'customer': $key, 'orders': $items.id, 'total': $sum($items.total), 'n': $count}"


def batch_flow(url: str, completion: str, reply: str = "sync") -> str:
    return (
        textwrap.dedent(
            f"""\
            id: batch
            name: Orders batched per customer
            source:
              connector: http
              config: {{path: /orders, reply: {reply}}}
            steps:
              - id: per-customer
                kind: aggregate
                config:
                  key: customer
                  item: "{{'id': id, 'total': total}}"
                  {completion}
                  output: "{OUTPUT}"
              - id: stamp
                kind: set
                config: {{values: {{batched: true}}}}
            sinks:
              - connector: http
                config: {{url: "{url}"}}
            """
        )
        + FAST_RETRIES
    )


async def test_a_group_complete_by_count_is_emitted_once_through_the_steps_after(
    tmp_path: Path, sink: RecordingSink, database_url: str
) -> None:
    root = write_project(tmp_path, {"batch": batch_flow(sink.url, "count: 3")})
    async with running(root, database_url) as runtime:
        answers = []
        for n, customer in enumerate(["C1", "C2", "C1", "C1", "C2"]):
            response = await post(
                runtime, "/orders", {"id": f"O{n}", "customer": customer, "total": n}
            )
            answers.append(response.json()["status"])

        async def emitted() -> bool:
            return len(sink.bodies()) == 1

        await eventually(emitted)
        assert answers == ["aggregated"] * 5
        assert sink.bodies() == [
            {"customer": "C1", "orders": ["O0", "O2", "O3"], "total": 5, "n": 3, "batched": True}
        ]
        (headers, _) = sink.received[0]
        assert headers["Idempotency-Key"].startswith("batch:per-customer/")
        assert runtime.resources.state is not None
        open_groups = await runtime.resources.state.groups("batch")
        assert [(g.key, g.size) for g in open_groups] == [("C2", 2)]

        async def settled() -> bool:
            counted = await status(runtime, "batch")
            return counted.in_flight == 0

        await eventually(settled)
        counted = await status(runtime, "batch")
        # Five requests taken in, plus the aggregate they made, which went to the sink.
        assert (counted.received, counted.delivered) == (6, 6)


async def test_a_window_completes_a_group_by_time(
    tmp_path: Path, sink: RecordingSink, database_url: str
) -> None:
    root = write_project(tmp_path, {"batch": batch_flow(sink.url, "window_seconds: 0.5")})
    async with running(root, database_url) as runtime:
        await post(runtime, "/orders", {"id": "O1", "customer": "C1", "total": 1})
        await post(runtime, "/orders", {"id": "O2", "customer": "C1", "total": 2})

        async def emitted() -> bool:
            return len(sink.bodies()) == 1

        await eventually(emitted, seconds=10)
        assert sink.bodies()[0]["orders"] == ["O1", "O2"]


async def test_an_open_group_survives_a_restart_and_completes_after_it(
    tmp_path: Path, sink: RecordingSink, database_url: str
) -> None:
    root = write_project(tmp_path, {"batch": batch_flow(sink.url, "count: 2", reply="durable")})
    async with running(root, database_url) as runtime:
        await post(runtime, "/orders", {"id": "O1", "customer": "C1", "total": 10})

        async def held() -> bool:
            assert runtime.resources.state is not None
            return [g.size for g in await runtime.resources.state.groups("batch")] == [1]

        await eventually(held)

    async with running(root, database_url) as runtime:
        await post(runtime, "/orders", {"id": "O2", "customer": "C1", "total": 5})

        async def emitted() -> bool:
            return len(sink.bodies()) == 1

        await eventually(emitted)
        assert sink.bodies()[0]["orders"] == ["O1", "O2"]
        assert sink.bodies()[0]["total"] == 15


async def test_an_aggregate_whose_output_fails_is_a_dead_letter_at_the_aggregator(
    tmp_path: Path, sink: RecordingSink
) -> None:
    flow = batch_flow(sink.url, "count: 1").replace(
        "output: \"{'customer'", "output: \"$number('x') & {'customer'"
    )
    root = write_project(tmp_path, {"batch": flow})
    async with running(root) as runtime:
        await post(runtime, "/orders", {"id": "O1", "customer": "C1", "total": 1})
        assert runtime.store is not None
        store = runtime.store

        async def dead() -> bool:
            return (await store.counts("batch")).dead_lettered == 1

        await eventually(dead)
        (letter,) = await store.list_dead("batch")
        assert letter.step == "per-customer"
        assert sink.bodies() == []
