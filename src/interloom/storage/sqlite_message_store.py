"""The message store on SQLite: one writer thread owns the connection and commits in groups.

Callers on the event loop queue an operation and await a future. The writer thread takes
whatever has queued (up to ``max_batch`` operations), runs it all as one transaction (group
commit: one WAL commit for many messages), then wakes the callers of the whole batch with a
single ``call_soon_threadsafe``. Reads go through the same thread, so they see every write that
was acknowledged. SQLite releases the GIL while it works, so the thread runs beside the loop.

Every operation is a plain tuple ``(kind, args, future)``: the hot path allocates nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from queue import SimpleQueue
from typing import Any, Final, Self

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's own busy handler alone
    fcntl = None  # type: ignore[assignment]

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect

from interloom.core.errors import StorageError
from interloom.storage.message_store import (
    DEFAULT_RETENTION_SECONDS,
    LEASE_EXPIRED,
    SWEEP_BATCH,
    SWEEP_SECONDS,
    Clock,
    DeadLetter,
    FlowCounts,
    LeaseHints,
    MessageStore,
    NewMessage,
    Op,
    StoredMessage,
    StoreStats,
    check_retention,
    failures,
)
from interloom.storage.tables import flow_counters, message_leases, messages

MIN_SQLITE_VERSION = (3, 35, 0)  # json_each, ON CONFLICT … DO UPDATE, RETURNING
# Pages of a database file the store creates: 16 KiB pages hold 15 messages of 1 KB where
# 4 KiB ones hold 3, so a commit writes a quarter of the WAL frames (measured: +35 %).
PAGE_SIZE = 16384

# A queued call: its kind (an Queued), its arguments and the future its caller awaits.
Queued = tuple[int, tuple[Any, ...], "asyncio.Future[Any] | None"]

# Bodies are bound as bytearray and unkeyed rows bind no key: Python's sqlite3 binds only
# int, float, str and bytearray directly; bytes and None go through its adapter lookup,
# which costs more than copying a 1 KB body (measured: 2.2 µs against 1.3 µs a row).
_INSERT_SQL = """
INSERT INTO messages (id, flow, body, state, attempts, created_at, available_at, remember)
VALUES (?1, ?2, ?3, 'ready', 0, ?4, ?4, ?5)
ON CONFLICT (id) DO NOTHING
"""
# A message of a key waits while the key has a live message (ready or waiting) before it.
_INSERT_KEYED_SQL = """
INSERT INTO messages (id, flow, key, body, state, attempts, created_at, available_at, remember)
VALUES (?1, ?2, ?3, ?4,
  CASE WHEN ?3 IS NOT NULL AND EXISTS (
    SELECT 1 FROM messages WHERE flow = ?2 AND key = ?3 AND state IN ('ready', 'waiting')
  ) THEN 'waiting' ELSE 'ready' END,
  0, ?5, ?5, ?6)
ON CONFLICT (id) DO NOTHING
"""
_INSERTED_SINCE_SQL = "SELECT id FROM messages WHERE seq > ?"

# Ready messages without a live lease, oldest first; an expired lease's owner comes along,
# so that the try it was for is counted as failed.
_PICK_SQL = """
SELECT m.seq, m.id, m.flow, m.body, m.key, m.attempts, m.created_at, m.available_at, l.owner
FROM messages m LEFT JOIN message_leases l ON l.seq = m.seq
WHERE m.flow = :flow AND m.state = 'ready' AND m.available_at <= :now
  AND (m.available_at, m.seq) > (:after_at, :after_seq)
  AND (l.seq IS NULL OR l.expires_at <= :now)
ORDER BY m.available_at, m.seq
LIMIT :limit
"""
_TAKE_SQL = """
INSERT INTO message_leases (seq, owner, expires_at)
SELECT value, :owner, :until FROM json_each(:seqs) WHERE true
ON CONFLICT (seq) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
"""
_EXPIRED_TRY_SQL = """
UPDATE messages SET attempts = attempts + 1, error = :error, step = NULL,
  history = json_insert(coalesce(history, '[]'), '$[#]',
    json_object('at', :now, 'error', :error, 'step', NULL))
