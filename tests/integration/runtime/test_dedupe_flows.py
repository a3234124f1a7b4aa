"""Dedupe end to end: a repeat of a key within the window is dropped or dead-lettered, and the
keys seen survive a restart."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from .conftest import RecordingSink
from .processor_projects import FAST_RETRIES, eventually, post, running, status, write_project


def dedupe_flow(url: str, reply: str, on_duplicate: str) -> str:
    return (
        textwrap.dedent(
            f"""\
            id: events
            name: Order events, once each
            source:
              connector: http
              config: {{path: /events, reply: {reply}}}
            steps:
              - id: once
                kind: dedupe
                config: {{key: eventId, window_seconds: 3600, on_duplicate: {on_duplicate}}}
            sinks:
              - connector: http
                config: {{url: "{url}"}}
            """
        )
        + FAST_RETRIES
    )


async def test_a_repeat_is_dropped_and_counted_filtered(
    tmp_path: Path, sink: RecordingSink
) -> None:
    root = write_project(tmp_path, {"events": dedupe_flow(sink.url, "sync", "drop")})
    async with running(root) as runtime:
        first = await post(runtime, "/events", {"eventId": "E1", "n": 1})
        repeat = await post(runtime, "/events", {"eventId": "E1", "n": 2})
        other = await post(runtime, "/events", {"eventId": "E2", "n": 3})

        assert [r.json()["status"] for r in (first, repeat, other)] == [
            "accepted",
            "filtered",
            "accepted",
        ]
        assert [b["n"] for b in sink.bodies()] == [1, 3]
        counted = await status(runtime, "events")
        assert (counted.received, counted.delivered, counted.filtered) == (3, 2, 1)


async def test_a_durable_repeat_is_a_dead_letter_naming_the_first_message(
    tmp_path: Path, sink: RecordingSink
) -> None:
    root = write_project(tmp_path, {"events": dedupe_flow(sink.url, "durable", "dead_letter")})
    async with running(root) as runtime:
        first = (await post(runtime, "/events", {"eventId": "E1"})).json()["id"]
        repeat = (await post(runtime, "/events", {"eventId": "E1"})).json()["id"]
        assert runtime.store is not None
        store = runtime.store

        async def settled() -> bool:
            counts = await store.counts("events")
            return (counts.delivered, counts.dead_lettered) == (1, 1)

        await eventually(settled)
        (letter,) = await store.list_dead("events")
        assert letter.id == repeat
        assert letter.step == "once"
        assert f"was seen in message {first}" in letter.error
        assert len(sink.bodies()) == 1


@pytest.mark.parametrize("reply", ["sync", "durable"])
async def test_the_keys_seen_survive_a_restart(
    tmp_path: Path, sink: RecordingSink, database_url: str, reply: str
) -> None:
    root = write_project(tmp_path, {"events": dedupe_flow(sink.url, reply, "drop")})
    async with running(root, database_url) as runtime:
        await post(runtime, "/events", {"eventId": "E1"})

        async def delivered() -> bool:
            return len(sink.bodies()) == 1

        await eventually(delivered)

    async with running(root, database_url) as runtime:
        await post(runtime, "/events", {"eventId": "E1"})
        await post(runtime, "/events", {"eventId": "E9"})

        async def other_delivered() -> bool:
            return len(sink.bodies()) == 2

        await eventually(other_delivered)
        assert [b["eventId"] for b in sink.bodies()] == ["E1", "E9"]
