"""Running the project's flows: compile them, serve their data plane, report their state."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

import structlog
from pydantic import BaseModel

from interloom.core.errors import InterloomError, NotFoundError
from interloom.core.project import Project
from interloom.core.suggestions import did_you_mean
from interloom.runtime.data_plane import DataPlane
from interloom.runtime.pipeline import CompiledFlow, compile_flow

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
        previous = self.compiled
        self._retired += previous.values()  # their sinks' connections close with the runtime
        self.compiled, self.unavailable = compiled, unavailable
        self.data_plane.replace(compiled.values())
        self._carry_counters(previous)
        log.info("flows.loaded", running=len(compiled), unavailable=len(unavailable))

    def _carry_counters(self, previous: dict[str, CompiledFlow]) -> None:
        # A reload recompiles the flows; their counters go on from where they were.
        for flow_id, flow in self.compiled.items():
            if flow_id in previous:
                flow.counters = previous[flow_id].counters

    def statuses(self) -> list[FlowStatus]:
        """Every flow of the project, running or not."""
        statuses = [
            FlowStatus(
                id=f.id,
                version=f.version,
                state=FlowState.RUNNING,
                route=f"{f.source.method} {f.source.path}",
                received=f.counters.received,
                delivered=f.counters.delivered,
                rejected=f.counters.rejected,
                filtered=f.counters.filtered,
                failed=f.counters.failed,
                dead_lettered=f.counters.dead_lettered,
                in_flight=f.counters.in_flight,
            )
            for f in self.compiled.values()
        ]
        statuses += [
            FlowStatus(id=flow_id, version=version, state=FlowState.UNAVAILABLE, reason=reason)
            for flow_id, (version, reason) in self.unavailable.items()
        ]
        return sorted(statuses, key=lambda s: s.id)

    def status(self, flow_id: str) -> FlowStatus:
        """One flow's status; :class:`NotFoundError` names the closest id."""
        for status in self.statuses():
            if status.id == flow_id:
                return status
        known = [*self.compiled, *self.unavailable]
        raise NotFoundError(f"no flow '{flow_id}'", hint=did_you_mean(flow_id, known))

    async def close(self) -> None:
        """Close every sink's connections."""
        for flow in [*self.compiled.values(), *self._retired]:
            for sink in flow.sinks:
                await sink.close()
