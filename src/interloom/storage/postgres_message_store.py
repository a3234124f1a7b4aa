"""The message store on PostgreSQL: batched transactions, leases shared by many processes.

Calls queue up on the event loop; a few committer tasks, each owning one connection, take
whatever has queued and run it as one transaction: puts are copied into a temporary table
(``COPY``) and inserted by one statement, completes are one statement (finished messages
whose ids are remembered become ``done`` rows, the others are deleted), and a lease is one
statement that takes lease rows for messages picked with ``FOR UPDATE SKIP LOCKED``, so
workers in many processes share one queue without ever taking the same message.

Ordering keys: the first live message of a (flow, key) is ready, later ones wait. Whoever adds
or removes a live message of a key first takes a transaction-scoped advisory lock on it, so a
put and the completion of the key's head in two processes cannot both miss each other.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy.engine import URL

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

# The staging table of a connection: a batch of puts is copied in, inserted from there, and
# emptied by the commit. (Rows deleted from a temporary table instead would pile up: no
# autovacuum ever visits one.)
_STAGE_SQL = """
CREATE TEMPORARY TABLE IF NOT EXISTS message_store_incoming (
  n integer, id text COLLATE "C", flow text COLLATE "C", key text COLLATE "C", body bytea,
  remember boolean
) ON COMMIT DELETE ROWS
"""
_COPY_SQL = """
COPY message_store_incoming (n, id, flow, key, body, remember) FROM STDIN (FORMAT BINARY)
"""
_COPY_TYPES = ["int4", "text", "text", "text", "bytea", "bool"]
# The flows' received counters are raised by the same statement: one round trip less.
_INSERT_SQL = """
WITH inserted AS (
  INSERT INTO messages (
    id, flow, key, body, state, attempts, created_at, available_at, remember
  )
  SELECT id, flow, NULL, body, 'ready', 0, %(now)s, %(now)s, remember
  FROM message_store_incoming ORDER BY n
  ON CONFLICT (id) DO NOTHING
  RETURNING id, flow
), counted AS (
  INSERT INTO flow_counters AS c (flow, shard, received, delivered, dead_lettered)
  SELECT flow, %(shard)s, count(*), 0, 0 FROM inserted GROUP BY flow ORDER BY flow
  ON CONFLICT (flow, shard) DO UPDATE SET received = c.received + excluded.received
)
SELECT id FROM inserted
"""
# With ordering keys: a message waits if its key has a live message already, stored or
# earlier in this batch. Rows whose id is stored already take no part in that decision.
_INSERT_KEYED_SQL = """
WITH inserted AS (
  INSERT INTO messages (
    id, flow, key, body, state, attempts, created_at, available_at, remember
  )
  SELECT id, flow, key, body,
    CASE
      WHEN key IS NULL THEN 'ready'
      WHEN row_number() OVER (PARTITION BY flow, key ORDER BY n) > 1 THEN 'waiting'
      WHEN EXISTS (
        SELECT 1 FROM messages m
        WHERE m.flow = f.flow AND m.key = f.key AND m.state IN ('ready', 'waiting')
      ) THEN 'waiting'
      ELSE 'ready'
    END,
    0, %(now)s, %(now)s, remember
  FROM (
    SELECT DISTINCT ON (i.id) i.* FROM message_store_incoming i
    WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = i.id)
    ORDER BY i.id, i.n
  ) f
  ORDER BY n
  ON CONFLICT (id) DO NOTHING
  RETURNING id, flow
), counted AS (
  INSERT INTO flow_counters AS c (flow, shard, received, delivered, dead_lettered)
  SELECT flow, %(shard)s, count(*), 0, 0 FROM inserted GROUP BY flow ORDER BY flow
  ON CONFLICT (flow, shard) DO UPDATE SET received = c.received + excluded.received
)
SELECT id FROM inserted
"""
_LOCK_KEYS_SQL = "SELECT pg_advisory_xact_lock(h) FROM unnest(%s::bigint[]) AS h"

# Ready messages without a live lease, oldest first, skipping those another transaction is
# taking. The lease row is what makes a message leased: a concurrent transaction that picked
# the same message from an older snapshot finds the row and its ON CONFLICT … WHERE refuses.
# An expired lease's owner comes along, and the try it was for is counted as failed (the
# rows read here are from before that update: the caller adds the try).
# (`taken` is a column, not a join: in the select list it runs as one hashed subplan, where
# a join on the two CTEs, whose sizes the planner cannot know, becomes a nested loop. The
# picked rows carry their columns: reading them again by seq cost a lookup a message.)
_LEASE_SQL = """
WITH picked AS (
  SELECT m.seq, m.id, m.flow, m.body, m.key, m.attempts, m.created_at, m.available_at,
    (SELECT l.owner FROM message_leases l WHERE l.seq = m.seq) AS lost
  FROM messages m
  WHERE m.flow = %(flow)s AND m.state = 'ready' AND m.available_at <= %(now)s
    AND (m.available_at, m.seq) > (%(after_at)s::float8, %(after_seq)s::bigint)
    AND NOT EXISTS (
      SELECT 1 FROM message_leases l WHERE l.seq = m.seq AND l.expires_at > %(now)s
    )
  ORDER BY m.available_at, m.seq
  LIMIT %(limit)s
  FOR UPDATE OF m SKIP LOCKED
), taken AS (
  INSERT INTO message_leases AS l (seq, owner, expires_at)
  SELECT seq, %(worker)s, %(until)s FROM picked
  ON CONFLICT (seq) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    WHERE l.expires_at <= %(now)s
  RETURNING l.seq
), bumped AS (
  UPDATE messages m SET attempts = m.attempts + 1,
    error = replace(%(expired)s::text, '{worker}', p.lost), step = NULL,
    history = (coalesce(m.history::jsonb, '[]'::jsonb) || jsonb_build_array(jsonb_build_object(
      'at', %(now)s::float8,
      'error', replace(%(expired)s::text, '{worker}', p.lost),
      'step', NULL)))::json
  FROM picked p
  WHERE m.seq = p.seq AND p.lost IS NOT NULL AND p.seq IN (SELECT seq FROM taken)
)
SELECT p.seq, p.id, p.flow, p.body, p.key, p.attempts, p.created_at, p.available_at, p.lost,
  p.seq IN (SELECT seq FROM taken) AS taken
