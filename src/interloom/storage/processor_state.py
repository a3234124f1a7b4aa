"""The state of stateful processors, kept in the records database so a restart loses nothing.

- **Aggregator groups**: ``collect`` adds a message's item to the open group of its key (once:
  a redelivered message finds its item there), and closes the group when its count is
  reached. Time closes groups too (a window from the first item, or a wait for the next);
  ``claim_due`` hands closed and expired groups to one emitter at a time, for a while, like
  a lease; ``finish`` deletes an emitted group with its items.
- **Dedupe keys**: ``sight`` records the first message carrying a key, and tells a later
  message with the same key, within the window (seconds, or a number of keys), that it is a
  repeat. The recorded message itself is never a repeat of itself (redelivery).

Each call is one transaction; on PostgreSQL rows are locked so that several workers can share
the state; on SQLite a writing transaction takes the database's write lock.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from interloom.storage.database import Database
from interloom.storage.tables import aggregate_groups, aggregate_items, dedupe_keys

_OPEN = sa.text("state = 'open'")


@dataclass(frozen=True, slots=True)
class Collected:
    """What ``collect`` did: whether the item was new, and whether its group is complete."""

    added: bool
    complete: bool
    group_id: int
    size: int


@dataclass(frozen=True, slots=True)
class Group:
    """An aggregator group: its step, key, size and state."""

    id: int
    flow: str
    step: str
    key: str
    size: int
    state: str
    opened_at: float
    due_at: float | None


@dataclass(frozen=True, slots=True)
class Sighting:
    """The earlier message that carried a key, and when it was seen."""

    message_id: str
    seen_at: float


def _due(
    opened_at: float, last_at: float, window: float | None, max_wait: float | None
) -> float | None:
    deadlines = []
    if window is not None:
        deadlines.append(opened_at + window)
    if max_wait is not None:
        deadlines.append(last_at + max_wait)
    return min(deadlines) if deadlines else None


class ProcessorState:
    """Aggregator groups and dedupe keys in the records database (SQLite or PostgreSQL)."""

    def __init__(self, database: Database, *, owned: bool = False) -> None:
        self._database = database
        self._owned = owned
        self._insert: Any = (
            sqlite_dialect.insert if database.backend == "sqlite" else pg_dialect.insert
        )

    @classmethod
    async def open(
        cls, url: str, *, base_dir: Path | None = None, migrate: bool = True
    ) -> ProcessorState:
        """Open the state in the database at url; its schema is migrated first unless told not."""
        database = Database.from_url(url, base_dir=base_dir)
        if migrate:
            try:
                await database.migrate()
            except BaseException:
                await database.dispose()
                raise
        return cls(database, owned=True)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._database.backend

    async def close(self) -> None:
        """Close the database connections (when this object opened them)."""
        if self._owned:
            await self._database.dispose()

    # --- aggregator groups ------------------------------------------------------------------

    async def collect(
        self,
        flow: str,
        step: str,
        key: str,
        message_id: str,
        item: bytes,
        now: float,
        *,
        count: int | None = None,
        window: float | None = None,
        max_wait: float | None = None,
    ) -> Collected:
        """Add an item to the open group of its key (opened if need be), once per message."""
        g, i = aggregate_groups.c, aggregate_items.c
        async with self._database.transaction() as session:
            seen = await session.execute(
                sa.select(i.group_id, i.position).where(
                    i.flow == flow, i.step == step, i.message_id == message_id
                )
            )
            if (row := seen.first()) is not None:
                return Collected(False, False, row.group_id, row.position + 1)
            group = await self._open_group(session, flow, step, key, now)
            group_id, size, opened_at = group
            await session.execute(
                sa.insert(aggregate_items).values(
                    group_id=group_id,
                    position=size,
                    flow=flow,
                    step=step,
                    message_id=message_id,
                    item=item,
                )
            )
            size += 1
            complete = count is not None and size >= count
            due = now if complete else _due(opened_at, now, window, max_wait)
            await session.execute(
                sa.update(aggregate_groups)
                .where(g.id == group_id)
                .values(
                    size=size,
                    last_at=now,
                    due_at=due,
                    state="complete" if complete else "open",
                )
            )
        return Collected(True, complete, group_id, size)

    async def _open_group(
        self, session: AsyncSession, flow: str, step: str, key: str, now: float
    ) -> tuple[int, int, float]:
        g = aggregate_groups.c
        current = (
            sa.select(g.id, g.size, g.opened_at)
            .where(g.flow == flow, g.step == step, g.key == key, g.state == "open")
            .with_for_update()
        )
        for _ in range(3):
            row = (await session.execute(current)).first()
            if row is not None:
                return row.id, row.size, row.opened_at
            opened = await session.execute(
                self._insert(aggregate_groups)
                .values(
                    flow=flow,
                    step=step,
                    key=key,
                    state="open",
                    size=0,
                    opened_at=now,
                    last_at=now,
                    due_at=None,
                )
                .on_conflict_do_nothing(index_elements=["flow", "step", "key"], index_where=_OPEN)
                .returning(g.id)
            )
            created = opened.first()
            if created is not None:
                return created.id, 0, now
            # Another transaction opened it first: it is there now, take it.
        raise RuntimeError(f"no open group of {flow}/{step} for key {key!r}")  # pragma: no cover

    async def claim_due(
        self,
        now: float,
        steps: Collection[tuple[str, str]],
        *,
        limit: int = 100,
        lease_seconds: float = 30.0,
    ) -> list[Group]:
        """Close and claim groups of these (flow, step)s that are complete or whose time is up.

        A claimed group is no one else's until ``now + lease_seconds``; emitted, it is
        ``finish``-ed; not emitted by then, it may be claimed again.
        """
        if not steps:
            return []
        g = aggregate_groups.c
        ready = sa.and_(
            sa.or_(g.state == "complete", g.due_at <= now),
            sa.or_(g.claimed_until.is_(None), g.claimed_until <= now),
            sa.or_(*(sa.and_(g.flow == flow, g.step == step) for flow, step in steps)),
        )
        chosen = (
            sa.select(g.id)
            .where(ready)
            .order_by(g.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        claim = (
            sa.update(aggregate_groups)
            .where(g.id.in_(chosen))
            .values(state="complete", claimed_until=now + lease_seconds)
            .returning(g.id, g.flow, g.step, g.key, g.size, g.state, g.opened_at, g.due_at)
        )
        async with self._database.transaction() as session:
            rows = (await session.execute(claim)).all()
        return sorted((Group(*row) for row in rows), key=lambda group: group.id)

    async def items(self, group_id: int) -> list[bytes]:
        """A group's items, in the order they were collected."""
        i = aggregate_items.c
        query = sa.select(i.item).where(i.group_id == group_id).order_by(i.position)
        async with self._database.session() as session:
            return [bytes(row[0]) for row in await session.execute(query)]

    async def finish(self, group_id: int) -> None:
        """Delete an emitted group and its items."""
        async with self._database.transaction() as session:
            await session.execute(
                sa.delete(aggregate_items).where(aggregate_items.c.group_id == group_id)
            )
            await session.execute(
                sa.delete(aggregate_groups).where(aggregate_groups.c.id == group_id)
            )

    async def groups(self, flow: str | None = None) -> list[Group]:
        """The groups not yet emitted (of one flow, or of all), oldest first."""
        g = aggregate_groups.c
        query = sa.select(
            g.id, g.flow, g.step, g.key, g.size, g.state, g.opened_at, g.due_at
        ).order_by(g.id)
        if flow is not None:
            query = query.where(g.flow == flow)
        async with self._database.session() as session:
            return [Group(*row) for row in await session.execute(query)]

    async def next_due(self, steps: Collection[tuple[str, str]]) -> float | None:
        """When the earliest open group of these steps runs out of time (None: none will)."""
        if not steps:
            return None
        g = aggregate_groups.c
        query = sa.select(sa.func.min(g.due_at)).where(
            g.state == "open",
            sa.or_(*(sa.and_(g.flow == flow, g.step == step) for flow, step in steps)),
        )
        async with self._database.session() as session:
            value = (await session.execute(query)).scalar()
        return None if value is None else float(value)

    # --- dedupe keys ------------------------------------------------------------------------

    async def sight(
        self,
        flow: str,
        step: str,
        key: str,
        message_id: str,
        now: float,
        *,
        window_seconds: float | None = None,
        window_keys: int | None = None,
    ) -> Sighting | None:
        """The earlier sighting if this key is a repeat within the window; else record it."""
        d = dedupe_keys.c
        current = (
            sa.select(d.message_id, d.seen_at, d.rank)
            .where(d.flow == flow, d.step == step, d.key == key)
            .with_for_update()
        )
        top_rank = sa.select(sa.func.coalesce(sa.func.max(d.rank), 0)).where(
            d.flow == flow, d.step == step
        )
        async with self._database.transaction() as session:
            for _ in range(3):
                row = (await session.execute(current)).first()
                top = int((await session.execute(top_rank)).scalar_one())
                if row is None:
                    inserted = await session.execute(
                        self._insert(dedupe_keys)
                        .values(
                            flow=flow,
                            step=step,
                            key=key,
                            message_id=message_id,
                            seen_at=now,
                            rank=top + 1,
                        )
                        .on_conflict_do_nothing(index_elements=["flow", "step", "key"])
                    )
                    if cast("CursorResult[Any]", inserted).rowcount:
                        return None
                    continue  # recorded by a concurrent transaction: look again
                if row.message_id == message_id:
                    return None  # the very message that was recorded, delivered again
                within = True
                if window_seconds is not None:
                    within = row.seen_at > now - window_seconds
                if window_keys is not None:
                    within = row.rank > top - window_keys
                if within:
                    return Sighting(row.message_id, row.seen_at)
                await session.execute(
                    sa.update(dedupe_keys)
                    .where(d.flow == flow, d.step == step, d.key == key)
                    .values(message_id=message_id, seen_at=now, rank=top + 1)
                )
                return None
        raise RuntimeError(f"cannot record key {key!r} of {flow}/{step}")  # pragma: no cover

    async def prune_keys(
        self,
        flow: str,
        step: str,
        now: float,
        *,
        window_seconds: float | None = None,
        window_keys: int | None = None,
    ) -> int:
        """Forget the keys that fell out of the window; how many."""
        d = dedupe_keys.c
        mine = sa.and_(d.flow == flow, d.step == step)
        async with self._database.transaction() as session:
            if window_seconds is not None:
                stale = d.seen_at <= now - window_seconds
            else:
                assert window_keys is not None
                top = (
                    await session.execute(
                        sa.select(sa.func.coalesce(sa.func.max(d.rank), 0)).where(mine)
                    )
                ).scalar_one()
                stale = d.rank <= int(top) - window_keys
            result = await session.execute(sa.delete(dedupe_keys).where(mine, stale))
        return int(cast("CursorResult[Any]", result).rowcount or 0)

    async def key_count(self, flow: str, step: str) -> int:
        """How many keys a dedupe step remembers."""
        d = dedupe_keys.c
        query = sa.select(sa.func.count()).where(d.flow == flow, d.step == step)
        async with self._database.session() as session:
            return int((await session.execute(query)).scalar_one())
