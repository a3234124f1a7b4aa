"""SQL sink: insert or upsert rows mapped from each message, exactly once.

In one transaction the sink first inserts the message's idempotency key (``flow:message-id``)
into ``interloom_sink_effects`` with ``ON CONFLICT DO NOTHING``; if the key was already there
the message was applied before, and nothing more is written. Otherwise the rows are written
and committed with the key. Either both the key and the rows are committed, or neither: a
redelivered message has no second effect, even when two workers deliver it at once (the
second insert of the key waits for the first transaction, then finds the key).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import CreateTable

from interloom.connectors.registry import connector
from interloom.connectors.spec import ConnectorContext, SinkError
from interloom.connectors.sql_connections import is_transient, open_engine, reason, shown
from interloom.core.errors import InterloomError
from interloom.core.flows.expressions import UNDEFINED, CompiledExpression, compile_expression
from interloom.core.messages import Message

EFFECTS_TABLE = "interloom_sink_effects"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


class WriteMode(StrEnum):
    """How rows are written."""

    INSERT = "insert"  # a row whose key exists fails the message (dead letter)
    UPSERT = "upsert"  # a row whose key exists is updated


class SqlSinkConfig(BaseModel):
    """The table, how to write to it, and how a message becomes rows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        description="Database URL (sqlite:///file.db, postgresql://user@host/db); "
        "${VAR} is expanded.",
        examples=["postgresql://wms:${WMS_DB_PASSWORD}@wms-db:5432/wms"],
    )
    table: str = Field(
        pattern=rf"^{_NAME}(\.{_NAME})?$",
        description="Table to write, optionally schema.table.",
        examples=["shipments"],
    )
    mode: WriteMode = Field(default=WriteMode.INSERT, description="insert or upsert.")
    key: list[str] = Field(
        default_factory=list,
        description="upsert: the columns of the unique key that decides insert or update.",
    )
    rows: str | None = Field(
        default=None,
        description="JSONata expression giving the message's rows (an array: a row each); "
        "none: the message is one row.",
        examples=["lines"],
    )
    columns: dict[str, str] | None = Field(
        default=None,
        description="Column name to a JSONata expression on the row ($message is the whole "
        "message); none: the row's fields are the columns.",
        examples=[{"order_id": "$message.orderId", "sku": "sku", "quantity": "qty"}],
    )
    create_effects_table: bool = Field(
        default=True,
        description=f"Create the {EFFECTS_TABLE} table (in the table's schema) if missing.",
    )

    @model_validator(mode="after")
    def _upsert_has_a_key(self) -> SqlSinkConfig:
        if self.mode is WriteMode.UPSERT and not self.key:
            raise ValueError("mode upsert needs 'key': the columns of the table's unique key")
        for name in [*self.key, *(self.columns or {})]:
            if not re.fullmatch(_NAME, name):
                raise ValueError(f"'{name}' is not a column name")
        if self.columns is not None and not set(self.key) <= set(self.columns):
            missing = sorted(set(self.key) - set(self.columns))
            raise ValueError(f"key column '{missing[0]}' is not among the columns")
        return self