FROM picked p
"""
_FLOWS_IN_FLIGHT_SQL = """
SELECT flow FROM flow_counters GROUP BY flow
HAVING sum(received) > sum(delivered) + sum(filtered) + sum(dead_lettered)
"""
# The message row first, then its lease: the order a lease takes them in, so no deadlock.
# The flows' delivered (or filtered) counters are raised by the same statement. With a
# retention window the row stays as done, without its body, so that its id is remembered.
_COMPLETE_TEMPLATE = """
WITH {finish}, freed AS (
  DELETE FROM message_leases l USING gone WHERE l.seq = gone.seq
), counted AS (
  INSERT INTO flow_counters AS c (flow, shard, received, delivered, filtered, dead_lettered)
  SELECT flow, %(shard)s, 0, count(*) * %(delivered)s, count(*) * %(filtered)s, 0
  FROM gone GROUP BY flow ORDER BY flow
  ON CONFLICT (flow, shard) DO UPDATE SET delivered = c.delivered + excluded.delivered,
    filtered = c.filtered + excluded.filtered
)
SELECT id, flow, key FROM gone
"""
_DELETE_LEASED = """gone AS (
  DELETE FROM messages m USING message_leases l
  WHERE l.seq = m.seq AND m.id = ANY(%(ids)s) {owned}
  RETURNING m.seq, m.id, m.flow, m.key
)"""
# Those to remember stay as done rows (their key cleared, so the key comes from the row as
# it was; `state <> 'done'` is checked again on the locked row, so that two completions
# cannot both count it); the others are deleted.
_FINISH_LEASED = """leased AS (
  SELECT o.seq, o.key, o.remember FROM messages o JOIN message_leases l ON l.seq = o.seq
  WHERE o.id = ANY(%(ids)s) {owned}
), kept AS (
  UPDATE messages m SET state = 'done', body = '', key = NULL,
    available_at = %(now)s, error = NULL, step = NULL, history = NULL
  FROM leased old
  WHERE m.seq = old.seq AND old.remember AND m.state <> 'done'
  RETURNING m.seq, m.id, m.flow, old.key
), deleted AS (
  DELETE FROM messages m USING leased old
  WHERE m.seq = old.seq AND NOT old.remember
  RETURNING m.seq, m.id, m.flow, old.key
), gone AS (
  SELECT * FROM kept UNION ALL SELECT * FROM deleted
)"""
# (remember the ids, only the worker's own leases) -> the statement.
_COMPLETE_SQL = {
    (remember, owned): _COMPLETE_TEMPLATE.format(
        finish=(_FINISH_LEASED if remember else _DELETE_LEASED).format(
            owned="AND l.owner = %(worker)s" if owned else ""
        )
    )
    for remember in (False, True)
    for owned in (False, True)
}
# A discarded dead letter: kept as done if its id is to be remembered, else deleted.
_FINISH_DEAD_SQL = """
UPDATE messages SET state = 'done', body = '', key = NULL, available_at = %s,
  error = NULL, step = NULL, history = NULL
