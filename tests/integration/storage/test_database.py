"""The records database: URLs, SQLite settings, sessions, transactions and reachability."""

from __future__ import annotations

import asyncio
import shutil
import socket
from pathlib import Path

import pytest

from interloom.core.errors import ConfigError, StorageError
from interloom.storage.audit import add_audit_entry, count_audit_entries, list_audit_entries
from interloom.storage.database import Database
from interloom.storage.interface_states import list_interface_states, set_interface_state


def closed_port() -> int:
    """A loopback TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_committed_transaction_is_seen_by_later_sessions(database: Database) -> None:
    async with database.transaction() as session:
        await add_audit_entry(
            session,
            actor="ann",
            action="interface.created",
            entity="interface:a",
            before=None,
            after={"name": "a"},
        )

    async with database.session() as session:
        assert [entry.actor for entry in await list_audit_entries(session)] == ["ann"]


async def test_a_failed_transaction_keeps_earlier_commits_and_nothing_of_its_own(
    database: Database,
) -> None:
    async with database.transaction() as session:
        await add_audit_entry(
            session,
            actor="ann",
            action="interface.created",
            entity="interface:a",
            before=None,
            after={"name": "a"},
        )

    async def change_then_fail() -> None:
        async with database.transaction() as session:
            await add_audit_entry(
                session,
                actor="bob",
                action="interface.lifecycle.set",
                entity="interface:a",
                before=None,
                after={"lifecycle": "live"},
            )
            await set_interface_state(session, "interface:a", "live", "bob")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await change_then_fail()

    async with database.session() as session:
        entries = await list_audit_entries(session)
        assert [(entry.actor, entry.action) for entry in entries] == [("ann", "interface.created")]
        assert await list_interface_states(session) == []


async def test_a_session_that_is_not_committed_keeps_nothing(database: Database) -> None:
    async with database.session() as session:
        await set_interface_state(session, "interface:a", "live", "ann")

    async with database.session() as session:
        assert await list_interface_states(session) == []


async def test_ping_answers_on_a_reachable_database(database: Database) -> None:
    await database.ping()


async def test_backend_and_url_name_the_database(database: Database, database_url: str) -> None:
    assert database.backend == database_url.split(":", 1)[0]
    assert database.url.startswith(f"{database.backend}+")


async def test_sqlite_file_runs_in_wal_mode_with_safe_settings(tmp_path: Path) -> None:
    async with Database.from_url("sqlite:///records.db", base_dir=tmp_path) as database:
        await database.migrate()
        async with database.transaction() as session:
            await set_interface_state(session, "interface:a", "live", "ann")
        async with database.engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }

        assert pragmas == {
            "journal_mode": "wal",
            "synchronous": 1,  # NORMAL
            "foreign_keys": 1,
            "busy_timeout": 5000,
        }
        assert (tmp_path / "records.db-wal").exists()


async def test_relative_sqlite_path_lands_under_base_dir_in_new_directories(
    tmp_path: Path,
) -> None:
    async with Database.from_url("sqlite:///state/db/records.db", base_dir=tmp_path) as database:
        await database.migrate()

        assert (tmp_path / "state" / "db" / "records.db").is_file()
        assert database.url == f"sqlite+aiosqlite:///{tmp_path / 'state/db/records.db'}"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
async def test_in_memory_database_is_one_database_for_every_session(url: str) -> None:
    async with Database.from_url(url) as database:
        await database.migrate()
        async with database.transaction() as session:
            await set_interface_state(session, "interface:a", "live", "ann")

        async with database.session() as session:
            assert [state.lifecycle for state in await list_interface_states(session)] == ["live"]


async def test_ping_on_a_closed_postgres_port_raises_storage_error_without_password() -> None:
    url = f"postgresql://app:s3cret@127.0.0.1:{closed_port()}/records?connect_timeout=2"
    async with Database.from_url(url) as database:
        with pytest.raises(StorageError) as caught:
            await database.ping()

    message = str(caught.value)
    assert caught.value.code == "E-STORAGE-001"
    assert "s3cret" not in message
    assert "app:***@127.0.0.1" in message


async def test_work_on_an_unreachable_database_raises_storage_error() -> None:
    url = f"postgresql://app:s3cret@127.0.0.1:{closed_port()}/records?connect_timeout=2"
    async with Database.from_url(url) as database:
        with pytest.raises(StorageError) as caught:
            async with database.transaction() as session:
                await count_audit_entries(session)

    assert "s3cret" not in str(caught.value)


async def test_ping_on_an_unusable_sqlite_path_raises_storage_error(tmp_path: Path) -> None:
    (tmp_path / "records.db").mkdir()  # a directory where the database file should be
    async with Database.from_url("sqlite:///records.db", base_dir=tmp_path) as database:
        with pytest.raises(StorageError, match="unable to open database file"):
            await database.ping()
        # aiosqlite stops the worker thread of a failed connection without awaiting it; let
        # the thread finish before this test's event loop closes.
        await asyncio.sleep(0.1)


async def test_work_on_a_database_never_migrated_raises_storage_error(
    empty_database: Database,
) -> None:
    with pytest.raises(StorageError, match="audit_log") as caught:
        async with empty_database.session() as session:
            await count_audit_entries(session)

    assert "schema is up to date" in (caught.value.hint or "")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "mysql://app:s3cret@db/records",
        "postgresql://app:s3cret@db:port/records",
        "postgresql+nosuchdriver://app:s3cret@db/records",
    ],
)
def test_a_bad_url_raises_config_error_with_a_hint_and_no_password(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Database.from_url(url)

    assert caught.value.code == "E-CONFIG-001"
    assert "sqlite:///" in (caught.value.hint or "")
    assert "s3cret" not in str(caught.value)


async def test_a_deleted_sqlite_file_is_reported_gone_and_takes_no_writes(
    tmp_path: Path,
) -> None:
    async with Database.from_url("sqlite:///data/records.db", base_dir=tmp_path) as database:
        await database.migrate()
        await database.ping()
        shutil.rmtree(tmp_path / "data")

        with pytest.raises(StorageError, match="is gone"):
            await database.ping()
        with pytest.raises(StorageError, match="is gone"):
            async with database.transaction() as session:
                await set_interface_state(session, "interface:a", "live", "ann")


async def test_ping_on_a_new_sqlite_path_creates_the_database(tmp_path: Path) -> None:
    async with Database.from_url("sqlite:///records.db", base_dir=tmp_path) as database:
        await database.ping()

    assert (tmp_path / "records.db").is_file()
