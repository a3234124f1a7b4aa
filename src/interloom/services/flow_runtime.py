"""Running the project's flows: compile them, serve their data plane, report their state."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel

from interloom.connectors.http_source import ReplyMode
from interloom.core.errors import InterloomError, NotFoundError
from interloom.core.project import Project
from interloom.core.suggestions import did_you_mean
from interloom.runtime.data_plane import DataPlane
from interloom.runtime.delivery import DeliveryWorker
from interloom.runtime.pipeline import CompiledFlow, compile_flow
from interloom.storage.message_store import MessageStore

log = structlog.get_logger(__name__)


class FlowState(StrEnum):
    """Whether a flow takes messages."""

    RUNNING = "running"
    UNAVAILABLE = "unavailable"  # its definition names something this installation cannot run


class FlowStatus(BaseModel):
    """A flow's state and its counters."""

    id: str
    version: int
    state: FlowState
    reason: str | None = None
    route: str | None = None
    received: int = 0
    delivered: int = 0
    rejected: int = 0
    filtered: int = 0
    failed: int = 0
    dead_lettered: int = 0
    in_flight: int = 0


class FlowRuntime:
    """The compiled flows of a project and the data plane that serves them."""

    def __init__(self) -> None:
        self.data_plane = DataPlane()
        self.store: MessageStore | None = None
        self.worker: DeliveryWorker | None = None
        self.compiled: dict[str, CompiledFlow] = {}
        self.unavailable: dict[str, tuple[int, str]] = {}
        self._retired: list[CompiledFlow] = []

    def load(self, project: Project, root: Path) -> None:
        """Compile every flow; the ones that cannot run are reported, not fatal."""
        compiled: dict[str, CompiledFlow] = {}
        unavailable: dict[str, tuple[int, str]] = {}
        for loaded in project.flows:
            flow = loaded.model
            try:
                compiled[flow.id] = compile_flow(flow, root, dict(os.environ))
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
        log.info("flows.loaded", running=len(compiled), unavailable=len(unavailable))

    def _carry_counters(self, previous: dict[str, CompiledFlow]) -> None:
        # A reload recompiles the flows; their counters go on from where they were.
        for flow_id, flow in self.compiled.items():
            if flow_id in previous:
                flow.counters = previous[flow_id].counters

    async def start_delivery(self, store: MessageStore, **worker_options: Any) -> None:
        """Persist durable flows' messages in ``store`` and deliver them with a worker."""
        self.store = store
        self.worker = DeliveryWorker(store, self.compiled, **worker_options)
        self.data_plane.store = store
        self.data_plane.on_persisted = self.worker.notify
        self.worker.start()

    async def _status(self, flow: CompiledFlow) -> FlowStatus:
        counters = flow.counters
        status = FlowStatus(
            id=flow.id,
            version=flow.version,
            state=FlowState.RUNNING,
            route=f"{flow.source.method} {flow.source.path}",
            received=counters.received,
            delivered=counters.delivered,
            rejected=counters.rejected,
            filtered=counters.filtered,
            failed=counters.failed,
            dead_lettered=counters.dead_lettered,
            in_flight=counters.in_flight,
        )
        if flow.source.reply is ReplyMode.DURABLE and self.store is not None:
            # What reached the store is counted by the store, across restarts.
            stored = await self.store.counts(flow.id)
            status = status.model_copy(
                update={
                    "received": stored.received + counters.rejected + counters.failed,
                    "delivered": stored.delivered,
                    "dead_lettered": stored.dead_lettered,
                    "in_flight": stored.in_flight,
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
        """Stop delivering, close the store and every sink's connections."""
        if self.worker is not None:
            await self.worker.stop()
        if self.store is not None:
            await self.store.close()
        for flow in [*self.compiled.values(), *self._retired]:
            for sink in flow.sinks:
                await sink.close()