WHERE seq = :seq
"""
_FLOWS_IN_FLIGHT_SQL = """
SELECT flow FROM flow_counters GROUP BY flow
HAVING sum(received) > sum(delivered) + sum(filtered) + sum(dead_lettered)
"""

# One row per flow, not per message: a row costs a step, a tuple and a loop in Python.
# The seqs of the messages whose ids are to be remembered come apart.
_LEASED_SQL = """
SELECT m.flow, count(*), json_group_array(m.seq), json_group_array(m.id),
  json_group_array(m.key) FILTER (WHERE m.key IS NOT NULL),
  json_group_array(m.seq) FILTER (WHERE m.remember), count(*) FILTER (WHERE m.remember)
FROM messages m JOIN message_leases l ON l.seq = m.seq
WHERE m.id IN (SELECT value FROM json_each(:ids))
  AND (:worker IS NULL OR l.owner = :worker)
GROUP BY m.flow
"""
_DELETE_MESSAGES_SQL = "DELETE FROM messages WHERE seq IN (SELECT value FROM json_each(?))"
_DELETE_UNKEPT_SQL = """
DELETE FROM messages WHERE seq IN (SELECT value FROM json_each(?)) AND state <> 'done'
"""
# A finished message keeps only its id (and flow), for the retention window.
_FINISH_SQL = """
UPDATE messages SET state = 'done', body = x'', key = NULL, available_at = ?2,
  error = NULL, step = NULL, history = NULL
WHERE seq IN (SELECT value FROM json_each(?1))
"""
# A discarded dead letter: kept as done if its id is to be remembered, else deleted.
_FINISH_DEAD_SQL = """
UPDATE messages SET state = 'done', body = x'', key = NULL, available_at = ?,
  error = NULL, step = NULL, history = NULL
WHERE remember AND seq IN
"""
_SWEEP_SQL = """
DELETE FROM messages WHERE seq IN (
  SELECT seq FROM messages WHERE state = 'done' AND available_at <= ? ORDER BY available_at
  LIMIT ?
)
"""
_DELETE_LEASES_SQL = "DELETE FROM message_leases WHERE seq IN (SELECT value FROM json_each(?))"
_RELEASE_SQL = """
DELETE FROM message_leases
WHERE seq IN (SELECT seq FROM messages WHERE id IN (SELECT value FROM json_each(:ids)))
  AND (:worker IS NULL OR owner = :worker)
"""
_FIND_SQL = """
SELECT m.seq, m.flow, m.key, l.owner
FROM messages m LEFT JOIN message_leases l ON l.seq = m.seq
WHERE m.id = ? AND m.state != 'dead'
"""
_RETRY_SQL = """
UPDATE messages SET attempts = attempts + 1, available_at = :at, error = :error, step = :step,
  history = json_insert(coalesce(history, '[]'), '$[#]',
    json_object('at', :now, 'error', :error, 'step', :step))
WHERE seq = :seq
"""
_DEAD_SQL = """
UPDATE messages SET state = 'dead', attempts = attempts + :tried, available_at = :now,
  error = :error, step = :step,
  history = json_insert(coalesce(history, '[]'), '$[#]',
    json_object('at', :now, 'error', :error, 'step', :step))
WHERE seq = :seq
"""
_DELETE_LEASE_SQL = "DELETE FROM message_leases WHERE seq = ?"
# The next message of a key becomes ready once its head is delivered or dead.
_PROMOTE_SQL = """
UPDATE messages SET state = 'ready'
WHERE seq = (
  SELECT seq FROM messages WHERE flow = ?1 AND key = ?2 AND state = 'waiting'
  ORDER BY seq LIMIT 1
) AND NOT EXISTS (
  SELECT 1 FROM messages WHERE flow = ?1 AND key = ?2 AND state = 'ready'
)
"""
_HAS_HEAD_SQL = "SELECT 1 FROM messages WHERE flow = ? AND key = ? AND state = 'ready' LIMIT 1"
_DEAD_COLUMNS = "id, flow, body, key, attempts, created_at, available_at, error, step, history"
_REVIVE_SQL = "UPDATE messages SET state = ?, attempts = 0, available_at = ? WHERE seq = ?"
_ADD_COUNTS_SQL = """
INSERT INTO flow_counters (flow, shard, received, delivered, filtered, dead_lettered)
VALUES (?, 0, ?, ?, ?, ?)
ON CONFLICT (flow, shard) DO UPDATE SET
  received = received + excluded.received,
  delivered = delivered + excluded.delivered,
  filtered = filtered + excluded.filtered,
  dead_lettered = dead_lettered + excluded.dead_lettered