WHERE remember AND seq IN
"""
_SWEEP_SQL = """
DELETE FROM messages WHERE seq IN (
  SELECT seq FROM messages WHERE state = 'done' AND available_at <= %(before)s
  ORDER BY available_at LIMIT %(limit)s
  FOR UPDATE SKIP LOCKED
)
"""
_RELEASE_SQL = """
DELETE FROM message_leases l USING messages m
WHERE l.seq = m.seq AND m.id = ANY(%(ids)s)
  AND (%(worker)s::text IS NULL OR l.owner = %(worker)s::text)
"""
_FIND_SQL = """
SELECT m.seq, m.flow, m.key, l.owner
FROM messages m LEFT JOIN message_leases l ON l.seq = m.seq
WHERE m.id = %s AND m.state <> 'dead'
FOR UPDATE OF m
"""
_RETRY_SQL = """
UPDATE messages SET attempts = attempts + 1, available_at = %(at)s,
  error = %(error)s::text, step = %(step)s::text,
  history = (coalesce(history::jsonb, '[]'::jsonb) || jsonb_build_array(jsonb_build_object(
    'at', %(now)s::float8, 'error', %(error)s::text, 'step', %(step)s::text)))::json
WHERE seq = %(seq)s
"""
_DEAD_SQL = """
UPDATE messages SET state = 'dead', attempts = attempts + %(tried)s, available_at = %(now)s,
  error = %(error)s::text, step = %(step)s::text,
  history = (coalesce(history::jsonb, '[]'::jsonb) || jsonb_build_array(jsonb_build_object(
    'at', %(now)s::float8, 'error', %(error)s::text, 'step', %(step)s::text)))::json
WHERE seq = %(seq)s
"""
_DELETE_LEASE_SQL = "DELETE FROM message_leases WHERE seq = %s"
# The next message of each key becomes ready once its head is delivered or dead.
_PROMOTE_SQL = """
UPDATE messages m SET state = 'ready'
FROM (
  SELECT DISTINCT ON (w.flow, w.key) w.seq
  FROM messages w
  JOIN unnest(%(flows)s::text[], %(keys)s::text[]) AS k (flow, key)
    ON w.flow = k.flow AND w.key = k.key
  WHERE w.state = 'waiting' AND NOT EXISTS (
    SELECT 1 FROM messages h WHERE h.flow = k.flow AND h.key = k.key AND h.state = 'ready'
  )
  ORDER BY w.flow, w.key, w.seq
) p
WHERE m.seq = p.seq
"""
_HAS_HEAD_SQL = """
SELECT 1 FROM messages WHERE flow = %s AND key = %s AND state = 'ready' LIMIT 1
"""
_DEAD_COLUMNS = "id, flow, body, key, attempts, created_at, available_at, error, step, history"
_REVIVE_SQL = "UPDATE messages SET state = %s, attempts = 0, available_at = %s WHERE seq = %s"
_ADD_COUNTS_SQL = """
INSERT INTO flow_counters (flow, shard, received, delivered, filtered, dead_lettered)
SELECT flow, %(shard)s, r, d, f, x
FROM unnest(
  %(flows)s::text[], %(r)s::bigint[], %(d)s::bigint[], %(f)s::bigint[], %(x)s::bigint[]
) AS t (flow, r, d, f, x)
ON CONFLICT (flow, shard) DO UPDATE SET
  received = flow_counters.received + excluded.received,
  delivered = flow_counters.delivered + excluded.delivered,
  filtered = flow_counters.filtered + excluded.filtered,
  dead_lettered = flow_counters.dead_lettered + excluded.dead_lettered
"""
_COUNTS_SQL = """
SELECT coalesce(sum(received), 0)::bigint, coalesce(sum(delivered), 0)::bigint,
  coalesce(sum(dead_lettered), 0)::bigint, coalesce(sum(filtered), 0)::bigint
FROM flow_counters WHERE %(flow)s::text IS NULL OR flow = %(flow)s::text
"""

# Counter rows per flow: connections (of this and other processes) spread over them.
COUNTER_SHARDS = 16
# Lock conflicts between concurrent batches are retried this many times.
_CONFLICT_RETRIES = 5
_CONFLICTS = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure)
_STORAGE_HINT = "check that PostgreSQL is running and the schema is migrated"


class _Op:
    """One queued call: what to do, with what, and the future its caller awaits."""

    __slots__ = ("args", "error", "future", "kind", "result")

    def __init__(self, kind: int, args: tuple[Any, ...], future: asyncio.Future[Any] | None):
        self.kind = kind
        self.args = args
        self.future = future
        self.result: Any = None
        self.error: BaseException | None = None


@dataclass
class _Queue:
    """Operations waiting for a committer, and the event that wakes one."""

    pending: deque[_Op] = field(default_factory=deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Lane:
    """One committer: its connection, the queue it serves, its open transaction's counts."""

    connection: psycopg.AsyncConnection[Any]
    queue: _Queue
    shard: int
    counters: dict[str, list[int]] = field(default_factory=dict)


