"""A flow compiled for running: its route, its processors in order, its sinks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from interloom.connectors.http_sink import HttpSink, HttpSinkConfig
from interloom.connectors.http_source import HttpSourceConfig, ReplyMode
from interloom.core.flows.definition import ErrorPolicy, Flow
from interloom.core.project import expand_variables
from interloom.runtime.processors import (
    DROP,
    Process,
    StepConfigError,
    build_processor,
    parse_config,
)


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


class CompiledStep(NamedTuple):
    """One step, compiled: its id, its processor kind and the callable that runs it."""

    id: str
    kind: str
    process: Process


@dataclass(slots=True)
class CompiledFlow:
    """Everything needed to run one flow, built once when the project is loaded."""

    id: str
    version: int
    source: HttpSourceConfig
    steps: Sequence[CompiledStep]
    sinks: Sequence[HttpSink]
    error_policy: ErrorPolicy = field(default_factory=ErrorPolicy)
    counters: FlowCounters = field(default_factory=FlowCounters)
    admission_steps: Sequence[CompiledStep] = ()
    delivery_steps: Sequence[CompiledStep] = ()

    def __post_init__(self) -> None:
        # A durable source runs the leading validations before it persists (bad input is
        # answered 4xx at once); the rest runs in the delivery worker. A sync source runs all.
        split = len(self.steps)
        if self.source.reply is ReplyMode.DURABLE:
            split = next((i for i, s in enumerate(self.steps) if s.kind != "validate"), split)
        self.admission_steps = self.steps[:split]
        self.delivery_steps = self.steps[split:]

    def admit(self, body: Any) -> Any:
        """Run the steps the source runs before answering; :data:`DROP` when filtered."""
        for step in self.admission_steps:
            body = step.process(body)
            if body is DROP:
                return DROP
        return body


def compile_flow(flow: Flow, root: Path, environ: dict[str, str]) -> CompiledFlow:
    """Compile a flow definition; :class:`StepConfigError` says what cannot run and why."""
    if flow.source.connector != "http":
        raise StepConfigError(
            f"flow '{flow.id}': source connector '{flow.source.connector}' is not available",
            hint="available source connectors: http",
        )
    source = parse_config(HttpSourceConfig, flow.source.config, f"flow '{flow.id}' source")
    steps = [
        CompiledStep(step.id, step.kind, build_processor(step.kind, step.config, root))
        for step in flow.steps
    ]
    sinks = []
    for index, sink in enumerate(flow.sinks):
        if sink.connector != "http":
            raise StepConfigError(
                f"flow '{flow.id}': sink connector '{sink.connector}' is not available",
                hint="available sink connectors: http",
            )
        expanded = {
            key: expand_variables(value, environ) if isinstance(value, str) else value
            for key, value in sink.config.items()
        }
        config = parse_config(HttpSinkConfig, expanded, f"flow '{flow.id}' sinks[{index}]")
        sinks.append(HttpSink(config))
    return CompiledFlow(flow.id, flow.version, source, steps, sinks, flow.error_policy)
