"""SQL sink on SQLite and PostgreSQL: the rows and the idempotency key in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from interloom.connectors.spec import ConnectorContext, SinkError
from interloom.connectors.sql_sink import EFFECTS_TABLE, SqlSink, SqlSinkConfig
from interloom.core.messages import Message
from interloom.storage.database import Database

ORDER = {
    "orderId": "SO-1",
    "customer": {"id": "C-9", "name": "Ada"},
    "lines": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}],
}


@pytest.fixture
async def target(database_url: str) -> AsyncIterator[Database]:
    """The database the sink writes to, with its tables."""
    async with Database.from_url(database_url) as database:
        async with database.engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "CREATE TABLE shipments (order_id VARCHAR(40) PRIMARY KEY, "
                    "customer TEXT, lines INTEGER)"
                )
            )
            await connection.execute(
                sa.text(
                    "CREATE TABLE stock (sku VARCHAR(10) PRIMARY KEY, qty INTEGER NOT NULL, "
                    "order_id VARCHAR(40))"
                )
            )
        yield database


def _sink(url: str, tmp_path: Path, **config: Any) -> SqlSink:
    settings = SqlSinkConfig.model_validate({"url": url, **config})
    return SqlSink(settings, ConnectorContext("orders", tmp_path))


async def _rows(database: Database, sql: str) -> list[tuple[Any, ...]]:
    async with database.engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(sa.text(sql))]


SHIPMENT = {
    "table": "shipments",
    "columns": {"order_id": "orderId", "customer": "customer", "lines": "$count(lines)"},
}


async def test_a_message_applied_twice_gives_one_row(
    target: Database, database_url: str, tmp_path: Path
) -> None:
    sink = _sink(database_url, tmp_path, **SHIPMENT)
    message = Message("orders", ORDER, id="m-1")
    try:
        first = await sink.write(message, ORDER)
        again = await sink.write(Message("orders", ORDER, id="m-1", attempt=2), ORDER)
    finally:
        await sink.close()

    assert (first, again) == (1, 0)
    assert await _rows(target, "SELECT order_id, customer, lines FROM shipments") == [
        ("SO-1", '{"id":"C-9","name":"Ada"}', 2)
    ]
    assert await _rows(
        target, f"SELECT idempotency_key, flow, message_id FROM {EFFECTS_TABLE}"
    ) == [("orders:m-1", "orders", "m-1")]


async def test_concurrent_deliveries_of_one_message_apply_it_once(
    target: Database, database_url: str, tmp_path: Path
) -> None:
    sinks = [_sink(database_url, tmp_path, **SHIPMENT) for _ in range(4)]
    try:
        applied = await asyncio.gather(
            *(sink.write(Message("orders", ORDER, id="m-1"), ORDER) for sink in sinks)
        )
    finally:
        for sink in sinks:
            await sink.close()

    assert sorted(applied) == [0, 0, 0, 1]
    assert await _rows(target, "SELECT count(*) FROM shipments") == [(1,)]


async def test_a_failed_write_leaves_no_key_so_the_redelivery_applies_it(
    target: Database, database_url: str, tmp_path: Path
) -> None:
    sink = _sink(database_url, tmp_path, **SHIPMENT)
    try:
        await sink.write(Message("orders", ORDER, id="m-1"), ORDER)
        duplicate_order = Message("orders", ORDER, id="m-2")  # same order id: primary key
        with pytest.raises(SinkError) as raised:
            await sink.write(duplicate_order, ORDER)
        assert raised.value.retryable is False  # a constraint will not pass by retrying
        assert await _rows(target, f"SELECT message_id FROM {EFFECTS_TABLE}") == [("m-1",)]

        async with target.engine.begin() as connection:
            await connection.execute(sa.text("DELETE FROM shipments"))
        assert await sink.write(duplicate_order, ORDER) == 1
    finally:
        await sink.close()


async def test_upsert_writes_a_row_per_line_and_updates_existing_keys(
    target: Database, database_url: str, tmp_path: Path
) -> None:
    sink = _sink(
        database_url,
        tmp_path,
        table="stock",
        mode="upsert",
        key=["sku"],
        rows="lines",
        columns={"sku": "sku", "qty": "qty", "order_id": "$message.orderId"},
    )
    later = {"orderId": "SO-2", "lines": [{"sku": "A", "qty": 9}]}
    try:
        assert await sink.write(Message("orders", ORDER, id="m-1"), ORDER) == 2
        assert await sink.write(Message("orders", later, id="m-2"), later) == 1
        assert await sink.write(Message("orders", later, id="m-2"), later) == 0
    finally:
        await sink.close()

    assert await _rows(target, "SELECT sku, qty, order_id FROM stock ORDER BY sku") == [
        ("A", 9, "SO-2"),
        ("B", 1, "SO-1"),
    ]


async def test_a_missing_table_is_not_retried_and_names_the_table(
    target: Database, database_url: str, tmp_path: Path
) -> None:
    sink = _sink(database_url, tmp_path, table="shipment")
    try:
        with pytest.raises(SinkError) as raised:
            await sink.write(Message("orders", {"order_id": "x"}, id="m-1"), {"order_id": "x"})
    finally:
        await sink.close()

    assert raised.value.retryable is False
    assert raised.value.message.startswith("shipment in ")


async def test_a_message_that_maps_to_no_object_is_not_retried(
    target: Database, database_url: str, tmp_path: Path
) -> None:
    sink = _sink(database_url, tmp_path, table="shipments", rows="lines.sku")
    try:
        with pytest.raises(SinkError, match="a row is an object of columns") as raised:
            await sink.write(Message("orders", ORDER, id="m-1"), ORDER)
    finally:
        await sink.close()

    assert raised.value.retryable is False


async def test_an_unreachable_database_is_retried(tmp_path: Path) -> None:
    sink = _sink("postgresql://nobody@127.0.0.1:9/none", tmp_path, table="shipments")

    with pytest.raises(SinkError) as raised:
        await sink.write(Message("orders", ORDER, id="m-1"), ORDER)

    assert raised.value.retryable is True


def test_upsert_needs_a_key() -> None:
    with pytest.raises(ValueError, match="mode upsert needs 'key'"):
        SqlSinkConfig.model_validate({"url": "sqlite://", "table": "t", "mode": "upsert"})
