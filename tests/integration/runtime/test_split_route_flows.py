"""Split and route end to end: each item to its sinks, bad items dead-lettered on their own."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import RecordingSink, recording_sink
from .processor_projects import FAST_RETRIES, eventually, post, running, status, write_project

ORDER = {
    "id": "O-1",
    "lines": [
        {"sku": "A", "qty": 2, "country": "nl"},
        {"sku": "B", "qty": 0, "country": "be"},
        {"sku": "C", "qty": 7, "country": "Holland"},
        {"sku": "D", "qty": 1, "country": "Belgium"},
    ],
}


def lines_flow(reply: str, wms: str, erp: str, rule: str = "country") -> str:
    return (
        textwrap.dedent(f"""\
        id: lines
        name: Order lines to their warehouse
        source:
          connector: http
          config: {{path: /orders, reply: {reply}}}
        steps:
          - id: each-line
            kind: split
            config: {{expression: lines, keep: {{orderId: id}}}}
          - id: ordered
            kind: filter
            config: {{expression: qty > 0}}
          - id: clean
            kind: cleanse
            config:
              rules: [{{field: country, rule: {rule}}}]
          - id: by-size
            kind: route
            config:
              routes:
                - {{when: "qty >= 5", to: [erp, wms]}}
              otherwise: [wms]
        sinks:
          - id: wms
            connector: http
            config: {{url: "{wms}"}}
          - id: erp
            connector: http
            config: {{url: "{erp}"}}
        """)
        + FAST_RETRIES
    )


@pytest.fixture
def erp() -> Iterator[RecordingSink]:
    with recording_sink() as state:
        yield state


async def test_sync_items_reach_their_routed_sinks_and_a_bad_item_is_a_dead_letter(
    tmp_path: Path, sink: RecordingSink, erp: RecordingSink
) -> None:
    root = write_project(tmp_path, {"lines": lines_flow("sync", sink.url, erp.url)})
    async with running(root) as runtime:
        response = await post(runtime, "/orders", ORDER)

        assert response.status_code == 202
        answer = response.json()
        source_id = answer["id"]
        assert answer["status"] == "accepted"
        assert answer["messages"] == 2
        assert answer["dead_lettered"] == [f"{source_id}/2"]
        assert [(b["sku"], b["country"], b["orderId"]) for b in sink.bodies()] == [
            ("A", "NL", "O-1"),
            ("D", "BE", "O-1"),
        ]
        assert [h["Idempotency-Key"] for h, _ in sink.received] == [
            f"lines:{source_id}/0",
            f"lines:{source_id}/3",
        ]
        assert erp.bodies() == []  # C is dead, B was filtered: nothing is big enough
        assert runtime.store is not None
        (letter,) = await runtime.store.list_dead("lines")
        assert (letter.id, letter.step) == (f"{source_id}/2", "clean")
        assert "country = 'Holland' fails 'country'" in letter.error
        counted = await status(runtime, "lines")
        # The request counts once (delivered); its dead item is a message of its own.
        assert (counted.received, counted.delivered, counted.dead_lettered) == (2, 1, 1)


async def test_a_dead_item_replayed_after_the_flow_is_fixed_resumes_at_its_step(
    tmp_path: Path, sink: RecordingSink, erp: RecordingSink
) -> None:
    root = write_project(tmp_path, {"lines": lines_flow("sync", sink.url, erp.url)})
    async with running(root) as runtime:
        response = await post(runtime, "/orders", ORDER)
        source_id = response.json()["id"]

        write_project(root, {"lines": lines_flow("sync", sink.url, erp.url, rule="upper")})
        from interloom.services.project import open_project

        runtime.load(open_project(root).project, root)
        assert runtime.store is not None
        assert await runtime.store.replay_dead(flow="lines") == 1
        assert runtime.worker is not None
        runtime.worker.notify()

        async def replayed() -> bool:
            return len(erp.bodies()) == 1

        await eventually(replayed)
        assert erp.bodies()[0] == {"sku": "C", "qty": 7, "country": "HOLLAND", "orderId": "O-1"}
        assert erp.received[0][0]["Idempotency-Key"] == f"lines:{source_id}/2"
        assert [b["sku"] for b in sink.bodies()] == ["A", "D", "C"]


async def test_durable_items_are_delivered_again_with_the_same_keys_after_a_failure(
    tmp_path: Path, sink: RecordingSink, erp: RecordingSink
) -> None:
    erp.status = 503
    root = write_project(tmp_path, {"lines": lines_flow("durable", sink.url, erp.url)})
    big = {
        "id": "O-2",
        "lines": [{"sku": "A", "qty": 1, "country": "NL"}, {"sku": "C", "qty": 9, "country": "DE"}],
    }
    async with running(root) as runtime:
        response = await post(runtime, "/orders", big)
        assert response.status_code == 202
        source_id = response.json()["id"]

        async def tried_twice() -> bool:
            return len(erp.received) >= 2

        await eventually(tried_twice)
        erp.status = 200

        async def settled() -> bool:
            return (await status(runtime, "lines")).delivered == 1

        await eventually(settled)
        keys = [h["Idempotency-Key"] for h, _ in sink.received]
        # Every try sends every item again, each with its own stable key.
        assert set(keys) == {f"lines:{source_id}/0", f"lines:{source_id}/1"}
        assert len(keys) == 2 * len(erp.received)
        assert {h["Idempotency-Key"] for h, _ in erp.received} == {f"lines:{source_id}/1"}
        final = await status(runtime, "lines")
        assert (final.received, final.delivered, final.in_flight) == (1, 1, 0)


async def test_a_message_routed_nowhere_counts_as_filtered(
    tmp_path: Path, sink: RecordingSink, erp: RecordingSink
) -> None:
    root = write_project(tmp_path, {"lines": lines_flow("sync", sink.url, erp.url)})
    async with running(root) as runtime:
        response = await post(runtime, "/orders", {"id": "O-3", "lines": [{"sku": "Z", "qty": 0}]})

        assert response.json()["status"] == "filtered"
        counted = await status(runtime, "lines")
        assert (counted.received, counted.filtered) == (1, 1)
        assert sink.bodies() == []
        assert erp.bodies() == []


async def test_a_sink_failure_in_sync_mode_is_answered_502_and_counted_failed(
    tmp_path: Path, sink: RecordingSink, erp: RecordingSink
) -> None:
    sink.status = 500
    root = write_project(tmp_path, {"lines": lines_flow("sync", sink.url, erp.url)})
    async with running(root) as runtime:
        response = await post(runtime, "/orders", ORDER)

        assert response.status_code == 502
        assert (await status(runtime, "lines")).failed == 1
