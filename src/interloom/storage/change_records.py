"""The workflow state of each change request (its transitions are in the audit log).

Functions take a session and never commit: the service that calls them owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from interloom.storage.tables import change_request_states


@dataclass(frozen=True, slots=True)
class StoredChangeState:
    """Where a change request stands, who put it there, and its assessment if any."""

    change_id: str
    state: str
    updated_at: dt.datetime
    updated_by: str
    assessment: dict[str, Any] | None
    note: str | None
    emergency_reason: str | None


async def get_change_state(
    session: AsyncSession, change_id: str, *, for_update: bool = False
) -> StoredChangeState | None:
    """The recorded state of a change request, if it has one."""
    query = sa.select(change_request_states).where(change_request_states.c.change_id == change_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().one_or_none()
    return None if row is None else StoredChangeState(**row)


async def list_change_states(session: AsyncSession) -> list[StoredChangeState]:
    """Every recorded change request state, by id."""
    query = sa.select(change_request_states).order_by(change_request_states.c.change_id)
    return [StoredChangeState(**row) for row in (await session.execute(query)).mappings()]


async def put_change_state(
    session: AsyncSession,
    change_id: str,
    *,
    state: str,
    actor: str,
    at: dt.datetime,
    assessment: dict[str, Any] | None = None,
    keep_assessment: bool = True,
    note: str | None = None,
    emergency_reason: str | None = None,
) -> StoredChangeState:
    """Record a change request's new state, creating its row if needed."""
    existing = await get_change_state(session, change_id, for_update=True)
    values: dict[str, Any] = {
        "state": state,
        "updated_at": at,
        "updated_by": actor,
        "note": note,
        "emergency_reason": emergency_reason,
    }
    if assessment is not None or not keep_assessment:
        values["assessment"] = assessment
    if existing is None:
        await session.execute(
            sa.insert(change_request_states).values(change_id=change_id, **values)
        )
    else:
        await session.execute(
            sa.update(change_request_states)
            .where(change_request_states.c.change_id == change_id)
            .values(**values)
        )
    stored = await get_change_state(session, change_id)
    assert stored is not None  # just written
    return stored
