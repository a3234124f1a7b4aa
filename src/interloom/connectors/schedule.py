"""Schedule source: a message on every tick of a cron expression or a fixed interval.

The time of the last tick that fired is saved (after its message is persisted), so a restart
never fires a tick twice; ticks missed while the server was down fire according to
``missed``. The message id comes from the flow and the tick time: even a tick read twice
after a crash is one message for the sinks.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from interloom.connectors.registry import connector
from interloom.connectors.spec import (
    Batch,
    ConnectorContext,
    SourceContext,
    SourceItem,
)

# Missed ticks fired in one batch, at most (missed: all); the rest follow in the next ones.
MAX_CATCH_UP = 1000


class MissedTicks(StrEnum):
    """What to do with ticks that came due while the server was stopped."""

    LATEST = "latest"  # fire the latest of them, once
    ALL = "all"  # fire each of them (at most 1000)
    NONE = "none"  # fire none of them; go on with the next tick


class ScheduleSourceConfig(BaseModel):
    """A cron expression or an interval, and the message each tick sends."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cron: str | None = Field(
        default=None,
        description="Five-field cron expression (minute hour day month weekday).",
        examples=["*/15 * * * *", "0 6 * * MON-FRI"],
    )
    interval_seconds: float | None = Field(
        default=None, ge=0.05, le=31_622_400, description="Fire every this many seconds."
    )
    timezone: str = Field(default="UTC", description="Time zone of the cron expression.")
    body: Any = Field(default_factory=dict, description="The JSON body of each message.")
    tick_field: str | None = Field(
        default="tick",
        description="When the body is an object, the field that receives the tick's time "
        "(ISO 8601, UTC); null: the body is sent as it is.",
    )
    missed: MissedTicks = Field(
        default=MissedTicks.LATEST,
        description="Ticks that came due while stopped: latest (fire once), all, or none.",
    )

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, cron: str | None) -> str | None:
        if cron is not None and not croniter.is_valid(cron):
            raise ValueError(f"'{cron}' is not a cron expression (minute hour day month weekday)")
        return cron

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{zone}' (use a name like Europe/Paris)") from None
        return zone

    @model_validator(mode="after")
    def _one_timing(self) -> ScheduleSourceConfig:
        if (self.cron is None) == (self.interval_seconds is None):
            raise ValueError("give either 'cron' or 'interval_seconds'")
        return self


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


@connector(
    "schedule",
    kind="source",
    config=ScheduleSourceConfig,
    description="Start the flow on a timetable: a message on every tick of a cron expression "
    "or of a fixed interval.\n\nThe body is fixed (body), with the tick's time in tick_field. "
    "With several server processes, one of them holds the schedule at a time.",
    guarantees="Each tick's message is persisted before the tick is recorded as fired: no "
    "tick fires twice across restarts, and a tick persisted just before a crash keeps its "
    "message id, so the sinks see it once. Missed ticks follow 'missed'.",
    examples=[
        {"cron": "0 6 * * MON-FRI", "timezone": "Europe/Paris", "body": {"report": "daily"}},
        {"interval_seconds": 300, "body": {"action": "sync-stock"}},
    ],
)
class ScheduleSource:
    """Emits a message on each tick; its state is the time of the last tick fired."""

    def __init__(self, config: ScheduleSourceConfig, context: ConnectorContext) -> None:
        self.config = config
        self._zone = ZoneInfo(config.timezone)
        self._context: SourceContext | None = None
        self._last: float | None = None  # the last tick fired (acknowledged)
        self._anchor = 0.0  # where an interval counts from before any tick fired

    async def connect(self, context: SourceContext) -> None:
        """Resume after the last tick fired, or start counting now."""
        self._context = context
        state = context.state if isinstance(context.state, dict) else {}
        last = state.get("last_fire")
        self._last = float(last) if isinstance(last, int | float) else None
        now = context.clock()
        self._anchor = now
        if self._last is not None and self.config.missed is MissedTicks.NONE:
            due = self._ticks_due(now)
            if due:
                self._last = due[-1]  # passed over, unfired

    def next_after(self, moment: float) -> float:
        """The first tick strictly after ``moment`` (seconds since the epoch)."""
        if self.config.interval_seconds is not None:
            return moment + self.config.interval_seconds
        start = datetime.fromtimestamp(moment, self._zone)
        return float(croniter(self.config.cron, start).get_next(float))

    def _ticks_due(self, now: float) -> list[float]:
        """The ticks to fire now: none, the latest one due, or (missed: all) each one due."""
        first = self.next_after(self._last if self._last is not None else self._anchor)
        if first > now:
            return []
        if self.config.missed is not MissedTicks.ALL:
            return [self._latest_due(first, now)]
        due = [first]
        while len(due) < MAX_CATCH_UP:
            tick = self.next_after(due[-1])
            if tick > now:
                break
            due.append(tick)
        return due

    def _latest_due(self, first: float, now: float) -> float:
        interval = self.config.interval_seconds
        if interval is not None:
            return first + math.floor((now - first) / interval) * interval
        tick = first
        while (following := self.next_after(tick)) <= now:
            tick = following
        return tick

    async def read(self) -> Batch:
        """Wait for the next tick; the batch holds its message (or every missed one)."""
        context = self._context
        assert context is not None, "connect first"
        while True:
            now = context.clock()
            due = self._ticks_due(now)
            if due:
                break
            following = self.next_after(self._last if self._last is not None else self._anchor)
            if await context.wait(following - now):
                return Batch()
        items = [SourceItem(key=f"tick:{_iso(tick)}", body=self._body(tick)) for tick in due]
        return Batch(items=items, state={"last_fire": due[-1]}, token=due[-1])

    def _body(self, tick: float) -> Any:
        body = self.config.body
        if isinstance(body, dict) and self.config.tick_field:
            return {**body, self.config.tick_field: _iso(tick)}
        return body

    async def ack(self, batch: Batch) -> None:
        """The tick is persisted: the next one is due after it."""
        if batch.token is not None:
            self._last = float(batch.token)

    async def nack(self, batch: Batch, error: str) -> None:
        """The tick was not persisted: it stays due and is read again."""

    async def close(self) -> None:
        """Nothing to release."""
