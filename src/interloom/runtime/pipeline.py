"""A flow compiled for running: its route, its processors in order, its sinks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interloom.connectors.http_sink import HttpSink, HttpSinkConfig
from interloom.connectors.http_source import HttpSourceConfig, ReplyMode
from interloom.core.flows.definition import Flow
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


@dataclass(slots=True)
class CompiledFlow:
    """Everything needed to run one flow, built once when the project is loaded."""

    id: str
    version: int
    source: HttpSourceConfig
    steps: Sequence[tuple[str, Process]]
    sinks: Sequence[HttpSink]
    counters: FlowCounters = field(default_factory=FlowCounters)

    def process(self, body: Any) -> Any:
        """Run the steps; :data:`DROP` when a filter ends the journey."""
        for _, step in self.steps:
            body = step(body)
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
    if source.reply is ReplyMode.DURABLE:
        raise StepConfigError(
            f"flow '{flow.id}': reply mode 'durable' needs the durable message store",
            hint="use reply: sync until the durable store is available",
        )
    steps = [(step.id, build_processor(step.kind, step.config, root)) for step in flow.steps]
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
    return CompiledFlow(flow.id, flow.version, source, steps, sinks)
