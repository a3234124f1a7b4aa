"""What a readiness assessment takes in (facts, measurements, policy) and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.catalog import Interface, InterfaceStyle, Lifecycle, System
from interloom.core.contracts.model import Contract


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Status(StrEnum):
    """How an interface fares on one criterion."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"
    """The criterion does not apply, or was not measured: it does not count in the score."""


STATUS_VALUES: dict[Status, float] = {Status.PASS: 1.0, Status.WARN: 0.5, Status.FAIL: 0.0}


class CriterionId(StrEnum):
    """The criteria of a readiness assessment, in report order."""

    CONTRACT = "contract"
    EXAMPLES = "examples"
    AUTH = "auth"
    ERRORS = "errors"
    RATE_LIMITS = "rate-limits"
    DEPRECATION = "deprecation"
    SERVERS = "servers"
    LIFECYCLE = "lifecycle"
    OWNER = "owner"
    LATENCY = "latency"
    ERROR_RATE = "error-rate"


TITLES: dict[CriterionId, str] = {
    CriterionId.CONTRACT: "Contract imports cleanly",
    CriterionId.EXAMPLES: "Examples",
    CriterionId.AUTH: "Authentication documented",
    CriterionId.ERRORS: "Error model documented",
    CriterionId.RATE_LIMITS: "Rate limits documented",
    CriterionId.DEPRECATION: "Deprecation policy",
    CriterionId.SERVERS: "Servers documented",
    CriterionId.LIFECYCLE: "Lifecycle state",
    CriterionId.OWNER: "Owner named",
    CriterionId.LATENCY: "Latency (p95)",
    CriterionId.ERROR_RATE: "Error rate",
}

DEFAULT_WEIGHTS: dict[CriterionId, int] = {
    CriterionId.CONTRACT: 3,
    CriterionId.EXAMPLES: 2,
    CriterionId.AUTH: 2,
    CriterionId.ERRORS: 2,
    CriterionId.RATE_LIMITS: 1,
    CriterionId.DEPRECATION: 1,
    CriterionId.SERVERS: 1,
    CriterionId.LIFECYCLE: 2,
    CriterionId.OWNER: 1,
    CriterionId.LATENCY: 2,
    CriterionId.ERROR_RATE: 2,
}


class ReadinessPolicy(_Model):
    """Weights, thresholds and grade bands of an assessment."""

    weights: dict[CriterionId, int] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    latency_p95_pass_ms: float = Field(default=500.0, gt=0)
    latency_p95_warn_ms: float = Field(default=2000.0, gt=0)
    error_rate_pass: float = Field(default=0.01, ge=0, le=1)
    error_rate_warn: float = Field(default=0.05, ge=0, le=1)
    grades: tuple[tuple[str, float], ...] = (("A", 90.0), ("B", 75.0), ("C", 60.0), ("D", 40.0))
    """Grade → lowest score earning it, best first; below the last: ``F``."""

    def weight(self, criterion: CriterionId) -> int:
        """The weight of ``criterion`` (0 leaves it out of the score)."""
        return self.weights.get(criterion, DEFAULT_WEIGHTS[criterion])

    def grade(self, score: float | None) -> str:
        """The grade of a score; ``n/a`` when nothing was scored."""
        if score is None:
            return "n/a"
        return next((grade for grade, floor in self.grades if score >= floor), "F")


class Measurement(_Model):
    """What a probe, a mock or a load test measured of one interface."""

    source: str = Field(description="What measured it.", examples=["probe", "mock", "load-test"])
    samples: int = Field(default=0, ge=0, description="Calls the figures are based on.")
    latency_p95_ms: float | None = Field(default=None, ge=0)
    error_rate: float | None = Field(default=None, ge=0, le=1, description="0.02 for 2 %.")
    measured_at: datetime | None = None


class ReadinessEvidence(_Model):
    """Measurements, by interface reference, that runtime probes and mocks supply."""

    measurements: dict[str, Measurement] = Field(default_factory=dict)

    def of(self, interface_ref: str) -> Measurement | None:
        """The measurement of an interface, if any."""
        return self.measurements.get(interface_ref)


@dataclass(frozen=True, slots=True)
class ContractProblem:
    """Why an interface's contract could not be read."""

    code: str
    message: str
    where: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f" {self.where}" if self.where else ""
        return f"{self.code}{where} {self.message}"


@dataclass(frozen=True, slots=True)
class InterfaceFacts:
    """Everything known of one interface that its assessment reads."""

    system: System
    interface: Interface
    lifecycle: Lifecycle
    """The state now (the latest recorded, else declared)."""
    contract: Contract | None
    contract_problem: ContractProblem | None = None
    extensions: frozenset[str] = frozenset()
    """Vendor extension names (``x-…``) on the operation and at the contract's root."""
    environments: tuple[str, ...] = ()
    """The environments the project declares."""
    consumers: tuple[str, ...] = ()
    measurement: Measurement | None = None

    @property
    def ref(self) -> str:
        """``interface:SYSTEM.ID``."""
        return f"interface:{self.system.id}.{self.interface.id}"


class Criterion(_Model):
    """One criterion of one interface: how it fares, why, and what to do."""

    id: CriterionId
    title: str
    status: Status
    weight: int
    explanation: str
    hint: str | None = None
    location: str | None = Field(
        default=None, description="Where in the contract: file:line:column and JSON pointer."
    )


class InterfaceReadiness(_Model):
    """The assessment of one interface."""

    ref: str = Field(examples=["interface:crm.customers.get"])
    name: str
    style: InterfaceStyle
    lifecycle: Lifecycle
    contract: str
    operation: str | None
    score: float | None = Field(description="0–100; null when no criterion applies.")
    grade: str
    criteria: list[Criterion]

    def criterion(self, criterion: CriterionId) -> Criterion:
        """The result of one criterion."""
        return next(c for c in self.criteria if c.id is criterion)


class Gap(_Model):
    """A criterion that costs the system points, with the interfaces that fall short."""

    criterion: CriterionId
    title: str
    points: float = Field(description="Points of the system score it costs.")
    failing: list[str] = Field(description="Interfaces that fail it.")
    warning: list[str] = Field(description="Interfaces with a warning on it.")
    hint: str | None = None


class SystemReadiness(_Model):
    """The readiness of a system: every interface assessed, a score, a grade, the top gaps."""

    system: str = Field(examples=["system:crm"])
    id: str
    name: str
    owner: str
    assessed_at: datetime
    score: float | None = Field(description="Mean of the interface scores, 0–100.")
    grade: str
    counts: dict[Status, int] = Field(description="Criteria results over all interfaces.")
    measured: int = Field(description="Interfaces with measured latency or error rate.")
    gaps: list[Gap] = Field(description="What costs the most points, worst first.")
    interfaces: list[InterfaceReadiness]