class PostgresMessageStore(MessageStore):
    """The message store in PostgreSQL, shared by every process that opens it."""

    backend = "postgresql"

    def __init__(
        self,
        conninfo: str,
        lanes: list[_Lane],
        puts: _Queue,
        others: _Queue,
        clock: Clock,
        max_batch: int,
        retention: float = DEFAULT_RETENTION_SECONDS,
    ) -> None:
        self._conninfo = conninfo
        self._retention = retention
        self._lanes = lanes
        self._puts = puts
        self._others = others
        self._loop = asyncio.get_running_loop()
        self._clock = clock
        self._max_batch = max_batch
        self._closing = False
        self._closed = False
        self._transactions = 0
        self._operations = 0
        self._largest_batch = 0
        self._hints = LeaseHints()
        self._lease_turn = 0
        self._committers = [asyncio.create_task(self._commit_loop(lane)) for lane in lanes]

    @classmethod
    async def open(
        cls,
        conninfo: str,
        *,
        clock: Clock = time.time,
        connections: int = 3,
        max_batch: int = 1024,
        connect_timeout: int = 10,
        retention_seconds: float = DEFAULT_RETENTION_SECONDS,
        sweep_seconds: float = SWEEP_SECONDS,
        sweep_batch: int = SWEEP_BATCH,
    ) -> Self:
        """Connect to the database at conninfo (a libpq URL) with a committer per connection.

        With two connections or more, the first commits puts only, so that a source is never
        held up behind leases; the others share every other operation. With one, it does all.
        Use the store from the event loop that opened it. A finished message's id is
        remembered for retention_seconds (0: not at all); expired ids are swept every
        sweep_seconds (0: only by ``sweep``), sweep_batch at a time, by every process that
        has the store open (they skip each other's rows).
        """
        if connections < 1:
            raise ValueError(f"connections must be at least 1, not {connections}")
        check_retention(retention_seconds, sweep_seconds, sweep_batch)
        puts, others = _Queue(), _Queue()
        if connections == 1:
            puts = others
        lanes: list[_Lane] = []
        try:
            for n in range(connections):
                connection = await _connect(conninfo, connect_timeout)
                shard = (os.getpid() * connections + n) % COUNTER_SHARDS
                lanes.append(_Lane(connection, puts if n == 0 else others, shard))
        except BaseException:
            for lane in lanes:
                await lane.connection.close()
            raise
        store = cls(conninfo, lanes, puts, others, clock, max_batch, retention_seconds)
        store._start_sweeping(sweep_seconds, sweep_batch)
        return store

    def __repr__(self) -> str:
        return f"PostgresMessageStore({_masked(self._conninfo)!r})"

    @property
    def stats(self) -> StoreStats:
        """Transactions and operations so far."""
        return StoreStats(self._transactions, self._operations, self._largest_batch)

    def _submit(self, kind: int, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        if self._closing:
            raise StorageError(
                f"the message store at {_masked(self._conninfo)} is closed",
                hint="open the message store again",
            )
        future = self._loop.create_future()
        queue = self._puts if kind <= Op.PUT_MANY else self._others
        queue.pending.append(_Op(kind, args, future))
        if not queue.wakeup.is_set():
            queue.wakeup.set()
        return future

    async def close(self) -> None:
        """Finish what was submitted, then close the connections."""
        if self._closed:
            return
        await self._stop_sweeping()
        self._closing = True
        self._puts.wakeup.set()
        self._others.wakeup.set()
        try:
            await asyncio.gather(*self._committers)
        finally:
            self._closed = True
            for lane in self._lanes:
                await lane.connection.close()

    # --- committers ------------------------------------------------------------------------

    async def _commit_loop(self, lane: _Lane) -> None:
        pending, wakeup = lane.queue.pending, lane.queue.wakeup
        while True:
            if not pending:
                if self._closing:
                    wakeup.set()  # let the other committers of this queue see it too
                    return
                wakeup.clear()
                await wakeup.wait()
                continue
            count = min(len(pending), self._max_batch)
            batch = [pending.popleft() for _ in range(count)]
            try:
                await self._execute(lane, batch)
            except BaseException as error:  # cancelled, or a defect: never leave callers hanging
                for op in batch:
                    if op.future is not None and not op.future.done():
                        op.future.set_exception(
                            error if isinstance(error, Exception) else _closed(self._conninfo)
                        )
                if not isinstance(error, Exception):
                    raise

    async def _execute(self, lane: _Lane, batch: list[_Op]) -> None:
        # Leases need no transaction around them: each is one statement, atomic alone. That
        # saves the round trips of BEGIN and COMMIT (measured: +15 %).
        if not (lane.connection.broken or lane.connection.closed) and all(
            op.kind == Op.LEASE for op in batch
        ):
            await self._lease_alone(lane, batch)
            return
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                if lane.connection.broken or lane.connection.closed:
                    lane.connection = await _connect(self._conninfo)
                async with lane.connection.transaction():
                    await self._apply(lane, batch, self._clock())
                    await self._flush_counters(lane)
                break
            except StorageError as error:  # no connection to be had
                for op in batch:
                    op.error = error
                break
            except _CONFLICTS as error:
                # Two batches locked rows in opposite orders: PostgreSQL rolled one back.
                lane.counters.clear()
                self._hints.forget()  # it may have moved past what the rollback gave back
                if attempt < _CONFLICT_RETRIES:
                    await asyncio.sleep(0.001 * (attempt + 1))
                    continue
                for op in batch:
                    op.error = _storage_error(error, self._conninfo)
            except psycopg.OperationalError as error:
                lane.counters.clear()
                self._hints.forget()  # it may have moved past what the rollback gave back
                failure = _storage_error(error, self._conninfo)
                for op in batch:
                    op.error = failure
                break
            except Exception as error:
                lane.counters.clear()
                self._hints.forget()  # it may have moved past what the rollback gave back
                if len(batch) > 1:  # one bad operation must not fail the others: each alone
                    for op in batch:
                        op.result = None
                        await self._execute(lane, [op])
                    return
                batch[0].error = _storage_error(error, self._conninfo)
                break
        self._done(batch)

    def _done(self, batch: list[_Op]) -> None:
        self._transactions += 1
        self._operations += len(batch)
        self._largest_batch = max(self._largest_batch, len(batch))
        for op in batch:
            self._settle(op)

    async def _lease_alone(self, lane: _Lane, batch: list[_Op]) -> None:
        """Run each lease as a statement of its own, with no transaction around it."""
        for op in batch:
            for attempt in range(_CONFLICT_RETRIES + 1):
                try:
                    await self._lease(lane, op, self._clock())
                    break
                except _CONFLICTS as error:
                    if attempt < _CONFLICT_RETRIES:
                        await asyncio.sleep(0.001 * (attempt + 1))
                        continue
                    op.error = _storage_error(error, self._conninfo)
                except Exception as error:
                    op.error = _storage_error(error, self._conninfo)
                    break
        self._done(batch)

    def _settle(self, op: _Op) -> None:
        future = op.future
        if future is None:
            return
        if future.cancelled():
            if op.kind == Op.LEASE and op.result and op.error is None:
                # Nobody will work on what this lease took: give it back at once.
                ids = [message.id for message in op.result]
                self._others.pending.append(_Op(Op.RELEASE, (ids, op.args[1]), None))
                self._others.wakeup.set()
            return
        if future.done():
            return
        if op.error is not None:
            future.set_exception(op.error)
        else:
            future.set_result(op.result)

    async def _apply(self, lane: _Lane, batch: list[_Op], now: float) -> None:
        puts = [op for op in batch if op.kind <= Op.PUT_MANY]
        if puts:
            await self._put(lane, puts, now)
        completes = [op for op in batch if op.kind == Op.COMPLETE]
        if completes:
            await self._complete(lane, completes, now)
        for op in batch:
            if op.kind > Op.COMPLETE or op.kind == Op.LEASE:
                await self._run(lane, op, now)

    async def _run(self, lane: _Lane, op: _Op, now: float) -> None:
        if op.kind == Op.LEASE:
            await self._lease(lane, op, now)
        elif op.kind == Op.RELEASE:
            await self._release(lane, op, now)
        elif op.kind == Op.RETRY:
            await self._retry(lane, op, now)
        elif op.kind == Op.DEAD:
            await self._dead_letter(lane, op, now)
        elif op.kind == Op.LIST_DEAD:
            await self._list_dead(lane, op)
        elif op.kind == Op.GET_DEAD:
            await self._get_dead(lane, op)
        elif op.kind == Op.REPLAY:
            await self._replay(lane, op, now)
        elif op.kind == Op.DISCARD:
            await self._discard(lane, op, now)
        elif op.kind == Op.COUNTS:
            await self._counts(lane, op)
        elif op.kind == Op.SWEEP:
            await self._sweep(lane, op, now)

    # --- operations (inside the batch's transaction) ---------------------------------------

    @staticmethod
    def _count(lane: _Lane, flow: str, received: int = 0, dead: int = 0) -> None:
        counts = lane.counters.get(flow)
        if counts is None:
            lane.counters[flow] = [received, 0, 0, dead]
        else:
            counts[0] += received
            counts[3] += dead

    async def _flush_counters(self, lane: _Lane) -> None:
        if not lane.counters:
            return
        flows = sorted(lane.counters)  # always the same lock order: no deadlock between lanes
        r, d, f, x = ([lane.counters[flow][i] for flow in flows] for i in range(4))
        lane.counters.clear()
        params = {"shard": lane.shard, "flows": flows, "r": r, "d": d, "f": f, "x": x}
        await lane.connection.execute(_ADD_COUNTS_SQL, params)

    async def _put(self, lane: _Lane, ops: list[_Op], now: float) -> None:
        rows: list[tuple[int, str, str, str | None, bytes, bool]] = []
        for op in ops:
            if op.kind == Op.PUT:
                flow, message_id, body, key, remember = op.args
                rows.append((len(rows), message_id, flow, key, body, bool(remember)))
            else:
                flow, items = op.args
                start = len(rows)
                rows.extend(
                    (start + n, item[0], flow, _key(item), item[1], _remember(item))
                    for n, item in enumerate(items)
                )
        keys = {(row[2], row[3]) for row in rows if row[3] is not None}
        connection = lane.connection
        async with connection.cursor(binary=True) as cursor:
            if keys:
                await _lock_keys(cursor, keys)
            async with cursor.copy(_COPY_SQL) as copy:
                copy.set_types(_COPY_TYPES)
                for row in rows:
                    await copy.write_row(row)
            params = {"now": now, "shard": lane.shard}
            await cursor.execute(_INSERT_KEYED_SQL if keys else _INSERT_SQL, params)
            new = {row[0] for row in await cursor.fetchall()}
        all_new = len(new) == len(rows)
        for op in ops:
            if all_new:
                op.result = True if op.kind == Op.PUT else [True] * len(op.args[1])
                continue
            ids = [op.args[1]] if op.kind == Op.PUT else [item[0] for item in op.args[1]]
            results = []
            for message_id in ids:
                results.append(message_id in new)
                new.discard(message_id)  # a second put of it in this batch is a duplicate
            op.result = results[0] if op.kind == Op.PUT else results

    async def _lease(self, lane: _Lane, op: _Op, now: float) -> None:
        flow, worker, limit, lease_seconds = op.args
        params = {
            "worker": worker,
            "until": now + lease_seconds,
            "now": now,
            "expired": LEASE_EXPIRED,
        }
        rows: list[tuple[Any, ...]] = []
        connection = lane.connection
        async with connection.cursor(binary=True) as cursor:
            for name in [flow] if flow is not None else await self._flows_in_flight(lane):
                wanted = limit - len(rows)
                after = self._hints.after(name, now)
                await cursor.execute(
                    _LEASE_SQL,
                    {
                        **params,
                        "flow": name,
                        "limit": wanted,
                        "after_at": after[0],
                        "after_seq": after[1],
                    },
                )
                picked = await cursor.fetchall()
                last = max(((row[7], row[0]) for row in picked), default=after)
                self._hints.leased(name, last, full=len(picked) == wanted, start=after, now=now)
                rows.extend(picked)
                if len(rows) >= limit:
                    break
        rows.sort(key=_first)
        leased = []
        for row in rows:
            _, message_id, flow_name, body, key, attempts, created, available, lost, taken = row
            if not taken:  # another process leased it after this one picked it
                continue
            if lost is not None:  # its last lease ran out: that try failed (counted above)
                attempts += 1
            leased.append(
                StoredMessage(message_id, flow_name, body, key, attempts, created, available)
            )
        op.result = leased

    async def _flows_in_flight(self, lane: _Lane) -> list[str]:
        cursor = await lane.connection.execute(_FLOWS_IN_FLIGHT_SQL)
        flows = {row[0] for row in await cursor.fetchall()}
        flows.update(lane.counters)  # received in this very batch
        ordered = sorted(flows)
        if not ordered:
            return ordered
        # Start with a different flow each time, so that one busy flow cannot starve another.
        self._lease_turn = (self._lease_turn + 1) % len(ordered)
        return ordered[self._lease_turn :] + ordered[: self._lease_turn]

    async def _complete(self, lane: _Lane, ops: list[_Op], now: float) -> None:
        by_worker: dict[tuple[str | None, str], list[_Op]] = {}
        for op in ops:
            by_worker.setdefault((op.args[1], op.args[2]), []).append(op)
        remember = self._retention > 0
        for (worker, outcome), group in by_worker.items():
            ids = group[0].args[0] if len(group) == 1 else [i for op in group for i in op.args[0]]
            sql = _COMPLETE_SQL[remember, worker is not None]
            filtered = outcome == "filtered"
            params = {
                "ids": ids,
                "worker": worker,
                "shard": lane.shard,
                "now": now,
                "delivered": 0 if filtered else 1,
                "filtered": 1 if filtered else 0,
            }
            cursor = await lane.connection.execute(sql, params)
            rows = await cursor.fetchall()
            keys = {(flow, key) for _, flow, key in rows if key is not None}
            await _promote(lane.connection, keys)
            for flow, _ in keys:
                self._hints.forget(flow)
            if len(group) == 1:
                group[0].result = len(rows)
            else:
                done = {row[0] for row in rows}
                for op in group:
                    mine = done.intersection(op.args[0])
                    done -= mine
                    op.result = len(mine)

    async def _release(self, lane: _Lane, op: _Op, now: float) -> None:
        ids, worker = op.args
        cursor = await lane.connection.execute(_RELEASE_SQL, {"ids": ids, "worker": worker})
        self._hints.forget()
        op.result = cursor.rowcount

    async def _retry(self, lane: _Lane, op: _Op, now: float) -> None:
        message_id, error, step, delay, worker = op.args
        connection = lane.connection
        row = await (await connection.execute(_FIND_SQL, (message_id,))).fetchone()
        if row is None or row[3] is None or (worker is not None and row[3] != worker):
            op.result = False  # not leased (or not by this worker)
            return
        seq = row[0]
        params = {"error": error, "step": step, "now": now, "at": now + delay, "seq": seq}
        await connection.execute(_RETRY_SQL, params)
        await connection.execute(_DELETE_LEASE_SQL, (seq,))
        self._hints.forget(row[1])
        op.result = True

    async def _dead_letter(self, lane: _Lane, op: _Op, now: float) -> None:
        message_id, error, step, worker = op.args
        connection = lane.connection
        row = await (await connection.execute(_FIND_SQL, (message_id,))).fetchone()
        if row is None or (worker is not None and row[3] != worker):
            op.result = False
            return
        seq, flow, key, owner = row
        tried = 1 if owner is not None else 0  # a leased message was on a try, now failed
        params = {"error": error, "step": step, "now": now, "tried": tried, "seq": seq}
        await connection.execute(_DEAD_SQL, params)
        if owner is not None:
            await connection.execute(_DELETE_LEASE_SQL, (seq,))
        self._count(lane, flow, dead=1)
        if key is not None:
            await _promote(connection, {(flow, key)})
            self._hints.forget(flow)
        op.result = True

    @staticmethod
    def _dead_query(columns: str, ids: list[str] | None, flow: str | None) -> tuple[str, list[Any]]:
        sql = f"SELECT {columns} FROM messages WHERE state = 'dead'"  # noqa: S608
        params: list[Any] = []
        if ids is not None:
            sql += " AND id = ANY(%s)"
            params.append(ids)
        if flow is not None:
            sql += " AND flow = %s"
            params.append(flow)
        return sql, params

    async def _list_dead(self, lane: _Lane, op: _Op) -> None:
        flow, limit, offset = op.args
        sql, params = self._dead_query(_DEAD_COLUMNS, None, flow)
        sql += " ORDER BY seq LIMIT %s OFFSET %s"
        cursor = await lane.connection.execute(sql, (*params, limit, offset))
        op.result = [_dead_letter(row) for row in await cursor.fetchall()]

    async def _get_dead(self, lane: _Lane, op: _Op) -> None:
        sql, params = self._dead_query(_DEAD_COLUMNS, None, None)
        cursor = await lane.connection.execute(f"{sql} AND id = %s", (*params, op.args[0]))
        row = await cursor.fetchone()
        op.result = None if row is None else _dead_letter(row)

    async def _replay(self, lane: _Lane, op: _Op, now: float) -> None:
        ids, flow = op.args
        sql, params = self._dead_query("seq, flow, key", ids, flow)
        connection = lane.connection
        cursor = await connection.execute(f"{sql} ORDER BY seq FOR UPDATE", params)
        rows = await cursor.fetchall()
        async with connection.cursor() as locker:
            await _lock_keys(locker, {(row[1], row[2]) for row in rows if row[2] is not None})
        for seq, row_flow, key in rows:
            state = "ready"
            if key is not None:
                head = await connection.execute(_HAS_HEAD_SQL, (row_flow, key))
                if await head.fetchone() is not None:
                    state = "waiting"
            await connection.execute(_REVIVE_SQL, (state, now, seq))
            self._count(lane, row_flow, dead=-1)
            self._hints.forget(row_flow)
        op.result = len(rows)

    async def _discard(self, lane: _Lane, op: _Op, now: float) -> None:
        ids, flow = op.args
        sql, params = self._dead_query("seq", ids, flow)
        discarded = 0
        connection = lane.connection
        if self._retention > 0:
            cursor = await connection.execute(f"{_FINISH_DEAD_SQL} ({sql})", [now, *params])
            discarded = cursor.rowcount
        cursor = await connection.execute(
            f"DELETE FROM messages WHERE state = 'dead' AND seq IN ({sql})",  # noqa: S608
            params,
        )
        op.result = discarded + cursor.rowcount

    async def _sweep(self, lane: _Lane, op: _Op, now: float) -> None:
        params = {"before": now - self._retention, "limit": op.args[0]}
        cursor = await lane.connection.execute(_SWEEP_SQL, params)
        op.result = cursor.rowcount

    async def _counts(self, lane: _Lane, op: _Op) -> None:
        await self._flush_counters(lane)
        cursor = await lane.connection.execute(_COUNTS_SQL, {"flow": op.args[0]})
        row = await cursor.fetchone()
        assert row is not None  # an aggregate always has a row
        op.result = FlowCounts(*row)


def libpq_conninfo(url: URL) -> str:
    """The libpq connection string of a database URL, its query parameters included."""
    # Not the URL rendered back to text: libpq would read a '+' there as a plus, not a space.
    params: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
    }
    for name, value in url.query.items():
        params[name] = value[-1] if isinstance(value, tuple) else value
    return make_conninfo(**{name: value for name, value in params.items() if value is not None})


