"""A flow as declared in ``flows/*.yaml``: source, ordered steps, sinks, error policy."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from interloom.core.definition import Definition, InterfaceRef, SlugId, Text


class Owner(Definition):
    """Who answers for a flow."""

    team: Text
    person: str | None = None


class Endpoint(Definition):
    """A source or sink: a connector, its settings and the interface it speaks."""

    id: SlugId | None = Field(
        default=None,
        description="A sink's id, for routing (default sink-<index>, from sink-0).",
    )
    connector: SlugId = Field(description="Connector name, e.g. http, schedule, file, sql.")
    interface: InterfaceRef | None = None
    config: dict[str, Any] = Field(default_factory=dict)


class Step(Definition):
    """One processor of the flow's pipeline."""

    id: SlugId
    kind: SlugId = Field(description="Processor name, e.g. validate, map, filter, enrich.")
    interface: InterfaceRef | None = Field(
        default=None, description="Interface the step calls (enrich) or checks (validate)."
    )
    config: dict[str, Any] = Field(default_factory=dict)


class ErrorPolicy(Definition):
    """What happens when a delivery fails: retries with exponential backoff, then dead letter."""

    max_attempts: int = Field(default=5, ge=1, le=100, description="Tries, the first included.")
    dead_letter: bool = Field(
        default=True,
        description="After the last try, park the message in the dead-letter queue; "
        "false: keep retrying at the longest delay (bad data is dead-lettered either way).",
    )
    backoff_initial_seconds: float = Field(default=1.0, gt=0, le=3600)
    backoff_max_seconds: float = Field(default=300.0, gt=0, le=86_400)
    backoff_multiplier: float = Field(default=2.0, ge=1, le=10)
    jitter: float = Field(
        default=0.2, ge=0, le=1, description="Each delay varies by up to this fraction."
    )


class Flow(Definition):
    """An integration flow (one ``flows/*.yaml`` file)."""

    id: SlugId
    name: Text
    version: int = Field(default=1, ge=1)
    description: str | None = None
    owner: Owner | None = None
    source: Endpoint
    steps: list[Step] = Field(default_factory=list)
    sinks: list[Endpoint] = Field(min_length=1)
    error_policy: ErrorPolicy = Field(default_factory=ErrorPolicy)

    @property
    def sink_ids(self) -> list[str]:
        """Each sink's id, in order: its own, or ``sink-<index>``."""
        return [sink.id or f"sink-{index}" for index, sink in enumerate(self.sinks)]
