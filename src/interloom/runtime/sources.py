"""Background sources: each pull source runs as a task that reads, persists, then acknowledges.

For every batch a source reads, the runner: persists the messages in the durable store
(``put_many``, one transaction), then saves the source's new state (its cursor), then calls the
source's ``ack`` (which may move a file away). A crash anywhere in between reads the batch
again, and its items keep their message ids — derived from the flow and each item's natural
key — so the store and the sinks see them once.

With several server processes, a source runs in the one holding its lease (in
``connector_state``); the others stand by and take over when the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
import structlog

from interloom.connectors.spec import UNCHANGED, Batch, PullSource, SourceContext
from interloom.core.errors import InterloomError
from interloom.storage.connector_state import ConnectorStates, Lease
from interloom.storage.message_store import MessageStore, NewMessage

log = structlog.get_logger(__name__)

# How long a stopping source may take to finish its batch before it is cancelled.
_STOP_GRACE_SECONDS = 10.0

_ID_NAMESPACE = uuid.UUID("6f1d7d0e-2b53-5a51-9a63-0c1c7e0e4a11")


def message_id_for(flow: str, key: str) -> str:
    """The stable message id of a source item: the same flow and key, the same id."""
    return uuid.uuid5(_ID_NAMESPACE, f"{flow}\n{key}").hex


def default_owner() -> str:
    """This process, as a lease owner."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SourceState(StrEnum):
    """What a background source is doing."""

    STARTING = "starting"
    RUNNING = "running"
    STANDBY = "standby"  # another process holds its lease
    PAUSED = "paused"  # its flow is paused: it reads nothing until resumed
    FAILING = "failing"  # its last read or persist failed; it is tried again
    STOPPED = "stopped"


@dataclass(slots=True)
class SourceStatus:
    """A background source's state, its last error and what it has persisted."""

    state: SourceState = SourceState.STARTING
    error: str | None = None
    batches: int = 0
    persisted: int = 0
    duplicates: int = 0


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    """How a runner holds its lease and backs off after a failure."""

    lease_seconds: float = 30.0
    retry_initial_seconds: float = 1.0
    retry_max_seconds: float = 60.0


