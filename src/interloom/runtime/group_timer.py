"""The aggregators' timer: emit the groups that are complete or whose time is up.

A group completes in the database (its count reached, its window over, its wait for the next
item over). The timer claims such groups for a while (so that of several workers sharing
the database, one emits each), puts each in the message store as a message of its flow that
resumes after its aggregator, and deletes the group. A timer stopped between the two leaves
the group claimed; the claim runs out and the group is emitted again, under the same message
id (``<step>/<group id>``): the store keeps it once, and a sink gets it with the same
idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping

import structlog

from interloom.core.errors import InterloomError
from interloom.runtime.execution import resumable_group
from interloom.runtime.pipeline import CompiledFlow
from interloom.runtime.processors import Aggregation
from interloom.storage.message_store import MessageStore
from interloom.storage.processor_state import Group, ProcessorState

log = structlog.get_logger(__name__)


def aggregator_steps(flows: Mapping[str, CompiledFlow]) -> list[tuple[str, str]]:
    """The (flow, step) of every aggregator of the running flows."""
    return [
        (flow.id, step.id)
        for flow in flows.values()
        for step in flow.steps
        if step.processor is not None and isinstance(step.processor.handle, Aggregation)
    ]


def group_message_id(group: Group) -> str:
    """The id of the message a group is emitted as: stable, so a re-emission is a duplicate."""
    return f"{group.step}/{group.id}"


class GroupTimer:
    """A background task emitting due aggregator groups, woken early when one completes."""

    def __init__(
        self,
        state: ProcessorState,
        store: MessageStore,
        flows: Mapping[str, CompiledFlow],
        *,
        notify: Callable[[], None] = lambda: None,
        interval: float = 1.0,
        lease_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = state
        self.store = store
        self.flows = flows
        self.notify = notify
        self.interval = interval
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """A group completed: emit it now rather than at the next tick."""
        self._wake.set()

    def start(self) -> None:
        """Run the timer in the background."""
        self._task = asyncio.create_task(self._run(), name="aggregator-groups")

    async def stop(self) -> None:
        """Finish the emission under way, then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def flush(self) -> int:
        """Emit every group that is due now; how many were emitted."""
        steps = aggregator_steps(self.flows)
        emitted = 0
        while True:
            groups = await self.state.claim_due(
                self.clock(), steps, limit=100, lease_seconds=self.lease_seconds
            )
            for group in groups:
                items = await self.state.items(group.id)
                body = resumable_group(group.key, items, group.step)
                await self.store.put(group.flow, group_message_id(group), body)
                await self.state.finish(group.id)
                emitted += 1
                log.info(
                    "aggregate.emitted",
                    flow=group.flow,
                    step=group.step,
                    key=group.key,
                    items=len(items),
                )
            if groups:
                self.notify()
            if len(groups) < 100:
                return emitted

    async def _wait(self) -> None:
        timeout = self.interval
        try:
            due = await self.state.next_due(aggregator_steps(self.flows))
        except InterloomError:
            due = None
        if due is not None:
            timeout = max(0.0, min(timeout, due - self.clock()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.flush()
            except InterloomError as error:
                log.error("aggregate.flush.failed", error=str(error))
            except Exception:  # the timer must outlive one bad round
                log.exception("aggregate.flush.crashed")
            if self._stopping:
                return
            await self._wait()