async def _connect(conninfo: str, connect_timeout: int = 10) -> psycopg.AsyncConnection[Any]:
    try:
        connection = await psycopg.AsyncConnection.connect(
            conninfo, autocommit=True, connect_timeout=connect_timeout
        )
        await connection.execute(_STAGE_SQL)
        await connection.execute("SELECT seq FROM messages LIMIT 0")
        await connection.execute("SELECT flow FROM flow_counters LIMIT 0")
    except psycopg.Error as error:
        raise _storage_error(error, conninfo) from error
    return connection


async def _lock_keys(cursor: psycopg.AsyncCursor[Any], keys: Iterable[tuple[str, Any]]) -> None:
    # Sorted, so two transactions locking overlapping keys take them in the same order.
    if keys:
        await cursor.execute(_LOCK_KEYS_SQL, (sorted({_key_lock(*key) for key in keys}),))


async def _promote(connection: psycopg.AsyncConnection[Any], keys: set[tuple[str, str]]) -> None:
    if not keys:
        return
    async with connection.cursor() as cursor:
        await _lock_keys(cursor, set(keys))
        ordered = sorted(keys)
        flows = [flow for flow, _ in ordered]
        names = [key for _, key in ordered]
        await cursor.execute(_PROMOTE_SQL, {"flows": flows, "keys": names})


