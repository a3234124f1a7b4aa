"""Automatic risks and the signals that raise and clear them.

One automatic risk per signal kind and reference (its ``key``): a signal for a key with no
risk creates one; for an open risk it updates it; for a closed one it reopens it. Every signal
is kept in the signal log. Functions take a session and never commit: the service that calls
them owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from interloom.storage.tables import automatic_risks, risk_signals

OPEN = "open"
CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class StoredRisk:
    """An automatic risk as stored."""

    id: int
    key: str
    kind: str
    ref: str
    status: str
    severity: str
    title: str
    category: str
    probability: float
    impact: dict[str, float]
    response_plan: str | None
    tasks: list[str]
    refs: list[str]
    evidence: dict[str, Any]
    source: str
    occurrences: int
    raised_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class StoredSignal:
    """One signal received."""

    id: int
    received_at: dt.datetime
    kind: str
    ref: str
    severity: str
    source: str
    cleared: bool
    evidence: dict[str, Any]
    risk_id: int | None


async def get_risk_by_key(session: AsyncSession, key: str) -> StoredRisk | None:
    """The automatic risk of this key, if any (locked for update on PostgreSQL)."""
    query = sa.select(automatic_risks).where(automatic_risks.c.key == key).with_for_update()
    row = (await session.execute(query)).mappings().one_or_none()
    return None if row is None else StoredRisk(**row)


async def get_risk(session: AsyncSession, risk_id: int) -> StoredRisk | None:
    """The automatic risk with this id, if any."""
    query = sa.select(automatic_risks).where(automatic_risks.c.id == risk_id)
    row = (await session.execute(query)).mappings().one_or_none()
    return None if row is None else StoredRisk(**row)


async def insert_risk(session: AsyncSession, values: dict[str, Any]) -> int:
    """Store a new automatic risk; returns its id."""
    result = await session.execute(sa.insert(automatic_risks).values(**values))
    (risk_id,) = cast(CursorResult[Any], result).inserted_primary_key or (None,)
    if risk_id is None:  # pragma: no cover - both backends report the new id
        raise RuntimeError("the database did not report the id of the new risk")
    return int(risk_id)


async def update_risk(session: AsyncSession, risk_id: int, values: dict[str, Any]) -> None:
    """Change the stored fields of an automatic risk."""
    await session.execute(
        sa.update(automatic_risks).where(automatic_risks.c.id == risk_id).values(**values)
    )


async def list_risks(session: AsyncSession, *, status: str | None = None) -> list[StoredRisk]:
    """Automatic risks, oldest first, optionally only those in one status."""
    query = sa.select(automatic_risks).order_by(automatic_risks.c.id)
    if status is not None:
        query = query.where(automatic_risks.c.status == status)
    return [StoredRisk(**row) for row in (await session.execute(query)).mappings()]


async def add_signal(
    session: AsyncSession,
    *,
    received_at: dt.datetime,
    kind: str,
    ref: str,
    severity: str,
    source: str,
    cleared: bool,
    evidence: dict[str, Any],
    risk_id: int | None,
) -> int:
    """Log a signal; returns its id."""
    result = await session.execute(
        sa.insert(risk_signals).values(
            received_at=received_at,
            kind=kind,
            ref=ref,
            severity=severity,
            source=source,
            cleared=cleared,
            evidence=evidence,
            risk_id=risk_id,
        )
    )
    (signal_id,) = cast(CursorResult[Any], result).inserted_primary_key or (None,)
    if signal_id is None:  # pragma: no cover - both backends report the new id
        raise RuntimeError("the database did not report the id of the new signal")
    return int(signal_id)


async def list_signals(
    session: AsyncSession,
    *,
    kind: str | None = None,
    ref: str | None = None,
    limit: int = 100,
) -> list[StoredSignal]:
    """The latest signals first, optionally of one kind and reference."""
    query = sa.select(risk_signals).order_by(
        risk_signals.c.received_at.desc(), risk_signals.c.id.desc()
    )
    if kind is not None:
        query = query.where(risk_signals.c.kind == kind)
    if ref is not None:
        query = query.where(risk_signals.c.ref == ref)
    rows = (await session.execute(query.limit(limit))).mappings()
    return [StoredSignal(**row) for row in rows]