"""
_COUNTS_SQL = """
SELECT coalesce(sum(received), 0), coalesce(sum(delivered), 0), coalesce(sum(dead_lettered), 0),
  coalesce(sum(filtered), 0)
FROM flow_counters
"""

_STOP: Final = object()
_LOCKED_HINT = "another process kept the SQLite database busy; try again"
_SCHEMA_HINT = "migrate the database first (open_message_store does unless migrate=False)"


class _Failed:
    """An operation's exception, kept in the batch's results in place of a value."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class SQLiteMessageStore(MessageStore):
    """The message store in a SQLite file (WAL), written by one thread in group commits.

    Use it from the event loop that opened it. Several stores, in several processes even,
    may share a file: leases are rows, and each transaction takes SQLite's write lock, so no
    message is leased twice; but they take turns writing, where workers on PostgreSQL do not.
    """

    backend = "sqlite"

    def __init__(self, writer: _Writer, loop: asyncio.AbstractEventLoop) -> None:
        self._writer = writer
        self._put_op = writer.queue.put
        self._loop = loop
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: str,
        *,
        clock: Clock = time.time,
        create_schema: bool = False,
        max_batch: int = 1024,
        synchronous: str = "NORMAL",
        busy_timeout_ms: int = 5000,
        retention_seconds: float = DEFAULT_RETENTION_SECONDS,
        sweep_seconds: float = SWEEP_SECONDS,
        sweep_batch: int = SWEEP_BATCH,
    ) -> Self:
        """Start the writer thread on the SQLite file at path (":memory:" for none).

        create_schema makes the tables on the writer's own connection (for an in-memory
        database, which no other connection can migrate). synchronous NORMAL survives a
        crash of the process; FULL also survives a power cut, at a cost per commit.
        A finished message's id is remembered for retention_seconds (0: not at all);
        expired ids are swept every sweep_seconds (0: only by ``sweep``), sweep_batch at a
        time.
        """
        if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
            raise StorageError(
                f"SQLite {sqlite3.sqlite_version} is too old for the message store",
                hint="use a Python whose sqlite3 module links SQLite 3.35 or newer",
            )
        if synchronous.upper() not in ("NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be NORMAL, FULL or EXTRA, not {synchronous!r}")
        check_retention(retention_seconds, sweep_seconds, sweep_batch)
        loop = asyncio.get_running_loop()
        writer = _Writer(
            path, loop, clock, max_batch, synchronous.upper(), busy_timeout_ms, create_schema
        )
        writer.retention = retention_seconds
        await writer.start()
        store = cls(writer, loop)
        store._start_sweeping(sweep_seconds, sweep_batch)
        return store

    def __repr__(self) -> str:
        return f"SQLiteMessageStore({self._writer.path!r})"

    @property
    def stats(self) -> StoreStats:
        """Transactions and operations so far."""
        writer = self._writer
        return StoreStats(writer.transactions, writer.operations, writer.largest_batch)

    def _submit(self, kind: int, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        if self._closed or self._writer.failure is not None:
            raise self._writer.unusable()
        future = self._loop.create_future()
        self._put_op((kind, args, future))
        return future

    async def close(self) -> None:
        """Finish what was submitted, then stop the writer and close the connection."""
        if self._closed:
            return
        await self._stop_sweeping()
        self._closed = True
        await self._writer.stop()


class _WriteTurns:
    """Writer processes of one database file take turns on a lock file beside it.

    Several ``serve`` workers on one SQLite file each have a writer thread; SQLite lets one
    write at a time and makes the others wait in its busy handler, which sleeps in steps of up
    to 100 ms whatever the holder does. Taking turns on ``<file>.write-lock`` first hands the
    turn over within a fraction of a millisecond (polled in steps of 0.1 to 2 ms): the tail
    latency of two workers on one file was SQLite's sleeps. Past the busy timeout the writer
    goes on without its turn, and SQLite's own time-out answers as before. One process alone
    never waits.
    """

    def __init__(self, path: str, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._handle: Any = None
        if fcntl is not None and path not in ("", ":memory:"):
            with contextlib.suppress(OSError):  # no lock file possible: SQLite's handler alone
                self._handle = open(path + ".write-lock", "a+b")  # noqa: SIM115 - held open

    def take(self) -> bool:
        """Wait for this process's turn; False when there is no lock or the wait timed out."""
        handle = self._handle
        if handle is None:
            return False
        deadline = time.monotonic() + self._timeout
        pause = 0.0001
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
            except OSError:
                return False

    def give(self) -> None:
        """End this process's turn."""
        with contextlib.suppress(OSError):
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class _Writer:
    """The thread that owns the SQLite connection and runs queued operations in batches."""

    def __init__(
        self,
        path: str,
        loop: asyncio.AbstractEventLoop,
        clock: Clock,
        max_batch: int,
        synchronous: str,
        busy_timeout_ms: int,
        create_schema: bool,
    ) -> None:
        self.path = path
        self.queue: SimpleQueue[Queued | object] = SimpleQueue()
        self.transactions = 0
        self.operations = 0
        self.largest_batch = 0
        self.failure: BaseException | None = None
        self.retention = DEFAULT_RETENTION_SECONDS
        self._loop = loop
        self._clock = clock
        self._max_batch = max_batch
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._create_schema = create_schema
        self._turns = _WriteTurns(path, busy_timeout_ms / 1000)
        self._counters: dict[str, list[int]] = {}
        self._hints = LeaseHints()
        self._lease_turn = 0
        self._thread = threading.Thread(target=self._run, name="interloom-message-store")
        self._thread.daemon = True  # a process may exit without closing: SQLite stays intact
        self._started: asyncio.Future[None] = loop.create_future()
        self._stopped: asyncio.Future[None] = loop.create_future()
        self._con: sqlite3.Connection
        self._handlers: dict[int, Callable[[tuple[Any, ...], float], Any]] = {
            Op.LEASE: self._lease,
            Op.RELEASE: self._release,
            Op.RETRY: self._retry,
            Op.DEAD: self._dead_letter,
            Op.LIST_DEAD: self._list_dead,
            Op.GET_DEAD: self._get_dead,
            Op.REPLAY: self._replay,
            Op.DISCARD: self._discard,
            Op.COUNTS: self._counts,
            Op.SWEEP: self._sweep,
        }

    async def start(self) -> None:
        self._thread.start()
        await self._started

    async def stop(self) -> None:
        self.queue.put(_STOP)
        await self._stopped

    def unusable(self) -> StorageError:
        if self.failure is not None:
            return StorageError(
                f"the message store at {self.path} stopped after an error: {self.failure}",
                hint="open the message store again",
            )
        return StorageError(
            f"the message store at {self.path} is closed", hint="open the message store again"
        )

    # --- the thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._con = self._connect()
        except BaseException as error:
            self._signal(self._started, error)
            return
        self._signal(self._started, None)
        try:
            self._serve()
        except BaseException as error:  # a defect: fail every caller rather than hang them
            self.failure = error
        finally:
            self._con.close()
            self._turns.close()
            self._fail_leftovers()
            self._signal(self._stopped, None)

    def _serve(self) -> None:
        queue, limit = self.queue, self._max_batch
        while True:
            first = queue.get()
            if first is _STOP:
                return
            batch: list[Queued] = [first]  # type: ignore[list-item]
            stop = False
            while len(batch) < limit and not queue.empty():
                item = queue.get_nowait()
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)  # type: ignore[arg-type]
            turn = self._turns.take()
            try:
                results = self._execute(batch)
            finally:
                if turn:
                    self._turns.give()
            self._settle(batch, results)
            if stop:
                return

    def _connect(self) -> sqlite3.Connection:
        try:
            con = sqlite3.connect(self.path, isolation_level=None, cached_statements=64)
        except sqlite3.Error as error:
            raise StorageError(
                f"cannot open the message store at {self.path}: {error}",
                hint="check that the directory exists and Interloom may write to it",
            ) from error
        try:
            con.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            if self._create_schema:
                con.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute(f"PRAGMA synchronous = {self._synchronous}")
            con.execute("PRAGMA cache_size = -65536")  # 64 MiB: the id index stays in memory
            con.execute("PRAGMA wal_autocheckpoint = 4000")  # 64 MiB: fewer, larger checkpoints
            if self._create_schema:
                _create_schema(con)
            for table in ("messages", "message_leases", "flow_counters"):
                con.execute(f"SELECT * FROM {table} LIMIT 0")  # noqa: S608
        except sqlite3.Error as error:
            con.close()
            raise StorageError(
                f"the message store at {self.path} is not usable: {error}", hint=_SCHEMA_HINT
            ) from error
        return con

    def _signal(self, future: asyncio.Future[None], error: BaseException | None) -> None:
        def settle() -> None:
            if future.done():
                return
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)

        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            self._loop.call_soon_threadsafe(settle)

    def _fail_leftovers(self) -> None:
        leftovers: list[Queued] = []
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if item is not _STOP:
                leftovers.append(item)  # type: ignore[arg-type]
        self._settle(leftovers, [_Failed(self.unusable()) for _ in leftovers])

    def _settle(self, batch: list[Queued], results: list[Any]) -> None:
        """Hand every caller of the batch its result with one wake-up of the event loop."""
        if batch:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                self._loop.call_soon_threadsafe(_settle_on_loop, batch, results, self.queue)

    def _execute(self, batch: list[Queued]) -> list[Any]:
        con = self._con
        results: list[Any] = [None] * len(batch)
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                self._apply(batch, results, self._clock())
                self._flush_counters()
                con.execute("COMMIT")
            except BaseException:
                self._counters.clear()
                self._hints.forget()  # it may have moved past what the rollback gave back
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
        except Exception as error:
            if len(batch) > 1:  # one bad operation must not fail the others: each on its own
                return [self._execute([op])[0] for op in batch]
            return [_Failed(_storage_error(error, self.path))]
        self.transactions += 1
        self.operations += len(batch)
        self.largest_batch = max(self.largest_batch, len(batch))
        return results

    def _apply(self, batch: list[Queued], results: list[Any], now: float) -> None:
        puts = [n for n, op in enumerate(batch) if op[0] <= Op.PUT_MANY]
        if puts:
            self._put(batch, puts, results, now)
        completes: list[int] = []
        handlers = self._handlers
        for n, (kind, args, _) in enumerate(batch):
            if kind <= Op.PUT_MANY:
                continue
            if kind == Op.COMPLETE:
                completes.append(n)
                continue
            if completes:  # completes run together, in their place among the others
                self._complete(batch, completes, results, now)
                completes = []
            results[n] = handlers[kind](args, now)
        if completes:
            self._complete(batch, completes, results, now)

    # --- operations (run on the writer thread, inside the batch's transaction) -------------

    def _count(
        self, flow: str, received: int = 0, delivered: int = 0, dead: int = 0, filtered: int = 0
    ) -> None:
        counts = self._counters.get(flow)
        if counts is None:
            self._counters[flow] = [received, delivered, filtered, dead]
        else:
            counts[0] += received
            counts[1] += delivered
            counts[2] += filtered
            counts[3] += dead

    def _flush_counters(self) -> None:
        if self._counters:
            rows = [(flow, *counts) for flow, counts in self._counters.items()]
            self._con.executemany(_ADD_COUNTS_SQL, rows)
            self._counters.clear()

    def _put(self, batch: list[Queued], puts: list[int], results: list[Any], now: float) -> None:
        ops = [batch[n] for n in puts]
        if all(kind == Op.PUT and args[3] is None for kind, args, _ in ops):
            # The usual batch: single puts without ordering keys, from concurrent sources.
            rows = [
                (args[1], args[0], bytearray(args[2]), now, 1 if args[4] else 0)
                for _, args, _ in ops
            ]
            cursor = self._con.executemany(_INSERT_SQL, rows)
        else:
            keyed_rows: list[tuple[Any, ...]] = []
            for kind, args, _ in ops:
                if kind == Op.PUT:
                    flow, message_id, body, key, remember = args
                    keyed_rows.append(
                        (message_id, flow, key, bytearray(body), now, 1 if remember else 0)
                    )
                else:
                    flow, items = args
                    keyed_rows.extend(
                        (item[0], flow, _key(item), bytearray(item[1]), now, _remember(item))
                        for item in items
                    )
            cursor = self._con.executemany(_INSERT_KEYED_SQL, keyed_rows)
        if cursor.rowcount == sum(1 if kind == Op.PUT else len(args[1]) for kind, args, _ in ops):
            received: dict[str, int] = {}
            for n, (kind, args, _) in zip(puts, ops, strict=True):
                count = 1 if kind == Op.PUT else len(args[1])
                results[n] = True if kind == Op.PUT else [True] * count
                received[args[0]] = received.get(args[0], 0) + count
            for flow, count in received.items():
                self._count(flow, received=count)
            return
        # Some ids were stored already (or twice in this batch). The rows this batch added
        # got the highest seqs (rowids), one after the other, up to last_insert_rowid().
        new: set[str] = set()
        if cursor.rowcount:
            (last,) = self._con.execute("SELECT last_insert_rowid()").fetchone()
            since = (last - cursor.rowcount,)
            new = {row[0] for row in self._con.execute(_INSERTED_SINCE_SQL, since)}
        for n, (kind, args, _) in zip(puts, ops, strict=True):
            ids = [args[1]] if kind == Op.PUT else [item[0] for item in args[1]]
            fresh = []
            for message_id in ids:
                fresh.append(message_id in new)
                new.discard(message_id)  # a second put of it in this batch is a duplicate
            self._count(args[0], received=sum(fresh))
            results[n] = fresh[0] if kind == Op.PUT else fresh

    def _lease(self, args: tuple[Any, ...], now: float) -> list[StoredMessage]:
        flow, worker, limit, lease_seconds = args
        if flow is not None:
            rows = self._pick(flow, now, limit)
        else:
            rows = []
            for name in self._flows_in_flight():
                rows.extend(self._pick(name, now, limit - len(rows)))
                if len(rows) >= limit:
                    break
        if not rows:
            return []
        con = self._con
        seqs = orjson.dumps([row[0] for row in rows]).decode()
        con.execute(_TAKE_SQL, {"owner": worker, "until": now + lease_seconds, "seqs": seqs})
        leased = []
        for seq, message_id, flow_name, body, key, attempts, created, available, lost in rows:
            if lost is not None:  # its last lease ran out: that try failed
                error = LEASE_EXPIRED.format(worker=lost)
                con.execute(_EXPIRED_TRY_SQL, {"error": error, "now": now, "seq": seq})
                attempts += 1
            leased.append(
                StoredMessage(message_id, flow_name, body, key, attempts, created, available)
            )
        return leased

    def _pick(self, flow: str, now: float, limit: int) -> list[Any]:
        after = self._hints.after(flow, now)
        params = {
            "flow": flow,
            "now": now,
            "limit": limit,
            "after_at": after[0],
            "after_seq": after[1],
        }
        rows = self._con.execute(_PICK_SQL, params).fetchall()
        last = (rows[-1][7], rows[-1][0]) if rows else after
        self._hints.leased(flow, last, full=len(rows) == limit, start=after, now=now)
        return rows

    def _flows_in_flight(self) -> list[str]:
        flows = {row[0] for row in self._con.execute(_FLOWS_IN_FLIGHT_SQL)}
        flows.update(self._counters)  # received in this very batch
        ordered = sorted(flows)
        if not ordered:
            return ordered
        # Start with a different flow each time, so that one busy flow cannot starve another.
        self._lease_turn = (self._lease_turn + 1) % len(ordered)
        return ordered[self._lease_turn :] + ordered[: self._lease_turn]

    def _complete(
        self, batch: list[Queued], completes: list[int], results: list[Any], now: float
    ) -> None:
        by_worker: dict[tuple[str | None, str], list[int]] = {}
        for n in completes:
            args = batch[n][1]
            by_worker.setdefault((args[1], args[2]), []).append(n)
        con = self._con
        remember = self.retention > 0
        for (worker, outcome), group in by_worker.items():
            ids = batch[group[0]][1][0]
            if len(group) > 1:
                ids = [message_id for n in group for message_id in batch[n][1][0]]
            params = {"ids": orjson.dumps(ids).decode(), "worker": worker}
            flows = con.execute(_LEASED_SQL, params).fetchall()
            total = 0
            for flow, count, seqs, _, keys, kept, keeping in flows:
                if not remember or not keeping:
                    con.execute(_DELETE_MESSAGES_SQL, (seqs,))
                elif keeping == count:
                    con.execute(_FINISH_SQL, (kept, now))
                else:  # some of each: those to remember are kept, then the rest deleted
                    con.execute(_FINISH_SQL, (kept, now))
                    con.execute(_DELETE_UNKEPT_SQL, (seqs,))
                con.execute(_DELETE_LEASES_SQL, (seqs,))
                if outcome == "filtered":
                    self._count(flow, filtered=count)
                else:
                    self._count(flow, delivered=count)
                total += count
                if keys != "[]":
                    con.executemany(_PROMOTE_SQL, [(flow, key) for key in set(orjson.loads(keys))])
                    self._hints.forget(flow)
            if len(group) == 1:
                results[group[0]] = total
                continue
            done = {message_id for row in flows for message_id in orjson.loads(row[3])}
            for n in group:
                mine = done.intersection(batch[n][1][0])
                done -= mine
                results[n] = len(mine)

    def _release(self, args: tuple[Any, ...], now: float) -> int:
        ids, worker = args
        params = {"ids": orjson.dumps(ids).decode(), "worker": worker}
        self._hints.forget()
        return self._con.execute(_RELEASE_SQL, params).rowcount

    def _retry(self, args: tuple[Any, ...], now: float) -> bool:
        message_id, error, step, delay, worker = args
        row = self._con.execute(_FIND_SQL, (message_id,)).fetchone()
        if row is None or row[3] is None or (worker is not None and row[3] != worker):
            return False  # not leased (or not by this worker)
        seq = row[0]
        params = {"error": error, "step": step, "now": now, "at": now + delay, "seq": seq}
        self._con.execute(_RETRY_SQL, params)
        self._con.execute(_DELETE_LEASE_SQL, (seq,))
        self._hints.forget(row[1])
        return True

    def _dead_letter(self, args: tuple[Any, ...], now: float) -> bool:
        message_id, error, step, worker = args
        row = self._con.execute(_FIND_SQL, (message_id,)).fetchone()
        if row is None or (worker is not None and row[3] != worker):
            return False
        seq, flow, key, owner = row
        tried = 1 if owner is not None else 0  # a leased message was on a try, now failed
        params = {"error": error, "step": step, "now": now, "tried": tried, "seq": seq}
        self._con.execute(_DEAD_SQL, params)
        if owner is not None:
            self._con.execute(_DELETE_LEASE_SQL, (seq,))
        self._count(flow, dead=1)
        if key is not None:
            self._con.execute(_PROMOTE_SQL, (flow, key))
            self._hints.forget(flow)
        return True

    def _dead_query(
        self, columns: str, ids: list[str] | None, flow: str | None
    ) -> tuple[str, list[Any]]:
        sql = f"SELECT {columns} FROM messages WHERE state = 'dead'"  # noqa: S608
        params: list[Any] = []
        if ids is not None:
            sql += " AND id IN (SELECT value FROM json_each(?))"
            params.append(orjson.dumps(ids).decode())
        if flow is not None:
            sql += " AND flow = ?"
            params.append(flow)
        return sql, params

    def _list_dead(self, args: tuple[Any, ...], now: float) -> list[DeadLetter]:
        flow, limit, offset = args
        sql, params = self._dead_query(_DEAD_COLUMNS, None, flow)
        rows = self._con.execute(f"{sql} ORDER BY seq LIMIT ? OFFSET ?", (*params, limit, offset))
        return [_dead_letter(row) for row in rows]

    def _get_dead(self, args: tuple[Any, ...], now: float) -> DeadLetter | None:
        sql, params = self._dead_query(_DEAD_COLUMNS, [args[0]], None)
        row = self._con.execute(sql, params).fetchone()
        return None if row is None else _dead_letter(row)

    def _replay(self, args: tuple[Any, ...], now: float) -> int:
        ids, flow = args
        sql, params = self._dead_query("seq, flow, key", ids, flow)
        rows = self._con.execute(f"{sql} ORDER BY seq", params).fetchall()
        for seq, row_flow, key in rows:
            state = "ready"
            if key is not None and self._con.execute(_HAS_HEAD_SQL, (row_flow, key)).fetchone():
                state = "waiting"  # behind the live message its key has now
            self._con.execute(_REVIVE_SQL, (state, now, seq))
            self._count(row_flow, dead=-1)
            self._hints.forget(row_flow)
        return len(rows)

    def _discard(self, args: tuple[Any, ...], now: float) -> int:
        sql, params = self._dead_query("seq", *args)
        discarded = 0
        if self.retention > 0:
            finish = f"{_FINISH_DEAD_SQL} ({sql})"
            discarded = self._con.execute(finish, [now, *params]).rowcount
        delete = f"DELETE FROM messages WHERE state = 'dead' AND seq IN ({sql})"  # noqa: S608
        return discarded + self._con.execute(delete, params).rowcount

    def _sweep(self, args: tuple[Any, ...], now: float) -> int:
        (limit,) = args
        return self._con.execute(_SWEEP_SQL, (now - self.retention, limit)).rowcount

    def _counts(self, args: tuple[Any, ...], now: float) -> FlowCounts:
        self._flush_counters()
        flow = args[0]
        if flow is None:
            row = self._con.execute(_COUNTS_SQL).fetchone()
        else:
            row = self._con.execute(_COUNTS_SQL + " WHERE flow = ?", (flow,)).fetchone()
        return FlowCounts(*row)


