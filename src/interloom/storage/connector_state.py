"""The state of background sources (cursors, last tick fired) and who runs each of them.

A source is run by one process at a time: the process holding its lease. ``acquire`` takes
the lease when it is free, expired or already this owner's, and returns the saved state;
``save`` stores a new state and renews the lease, but only while the caller still owns it,
so a process that lost its lease (it stalled, another took over) cannot move a cursor back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from interloom.storage.database import Database
from interloom.storage.tables import connector_state

SOURCE_SLOT = "source"


@dataclass(frozen=True, slots=True)
class Lease:
    """A source's lease, held by the caller, and the state saved so far (None at first)."""

    flow: str
    slot: str
    owner: str
    state: Any


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """What is stored about one source."""

    flow: str
    slot: str
    connector: str
    state: Any
    owner: str | None
    lease_until: float
    updated_at: float


class ConnectorStates:
    """The ``connector_state`` table: one row per (flow, slot)."""

    def __init__(self, database: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.clock = clock

    async def acquire(
        self,
        flow: str,
        connector: str,
        owner: str,
        lease_seconds: float,
        *,
        slot: str = SOURCE_SLOT,
    ) -> Lease | None:
        """Take the source's lease if it is free, expired or ours; None if another holds it."""
        now = self.clock()
        table = connector_state
        async with self.database.transaction() as session:
            insert = self._insert(table).values(
                flow=flow,
                slot=slot,
                connector=connector,
                state=None,
                owner=None,
                lease_until=0.0,
                updated_at=now,
            )
            await session.execute(insert.on_conflict_do_nothing(index_elements=["flow", "slot"]))
            taken = await session.execute(
                sa.update(table)
                .where(
                    table.c.flow == flow,
                    table.c.slot == slot,
                    sa.or_(
                        table.c.owner.is_(None),
                        table.c.owner == owner,
                        table.c.lease_until <= now,
                    ),
                )
                .values(owner=owner, lease_until=now + lease_seconds, connector=connector)
            )
            if not _changed(taken):
                return None
            state = (
                await session.execute(
                    sa.select(table.c.state).where(table.c.flow == flow, table.c.slot == slot)
                )
            ).scalar_one()
        return Lease(flow, slot, owner, state)

    def _insert(self, table: sa.Table) -> Any:
        dialect = postgresql if self.database.backend == "postgresql" else sqlite
        return dialect.insert(table)

    async def save(self, lease: Lease, state: Any, lease_seconds: float) -> bool:
        """Store the source's state and renew the lease; False if the lease is no longer ours."""
        return await self._update(lease, lease_seconds, state=state)

    async def renew(self, lease: Lease, lease_seconds: float) -> bool:
        """Extend the lease; False if it is no longer ours."""
        return await self._update(lease, lease_seconds)

    async def _update(self, lease: Lease, lease_seconds: float, **values: Any) -> bool:
        now = self.clock()
        table = connector_state
        async with self.database.transaction() as session:
            result = await session.execute(
                sa.update(table)
                .where(
                    table.c.flow == lease.flow,
                    table.c.slot == lease.slot,
                    table.c.owner == lease.owner,
                )
                .values(lease_until=now + lease_seconds, updated_at=now, **values)
            )
            return _changed(result)

    async def release(self, lease: Lease) -> None:
        """Give the lease up (a stopping process): another may take it at once."""
        table = connector_state
        async with self.database.transaction() as session:
            await session.execute(
                sa.update(table)
                .where(
                    table.c.flow == lease.flow,
                    table.c.slot == lease.slot,
                    table.c.owner == lease.owner,
                )
                .values(owner=None, lease_until=0.0)
            )

    async def get(self, flow: str, *, slot: str = SOURCE_SLOT) -> SourceRecord | None:
        """What is stored about a flow's source, if anything."""
        table = connector_state
        async with self.database.session() as session:
            row = (
                await session.execute(
                    sa.select(table).where(table.c.flow == flow, table.c.slot == slot)
                )
            ).one_or_none()
        if row is None:
            return None
        return SourceRecord(
            flow=row.flow,
            slot=row.slot,
            connector=row.connector,
            state=row.state,
            owner=row.owner,
            lease_until=row.lease_until,
            updated_at=row.updated_at,
        )

    async def forget(self, flow: str, *, slot: str = SOURCE_SLOT) -> bool:
        """Delete a source's state (it starts from its initial cursor); whether there was one."""
        table = connector_state
        async with self.database.transaction() as session:
            result = await session.execute(
                sa.delete(table).where(table.c.flow == flow, table.c.slot == slot)
            )
            return _changed(result)


def _changed(result: Any) -> bool:
    return bool(getattr(result, "rowcount", 0))
