"""The records database: engine, sessions, transactions and schema migrations."""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, exc, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from interloom.core.errors import ConfigError, MigrationError, StorageError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's busy timeout alone keeps turns
    fcntl = None  # type: ignore[assignment]

Backend = Literal["sqlite", "postgresql"]

MIGRATIONS_LOCATION = "interloom.storage:migrations"

_URL_HINT = (
    "use sqlite:///interloom.db (relative to the project), sqlite:////absolute/path.db, "
    "sqlite:// (in memory) or postgresql://user:password@host:5432/database"
)
_STORAGE_HINT = "check that the database server is running and its schema is up to date"
_LOCKED_HINT = "another process kept the SQLite database busy for 5 s; try again"
_ASYNC_DRIVERS: dict[str, str] = {"sqlite": "aiosqlite", "postgresql": "psycopg"}
_SYNC_DRIVERS: dict[str, frozenset[str]] = {
    "sqlite": frozenset({"", "pysqlite"}),
    "postgresql": frozenset({"", "psycopg", "psycopg2", "pg8000"}),
}
_MEMORY_DATABASES = frozenset({"", ":memory:"})
_POSTGRES_CONNECT_TIMEOUT = 10
_MIGRATION_LOCK_SECONDS = 120
_UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError)
# PostgreSQL's "undefined table" and "undefined column": a schema that is not up to date,
# which SQLite reports as an OperationalError.
_SCHEMA_BEHIND_SQLSTATES = frozenset({"42P01", "42703"})

# Execution option read by the SQLite "begin" listener: a writing transaction takes the write
# lock up front, so a concurrent writer waits for busy_timeout instead of failing on upgrade.
_BEGIN_IMMEDIATE = "interloom_begin_immediate"

# Upgrades in one process take turns: Alembic's ``context`` and ``op`` are process-wide
# proxies, so two upgrades interleaving on one event loop would run each other's operations
# (the database's own lock keeps them apart, except in memory, where one connection is shared).
_migration_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


class Database:
    """An async engine and its sessions over SQLite or PostgreSQL."""

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)
        self._engine = engine
        self._writer = engine.execution_options(**{_BEGIN_IMMEDIATE: True})
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._file = _sqlite_file(engine.url)
        self._file_seen = False

    @classmethod
    def from_url(cls, url: str, *, base_dir: Path | None = None, echo: bool = False) -> Self:
        """Open the database at a user's URL; relative SQLite paths resolve against base_dir."""
        resolved = resolve_url(url, base_dir=base_dir)
        options: dict[str, Any] = {"echo": echo}
        if resolved.get_backend_name() == "sqlite":
            if _is_memory(resolved):
                options["poolclass"] = StaticPool  # one connection, or each would see a new DB
        else:
            options["pool_pre_ping"] = True  # survive a server restart between requests
            if resolved.get_driver_name() == "psycopg" and "connect_timeout" not in resolved.query:
                options["connect_args"] = {"connect_timeout": _POSTGRES_CONNECT_TIMEOUT}
        try:
            engine = create_async_engine(resolved, **options)
        except (exc.ArgumentError, exc.InvalidRequestError, ImportError) as error:
            raise ConfigError(
                f"cannot open database URL {mask_url(resolved)}: {_reason(error)}",
                hint=_URL_HINT,
            ) from error
        return cls(engine)

    def __repr__(self) -> str:
        return f"Database({self.url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.dispose()

    @property
    def url(self) -> str:
        """The URL connected to, with the password masked."""
        return mask_url(self._engine.url)

    @property
    def backend(self) -> Backend:
        """Which database server this is: ``sqlite`` or ``postgresql``."""
        return "sqlite" if self._engine.dialect.name == "sqlite" else "postgresql"

    @property
    def engine(self) -> AsyncEngine:
        """The SQLAlchemy engine, for code that needs connections rather than sessions."""
        return self._engine

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; whatever it writes is rolled back unless the caller commits."""
        self._check_file()
        try:
            async with self._sessions() as session:
                yield session
        except (exc.DBAPIError, exc.TimeoutError) as error:
            if _is_unavailable(error):
                raise self._unavailable(error) from error
            raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed if the block succeeds, rolled back if it raises."""
        self._check_file()
        try:
            async with self._sessions(bind=self._writer) as session, session.begin():
                yield session
        except (exc.DBAPIError, exc.TimeoutError) as error:
            if _is_unavailable(error):
                raise self._unavailable(error) from error
            raise

    async def ping(self) -> None:
        """Check that the database answers; raise StorageError if it does not."""
        self._check_file()
        try:
            async with self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (exc.SQLAlchemyError, OSError) as error:
            raise StorageError(
                f"cannot reach the database at {self.url}: {_reason(error)}", hint=_STORAGE_HINT
            ) from error

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()

    async def migrate(self) -> None:
        """Upgrade the schema to the newest revision; a no-op when it is already there."""
        async with _migration_lock(), _sqlite_migration_file_lock(self._file):
            try:
                async with self._writer.begin() as connection:
                    if self.backend == "postgresql":
                        # A second process starting at the same time waits here, then finds
                        # the schema at head and does nothing.
                        await connection.execute(
                            text(
                                "SELECT pg_advisory_xact_lock("
                                "hashtext('interloom.migrate:' || coalesce(current_schema(), '')))"
                            )
                        )
                    await connection.run_sync(_upgrade_to_head)
            except Exception as error:
                raise MigrationError(
                    f"could not bring the schema of {self.url} up to date: {_reason(error)}",
                    hint=_migration_hint(error),
                ) from error

    async def current_revision(self) -> str | None:
        """The schema revision the database is at, or None if it was never migrated."""
        try:
            async with self._engine.connect() as connection:
                return await connection.run_sync(_read_revision)
        except (exc.SQLAlchemyError, OSError) as error:
            raise StorageError(
                f"cannot read the schema revision of {self.url}: {_reason(error)}",
                hint=_STORAGE_HINT,
            ) from error

    def _check_file(self) -> None:
        # Pooled connections keep working on a deleted SQLite file, and whatever they write
        # is lost with it; a new connection would start an empty database in its place.
        if self._file is None:
            return
        if self._file.exists():
            self._file_seen = True
        elif self._file_seen:
            raise StorageError(
                f"the SQLite database file {self._file} is gone",
                hint="restore it from a backup, or restart Interloom to start an empty one",
            )

    def _unavailable(self, error: BaseException) -> StorageError:
        reason = _reason(error)
        hint = _LOCKED_HINT if "database is locked" in reason else _STORAGE_HINT
        return StorageError(f"the database at {self.url} failed: {reason}", hint=hint)


