"""Schema migrations: up to head once, safely, and exactly to the tables the code expects."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from interloom.core.errors import MigrationError
from interloom.storage.audit import add_audit_entry, list_audit_entries
from interloom.storage.database import Database, head_revision
from interloom.storage.tables import metadata

TABLES = {
    "alembic_version",
    "audit_log",
    "interface_states",
    "messages",
    "message_leases",
    "flow_counters",
    "aggregate_groups",
    "aggregate_items",
    "dedupe_keys",
    "connector_state",
    "plan_task_updates",
    "plan_baselines",
    "automatic_risks",
    "risk_signals",
    "change_request_states",
}

# Two interpreters that migrate the same database at the same instant.
MIGRATE_AT = """
import asyncio, sys, time
from interloom.storage.database import Database

async def main() -> None:
    async with Database.from_url(sys.argv[1]) as database:
        time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
        await database.migrate()

asyncio.run(main())
"""


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrate_brings_a_new_database_to_the_newest_revision(
    empty_database: Database,
) -> None:
    assert await empty_database.current_revision() is None

    await empty_database.migrate()

    assert await empty_database.current_revision() == head_revision()
    async with empty_database.engine.connect() as connection:
        assert await connection.run_sync(table_names) == TABLES


async def test_migrating_twice_changes_nothing_and_keeps_the_records(database: Database) -> None:
    async with database.transaction() as session:
        await add_audit_entry(
            session, actor="ann", action="a.b", entity="interface:a", before=None, after={"n": 1}
        )

    await database.migrate()

    assert await database.current_revision() == head_revision()
    async with database.session() as session:
        assert [entry.after for entry in await list_audit_entries(session)] == [{"n": 1}]


def schema_differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_migrations_create_exactly_the_tables_of_the_code(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(schema_differences) == []


async def test_two_migrations_at_once_in_one_process_both_succeed(database_url: str) -> None:
    async with Database.from_url(database_url) as one, Database.from_url(database_url) as two:
        await asyncio.gather(one.migrate(), two.migrate())

        assert await one.current_revision() == head_revision()
        async with one.engine.connect() as connection:
            assert await connection.run_sync(table_names) == TABLES


@pytest.mark.slow
async def test_two_processes_migrating_at_once_both_succeed(
    empty_database: Database, database_url: str
) -> None:
    start_at = str(time.time() + 2.0)
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            MIGRATE_AT,
            database_url,
            start_at,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = [await process.communicate() for process in processes]

    assert [process.returncode for process in processes] == [0, 0], [
        stderr.decode() for _, stderr in results
    ]
    assert await empty_database.current_revision() == head_revision()


async def test_a_database_migrated_by_a_newer_interloom_is_refused(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    with pytest.raises(MigrationError, match="9999") as caught:
        await database.migrate()

    assert caught.value.code == "E-STORAGE-002"
    assert "newer Interloom" in (caught.value.hint or "")


def downgrade_to_base(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", "interloom.storage:migrations")
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(
    database: Database,
) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(downgrade_to_base)
    async with database.engine.connect() as connection:
        assert await connection.run_sync(table_names) == {"alembic_version"}

    await database.migrate()

    assert await database.current_revision() == head_revision()


async def test_two_migrations_at_once_of_an_in_memory_database_both_succeed() -> None:
    async with Database.from_url("sqlite://") as database:
        await asyncio.gather(database.migrate(), database.migrate())

        assert await database.current_revision() == head_revision()