class SourceRunner:
    """Runs one flow's pull source as a background task."""

    def __init__(
        self,
        flow: str,
        connector: str,
        reader: PullSource,
        store: MessageStore,
        states: ConnectorStates,
        *,
        owner: str,
        notify: Callable[[], None] = lambda: None,
        settings: RunnerSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.flow = flow
        self.connector = connector
        self.reader = reader
        self.store = store
        self.states = states
        self.owner = owner
        self.notify = notify
        self.settings = settings or RunnerSettings()
        self.clock = clock
        self.status = SourceStatus()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lease: Lease | None = None
        self._lost = False
        self._renewed_at = 0.0
        self.paused = False  # set by the flow runtime when the flow is paused

    def start(self) -> None:
        """Run in the background."""
        self._task = asyncio.create_task(self._run(), name=f"source:{self.flow}")

    async def stop(self) -> None:
        """Finish the batch under way (10 s at most), give the lease up, and stop."""
        self._stopping.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), _STOP_GRACE_SECONDS)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.status.state = SourceState.STOPPED

    # --- the task -------------------------------------------------------------------------

    async def _run(self) -> None:
        lease_seconds = self.settings.lease_seconds
        while not self._stopping.is_set():
            try:
                lease = await self.states.acquire(
                    self.flow, self.connector, self.owner, lease_seconds
                )
            except Exception as error:  # the database is down: try again, never give up
                self._failed("the source's lease could not be taken", error)
                await self._pause(self.settings.retry_initial_seconds)
                continue
            if lease is None:
                self.status.state = SourceState.STANDBY
                await self._pause(lease_seconds / 3)
                continue
            self._lease, self._lost, self._renewed_at = lease, False, self.clock()
            try:
                await self._serve(lease)
            except Exception as error:  # a defect of the connector: report it, start again
                self._failed("the source stopped", error)
                await self._pause(self.settings.retry_initial_seconds)
            finally:
                if not self._lost:
                    with contextlib.suppress(Exception):
                        await self.states.release(lease)
                self._lease = None

    async def _serve(self, lease: Lease) -> None:
        reader = self.reader
        context = SourceContext(self.flow, lease.state, self.clock, self._wait)
        try:
            await reader.connect(context)
        except Exception as error:  # a connector must never stop the server
            self._failed("the source could not connect", error)
            await self._pause(self.settings.retry_initial_seconds)
            return
        self.status.state = SourceState.RUNNING
        log.info("source.started", flow=self.flow, connector=self.connector)
        failures = 0
        try:
            while not self._stopping.is_set() and not self._lost:
                if self.paused:
                    self.status.state = SourceState.PAUSED
                    await self._wait(1.0)
                    await self._renew_if_due()
                    continue
                if self.status.state is SourceState.PAUSED:
                    self.status.state = SourceState.RUNNING
                try:
                    batch = await reader.read()
                except Exception as error:
                    failures += 1
                    self._failed("the source could not read", error)
                    await self._wait(self._backoff(failures))
                    continue
                if not batch.items and batch.state is UNCHANGED and batch.token is None:
                    continue  # nothing read (stopping, or nothing new)
                if await self._commit(batch):
                    failures = 0
                    await self._renew_if_due()  # a source that never waits keeps its lease
                else:
                    failures += 1
                    await self._wait(self._backoff(failures))
        finally:
            with contextlib.suppress(Exception):
                await reader.close()

    async def _commit(self, batch: Batch) -> bool:
        """Persist the batch, save the state, ack; False (nacked) when that failed."""
        assert self._lease is not None
        try:
            if batch.items:
                fresh = await self.store.put_many(
                    self.flow,
                    [
                        NewMessage(message_id_for(self.flow, item.key), orjson.dumps(item.body))
                        for item in batch.items
                    ],
                )
                new = sum(fresh)
                self.status.persisted += new
                self.status.duplicates += len(fresh) - new
                if new:
                    self.notify()
            if batch.state is not UNCHANGED:
                saved = await self.states.save(
                    self._lease, batch.state, self.settings.lease_seconds
                )
                self._renewed_at = self.clock()
                if not saved:
                    self._lost = True
                    log.warning("source.lease.lost", flow=self.flow)
                    with contextlib.suppress(Exception):
                        await self.reader.nack(batch, "another process took the source's lease")
                    return True
        except Exception as error:  # the store or the database failed, or a body is not JSON
            self._failed("the batch could not be persisted", error)
            with contextlib.suppress(Exception):
                await self.reader.nack(batch, str(error))
            return False
        try:
            await self.reader.ack(batch)
        except Exception as error:  # persisted all the same: it will be read again, same ids
            self._failed("the source could not acknowledge a persisted batch", error)
            return False
        self.status.batches += 1
        self.status.state = SourceState.RUNNING
        self.status.error = None
        return True

    async def _wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, renewing the lease; True when the source must stop."""
        deadline = time.monotonic() + max(0.0, seconds)
        renew_every = self.settings.lease_seconds / 3
        while True:
            if self._stopping.is_set() or self._lost:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), min(remaining, renew_every))
                return True
            if not await self._renew_if_due():
                return True

    async def _renew_if_due(self) -> bool:
        """Renew the lease when a third of it has passed; False when another process has it."""
        if self._lease is None or self._lost:
            return not self._lost
        if self.clock() - self._renewed_at < self.settings.lease_seconds / 3:
            return True
        try:
            renewed = await self.states.renew(self._lease, self.settings.lease_seconds)
        except Exception as error:  # the database is down: the lease may hold; try again later
            self._failed("the source's lease could not be renewed", error)
            return True
        if not renewed:
            self._lost = True
            log.warning("source.lease.lost", flow=self.flow)
            return False
        self._renewed_at = self.clock()
        return True

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _backoff(self, failures: int) -> float:
        initial, limit = self.settings.retry_initial_seconds, self.settings.retry_max_seconds
        return float(min(limit, initial * 2 ** min(failures - 1, 16)))

    def _failed(self, what: str, error: BaseException) -> None:
        text = (
            str(error) if isinstance(error, InterloomError) else f"{type(error).__name__}: {error}"
        )
        self.status.state = SourceState.FAILING
        self.status.error = f"{what}: {text}"
        if isinstance(error, InterloomError):
            log.warning("source.failed", flow=self.flow, error=self.status.error)
        else:
            log.exception("source.failed", flow=self.flow, error=self.status.error)


class BackgroundSources:
    """The runners of every flow with a pull source; swapped when the flows are reloaded."""

    def __init__(
        self,
        store: MessageStore,
        states: ConnectorStates,
        *,
        notify: Callable[[], None] = lambda: None,
        owner: str | None = None,
        settings: RunnerSettings | None = None,
    ) -> None:
        self.store = store
        self.states = states
        self.notify = notify
        self.owner = owner or default_owner()
        self.settings = settings or RunnerSettings()
        self.runners: dict[str, tuple[Any, SourceRunner]] = {}
        self._lock = asyncio.Lock()
        self._stopped = False

    async def replace(self, sources: Mapping[str, tuple[str, Any, PullSource]]) -> None:
        """Run these sources (flow id to connector, config and reader) from now on.

        A source whose connector and config did not change keeps running as it was.
        """
        async with self._lock:
            if self._stopped:
                return
            keep: dict[str, tuple[Any, SourceRunner]] = {}
            for flow_id, (held, runner) in self.runners.items():
                wanted = sources.get(flow_id)
                if wanted is not None and (wanted[0], wanted[1]) == held:
                    keep[flow_id] = (held, runner)
                else:
                    await runner.stop()
            for flow_id, (connector, config, reader) in sources.items():
                if flow_id in keep:
                    continue
                runner = SourceRunner(
                    flow_id,
                    connector,
                    reader,
                    self.store,
                    self.states,
                    owner=self.owner,
                    notify=self.notify,
                    settings=self.settings,
                )
                runner.start()
                keep[flow_id] = ((connector, config), runner)
            self.runners = keep

    def status(self, flow_id: str) -> SourceStatus | None:
        """The status of a flow's background source, if it has one."""
        held = self.runners.get(flow_id)
        return held[1].status if held is not None else None

    async def stop(self) -> None:
        """Stop every runner."""
        async with self._lock:
            self._stopped = True
            await asyncio.gather(*(runner.stop() for _, runner in self.runners.values()))
            self.runners = {}
