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


class Throttle(Definition):
    """How hard a sink may be driven: a request rate and a number of requests at once."""

    rate_per_second: float | None = Field(
        default=None, gt=0, le=1_000_000, description="Most requests per second (token bucket)."
    )
    burst: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Requests that may go at once after a quiet spell (default: one second's "
        "worth of the rate, at least 1).",
    )
    concurrency: int | None = Field(
        default=None, ge=1, le=10_000, description="Most requests under way at once."
    )
    max_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="A message that would wait longer for its turn fails this try (retried).",
    )


class CircuitBreaker(Definition):
    """Stop calling a sink that keeps failing; probe it again after a pause."""

    failure_rate: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Open when at least this share of the calls in the window failed.",
    )
    minimum_calls: int = Field(
        default=20, ge=1, le=100_000, description="Calls in the window before it may open."
    )
    window_seconds: float = Field(
        default=30.0, gt=0, le=86_400, description="How far back calls are counted."
    )
    open_seconds: float = Field(
        default=30.0, gt=0, le=86_400, description="How long it stays open before probing."
    )
    half_open_calls: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="Probe calls let through when half-open; all succeed: closed again.",
    )


class SinkEndpoint(Endpoint):
    """A sink: an endpoint, and optionally how hard it may be driven and when to stop."""

    throttle: Throttle | None = None
    circuit_breaker: CircuitBreaker | None = None


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
    sinks: list[SinkEndpoint] = Field(min_length=1)
    error_policy: ErrorPolicy = Field(default_factory=ErrorPolicy)

    @property
    def sink_ids(self) -> list[str]:
        """Each sink's id, in order: its own, or ``sink-<index>``."""
        return [sink.id or f"sink-{index}" for index, sink in enumerate(self.sinks)]
