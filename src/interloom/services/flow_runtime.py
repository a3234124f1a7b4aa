"""Running the project's flows: compile them, serve their data plane, report their state."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel

from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.core.errors import InterloomError, NotFoundError
from interloom.core.project import Project
from interloom.core.suggestions import did_you_mean
from interloom.runtime.data_plane import DataPlane
from interloom.runtime.delivery import DeliveryWorker
from interloom.runtime.group_timer import GroupTimer
from interloom.runtime.pipeline import CompiledFlow, FlowCounters, compile_flow
from interloom.runtime.processors import StepResources
from interloom.runtime.sources import BackgroundSources, RunnerSettings
from interloom.storage.connector_state import ConnectorStates
from interloom.storage.database import Database
from interloom.storage.message_store import MessageStore
from interloom.storage.processor_state import ProcessorState

log = structlog.get_logger(__name__)


class FlowState(StrEnum):
    """Whether a flow takes messages."""

    RUNNING = "running"
    PAUSED = "paused"  # its sources refuse or wait, its messages stay in the store
    UNAVAILABLE = "unavailable"  # its definition names something this installation cannot run


class FlowStatus(BaseModel):
    """A flow's state and its counters."""

    id: str
    version: int
    state: FlowState
    reason: str | None = None
    source: str | None = None
    route: str | None = None
    source_state: str | None = None
    source_error: str | None = None
    received: int = 0
    delivered: int = 0
    rejected: int = 0
    filtered: int = 0
    failed: int = 0
    dead_lettered: int = 0
    in_flight: int = 0


def _own_counters(flow: CompiledFlow) -> FlowCounters:
    return flow.counters


