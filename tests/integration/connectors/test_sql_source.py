"""SQL source on SQLite and PostgreSQL: new rows after a cursor, the cursor saved as JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from interloom.connectors.spec import ConnectorContext, SourceContext, SourceError
from interloom.connectors.sql_source import SqlSource, SqlSourceConfig
from interloom.storage.database import Database

QUERY = (
    "SELECT id, customer, total, updated_at FROM orders "
    "WHERE updated_at > :cursor ORDER BY updated_at LIMIT 2"
)


@pytest.fixture
async def erp(database_url: str) -> AsyncIterator[Database]:
    """An ERP database with an orders table."""
    async with Database.from_url(database_url) as database:
        async with database.engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer VARCHAR(20), "
                    "total NUMERIC(10, 2), updated_at TIMESTAMP NOT NULL)"
                )
            )
        yield database


async def _insert(erp: Database, *rows: tuple[int, str, str, str]) -> None:
    async with erp.engine.begin() as connection:
        for id_, customer, total, at in rows:
            await connection.execute(
                sa.text("INSERT INTO orders VALUES (:id, :customer, :total, :at)"),
                {"id": id_, "customer": customer, "total": total, "at": datetime.fromisoformat(at)},
            )


async def _never_stop(seconds: float) -> bool:
    return False


async def _source(url: str, tmp_path: Path, state: Any = None, **config: Any) -> SqlSource:
    settings = SqlSourceConfig.model_validate(
        {
            "url": url,
            "query": QUERY,
            "cursor_column": "updated_at",
            "initial_cursor": "2000-01-01T00:00:00",
            "id_column": "id",
            "page_size": 2,
            "interval_seconds": 0.01,
            **config,
        }
    )
    source = SqlSource(settings, ConnectorContext("orders", tmp_path))
    await source.connect(SourceContext("orders", state, wait=_never_stop))
    return source


async def test_rows_after_the_cursor_are_read_page_by_page_and_the_cursor_advances(
    erp: Database, database_url: str, tmp_path: Path
) -> None:
    await _insert(
        erp,
        (1, "Ada", "10.50", "2026-03-01T10:00:00"),
        (2, "Bob", "20.00", "2026-03-01T11:00:00"),
        (3, "Cy", "5.25", "2026-03-01T12:00:00"),
    )
    source = await _source(database_url, tmp_path)
    try:
        first = await source.read()
        await source.ack(first)
        second = await source.read()
        await source.ack(second)
        empty = await source.read()
    finally:
        await source.close()

    assert [item.body["id"] for item in first.items] == [1, 2]
    # SQLite keeps times as the text it was given; PostgreSQL gives a timestamp, in ISO 8601.
    written = "2026-03-01 10:00:00" if database_url.startswith("sqlite") else "2026-03-01T10:00:00"
    assert first.items[0].body == {"id": 1, "customer": "Ada", "total": 10.5, "updated_at": written}
    assert [item.body["id"] for item in second.items] == [3]
    assert empty.items == []
    # The saved cursor is plain JSON that resumes the source where it was.
    orjson.dumps(second.state)
    await _insert(erp, (4, "Di", "1.00", "2026-03-02T09:00:00"))
    resumed = await _source(database_url, tmp_path, second.state)
    try:
        after = await resumed.read()
    finally:
        await resumed.close()
    assert [item.body["id"] for item in after.items] == [4]


async def test_a_row_read_again_keeps_its_key_and_an_updated_row_gets_a_new_one(
    erp: Database, database_url: str, tmp_path: Path
) -> None:
    await _insert(erp, (1, "Ada", "10.50", "2026-03-01T10:00:00"))
    source = await _source(database_url, tmp_path)
    try:
        first = await source.read()
        await source.nack(first, "the store is down")
        again = await source.read()
        await source.ack(again)
        async with erp.engine.begin() as connection:
            await connection.execute(
                sa.text("UPDATE orders SET total = 12, updated_at = :at WHERE id = 1"),
                {"at": datetime(2026, 3, 1, 13)},
            )
        updated = await source.read()
    finally:
        await source.close()

    assert [i.key for i in again.items] == [i.key for i in first.items]
    assert [i.body["total"] for i in updated.items] == [12]
    assert updated.items[0].key != first.items[0].key


async def test_a_query_without_the_cursor_column_is_reported(
    erp: Database, database_url: str, tmp_path: Path
) -> None:
    await _insert(erp, (1, "Ada", "10.50", "2026-03-01T10:00:00"))
    source = await _source(
        database_url,
        tmp_path,
        query="SELECT id FROM orders WHERE updated_at > :cursor",
    )
    try:
        with pytest.raises(SourceError, match="the query returns no column 'updated_at'"):
            await source.read()
    finally:
        await source.close()


def test_a_query_that_ignores_the_cursor_is_refused() -> None:
    with pytest.raises(ValueError, match="the query must use :cursor"):
        SqlSourceConfig.model_validate(
            {
                "url": "sqlite://",
                "query": "SELECT * FROM t",
                "cursor_column": "c",
                "initial_cursor": 0,
            }
        )