def effects_table(schema: str | None, metadata: sa.MetaData | None = None) -> sa.Table:
    """The table of applied idempotency keys, beside the table the sink writes."""
    return sa.Table(
        EFFECTS_TABLE,
        metadata or sa.MetaData(),
        sa.Column("idempotency_key", sa.String(512), primary_key=True),
        sa.Column("flow", sa.String(200), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        schema=schema,
    )


@connector(
    "sql",
    kind="sink",
    config=SqlSinkConfig,
    description="Insert or upsert rows into a database table (SQLite or PostgreSQL): one row "
    "per message, or several (rows), with columns mapped by JSONata (columns).\n\n"
    "Objects and arrays are written as JSON text. A constraint violation, a missing table "
    "or column dead-letters the message; a database that cannot be reached is retried.",
    guarantees="Effect exactly once: the message's idempotency key is inserted into "
    f"{EFFECTS_TABLE} in the same transaction as its rows, after checking it is not there. "
    "A redelivered message finds its key and writes nothing; a crash before the commit "
    "leaves neither the rows nor the key, and the redelivery applies it.",
    examples=[
        {"url": "sqlite:///data/wms.db", "table": "shipments"},
        {
            "url": "postgresql://wms:${WMS_DB_PASSWORD}@wms-db:5432/wms",
            "table": "stock.levels",
            "mode": "upsert",
            "key": ["sku"],
            "rows": "lines",
            "columns": {"sku": "sku", "quantity": "qty", "order_id": "$message.orderId"},
        },
    ],
)
class SqlSink:
    """Writes rows and the idempotency key in one transaction."""

    def __init__(self, config: SqlSinkConfig, context: ConnectorContext) -> None:
        self.config = config
        self._root = context.root
        schema, _, name = config.table.rpartition(".")
        self.schema = schema or None
        self.table_name = name
        self._rows: CompiledExpression | None = (
            compile_expression(config.rows) if config.rows is not None else None
        )
        self._columns = {
            column: compile_expression(expression)
            for column, expression in (config.columns or {}).items()
        }
        self._effects = effects_table(self.schema)
        self._engine: AsyncEngine | None = None

    async def connect(self) -> None:
        """Open the engine and make the effects table if it is missing."""
        if self._engine is not None:
            return
        engine = open_engine(self.config.url, self._root)
        if self.config.create_effects_table:
            try:
                async with engine.begin() as connection:
                    await connection.execute(CreateTable(self._effects, if_not_exists=True))
            except (exc.IntegrityError, exc.ProgrammingError, exc.OperationalError) as error:
                # Another process may have made it at the same moment: fine if it is there.
                if "already exists" not in str(error) and "duplicate key" not in str(error):
                    await engine.dispose()
                    raise SinkError(
                        f"cannot make {EFFECTS_TABLE} in {shown(engine)}: {reason(error)}",
                        retryable=is_transient(error),
                    ) from None
            except (exc.SQLAlchemyError, OSError) as error:
                await engine.dispose()
                raise SinkError(
                    f"cannot make {EFFECTS_TABLE} in {shown(engine)}: {reason(error)}",
                    retryable=is_transient(error),
                ) from None
        self._engine = engine

    def rows_of(self, message: Message, body: Any) -> list[dict[str, Any]]:
        """The rows a message becomes; :class:`SinkError` (not retried) when it cannot."""
        try:
            found = self._rows.evaluate(body) if self._rows is not None else body
            if found is UNDEFINED:
                found = []
            records = list(found) if isinstance(found, list) else [found]
            if self._columns:
                bindings = {"message": body}
                rows = [
                    {
                        column: expression.evaluate(record, bindings)
                        for column, expression in self._columns.items()
                    }
                    for record in records
                ]
            else:
                rows = records
        except InterloomError as error:
            raise SinkError(
                f"the message cannot be mapped to rows: {error}", retryable=False
            ) from None
        for row in rows:
            if not isinstance(row, dict):
                raise SinkError(
                    f"a row is an object of columns, not {orjson.dumps(row).decode()[:80]}",
                    retryable=False,
                )
        return [{str(k): _column_value(v) for k, v in row.items()} for row in rows]

    async def write(self, message: Message, body: Any) -> int:
        """Write the message's rows with its key; the number of rows (0 when applied before)."""
        rows = self.rows_of(message, body)
        await self.connect()
        assert self._engine is not None
        try:
            async with self._engine.begin() as connection:
                if not await self._claim(connection, message):
                    return 0
                if rows:
                    await connection.execute(self._statement(rows, connection), rows)
        except (exc.SQLAlchemyError, OSError) as error:
            raise SinkError(
                f"{self.config.table} in {shown(self._engine)}: {reason(error)}",
                retryable=is_transient(error),
            ) from None
        return len(rows)

    async def _claim(self, connection: AsyncConnection, message: Message) -> bool:
        """Insert the idempotency key; False when it is there already (applied before)."""
        insert = _dialect_insert(connection)(self._effects).values(
            idempotency_key=message.idempotency_key,
            flow=message.flow,
            message_id=message.id,
            applied_at=datetime.now(UTC),
        )
        claimed = await connection.execute(
            insert.on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(
                self._effects.c.idempotency_key
            )
        )
        return claimed.first() is not None

    def _statement(self, rows: list[dict[str, Any]], connection: AsyncConnection) -> Any:
        names = list(dict.fromkeys(name for row in rows for name in row))
        for row in rows:
            for name in names:
                row.setdefault(name, None)
        table = sa.table(self.table_name, *(sa.column(n) for n in names), schema=self.schema)
        statement = _dialect_insert(connection)(table)
        if self.config.mode is WriteMode.INSERT:
            return statement
        missing = [k for k in self.config.key if k not in names]
        if missing:
            raise SinkError(f"the rows have no key column '{missing[0]}'", retryable=False)
        updated = {n: statement.excluded[n] for n in names if n not in self.config.key}
        if not updated:
            return statement.on_conflict_do_nothing(index_elements=self.config.key)
        return statement.on_conflict_do_update(index_elements=self.config.key, set_=updated)

    async def close(self) -> None:
        """Close the engine's connections."""
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


def _dialect_insert(connection: AsyncConnection) -> Any:
    if connection.dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def _column_value(value: Any) -> Any:
    if value is UNDEFINED:
        return None
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return value
