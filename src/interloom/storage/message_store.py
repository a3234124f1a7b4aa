"""The durable message store: every message persisted before its source is acknowledged.

A source puts a message (the call returns once it is durable); a worker leases it for a while,
then completes it (delivered, or filtered by a step), retries it later or dead-letters it. A
lease that runs out makes the message leasable again, so a worker that dies loses nothing.
Messages with an ordering key are handed out one at a time per (flow, key), in the order they
were put.

A finished message (delivered, filtered, or a dead letter discarded) leaves only its id
behind, for ``retention_seconds`` (24 hours by default): a second ``put`` of that id within
the window is a duplicate, so a sender retrying after its message was delivered is not
delivered twice. Expired ids are swept in batches. A message put with ``remember=False`` (its
id was made up on arrival: nobody can send it again) is forgotten as soon as it finishes,
which spares the store a write and keeps the id index small.

Every change updates the flow's counters in the same transaction, so that at all times
``received = delivered + filtered + dead_lettered + in_flight``.

Two backends: ``sqlite_message_store`` (one writer thread, group commit) and
``postgres_message_store`` (psycopg, batched, ``SKIP LOCKED`` leases shared by many
processes). ``open_message_store`` picks one from a database URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, NamedTuple, Self

import structlog

from interloom.storage.database import Database, resolve_url

log = structlog.get_logger(__name__)

Clock = Callable[[], float]

# The failure recorded for a try whose lease ran out (its worker stopped, or took too long).
LEASE_EXPIRED = "lease expired: worker {worker} neither completed nor retried the message"

# How long the id of a finished message is remembered, so that a second put of it is refused.
DEFAULT_RETENTION_SECONDS = 24 * 3600.0
# How often expired ids are swept, and how many at most in one go (a full sweep goes again).
SWEEP_SECONDS = 60.0
SWEEP_BATCH = 5000

# How a completed message ended: it reached its sinks, or a step dropped it.
OUTCOMES = ("delivered", "filtered")


# Not frozen: one is built for every message leased, and a frozen dataclass takes 1.2 µs to
# build against 0.16 µs. Treat it as read-only all the same.
@dataclass(slots=True)
class StoredMessage:
    """A message handed to a worker by ``lease``.

    ``attempts`` counts the tries that failed (retries and expired leases) since the message
    arrived or was last replayed: the try under way is number ``attempts + 1``.
    ``available_at`` is when the message became ready (it arrived, or a retry's delay ended).
    """

    id: str
    flow: str
    body: bytes
    key: str | None
    attempts: int
    created_at: float
    available_at: float


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed try: when, why, and in which step of the flow (None when unknown)."""

    at: float
    error: str
    step: str | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that ran out of tries, with the error and step that stopped it."""

    id: str
    flow: str
    body: bytes
    key: str | None
    attempts: int
    created_at: float
    failed_at: float
    error: str
    step: str | None
    history: tuple[Failure, ...]


@dataclass(frozen=True, slots=True)
class FlowCounts:
    """How many messages a flow received, delivered, filtered, dead-lettered and still holds.

    ``filtered`` counts messages a step dropped after they were stored. ``dead_lettered``
    counts messages that ended in the dead-letter queue, including those discarded from it
    since; a replayed message leaves it and is in flight again.
    """

    received: int
    delivered: int
    dead_lettered: int
    filtered: int = 0

    @property
    def in_flight(self) -> int:
        """Messages waiting, leased or retrying: received but not yet finished or dead."""
        return self.received - self.delivered - self.filtered - self.dead_lettered

    def as_dict(self) -> dict[str, int]:
        """The five counts by name."""
        return {
            "received": self.received,
            "delivered": self.delivered,
            "filtered": self.filtered,
            "dead_lettered": self.dead_lettered,
            "in_flight": self.in_flight,
        }


@dataclass(frozen=True, slots=True)
class StoreStats:
    """What the store did since it was opened: how well group commit is batching."""

    transactions: int
    operations: int
    largest_batch: int


class NewMessage(NamedTuple):
    """A message for ``put_many``: its id, its body, its ordering key, whether to remember it."""

    id: str
    body: bytes
    key: str | None = None
    remember: bool = True


class Op:
    """The kinds of operation a backend runs; puts come first (a batch stores them first)."""

    PUT, PUT_MANY, LEASE, COMPLETE, RELEASE, RETRY, DEAD = range(7)
    LIST_DEAD, GET_DEAD, REPLAY, DISCARD, COUNTS, SWEEP = range(7, 13)


class MessageStore(ABC):
    """Persisted messages of every flow: put, lease, complete, retry, dead-letter, count.

    The operations check their arguments, then hand ``(kind, args)`` to the backend's
    ``_submit``, which queues it for the next batch and returns the future of its result.
    """

    backend: ClassVar[str]
    _sweeper: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    @abstractmethod
    def stats(self) -> StoreStats:
        """Transactions and operations so far."""

    @abstractmethod
    def _submit(self, kind: int, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        """Queue an operation; raise StorageError if the store is closed."""

    @abstractmethod
    async def close(self) -> None:
        """Finish what was submitted, then close; later calls raise StorageError."""

    async def put(
        self,
        flow: str,
        message_id: str,
        body: bytes,
        key: str | None = None,
        *,
        remember: bool = True,
    ) -> bool:
        """Persist a message; True once it is durable, False if that id is known already.

        An id is known while its message is stored, and for the retention window after the
        message finished (delivered, filtered or discarded) unless remember is False (an id
        nobody can send again); a known id is not counted as received again. Messages with
        the same key (in one flow) are handed out one at a time, in order.
        """
        if not isinstance(body, bytes):
            raise TypeError(f"a message body is bytes, not {type(body).__name__}")
        result: bool = await self._submit(Op.PUT, (flow, message_id, body, key, remember))
        return result

    async def put_many(self, flow: str, messages: Iterable[NewMessage]) -> list[bool]:
        """Persist several messages in one go; for each, whether it was new."""
        items = list(messages)
        for item in items:
            if not isinstance(item[1], bytes):
                raise TypeError(f"a message body is bytes, not {type(item[1]).__name__}")
        if not items:
            return []
        result: list[bool] = await self._submit(Op.PUT_MANY, (flow, items))
        return result

    async def lease(
        self, flow: str | None, worker: str, limit: int = 100, lease_seconds: float = 30.0
    ) -> list[StoredMessage]:
        """Lease up to limit ready messages of a flow (any flow if None), oldest first.

        A leased message is no one else's until the lease runs out; then it may be leased
        again, and the try counts as failed. Only the first live message of a key is leased.
        """
        if limit < 1:
            raise ValueError(f"lease limit must be at least 1, not {limit}")
        if not lease_seconds > 0:
            raise ValueError(f"lease_seconds must be positive, not {lease_seconds}")
        args = (flow, worker, limit, lease_seconds)
        result: list[StoredMessage] = await self._submit(Op.LEASE, args)
        return result

    async def complete(
        self, ids: Sequence[str], *, worker: str | None = None, outcome: str = "delivered"
    ) -> int:
        """Finish leased messages as delivered (or filtered: a step dropped them); how many.

        With worker, only its own leases. Their ids are remembered for the retention window.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be 'delivered' or 'filtered', not {outcome!r}")
        result: int = await self._submit(Op.COMPLETE, (_id_list(ids), worker, outcome))
        return result

    async def release(self, ids: Sequence[str], *, worker: str | None = None) -> int:
        """Give leased messages back untried (a worker stopping); how many were released."""
        result: int = await self._submit(Op.RELEASE, (_id_list(ids), worker))
        return result

    async def retry(
        self,
        message_id: str,
        error: str,
        step: str | None,
        delay_seconds: float,
        *,
        worker: str | None = None,
    ) -> bool:
        """Count a failed try of a leased message and make it ready again after a delay.

        False if the message is not leased (by worker, when given): its lease ran out.
        """
        if delay_seconds < 0:
            raise ValueError(f"delay_seconds must not be negative, not {delay_seconds}")
        args = (message_id, error, step, delay_seconds, worker)
        result: bool = await self._submit(Op.RETRY, args)
        return result

    async def dead_letter(
        self, message_id: str, error: str, step: str | None, *, worker: str | None = None
    ) -> bool:
        """Move a message to the dead-letter queue with the error and step that failed.

        A leased message's try counts as failed. With worker, only a message it has leased.
        """
        result: bool = await self._submit(Op.DEAD, (message_id, error, step, worker))
        return result

    async def list_dead(
        self, flow: str | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[DeadLetter]:
        """Dead letters of a flow (every flow if None), in the order the messages arrived."""
        result: list[DeadLetter] = await self._submit(Op.LIST_DEAD, (flow, limit, offset))
        return result

    async def get_dead(self, message_id: str) -> DeadLetter | None:
        """One dead letter, or None if no dead letter has that id."""
        result: DeadLetter | None = await self._submit(Op.GET_DEAD, (message_id,))
        return result

    async def replay_dead(
        self, ids: Sequence[str] | None = None, *, flow: str | None = None
    ) -> int:
        """Put dead letters (those ids, of that flow, or all) back in the queue; how many.

        Their tries start again from zero; their failure history is kept.
        """
        selected = None if ids is None else _id_list(ids)
        result: int = await self._submit(Op.REPLAY, (selected, flow))
        return result

    async def discard_dead(
        self, ids: Sequence[str] | None = None, *, flow: str | None = None
    ) -> int:
        """Delete dead letters (those ids, of that flow, or all) for good; how many.

        They stay counted as dead-lettered; their ids are remembered for the retention window.
        """
        selected = None if ids is None else _id_list(ids)
        result: int = await self._submit(Op.DISCARD, (selected, flow))
        return result

    async def counts(self, flow: str | None = None) -> FlowCounts:
        """The counters of a flow, or their sums over every flow if None."""
        result: FlowCounts = await self._submit(Op.COUNTS, (flow,))
        return result

    async def sweep(self, limit: int = SWEEP_BATCH) -> int:
        """Forget up to limit ids whose retention window has passed; how many were forgotten.

        The store sweeps by itself every ``sweep_seconds``; this is for a sweep on demand.
        """
        if limit < 1:
            raise ValueError(f"sweep limit must be at least 1, not {limit}")
        result: int = await self._submit(Op.SWEEP, (limit,))
        return result

    def _start_sweeping(self, every: float, limit: int) -> None:
        """Sweep expired ids in the background, every ``every`` seconds (never if 0)."""
        if every > 0:
            self._sweeper = asyncio.get_running_loop().create_task(
                self._sweep_forever(every, limit), name="interloom-message-store-sweep"
            )

    async def _stop_sweeping(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper

    async def _sweep_forever(self, every: float, limit: int) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                # A full sweep means more have expired: go on, a batch at a time, between
                # the other operations, so that sweeping keeps up with a busy flow.
                swept = limit
                while swept >= limit:
                    swept = await self.sweep(limit)
            except Exception as error:  # the database is away for now: try again next time
                log.warning("message_store.sweep.failed", error=str(error))


async def open_message_store(
    url: str,
    *,
    base_dir: Path | None = None,
    migrate: bool = True,
    clock: Clock = time.time,
    **options: Any,
) -> MessageStore:
    """Open the message store in the database at url (a database URL or a SQLite file path).

    The schema is brought up to date first unless migrate is False. options go to the
    backend (see ``SQLiteMessageStore.open`` and ``PostgresMessageStore.open``).
    """
    if "://" not in url:
        url = f"sqlite:///{url}"
    resolved = resolve_url(url, base_dir=base_dir)
    sqlite = resolved.get_backend_name() == "sqlite"
    memory = sqlite and resolved.database in (None, "", ":memory:")
    if sqlite and not memory:
        from interloom.storage.sqlite_message_store import create_database_file

        create_database_file(resolved.database or "")
    if migrate and not memory:
        async with Database.from_url(url, base_dir=base_dir) as database:
            await database.migrate()
    # Imported here: each backend imports the records of this module.
    if sqlite:
        from interloom.storage.sqlite_message_store import SQLiteMessageStore

        return await SQLiteMessageStore.open(
            resolved.database or ":memory:", clock=clock, create_schema=memory, **options
        )
    from interloom.storage.postgres_message_store import PostgresMessageStore, libpq_conninfo

    return await PostgresMessageStore.open(libpq_conninfo(resolved), clock=clock, **options)


class LeaseHints:
    """Where each flow's next lease may start scanning: after the last message leased.

    Leased messages keep their place at the head of the ready index, so without a hint every
    lease walks past all of them. The hint is only a shortcut (a lease checks each message's
    lease anyway); it is dropped whenever a message may have become ready behind it: a lease
    that came back short, a release, retry, replay or key promotion made here, and at least
    every ``max_age`` seconds for what other processes and expired leases do.
    """

    __slots__ = ("_hints", "_max_age")

    NONE: ClassVar[tuple[float, int]] = (float("-inf"), -1)

    def __init__(self, max_age: float = 1.0) -> None:
        self._hints: dict[str, tuple[float, int, float]] = {}
        self._max_age = max_age

    def after(self, flow: str, now: float) -> tuple[float, int]:
        """The (available_at, seq) a lease of flow may start after."""
        hint = self._hints.get(flow)
        if hint is None or now - hint[2] > self._max_age or now < hint[2]:
            return self.NONE
        return hint[0], hint[1]

    def leased(
        self,
        flow: str,
        last: tuple[float, int],
        *,
        full: bool,
        start: tuple[float, int],
        now: float,
    ) -> None:
        """Record a lease of flow that ended at last; a short one sends the next to the head."""
        if not full:
            self._hints.pop(flow, None)
        elif start == self.NONE or flow not in self._hints:
            self._hints[flow] = (last[0], last[1], now)
        else:
            self._hints[flow] = (last[0], last[1], self._hints[flow][2])

    def forget(self, flow: str | None = None) -> None:
        """A message of flow (of any flow if None) may be ready behind the hint."""
        if flow is None:
            self._hints.clear()
        else:
            self._hints.pop(flow, None)


def check_retention(retention_seconds: float, sweep_seconds: float, sweep_batch: int) -> None:
    """Refuse a negative retention or sweep interval, or an empty sweep batch."""
    if retention_seconds < 0:
        raise ValueError(f"retention_seconds must not be negative, not {retention_seconds}")
    if sweep_seconds < 0:
        raise ValueError(f"sweep_seconds must not be negative, not {sweep_seconds}")
    if sweep_batch < 1:
        raise ValueError(f"sweep_batch must be at least 1, not {sweep_batch}")


def _id_list(ids: Sequence[str]) -> list[str]:
    """The ids as a list; a lone string is refused (it would be taken letter by letter)."""
    if isinstance(ids, str):
        raise TypeError("pass a sequence of message ids, not one id as a string")
    return list(ids)


def failures(history: Any) -> tuple[Failure, ...]:
    """The failure history as stored (a JSON list of {at, error, step}) as records."""
    return tuple(
        Failure(at=float(entry["at"]), error=str(entry["error"]), step=entry.get("step"))
        for entry in history or ()
    )