def _key_lock(flow: str, key: str | None) -> int:
    digest = hashlib.blake2b(f"{flow}\0{key}".encode(), digest_size=8, person=b"il-msg-key")
    return int.from_bytes(digest.digest(), "big", signed=True)


def _key(item: NewMessage | tuple[Any, ...]) -> str | None:
    return item[2] if len(item) > 2 else None


def _remember(item: NewMessage | tuple[Any, ...]) -> bool:
    return not (len(item) > 3 and not item[3])


def _first(row: tuple[Any, ...]) -> Any:
    return row[0]


def _dead_letter(row: Sequence[Any]) -> DeadLetter:
    message_id, flow, body, key, attempts, created_at, failed_at, error, step, history = row
    return DeadLetter(
        id=message_id,
        flow=flow,
        body=bytes(body),
        key=key,
        attempts=attempts,
        created_at=created_at,
        failed_at=failed_at,
        error=error or "",
        step=step,
        history=failures(history),
    )


def _masked(conninfo: str) -> str:
    try:
        info = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "PostgreSQL"
    host, port, name = info.get("host", "localhost"), info.get("port", 5432), info.get("dbname")
    return f"postgresql://{host}:{port}/{name or ''}"


def _closed(conninfo: str) -> StorageError:
    return StorageError(
        f"the message store at {_masked(conninfo)} is closed", hint="open the message store again"
    )


def _storage_error(error: Exception, conninfo: str) -> Exception:
    if not isinstance(error, psycopg.Error):
        return error  # a caller's mistake (a value PostgreSQL cannot take) is raised as it is
    reason = " ".join(str(error).split()) or type(error).__name__
    return StorageError(
        f"the message store at {_masked(conninfo)} failed: {reason}", hint=_STORAGE_HINT
    )