class FlowRuntime:
    """The compiled flows of a project and the data plane that serves them."""

    def __init__(self) -> None:
        self.data_plane = DataPlane()
        self.store: MessageStore | None = None
        self.worker: DeliveryWorker | None = None
        self.compiled: dict[str, CompiledFlow] = {}
        self.unavailable: dict[str, tuple[int, str]] = {}
        self.sources: BackgroundSources | None = None
        # Lent to the steps: the processor state (aggregate, dedupe) once delivery starts.
        self.resources = StepResources()
        self.timer: GroupTimer | None = None
        self._retired: list[CompiledFlow] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._swaps: set[asyncio.Future[None]] = set()
        # What a status counts besides the store: this process's counters, or every worker's.
        self.counters_of: Callable[[CompiledFlow], FlowCounters] = _own_counters
        self.paused: dict[str, str | None] = {}  # flow id → the reason given

    def load(self, project: Project, root: Path) -> None:
        """Compile every flow; the ones that cannot run are reported, not fatal."""
        compiled: dict[str, CompiledFlow] = {}
        unavailable: dict[str, tuple[int, str]] = {}
        contracts = InterfaceContracts(root, (system.model for system in project.systems))
        for loaded in project.flows:
            flow = loaded.model
            try:
                compiled[flow.id] = compile_flow(
                    flow,
                    root,
                    dict(os.environ),
                    source_map=loaded.source,
                    resources=self.resources,
                    interfaces=contracts,
                )
            except InterloomError as error:
                reason = f"{error.message}" + (f" ({error.hint})" if error.hint else "")
                unavailable[flow.id] = (flow.version, reason)
                log.warning("flow.unavailable", flow=flow.id, reason=reason)
        previous = dict(self.compiled)
        self._retired += previous.values()  # their sinks' connections close with the runtime
        # Updated in place: the delivery worker holds this very mapping.
        self.compiled.clear()
        self.compiled.update(compiled)
        self.unavailable = unavailable
        self.data_plane.replace(compiled.values())
        self._carry_counters(previous)
        self._swap_sources()
        self.set_paused(self.paused)
        log.info("flows.loaded", running=len(compiled), unavailable=len(unavailable))

    def set_paused(self, paused: dict[str, str | None]) -> None:
        """Pause these flows (id → reason) and run every other one."""
        self.paused = dict(paused)
        for flow_id, flow in self.compiled.items():
            flow.paused = flow_id in paused
        if self.sources is not None:
            for flow_id, (_, runner) in self.sources.runners.items():
                runner.paused = flow_id in paused
        if self.worker is not None and len(paused) < len(self.compiled):
            self.worker.notify()  # a resumed flow's waiting messages go out now

    def _carry_counters(self, previous: dict[str, CompiledFlow]) -> None:
        # A reload recompiles the flows; their counters go on from where they were.
        for flow_id, flow in self.compiled.items():
            if flow_id in previous:
                flow.counters = previous[flow_id].counters

    async def start_delivery(
        self, store: MessageStore, *, state: ProcessorState | None = None, **worker_options: Any
    ) -> None:
        """Persist durable flows' messages in ``store`` and deliver them with a worker.

        ``state`` keeps the aggregators' groups and the dedupe keys; with it, a timer emits
        the aggregators' complete groups. Without it, those steps fail (and are retried).
        """
        self.store = store
        self.worker = DeliveryWorker(store, self.compiled, **worker_options)
        self.data_plane.store = store
        self.data_plane.on_persisted = self.worker.notify
        self.worker.start()
        if state is not None:
            self.resources.state = state
            self.timer = GroupTimer(
                state,
                store,
                self.compiled,
                notify=self.worker.notify,
                lease_seconds=worker_options.get("lease_seconds", 30.0),
            )
            self.resources.wake = self.timer.wake
            self.timer.start()

    async def start_sources(
        self, database: Database, *, lease_seconds: float = 30.0, owner: str | None = None
    ) -> None:
        """Run the background sources (schedule, poll, file, SQL…), their state in ``database``.

        Call after :meth:`start_delivery`: what they read is persisted in its store.
        """
        if self.store is None:
            raise RuntimeError("start_delivery first: background sources persist in its store")
        self._loop = asyncio.get_running_loop()
        self.sources = BackgroundSources(
            self.store,
            ConnectorStates(database),
            notify=self.worker.notify if self.worker is not None else lambda: None,
            owner=owner,
            settings=RunnerSettings(lease_seconds=lease_seconds),
        )
        await self.sources.replace(self._pull_sources())

    def _pull_sources(self) -> dict[str, tuple[str, Any, Any]]:
        return {
            flow.id: (flow.connector, flow.source_config, flow.reader)
            for flow in self.compiled.values()
            if flow.reader is not None
        }

    def _swap_sources(self) -> None:
        """Run the reloaded flows' background sources (``load`` may run in another thread)."""
        sources, loop = self.sources, self._loop
        if sources is None or loop is None or loop.is_closed():
            return
        swap = sources.replace(self._pull_sources())
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            task = loop.create_task(swap)
            self._swaps.add(task)
            task.add_done_callback(self._swaps.discard)
        else:
            asyncio.run_coroutine_threadsafe(swap, loop)

    async def _status(self, flow: CompiledFlow) -> FlowStatus:
        counters = self.counters_of(flow)
        route = flow.source
        background = self.sources.status(flow.id) if self.sources is not None else None
        status = FlowStatus(
            id=flow.id,
            version=flow.version,
            state=FlowState.PAUSED if flow.paused else FlowState.RUNNING,
            reason=self.paused.get(flow.id) if flow.paused else None,
            source=flow.connector,
            route=f"{route.method} {route.path}" if route is not None else None,
            source_state=background.state.value if background is not None else None,
            source_error=background.error if background is not None else None,
            received=counters.received,
            delivered=counters.delivered,
            rejected=counters.rejected,
            filtered=counters.filtered,
            failed=counters.failed,
            dead_lettered=counters.dead_lettered,
            in_flight=counters.in_flight,
        )
        if flow.durable and self.store is not None:
            # What reached the store is counted by the store, across restarts (a message a
            # step dropped after it was stored, too); what was rejected, failed or dropped
            # before it was stored is counted by this process.
            stored = await self.store.counts(flow.id)
            early = counters.rejected + counters.failed + counters.filtered
            status = status.model_copy(
                update={
                    "received": stored.received + early,
                    "delivered": stored.delivered,
                    "filtered": stored.filtered + counters.filtered,
                    "dead_lettered": stored.dead_lettered,
                    "in_flight": stored.in_flight,
                }
            )
        elif not flow.simple and self.store is not None:
            # A sync flow's steps may put messages in the store: aggregates, and items of a
            # split message parked as dead letters. They are counted there, beside the rest.
            stored = await self.store.counts(flow.id)
            status = status.model_copy(
                update={
                    "received": status.received + stored.received,
                    "delivered": status.delivered + stored.delivered,
                    "filtered": status.filtered + stored.filtered,
                    "dead_lettered": status.dead_lettered + stored.dead_lettered,
                    "in_flight": status.in_flight + stored.in_flight,
                }
            )
        return status

    async def statuses(self) -> list[FlowStatus]:
        """Every flow of the project, running or not."""
        statuses = [await self._status(f) for f in self.compiled.values()]
        statuses += [
            FlowStatus(id=flow_id, version=version, state=FlowState.UNAVAILABLE, reason=reason)
            for flow_id, (version, reason) in self.unavailable.items()
        ]
        return sorted(statuses, key=lambda s: s.id)

    async def status(self, flow_id: str) -> FlowStatus:
        """One flow's status; :class:`NotFoundError` names the closest id."""
        for status in await self.statuses():
            if status.id == flow_id:
                return status
        known = [*self.compiled, *self.unavailable]
        raise NotFoundError(f"no flow '{flow_id}'", hint=did_you_mean(flow_id, known))

    async def close(self) -> None:
        """Stop the sources and delivering, close the store and every sink's connections."""
        if self.sources is not None:
            await self.sources.stop()
            self.sources = None
        if self._swaps:
            await asyncio.gather(*self._swaps, return_exceptions=True)
        if self.timer is not None:
            await self.timer.stop()
            self.timer = None
        if self.worker is not None:
            await self.worker.stop()
        if self.store is not None:
            await self.store.close()
        for flow in [*self.compiled.values(), *self._retired]:
            for sink in flow.sinks:
                await sink.close()
            await flow.close_steps()
