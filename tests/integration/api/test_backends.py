"""The fixtures' databases: each test's records land where its URL says, on both backends."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from .support import backend_of, postgres_admin


def test_the_app_writes_into_the_test_s_own_database(
    scaffolded_client: TestClient, database_url: str
) -> None:
    response = scaffolded_client.put(
        "/api/v1/interfaces/crm.customers.get/lifecycle", json={"lifecycle": "mocked"}
    )
    assert response.status_code == 200, response.text

    url = make_url(database_url)
    if backend_of(database_url) == "sqlite":
        assert url.database is not None
        assert Path(url.database).is_file()
        return
    options = url.query["options"]
    assert isinstance(options, str)
    schema = options.split("search_path=", 1)[1].split()[0]
    with postgres_admin(url.database) as admin:
        tables = admin.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        (entries,) = admin.execute(f'SELECT count(*) FROM "{schema}".audit_log').fetchone() or (0,)
    assert {s for s, _ in tables} == {schema}, tables
    assert {"audit_log", "alembic_version"} <= {t for _, t in tables}
    assert entries == 1