def _settle_on_loop(
    batch: list[Queued], results: list[Any], queue: SimpleQueue[Queued | object]
) -> None:
    for (kind, args, future), result in zip(batch, results, strict=True):
        if future is None:
            continue
        if future.done():  # the caller gave up waiting
            if kind == Op.LEASE and result and not isinstance(result, _Failed):
                # Nobody will work on what this lease took: give it back at once.
                ids = [message.id for message in result]
                queue.put((Op.RELEASE, (ids, args[1]), None))
            continue
        if isinstance(result, _Failed):
            future.set_exception(result.error)
        else:
            future.set_result(result)


def _key(item: NewMessage | tuple[Any, ...]) -> str | None:
    return item[2] if len(item) > 2 else None


def _remember(item: NewMessage | tuple[Any, ...]) -> int:
    return 0 if len(item) > 3 and not item[3] else 1


def _dead_letter(row: Sequence[Any]) -> DeadLetter:
    message_id, flow, body, key, attempts, created_at, failed_at, error, step, history = row
    return DeadLetter(
        id=message_id,
        flow=flow,
        body=body,
        key=key,
        attempts=attempts,
        created_at=created_at,
        failed_at=failed_at,
        error=error or "",
        step=step,
        history=failures(orjson.loads(history) if history else None),
    )


