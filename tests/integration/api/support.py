"""Helpers of the management API tests: the PostgreSQL test server, the example, error bodies."""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
# A session time zone far from UTC, so that a timestamp handled in local time shows up.
TEST_POSTGRES_TIMEZONE = "Asia/Kolkata"
# The databases these tests create are named DATABASE_PREFIX + ... + creation time + random.
DATABASE_PREFIX = "interloom_api_"
STALE_AFTER = 3600

EXAMPLE_DIR = Path(__file__).resolve().parents[3] / "examples" / "retail"
EXAMPLE_SYSTEMS = {"erp", "crm", "wms", "payments"}

ERROR_KEYS = {"code", "message", "status", "location", "hint", "details"}


# --- PostgreSQL ------------------------------------------------------------------------------


def postgres_server_url(database: str | None = None) -> str:
    """The PostgreSQL server the tests use, as a libpq URL (to ``database`` when given)."""
    url = make_url(os.environ.get("INTERLOOM_TEST_POSTGRES_URL") or DEFAULT_TEST_POSTGRES_URL)
    url = url.set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def postgres_admin(database: str | None = None) -> psycopg.Connection[Any]:
    """An autocommit connection to the test server's own database, or to ``database``."""
    return psycopg.connect(postgres_server_url(database), autocommit=True, connect_timeout=5)


def with_session_options(url: str, schema: str) -> str:
    """``url`` with libpq options that put its sessions in ``schema`` and a non-UTC time zone."""
    options = f"-csearch_path={schema} -cTimeZone={TEST_POSTGRES_TIMEZONE}"
    return make_url(url).update_query_dict({"options": options}).render_as_string(False)


def create_postgres_database(prefix: str) -> str:
    """Create a fresh database on the test server; its name. Fails when it is unreachable.

    The name holds the creation time, so that the databases a killed run left behind are
    dropped by a later run (once they are older than STALE_AFTER seconds).
    """
    if os.environ.get("INTERLOOM_TEST_SKIP_POSTGRES") == "1":
        pytest.skip("INTERLOOM_TEST_SKIP_POSTGRES=1")
    name = f"{DATABASE_PREFIX}{prefix}_{int(time.time())}_{uuid.uuid4().hex[:8]}"
    try:
        with postgres_admin() as admin:
            _drop_stale_databases(admin)
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is unreachable at {make_url(postgres_server_url())!r}: {error}. "
            "Start it with `bash scripts/services.sh postgres` (make test does), or set "
            "INTERLOOM_TEST_SKIP_POSTGRES=1 to skip the PostgreSQL tests.",
            pytrace=False,
        )
    return name


def _drop_stale_databases(admin: psycopg.Connection[Any]) -> None:
    rows = admin.execute(
        "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (DATABASE_PREFIX,)
    ).fetchall()
    for (name,) in rows:
        match = re.search(r"_(\d{10})_[0-9a-f]{8}$", name)
        if match and time.time() - int(match.group(1)) > STALE_AFTER:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_postgres_database(name: str) -> None:
    """Drop a database of the tests, closing the connections still open to it."""
    with postgres_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backend_of(url: str) -> str:
    """``sqlite`` or ``postgresql``."""
    return "sqlite" if url.startswith("sqlite") else "postgresql"


# --- responses -------------------------------------------------------------------------------


def assert_error(
    response: httpx.Response, status: int, code: str, *, message: str | None = None
) -> dict[str, Any]:
    """Check that ``response`` is a failure in the API's error model; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body: dict[str, Any] = response.json()
    assert set(body) <= ERROR_KEYS, body
    assert body["code"] == code, body
    assert body["status"] == status, body
    assert isinstance(body["message"], str), body
    assert body["message"], body
    assert isinstance(body["details"], list), body
    if message is not None:
        assert message in body["message"], body
    return body


def eventually(check: Callable[[], Any], *, timeout: float = 10.0, every: float = 0.1) -> Any:
    """Call ``check`` until it returns something truthy (its value), for ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"still false after {timeout} s: {check.__doc__ or check}", False)
        time.sleep(every)