def head_revision() -> str:
    """The newest schema revision this version of Interloom ships."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise MigrationError("no migrations are installed with Interloom")
    return head


def resolve_url(url: str, *, base_dir: Path | None = None) -> URL:
    """The async SQLAlchemy URL for a user's database URL, with SQLite paths made absolute."""
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError) as error:
        raise ConfigError(f"not a database URL: {_mask_text(url)!r}", hint=_URL_HINT) from error
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    if backend not in _ASYNC_DRIVERS:
        raise ConfigError(
            f"unsupported database {backend!r} in {mask_url(parsed)}; "
            "Interloom stores records in SQLite or PostgreSQL",
            hint=_URL_HINT,
        )
    if driver in _SYNC_DRIVERS[backend]:
        driver = _ASYNC_DRIVERS[backend]
    parsed = parsed.set(drivername=f"{backend}+{driver}")
    if backend == "sqlite" and not _is_memory(parsed) and not parsed.query.get("uri"):
        parsed = parsed.set(database=str(_sqlite_path(parsed.database or "", base_dir)))
    return parsed


def mask_url(url: URL) -> str:
    """The URL as text with its password, in the authority or the query, replaced by ***."""
    if "password" in url.query:
        url = url.difference_update_query(["password"]).update_query_dict({"password": "***"})
    return url.render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def _sqlite_path(database: str, base_dir: Path | None) -> Path:
    path = Path(database).expanduser()
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    path = path.resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"cannot create the directory for the SQLite database {path}: {error.strerror}",
            hint="choose a path in a directory Interloom may write to",
        ) from error
    return path


def _sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or _is_memory(url) or url.query.get("uri"):
        return None
    return Path(url.database or "")


def _is_memory(url: URL) -> bool:
    return (url.database or "") in _MEMORY_DATABASES or url.query.get("mode") == "memory"


def _mask_text(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _reason(error: BaseException) -> str:
    cause = error.orig if isinstance(error, exc.DBAPIError) and error.orig else error
    reason = " ".join(str(cause).split())
    return reason or type(cause).__name__


def _is_unavailable(error: Exception) -> bool:
    if isinstance(error, _UNAVAILABLE):
        return True
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    return isinstance(error, exc.ProgrammingError) and sqlstate in _SCHEMA_BEHIND_SQLSTATES


def _migration_hint(error: BaseException) -> str:
    if "Can't locate revision" in str(error):
        return "the database was migrated by a newer Interloom; upgrade Interloom"
    if isinstance(error, exc.OperationalError) and "database is locked" in str(error):
        return _LOCKED_HINT
    return _STORAGE_HINT


def _migration_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _migration_locks.get(loop)
    if lock is None:
        lock = _migration_locks[loop] = asyncio.Lock()
    return lock


@asynccontextmanager
async def _sqlite_migration_file_lock(database: Path | None) -> AsyncIterator[None]:
    # Processes migrating one SQLite file take turns on a lock file beside it: the first
    # upgrades, the others then find the schema at head. Without it the second would wait on
    # SQLite's busy timeout, which a slow first upgrade (a loaded machine importing Alembic's
    # scripts) can outlast.
    if database is None or fcntl is None:
        yield
        return
    lock_path = database.with_name(database.name + ".migrate-lock")
    handle = await asyncio.to_thread(open, lock_path, "a+b")
    try:
        deadline = asyncio.get_running_loop().time() + _MIGRATION_LOCK_SECONDS
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if asyncio.get_running_loop().time() > deadline:
                    raise MigrationError(
                        f"another process has been migrating {database} "
                        f"for {_MIGRATION_LOCK_SECONDS} s",
                        hint=f"stop the other Interloom process, or remove {lock_path} "
                        "if no process holds it",
                    ) from None
                await asyncio.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_LOCATION)
    config.attributes["connection"] = connection
    return config


def _upgrade_to_head(connection: Connection) -> None:
    command.upgrade(_alembic_config(connection), "head")


def _read_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine
    if not event.contains(sync_engine, "connect", _prepare_sqlite_connection):
        event.listen(sync_engine, "connect", _prepare_sqlite_connection)
        event.listen(sync_engine, "begin", _begin_sqlite_transaction)


def _prepare_sqlite_connection(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    # The driver's own BEGIN skips SELECT, DDL and SAVEPOINT; SQLAlchemy emits BEGIN instead,
    # so reads repeat, migrations are transactional and savepoints nest.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")  # in-memory databases keep "memory"
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_BEGIN_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
