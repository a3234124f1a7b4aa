"""Plan records: the updates people report on tasks, and named baselines of the schedule.

Functions take a session and never commit: the service that calls them owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from interloom.core.delivery.plan_schedule import Baseline, BaselineTask, TaskUpdate
from interloom.storage.tables import plan_baselines, plan_task_updates


@dataclass(frozen=True, slots=True)
class StoredTaskUpdate:
    """A task update with the id the database gave it."""

    id: int
    update: TaskUpdate


@dataclass(frozen=True, slots=True)
class BaselineSummary:
    """A saved baseline without its tasks."""

    name: str
    saved_at: dt.datetime
    saved_by: str
    status_date: dt.datetime | None
    task_count: int


def _moment(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _read_moment(text: str | None) -> dt.date | None:
    if text is None:
        return None
    return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)


async def add_task_update(session: AsyncSession, update: TaskUpdate) -> StoredTaskUpdate:
    """Record an update (its ``at`` must be timezone-aware); returns it with its id."""
    result = await session.execute(
        sa.insert(plan_task_updates).values(
            task=update.task,
            recorded_at=update.at,
            author=update.author or "unknown",
            percent_complete=update.percent_complete,
            actual_start=_moment(update.actual_start),
            actual_finish=_moment(update.actual_finish),
            status=None if update.status is None else update.status.value,
            remaining_duration=update.remaining_duration,
            note=update.note,
        )
    )
    (update_id,) = cast(CursorResult[Any], result).inserted_primary_key or (0,)
    return StoredTaskUpdate(id=int(update_id), update=update)


async def list_task_updates(
    session: AsyncSession, *, task: str | None = None
) -> list[StoredTaskUpdate]:
    """Every update, or one task's, in the order they were recorded."""
    query = sa.select(plan_task_updates).order_by(
        plan_task_updates.c.recorded_at, plan_task_updates.c.id
    )
    if task is not None:
        query = query.where(plan_task_updates.c.task == task)
    found = []
    for row in (await session.execute(query)).mappings():
        update = TaskUpdate(
            task=row["task"],
            at=row["recorded_at"],
            percent_complete=row["percent_complete"],
            actual_start=_read_moment(row["actual_start"]),
            actual_finish=_read_moment(row["actual_finish"]),
            status=row["status"],
            remaining_duration=row["remaining_duration"],
            author=row["author"],
            note=row["note"],
        )
        found.append(StoredTaskUpdate(id=row["id"], update=update))
    return found


async def baseline_exists(session: AsyncSession, name: str) -> bool:
    """Whether a baseline of this name is saved."""
    query = sa.select(plan_baselines.c.name).where(plan_baselines.c.name == name)
    return (await session.execute(query)).first() is not None


async def save_baseline(session: AsyncSession, baseline: Baseline, *, saved_by: str) -> None:
    """Save a baseline, replacing one of the same name."""
    tasks = {
        ident: {
            "start": task.start.isoformat(),
            "finish": task.finish.isoformat(),
            "duration_minutes": task.duration_minutes,
            "cost": task.cost,
        }
        for ident, task in baseline.tasks.items()
    }
    await session.execute(sa.delete(plan_baselines).where(plan_baselines.c.name == baseline.name))
    await session.execute(
        sa.insert(plan_baselines).values(
            name=baseline.name,
            saved_at=baseline.saved_at,
            saved_by=saved_by,
            status_date=_moment(baseline.status_date),
            task_count=len(tasks),
            tasks=tasks,
        )
    )


async def get_baseline(session: AsyncSession, name: str) -> Baseline | None:
    """The baseline of this name, or ``None``."""
    query = sa.select(plan_baselines).where(plan_baselines.c.name == name)
    row = (await session.execute(query)).mappings().one_or_none()
    if row is None:
        return None
    status = row["status_date"]
    return Baseline(
        name=row["name"],
        saved_at=row["saved_at"],
        status_date=None if status is None else dt.datetime.fromisoformat(status),
        tasks={ident: BaselineTask.model_validate(task) for ident, task in row["tasks"].items()},
    )


async def list_baselines(session: AsyncSession) -> list[BaselineSummary]:
    """Every saved baseline, oldest first."""
    columns = [c for c in plan_baselines.c if c.name != "tasks"]
    query = sa.select(*columns).order_by(plan_baselines.c.saved_at, plan_baselines.c.name)
    found = []
    for row in (await session.execute(query)).mappings():
        status = row["status_date"]
        found.append(
            BaselineSummary(
                name=row["name"],
                saved_at=row["saved_at"],
                saved_by=row["saved_by"],
                status_date=None if status is None else dt.datetime.fromisoformat(status),
                task_count=row["task_count"],
            )
        )
    return found
