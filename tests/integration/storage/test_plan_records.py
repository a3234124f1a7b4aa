"""Plan records on SQLite and PostgreSQL: task updates as a history, baselines as snapshots."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from interloom.core.delivery.plan import TaskStatus
from interloom.core.delivery.plan_schedule import Baseline, BaselineTask, TaskUpdate
from interloom.storage.database import Database
from interloom.storage.plan_records import (
    add_task_update,
    baseline_exists,
    get_baseline,
    list_baselines,
    list_task_updates,
    save_baseline,
)

NOON = dt.datetime(2027, 1, 20, 12, tzinfo=dt.UTC)


def update(task: str, minutes: int, **fields: object) -> TaskUpdate:
    return TaskUpdate(task=task, at=NOON + dt.timedelta(minutes=minutes), **fields)  # type: ignore[arg-type]


async def test_updates_come_back_in_the_order_they_were_recorded_with_every_field(
    database: Database,
) -> None:
    full = update(
        "T-2",
        5,
        percent_complete=40.5,
        actual_start=dt.date(2027, 1, 18),
        actual_finish=dt.datetime(2027, 1, 21, 15, 30),
        status=TaskStatus.IN_PROGRESS,
        remaining_duration="2d",
        author="ana",
        note="waiting for <the> ERP team",
    )
    async with database.transaction() as session:
        later = await add_task_update(session, update("T-1", 10, percent_complete=90))
        stored = await add_task_update(session, full)
        earlier = await add_task_update(session, update("T-1", -30, status=TaskStatus.BLOCKED))

    async with database.session() as session:
        everything = await list_task_updates(session)
        one_task = await list_task_updates(session, task="T-1")

    assert [s.id for s in everything] == [earlier.id, stored.id, later.id]
    assert [s.id for s in one_task] == [earlier.id, later.id]
    read = everything[1].update
    assert read == full
    # A bare date stays a date (the whole day), a date-time stays a date-time.
    assert type(read.actual_start) is dt.date
    assert read.actual_finish == dt.datetime(2027, 1, 21, 15, 30)
    assert read.at.utcoffset() == dt.timedelta(0)
    assert everything[0].update.author == "unknown"


async def test_a_rolled_back_update_is_not_kept(database: Database) -> None:
    try:
        async with database.transaction() as session:
            await add_task_update(session, update("T-1", 0, percent_complete=10))
            raise RuntimeError("the audit entry failed")
    except RuntimeError:
        pass

    async with database.session() as session:
        assert await list_task_updates(session) == []


def baseline(name: str, shift_days: int = 0) -> Baseline:
    start = dt.datetime(2027, 1, 4, 8) + dt.timedelta(days=shift_days)
    return Baseline(
        name=name,
        saved_at=NOON + dt.timedelta(days=shift_days),
        status_date=dt.datetime(2027, 1, 16),
        tasks={
            "T-1": BaselineTask(
                start=start, finish=start + dt.timedelta(hours=9), duration_minutes=480, cost=760.5
            ),
            "M-1": BaselineTask(start=start, finish=start, duration_minutes=0, cost=0),
        },
    )


async def test_a_baseline_is_saved_read_back_and_listed_without_its_tasks(
    database: Database,
) -> None:
    async with database.transaction() as session:
        await save_baseline(session, baseline("approved"), saved_by="sam")
        await save_baseline(session, baseline("sprint-2", shift_days=14), saved_by="lea")

    async with database.session() as session:
        read = await get_baseline(session, "approved")
        missing = await get_baseline(session, "nope")
        summaries = await list_baselines(session)
        exists = await baseline_exists(session, "sprint-2")

    assert read == baseline("approved")
    assert missing is None
    assert exists
    assert [(s.name, s.saved_by, s.task_count) for s in summaries] == [
        ("approved", "sam", 2),
        ("sprint-2", "lea", 2),
    ]
    assert summaries[0].status_date == dt.datetime(2027, 1, 16)


async def test_saving_a_baseline_again_replaces_it(database: Database) -> None:
    async with database.transaction() as session:
        await save_baseline(session, baseline("approved"), saved_by="sam")
    async with database.transaction() as session:
        await save_baseline(session, baseline("approved", shift_days=7), saved_by="lea")

    async with database.session() as session:
        read = await get_baseline(session, "approved")
        summaries = await list_baselines(session)

    assert read == baseline("approved", shift_days=7)
    assert [(s.name, s.saved_by) for s in summaries] == [("approved", "lea")]


def downgrade_to_0004(connection: Connection) -> set[str]:
    config = Config()
    config.set_main_option("script_location", "interloom.storage:migrations")
    config.attributes["connection"] = connection
    command.downgrade(config, "0004")
    return set(inspect(connection).get_table_names())


async def test_migration_0005_adds_and_removes_the_plan_tables(database: Database) -> None:
    async with database.engine.begin() as connection:
        tables = await connection.run_sync(downgrade_to_0004)

    assert not tables & {"plan_task_updates", "plan_baselines"}
    await database.migrate()
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"plan_task_updates", "plan_baselines"} <= tables
