"""Alembic environment: runs the migrations on the connection ``Database.migrate()`` hands over.

Run from the ``alembic`` command line instead (to autogenerate a draft revision, say), it opens
the ``sqlalchemy.url`` of the Alembic config with ``Database`` itself.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from interloom.core.errors import MigrationError
from interloom.storage.database import Database
from interloom.storage.tables import UTCDateTime, metadata


def render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render Interloom's column types as plain SQLAlchemy ones: migrations never import the app."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection: Connection) -> None:
    """Run the pending migrations inside the caller's transaction."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_at(url: str) -> None:
    """Open the database at url and run the pending migrations in one transaction."""
    async with Database.from_url(url) as database, database.engine.begin() as connection:
        await connection.run_sync(run_migrations)


def run_migrations_offline(url: str) -> None:
    """Write the migrations as SQL instead of running them (``alembic upgrade --sql``)."""
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _configured_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise MigrationError(
            "no database to migrate", hint="set sqlalchemy.url in the Alembic configuration"
        )
    return url


handed_over = context.config.attributes.get("connection")
if handed_over is not None:
    run_migrations(handed_over)
elif context.is_offline_mode():
    run_migrations_offline(_configured_url())
else:
    asyncio.run(run_migrations_at(_configured_url()))
