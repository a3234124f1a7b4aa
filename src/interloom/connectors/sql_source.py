"""SQL source: poll a query for new rows, after a cursor saved in Interloom's database.

The query takes the cursor as the parameter ``:cursor`` and returns the rows after it, in
cursor order (``WHERE updated_at > :cursor ORDER BY updated_at LIMIT 500``). Each row becomes
a message; the largest value of the cursor column among them is saved only once they are
persisted. A query that returned a full page is run again at once.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from interloom.connectors.registry import connector
from interloom.connectors.spec import (
    Batch,
    ConnectorContext,
    SourceContext,
    SourceError,
    SourceItem,
)
from interloom.connectors.sql_connections import json_value, open_engine, reason, shown

Scalar = str | int | float


class SqlSourceConfig(BaseModel):
    """The database, the query, and the column that orders its rows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        description="Database URL (sqlite:///file.db, postgresql://user@host/db); "
        "${VAR} is expanded.",
        examples=["postgresql://erp_reader:${ERP_DB_PASSWORD}@erp-db:5432/erp"],
    )
    query: str = Field(
        description="SELECT returning the rows after :cursor, ordered by the cursor column.",
        examples=["SELECT * FROM orders WHERE updated_at > :cursor ORDER BY updated_at LIMIT 500"],
    )
    cursor_column: str = Field(description="Column of the result that orders the rows.")
    initial_cursor: Scalar = Field(
        description="The cursor before the first row (e.g. 0 or '1970-01-01T00:00:00').",
    )
    id_column: str | None = Field(
        default=None,
        description="Column identifying a row: its message id derives from it and the "
        "cursor column; none: from the row's content.",
    )
    interval_seconds: float = Field(
        default=10.0, ge=0.01, le=86_400, description="Time between polls."
    )
    page_size: int | None = Field(
        default=None,
        ge=1,
        description="The query's LIMIT: a poll that returns this many rows is followed at "
        "once by the next.",
    )

    @field_validator("query")
    @classmethod
    def _takes_the_cursor(cls, query: str) -> str:
        if ":cursor" not in query:
            raise ValueError("the query must use :cursor (e.g. WHERE updated_at > :cursor)")
        return query


def encode_cursor(value: Any) -> Any:
    """A cursor value as JSON (dates and decimals tagged, to be bound with their type)."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return json_value(value)


def decode_cursor(value: Any) -> Any:
    """A saved cursor as the value to bind."""
    if isinstance(value, dict) and len(value) == 1:
        [(tag, text_)] = value.items()
        if tag == "datetime":
            return datetime.fromisoformat(text_)
        if tag == "date":
            return date.fromisoformat(text_)
        if tag == "decimal":
            return Decimal(text_)
    return value


@connector(
    "sql",
    kind="source",
    config=SqlSourceConfig,
    description="Read new rows from a database table or view (SQLite or PostgreSQL): a "
    "query polled with a cursor, a message per row.\n\nThe rows' values become JSON "
    "(times in ISO 8601, decimals as numbers, binary as base64).",
    guarantees="Rows are persisted before the cursor is saved (in Interloom's database): "
    "nothing is skipped across restarts. A row read twice (a crash between persisting and "
    "saving, or an inclusive query) has the same message id — from id_column, or from its "
    "content — so the sinks apply it once. Rows sharing the last cursor value must come in "
    "one poll: use > with a unique cursor, or >= with id_column.",
    examples=[
        {
            "url": "postgresql://reader:${ERP_DB_PASSWORD}@erp-db:5432/erp",
            "query": "SELECT id, customer, total, updated_at FROM orders "
            "WHERE updated_at > :cursor ORDER BY updated_at LIMIT 500",
            "cursor_column": "updated_at",
            "initial_cursor": "2026-01-01T00:00:00",
            "id_column": "id",
            "page_size": 500,
        },
    ],
)
class SqlSource:
    """Polls a query; its state is the cursor."""

    def __init__(self, config: SqlSourceConfig, context: ConnectorContext) -> None:
        self.config = config
        self._root = context.root
        self._query = text(config.query)
        self._engine: AsyncEngine | None = None
        self._context: SourceContext | None = None
        self._cursor: Any = config.initial_cursor
        self._full_page = True  # the first poll runs at once

    async def connect(self, context: SourceContext) -> None:
        """Open the engine; resume from the saved cursor."""
        self._context = context
        if isinstance(context.state, dict) and "cursor" in context.state:
            self._cursor = decode_cursor(context.state["cursor"])
        self._engine = open_engine(self.config.url, self._root)

    @property
    def cursor(self) -> Any:
        """The cursor the next poll binds."""
        return self._cursor

    async def read(self) -> Batch:
        """Wait for the next poll, run the query and return its rows."""
        context = self._context
        assert context is not None, "connect first"
        assert self._engine is not None, "connect first"
        if not self._full_page and await context.wait(self.config.interval_seconds):
            return Batch()
        self._full_page = False
        try:
            async with self._engine.connect() as connection:
                result = await connection.execute(self._query, {"cursor": self._cursor})
                rows = [dict(row._mapping) for row in result]
        except (exc.SQLAlchemyError, OSError) as error:
            raise SourceError(
                f"the query on {shown(self._engine)} failed: {reason(error)}"
            ) from None
        if not rows:
            return Batch()
        column = self.config.cursor_column
        if column not in rows[0]:
            raise SourceError(
                f"the query returns no column '{column}' (it returns {', '.join(rows[0])})"
            )
        try:
            cursor = max(row[column] for row in rows if row[column] is not None)
        except (TypeError, ValueError) as error:
            raise SourceError(f"the values of '{column}' cannot be ordered: {error}") from None
        items = [SourceItem(self._key(row), self._body(row)) for row in rows]
        self._full_page = self.config.page_size is not None and len(rows) >= self.config.page_size
        return Batch(items=items, state={"cursor": encode_cursor(cursor)}, token=cursor)

    @staticmethod
    def _body(row: dict[str, Any]) -> dict[str, Any]:
        return {str(name): json_value(value) for name, value in row.items()}

    def _key(self, row: dict[str, Any]) -> str:
        if self.config.id_column is not None and row.get(self.config.id_column) is not None:
            # The row's version is part of its identity: an updated row is a new message.
            version = json_value(row.get(self.config.cursor_column))
            return f"id:{json_value(row[self.config.id_column])}@{version}"
        body = orjson.dumps(self._body(row), option=orjson.OPT_SORT_KEYS)
        return f"content:{hashlib.sha256(body).hexdigest()}"

    async def ack(self, batch: Batch) -> None:
        """The rows are persisted and the cursor saved: the next poll starts after them."""
        if batch.token is not None:
            self._cursor = batch.token

    async def nack(self, batch: Batch, error: str) -> None:
        """The rows were not persisted: the next poll reads them again."""
        self._full_page = False

    async def close(self) -> None:
        """Close the engine's connections."""
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
