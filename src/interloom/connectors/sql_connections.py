"""Connections of the SQL connectors to the databases they read and write.

A database URL is written as for the project's own database (``sqlite:///relative.db``,
``postgresql://user@host/db``, ``${VAR}`` expanded); it is opened with the async driver
(aiosqlite, psycopg). A failure is sorted into one that may pass (the server is down, a lock,
a deadlock) and one that will not (no such table, a constraint, bad data).
"""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from interloom.core.errors import ConfigError
from interloom.storage.database import mask_url, resolve_url

# PostgreSQL error classes that may pass: connection, transaction rollback (deadlock,
# serialization), insufficient resources, operator intervention, system error.
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
# Failures of SQLite (which has no SQLSTATE) that retrying will not cure.
_LASTING_SQLITE = ("no such", "has no column", "syntax error", "readonly", "constraint")


def open_engine(url: str, root: Path) -> AsyncEngine:
    """An async engine for a connector's database URL (relative SQLite paths: from root)."""
    resolved = resolve_url(url, base_dir=root)
    options: dict[str, Any] = {}
    if resolved.get_backend_name() == "sqlite":
        options["connect_args"] = {"timeout": 30}
    else:
        options["pool_pre_ping"] = True
        options["connect_args"] = {"connect_timeout": 10}
    try:
        return create_async_engine(resolved, **options)
    except (exc.ArgumentError, ImportError) as error:
        raise ConfigError(f"cannot open {mask_url(resolved)}: {error}") from None


def shown(engine: AsyncEngine) -> str:
    """The engine's URL with its password masked."""
    return mask_url(engine.url)


def is_transient(error: BaseException) -> bool:
    """Whether a database failure may pass if the operation is tried again."""
    if isinstance(error, exc.TimeoutError | OSError | TimeoutError):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        return sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES
    if isinstance(error, exc.InterfaceError):
        return True
    if isinstance(error, exc.OperationalError):
        # No SQLSTATE: the server could not be reached, or SQLite is busy… unless SQLite
        # said the table, the column or the statement is wrong.
        text = str(error.orig).lower()
        return not any(word in text for word in _LASTING_SQLITE)
    return False


def reason(error: BaseException) -> str:
    """The database's own message, on one line."""
    cause = error.orig if isinstance(error, exc.DBAPIError) and error.orig else error
    return " ".join(str(cause).split()) or type(cause).__name__


def json_value(value: Any) -> Any:
    """A value read from a database, as JSON can carry it."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    return str(value)
