"""Delivery workers: lease persisted messages, run the flow's steps, deliver, ack or retry.

A message leaves the store only when every sink took it (``complete``), when its tries are used
up (``dead_letter``), or when a step rejects its content (``dead_letter`` at once: retrying bad
data changes nothing). A worker killed mid-delivery leaves its leases to expire; the message is
then leased again and redelivered with the same idempotency key, so a sink that honours the key
applies the effect once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping
from time import perf_counter

import orjson
import structlog

from interloom.connectors.http_sink import SinkError
from interloom.core.errors import InterloomError, StorageError
from interloom.core.flows.retry import gives_up, retry_delay
from interloom.core.messages import Message
from interloom.observability.metrics import RETRIES, message_histogram, step_histogram
from interloom.observability.tracing import MESSAGE_RUN, TRACING
from interloom.runtime.execution import (
    RESUME_MARK,
    StepRaisedError,
    park,
    rejection_text,
    resumption,
    run_steps,
    split_resumable,
    write_deliveries,
)
from interloom.runtime.faults import CRASH
from interloom.runtime.message_traces import note_failure, trace_delivery
from interloom.runtime.pipeline import CompiledFlow
from interloom.runtime.processors import DROP, MessageRejectedError, StepFailedError
from interloom.runtime.sink_guard import circuit_open
from interloom.storage.message_store import MessageStore, StoredMessage

log = structlog.get_logger(__name__)

# A message of a flow that is not running waits this long before it is offered again.
_FLOW_NOT_RUNNING_DELAY = 30.0


class DeliveryWorker:
    """One worker: a lease loop feeding up to ``concurrency`` deliveries at a time."""

    def __init__(
        self,
        store: MessageStore,
        flows: Mapping[str, CompiledFlow],
        *,
        worker_id: str | None = None,
        concurrency: int = 64,
        lease_seconds: float = 30.0,
        idle_wait: float = 0.5,
    ) -> None:
        self.store = store
        self.flows = flows
        self.worker_id = worker_id or f"worker-{os.getpid()}"
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds
        self.idle_wait = idle_wait
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        """A message was persisted: lease now instead of waiting for the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Run the lease loop in the background."""
        self._task = asyncio.create_task(self._run(), name=f"delivery:{self.worker_id}")

    async def stop(self) -> None:
        """Finish the deliveries under way, then stop leasing."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._stopping:
            try:
                batch = await self._lease()
            except InterloomError as error:
                log.error("delivery.lease.failed", error=str(error))
                batch = []
            if not batch:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.idle_wait)
                continue
            await asyncio.gather(*(self._timed(m) for m in batch))

    async def _lease(self) -> list[StoredMessage]:
        """Lease ready messages; those of paused flows, and of flows whose sink's circuit is
        open, stay in the store, their tries uncounted."""
        flows = list(self.flows.items())
        leasable = [name for name, f in flows if not (f.paused or circuit_open(f.sinks))]
        if len(leasable) == len(flows):
            return await self.store.lease(
                None, self.worker_id, self.concurrency, self.lease_seconds
            )
        batch: list[StoredMessage] = []
        for flow_id in leasable:
            if len(batch) < self.concurrency:
                batch += await self.store.lease(
                    flow_id, self.worker_id, self.concurrency - len(batch), self.lease_seconds
                )
        return batch

    async def _timed(self, stored: StoredMessage) -> None:
        started = perf_counter()
        run = MESSAGE_RUN.set((stored.flow, stored.id, None))  # the ids its log lines carry
        try:
            if TRACING.enabled:
                await trace_delivery(self.deliver, self.flows.get(stored.flow), stored)
            else:
                await self.deliver(stored)
        finally:
            MESSAGE_RUN.reset(run)
        message_histogram(stored.flow, "delivery").observe(perf_counter() - started)

    async def deliver(self, stored: StoredMessage) -> None:
        """Deliver one leased message and settle it in the store."""
        flow = self.flows.get(stored.flow)
        if flow is None:
            await self.store.retry(
                stored.id,
                f"flow '{stored.flow}' is not running",
                None,
                _FLOW_NOT_RUNNING_DELAY,
                worker=self.worker_id,
            )
            return
        message = Message(stored.flow, None, id=stored.id, attempt=stored.attempts + 1)
        step: str | None = None
        if CRASH.armed and stored.attempts:
            CRASH.reached("during-retry")
        if not flow.simple or stored.body[:1] == RESUME_MARK:
            await self._deliver_steps(flow, stored)
            return
        try:
            body = orjson.loads(stored.body)
            for position, compiled in enumerate(flow.delivery_steps):
                if position and CRASH.armed:
                    CRASH.reached("mid-processing")
                step = compiled.id
                body = compiled.process(body)
                if body is DROP:  # the store counts it filtered, across restarts
                    await self.store.complete(
                        [stored.id], worker=self.worker_id, outcome="filtered"
                    )
                    return
            step = None
            for index, sink in enumerate(flow.sinks):
                step = f"sinks[{index}]"
                sent = perf_counter()
                await sink.write(message, body)
                step_histogram(flow.id, step).observe(perf_counter() - sent)
            if CRASH.armed:
                CRASH.reached("after-effect")
        except SinkError as error:
            await self._failed(flow, stored, error.message, step, retryable=error.retryable)
            return
        except (InterloomError, orjson.JSONDecodeError) as error:
            await self._failed(flow, stored, str(error), step, retryable=False)
            return
        await self.store.complete([stored.id], worker=self.worker_id)

    async def _deliver_steps(self, flow: CompiledFlow, stored: StoredMessage) -> None:
        """Deliver through steps that split, route, hold or await (runtime.execution).

        The stored message is complete once each of its messages reached its sinks, was
        dropped, taken by an aggregator, or (an item of a split message a step rejected)
        parked as a dead letter of its own. A failure retries or dead-letters it whole; items
        it already delivered are sent again with the same idempotency keys.
        """
        attempt = stored.attempts + 1
        try:
            header, raw = split_resumable(stored.body)
            body = orjson.loads(raw)
            steps, sinks = flow.delivery_steps, None
            if header is not None:
                resumed = resumption(flow, header)
                steps, sinks = resumed.steps, resumed.sinks
                if resumed.aggregation is not None:
                    try:
                        body = resumed.aggregation.emit(body)
                    except InterloomError as error:
                        raise StepRaisedError(resumed.aggregation.step, error) from error
            outcome = await run_steps(
                steps, body, stored.id, flow=flow.id, attempt=attempt, sinks=sinks
            )
            if outcome.parked:
                await park(self.store, flow, outcome.parked)
            await write_deliveries(flow, outcome, attempt)
            if CRASH.armed:
                CRASH.reached("after-effect")
        except StepRaisedError as raised:
            failure = raised.error
            if isinstance(failure, SinkError | StepFailedError):
                retryable = getattr(failure, "retryable", True)
                await self._failed(flow, stored, failure.message, raised.step, retryable=retryable)
            elif isinstance(failure, MessageRejectedError):
                await self._failed(
                    flow, stored, rejection_text(failure), raised.step, retryable=False
                )
            elif isinstance(failure, StorageError):
                await self._failed(flow, stored, str(failure), raised.step, retryable=True)
            elif isinstance(failure, InterloomError):
                await self._failed(flow, stored, str(failure), raised.step, retryable=False)
            else:
                log.exception("delivery.step.crashed", flow=flow.id, step=raised.step)
                await self._failed(flow, stored, repr(failure), raised.step, retryable=True)
            return
        except StorageError as error:  # parking an item failed: try the whole message again
            await self._failed(flow, stored, str(error), None, retryable=True)
            return
        except (InterloomError, orjson.JSONDecodeError) as error:
            await self._failed(flow, stored, str(error), None, retryable=False)
            return
        dropped = not outcome.deliveries and not outcome.held and not outcome.parked
        await self.store.complete(
            [stored.id], worker=self.worker_id, outcome="filtered" if dropped else "delivered"
        )

    async def _failed(
        self,
        flow: CompiledFlow,
        stored: StoredMessage,
        error: str,
        step: str | None,
        *,
        retryable: bool,
    ) -> None:
        failed_tries = stored.attempts + 1
        policy = flow.error_policy
        if retryable and not gives_up(policy, failed_tries):
            delay = retry_delay(policy, failed_tries)
            if TRACING.enabled:
                note_failure(error, step, dead_lettered=False)
            await self.store.retry(stored.id, error, step, delay, worker=self.worker_id)
            RETRIES.labels(flow.id, step or "").inc()
            log.info("delivery.retry", flow=flow.id, message_id=stored.id, step=step, delay=delay)
            return
        if TRACING.enabled:
            note_failure(error, step, dead_lettered=True)
        await self.store.dead_letter(stored.id, error, step, worker=self.worker_id)
        log.warning(
            "delivery.dead_letter", flow=flow.id, message_id=stored.id, step=step, error=error
        )