def _storage_error(error: Exception, path: str) -> BaseException:
    if not isinstance(error, sqlite3.Error):
        return error  # a caller's mistake (a value SQLite cannot bind) is raised as it is
    reason = " ".join(str(error).split()) or type(error).__name__
    hint = _LOCKED_HINT if "locked" in reason else _SCHEMA_HINT
    return StorageError(f"the message store at {path} failed: {reason}", hint=hint)


def create_database_file(path: str) -> None:
    """Create a new SQLite file in WAL mode with the store's page size; leave one that exists."""
    if os.path.exists(path) and os.path.getsize(path) > 0:
        return
    try:
        con = sqlite3.connect(path)
    except sqlite3.Error as error:
        raise StorageError(
            f"cannot create the SQLite database {path}: {error}",
            hint="check that the directory exists and Interloom may write to it",
        ) from error
    try:
        con.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        con.execute("PRAGMA journal_mode = WAL")  # writes the header: the page size is set
    finally:
        con.close()


def _create_schema(con: sqlite3.Connection) -> None:
    dialect = sqlite_dialect.dialect()
    for table in (messages, message_leases, flow_counters):
        con.execute(str(sa.schema.CreateTable(table).compile(dialect=dialect)))
        for index in table.indexes:
            con.execute(str(sa.schema.CreateIndex(index).compile(dialect=dialect)))
