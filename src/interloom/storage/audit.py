"""The audit log: who changed what, when, and the state before and after."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeAlias, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from interloom.storage.tables import audit_log

JSONValue: TypeAlias = Mapping[str, Any] | Sequence[Any] | str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change recorded in the audit log."""

    id: int
    occurred_at: datetime
    actor: str
    action: str
    entity: str
    before: JSONValue
    after: JSONValue
    request_id: str | None


async def add_audit_entry(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    entity: str,
    before: JSONValue,
    after: JSONValue,
    request_id: str | None = None,
) -> AuditEntry:
    """Record a change; before and after are JSON snapshots, None where there is none."""
    occurred_at = datetime.now(UTC)
    # Returned as the database will give them back: tuples become lists, keys become strings.
    before, after = _as_json(before, "before"), _as_json(after, "after")
    result = await session.execute(
        sa.insert(audit_log).values(
            occurred_at=occurred_at,
            actor=actor,
            action=action,
            entity=entity,
            before=before,
            after=after,
            request_id=request_id,
        )
    )
    (entry_id,) = cast(CursorResult[Any], result).inserted_primary_key or (None,)
    if entry_id is None:  # pragma: no cover - both backends report the new id
        raise RuntimeError("the database did not report the id of the new audit entry")
    return AuditEntry(
        id=entry_id,
        occurred_at=occurred_at,
        actor=actor,
        action=action,
        entity=entity,
        before=before,
        after=after,
        request_id=request_id,
    )


async def list_audit_entries(
    session: AsyncSession,
    *,
    entity: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """The entries about entity and by actor (all when None), newest first, one page of them."""
    if limit < 0 or offset < 0:
        raise ValueError(f"limit ({limit}) and offset ({offset}) must not be negative")
    query = (
        sa.select(audit_log)
        .where(*_filters(entity=entity, actor=actor))
        .order_by(audit_log.c.occurred_at.desc(), audit_log.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.execute(query)).mappings()
    return [AuditEntry(**row) for row in rows]


async def count_audit_entries(
    session: AsyncSession, *, entity: str | None = None, actor: str | None = None
) -> int:
    """How many entries are about entity and by actor (all when None)."""
    query = (
        sa.select(sa.func.count())
        .select_from(audit_log)
        .where(*_filters(entity=entity, actor=actor))
    )
    return int((await session.execute(query)).scalar_one())


def _filters(*, entity: str | None, actor: str | None) -> list[sa.ColumnElement[bool]]:
    filters: list[sa.ColumnElement[bool]] = []
    if entity is not None:
        filters.append(audit_log.c.entity == entity)
    if actor is not None:
        filters.append(audit_log.c.actor == actor)
    return filters


def _as_json(value: JSONValue, field: str) -> JSONValue:
    try:
        parsed: JSONValue = json.loads(json.dumps(value, allow_nan=False))
        return parsed
    except (TypeError, ValueError) as error:
        raise ValueError(f"audit entry {field} is not JSON: {error}") from error


async def latest_entries_by_entity(
    session: AsyncSession, actions: Sequence[str], *, entity_prefix: str = ""
) -> dict[str, AuditEntry]:
    """For each entity, its newest entry among ``actions`` (e.g. the last pause or resume)."""
    newest = (
        sa.select(sa.func.max(audit_log.c.id).label("id"))
        .where(audit_log.c.action.in_(list(actions)))
        .where(audit_log.c.entity.startswith(entity_prefix, autoescape=True))
        .group_by(audit_log.c.entity)
        .subquery()
    )
    query = sa.select(audit_log).join(newest, audit_log.c.id == newest.c.id)
    rows = (await session.execute(query)).mappings()
    return {row["entity"]: AuditEntry(**row) for row in rows}
