"""Schedule source on a controllable clock: ticks, restarts without duplicates, missed ticks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from interloom.connectors.schedule import ScheduleSource, ScheduleSourceConfig
from interloom.connectors.spec import Batch, ConnectorContext, SourceContext

START = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC).timestamp()  # a Monday


class Clock:
    """Time that moves only when the source waits; waits are recorded."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.waits: list[float] = []
        self.stop_after: int | None = None

    def __call__(self) -> float:
        return self.now

    async def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        if self.stop_after is not None and len(self.waits) > self.stop_after:
            return True
        self.now += seconds
        return False


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


async def _source(clock: Clock, state: Any = None, **config: Any) -> ScheduleSource:
    source = ScheduleSource(
        ScheduleSourceConfig.model_validate(config), ConnectorContext("nightly", Path("."))
    )
    await source.connect(SourceContext("nightly", state, clock, clock.wait))
    return source


async def _fire(source: ScheduleSource) -> Batch:
    batch = await source.read()
    await source.ack(batch)
    return batch


async def test_an_interval_fires_once_per_interval_with_the_tick_in_the_body() -> None:
    clock = Clock(START)
    source = await _source(clock, interval_seconds=60, body={"job": "sync"})

    first = await _fire(source)
    second = await _fire(source)

    assert [item.body for item in first.items + second.items] == [
        {"job": "sync", "tick": _iso(START + 60)},
        {"job": "sync", "tick": _iso(START + 120)},
    ]
    assert clock.waits == [60, 60]
    assert second.state == {"last_fire": START + 120}
    assert first.items[0].key != second.items[0].key


async def test_a_cron_expression_fires_at_its_times_in_its_time_zone() -> None:
    clock = Clock(START)  # 08:00 UTC = 09:00 in Paris
    source = await _source(clock, cron="30 9 * * MON-FRI", timezone="Europe/Paris", body={})

    batch = await _fire(source)

    assert [item.body["tick"] for item in batch.items] == ["2026-03-02T08:30:00Z"]
    nxt = await _fire(source)
    assert [item.body["tick"] for item in nxt.items] == ["2026-03-03T08:30:00Z"]


async def test_a_restart_fires_no_tick_twice() -> None:
    clock = Clock(START)
    source = await _source(clock, interval_seconds=60)
    batch = await _fire(source)
    saved = batch.state  # what the runtime stored once the tick was persisted

    clock.now += 10  # the server restarts ten seconds after the tick
    restarted = await _source(clock, saved, interval_seconds=60)
    after = await _fire(restarted)

    assert [item.body["tick"] for item in after.items] == [_iso(START + 120)]
    assert after.items[0].key != batch.items[0].key


async def test_a_tick_read_but_not_persisted_is_read_again_with_the_same_key() -> None:
    clock = Clock(START)
    source = await _source(clock, interval_seconds=60)

    first = await source.read()
    await source.nack(first, "the store is down")
    again = await source.read()

    assert again.items == first.items


@pytest.mark.parametrize(
    ("missed", "ticks"),
    [
        ("latest", [START + 300]),
        ("all", [START + 120, START + 180, START + 240, START + 300]),
        ("none", [START + 360]),
    ],
)
async def test_ticks_missed_while_stopped_fire_as_configured(
    missed: str, ticks: list[float]
) -> None:
    clock = Clock(START + 330)  # stopped after the tick of START + 60, back 4.5 minutes later
    source = await _source(clock, {"last_fire": START + 60}, interval_seconds=60, missed=missed)

    batch = await _fire(source)

    assert [item.body["tick"] for item in batch.items] == [_iso(t) for t in ticks]
    assert batch.state == {"last_fire": ticks[-1]}


async def test_a_stopping_source_returns_an_empty_batch_at_once() -> None:
    clock = Clock(START)
    clock.stop_after = 0
    source = await _source(clock, interval_seconds=3600)

    batch = await source.read()

    assert batch.items == []
    assert clock.now == START


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "give either 'cron' or 'interval_seconds'"),
        ({"cron": "* * * * *", "interval_seconds": 5}, "give either"),
        ({"cron": "every day"}, "is not a cron expression"),
        ({"cron": "0 6 * * *", "timezone": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_a_bad_timing_is_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ScheduleSourceConfig.model_validate(config)
