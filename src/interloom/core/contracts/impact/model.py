"""What a contract change reaches: per finding, the interfaces, consumers, flows and tasks."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.delivery.activities import LocalDateTime


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Part(StrEnum):
    """What part of an operation a finding is about."""

    REQUEST = "request"
    """What the operation carries to the provider: parameters and body; an event's message."""
    RESPONSE = "response"
    """What it answers: statuses, headers and bodies."""
    OPERATION = "operation"
    """The operation as a whole: added, removed, deprecated, secured, moved."""
    CONTRACT = "contract"
    """No operation in particular: shared components, security schemes, channels."""


class How(StrEnum):
    """How a flow meets the changed part of an interface."""

    READ = "read"
    """A step reads the field (from the source's message or an enricher's answer)."""
    WRITTEN = "written"
    """The flow writes the field into what it sends to the interface."""
    NOT_WRITTEN = "not-written"
    """The interface now requires the field, and the flow does not write it."""
    VALIDATES = "validates"
    """A step checks the message against a schema of the interface: it may now reject it."""
    PASSED_THROUGH = "passed-through"
    """The flow passes the message on unchanged, so the field reaches its sinks."""
    RECEIVES = "receives"
    """The flow's source is the changed operation."""
    SENDS = "sends"
    """A sink of the flow sends to the changed operation."""
    CALLS = "calls"
    """A step of the flow calls the changed operation."""
    USES = "uses"
    """The flow names the interface; how the change reaches it is not known."""


class Confidence(StrEnum):
    """How sure the analysis is that the flow is affected."""

    CERTAIN = "certain"
    """The flow's lineage shows the changed field, or the whole operation changed."""
    LIKELY = "likely"
    """The flow uses an object holding the field, or the changed part without field detail."""
    POSSIBLE = "possible"
    """The flow uses the interface, and no lineage says which fields."""

    @property
    def rank(self) -> int:
        """2 for certain, 1 likely, 0 possible: higher is surer."""
        return {"certain": 2, "likely": 1, "possible": 0}[self.value]


class Consequence(StrEnum):
    """What the change means for a task of the plan."""

    REWORK = "rework"
    """The task is done: the change reopens delivered work."""
    IN_PROGRESS = "in-progress"
    """The task is under way (or blocked): its work changes while it runs."""
    UPCOMING = "upcoming"
    """The task has not started: it can take the change into account."""
    CANCELLED = "cancelled"
    """The task was cancelled: nothing to do."""


class FlowHit(_Model):
    """A flow the change reaches, and how: ``field X read by step S of flow F``."""

    flow: str = Field(examples=["flow:order-to-wms"])
    interface: str = Field(examples=["interface:crm.customers.get"])
    step: str | None = Field(default=None, description="The step that reads or writes it.")
    field: str | None = Field(
        default=None, description="The field as the flow names it (dotted, arrays unmarked)."
    )
    how: How
    confidence: Confidence
    detail: str = Field(description="The same, as a sentence.")


class Consumer(_Model):
    """A system or flow that consumes an affected interface."""

    ref: str = Field(examples=["system:erp", "flow:order-to-wms"])
    interface: str
    relation: str = Field(description="consumes (a system), reads, writes or calls (a flow).")
    steps: list[str] = Field(default_factory=list, description="Flows: the steps using it.")


class TaskHit(_Model):
    """A task of the plan that delivers something the change reaches."""

    task: str = Field(examples=["T-19"])
    name: str
    status: str = Field(description="not_started, in_progress, blocked, done or cancelled.")
    start: LocalDateTime | None = Field(default=None, description="Scheduled start, if scheduled.")
    finish: LocalDateTime | None = None
    delivers: list[str] = Field(description="What it delivers that the change reaches.")
    consequence: Consequence


class Impact(_Model):
    """What one finding reaches."""

    interfaces: list[str] = Field(default_factory=list)
    consumers: list[Consumer] = Field(default_factory=list)
    flows: list[FlowHit] = Field(default_factory=list)
    tasks: list[TaskHit] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether the finding reaches nothing of the project."""
        return not self.interfaces


class ImpactedFinding(_Model):
    """A finding of the diff (as ``contracts diff --output json`` prints it) and its impact."""

    id: str = Field(examples=["response-required-property-removed"])
    level: str = Field(examples=["ERR"])
    operation: str | None
    location: dict[str, Any] | None
    message: str
    operation_id: str | None
    path: str
    where: str | None
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    part: Part
    impact: Impact


class RiskRaised(_Model):
    """What ``--raise-risks`` did for one affected interface."""

    interface: str
    action: str = Field(description="created, updated, reopened, closed or none.")
    risk: str | None = Field(default=None, examples=["AR-3"])


class ImpactSummary(_Model):
    """The whole change at a glance."""

    contract: str = Field(description="The project's contract file the change is about.")
    old_file: str
    new_file: str
    old_version: str | None = None
    new_version: str | None = None
    counts: dict[str, int] = Field(description="Findings per level.")
    ignored: int = Field(default=0, description="Findings an ignore file accepted.")
    reaching: dict[str, int] = Field(
        description="Findings per level that reach at least one interface of the project."
    )
    interfaces: list[str] = Field(description="Interfaces of the project using the contract.")
    affected_interfaces: list[str]
    consumers: list[str]
    flows: dict[str, Confidence] = Field(
        description="Flows the change reaches → the surest confidence among their hits."
    )
    tasks: list[str]
    rework: list[str] = Field(description="Done tasks the change reopens.")
    upcoming: list[str]
    unused_operations: list[str] = Field(
        description="Changed operations no interface of the project stands for."
    )
    status_date: LocalDateTime | None = Field(
        default=None, description="The plan's status date, when it was scheduled."
    )
    notes: list[str] = Field(default_factory=list)
    risks: list[RiskRaised] = Field(default_factory=list)


class ContractImpact(_Model):
    """Every finding of a contract change with what it reaches; the summary."""

    findings: list[ImpactedFinding]
    summary: ImpactSummary

    def fails(self, threshold: str | None) -> bool:
        """Whether a finding at or above ``threshold`` (ERR, WARN, INFO) reaches the project."""
        if threshold is None:
            return False
        ranks = {"ERR": 2, "WARN": 1, "INFO": 0}
        floor = ranks[threshold.upper()]
        return any(ranks[f.level] >= floor and not f.impact.empty for f in self.findings)


__all__ = [
    "Confidence",
    "Consequence",
    "Consumer",
    "ContractImpact",
    "FlowHit",
    "How",
    "Impact",
    "ImpactSummary",
    "ImpactedFinding",
    "Part",
    "RiskRaised",
    "TaskHit",
]
