"""A flow compiled for running: its route, its processors in order, its sinks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interloom.connectors.http_source import HttpSourceConfig, ReplyMode, RequestCheck
from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.connectors.spec import PullSource, Sink
from interloom.core.flows.definition import ErrorPolicy, Flow
from interloom.core.project import SourceMap
from interloom.runtime.endpoints import build_sinks, build_source
from interloom.runtime.processors import DROP, Mode, StepResources
from interloom.runtime.sink_guard import guard_sinks
from interloom.runtime.steps import CompiledStep, compile_steps

__all__ = ["CompiledFlow", "CompiledStep", "FlowCounters", "compile_flow"]


@dataclass(slots=True)
class FlowCounters:
    """What happened to the flow's messages: received = delivered + dead-lettered + in flight."""

    received: int = 0
    delivered: int = 0
    rejected: int = 0
    filtered: int = 0
    failed: int = 0
    dead_lettered: int = 0

    @property
    def in_flight(self) -> int:
        """Accepted and not yet delivered, filtered, dead-lettered or answered as failed."""
        done = self.delivered + self.rejected + self.filtered + self.failed + self.dead_lettered
        return self.received - done


@dataclass(slots=True)
class CompiledFlow:
    """Everything needed to run one flow, built once when the project is loaded."""

    id: str
    version: int
    # The route the data plane serves; None for a source run in the background (reader).
    source: HttpSourceConfig | None
    steps: Sequence[CompiledStep]
    sinks: Sequence[Sink]
    error_policy: ErrorPolicy = field(default_factory=ErrorPolicy)
    counters: FlowCounters = field(default_factory=FlowCounters)
    admission_steps: Sequence[CompiledStep] = ()
    delivery_steps: Sequence[CompiledStep] = ()
    connector: str = "http"  # the source's connector
    source_config: Any = None  # the source's validated config
    reader: PullSource | None = None
    check: RequestCheck | None = None  # a check of each request before it is read (webhook)
    # Messages are persisted, then delivered by a worker (a durable or background source).
    durable: bool = field(init=False, default=False)
    sink_ids: tuple[str, ...] = ()
    # Every step returns a body or DROP, synchronously: the tight loop runs it (the hot path).
    # Otherwise runtime.execution runs it (splits, routes, aggregates, awaited steps).
    simple: bool = field(init=False, default=True)
    # Paused (services.flow_control): the source refuses, workers and readers leave it be.
    paused: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        # A durable source runs the leading validations before it persists (bad input is
        # answered 4xx at once); the rest runs in the delivery worker. A sync source runs all;
        # a background source persists what it reads, and the worker runs every step.
        self.durable = self.source is None or self.source.reply is ReplyMode.DURABLE
        split = len(self.steps)
        if self.source is None:
            split = 0
        elif self.source.reply is ReplyMode.DURABLE:
            split = next((i for i, s in enumerate(self.steps) if s.kind != "validate"), split)
        self.admission_steps = self.steps[:split]
        self.delivery_steps = self.steps[split:]
        self.simple = all(step.mode is Mode.SIMPLE for step in self.steps)

    def admit(self, body: Any) -> Any:
        """Run the steps the source runs before answering; :data:`DROP` when filtered."""
        for step in self.admission_steps:
            body = step.process(body)
            if body is DROP:
                return DROP
        return body

    def step_index(self, step_id: str) -> int | None:
        """Where the step with this id is in :attr:`steps` (None: the flow has no such step)."""
        return next((i for i, step in enumerate(self.steps) if step.id == step_id), None)

    async def close_steps(self) -> None:
        """Close what the steps hold open (an enricher's connections)."""
        for step in self.steps:
            if step.processor is not None and step.processor.close is not None:
                await step.processor.close()


def compile_flow(
    flow: Flow,
    root: Path,
    environ: dict[str, str],
    *,
    source_map: SourceMap | None = None,
    resources: StepResources | None = None,
    interfaces: InterfaceContracts | None = None,
) -> CompiledFlow:
    """Compile a flow definition; :class:`StepConfigError` says what cannot run and why.

    With the flow file's ``source_map``, connector and step config errors name its file and
    line. ``resources`` are what the runtime lends stateful steps (the processor state).
    ``interfaces`` are the project's interfaces and contracts (read from ``root`` when not
    given, and only when a step or sink takes its schema or call from a contract).
    """
    contracts = interfaces if interfaces is not None else InterfaceContracts(root)
    source = build_source(flow, root, environ, source_map=source_map)
    steps = compile_steps(flow, root, environ, resources, source_map, contracts)
    sinks = guard_sinks(
        flow, build_sinks(flow, root, environ, source_map=source_map, interfaces=contracts)
    )
    return CompiledFlow(
        flow.id,
        flow.version,
        source.route,
        steps,
        sinks,
        flow.error_policy,
        connector=source.connector,
        source_config=source.config,
        reader=source.reader,
        check=source.check,
        sink_ids=tuple(flow.sink_ids),
    )
