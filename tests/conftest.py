"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from interloom.storage.database import Database

# --- storage: one database per test, on every backend ------------------------------------
# `database` is migrated and ready; `empty_database` was never migrated; `database_url` is the
# user-style URL both open. Each is parametrized over SQLite (a file under tmp_path) and
# PostgreSQL (a fresh schema per test in INTERLOOM_TEST_POSTGRES_URL, dropped afterwards, so
# tests may run in parallel; its session time zone is not UTC on purpose). An unreachable
# PostgreSQL fails its tests; INTERLOOM_TEST_SKIP_POSTGRES=1 skips them instead.

DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
# A session time zone far from UTC, so that a timestamp handled in local time shows up.
TEST_POSTGRES_TIMEZONE = "Asia/Kolkata"


def postgres_server_url() -> str:
    """The PostgreSQL server the tests use, as a libpq URL."""
    url = os.environ.get("INTERLOOM_TEST_POSTGRES_URL") or DEFAULT_TEST_POSTGRES_URL
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of its own, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'interloom.db'}"
        return
    if os.environ.get("INTERLOOM_TEST_SKIP_POSTGRES") == "1":
        pytest.skip("INTERLOOM_TEST_SKIP_POSTGRES=1")
    server = postgres_server_url()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is unreachable at {make_url(server)!r}: {error}. Start it with "
            "`bash scripts/services.sh postgres` (make test does), or set "
            "INTERLOOM_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL tests.",
            pytrace=False,
        )
    options = f"-csearch_path={schema} -cTimeZone={TEST_POSTGRES_TIMEZONE}"
    try:
        yield (
            make_url(server)
            .update_query_dict({"options": options})
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
async def empty_database(database_url: str) -> AsyncIterator[Database]:
    """A database that was never migrated."""
    async with Database.from_url(database_url) as database:
        yield database


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A database migrated to the newest schema."""
    async with Database.from_url(database_url) as database:
        await database.migrate()
        yield database


# --- end of storage fixtures ---------------------------------------------------------------
