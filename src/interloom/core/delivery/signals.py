"""Signals from the running landscape, and the automatic risks they raise on the plan.

A signal says that something observed threatens delivery: a breaking change in a contract,
a contract test failing, an interface still only mocked while the work that needs it is about
to start, an SLO burning its error budget, dead letters piling up. The runtime, the contracts
diff and monitoring send one through ``services.risk_signals.raise_signal``; each kind of
signal maps to a risk category, a probability by severity and the objectives it threatens
(:data:`RULES`). One automatic risk stands per kind and reference: a repeated signal updates
it, a cleared signal closes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interloom.core.catalog import Lifecycle
from interloom.core.delivery.calendar import WorkingTime
from interloom.core.delivery.risks import (
    Objective,
    RiskCategory,
    RiskLevel,
    risk_level,
    risk_score,
)
from interloom.core.errors import ReferenceSyntaxError
from interloom.core.refs import (
    INTERFACE_ID_PATTERN,
    PLAN_ID_PATTERN,
    SYSTEM_ID_PATTERN,
    Ref,
    RefKind,
)

SIGNAL_KIND_PATTERN = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"


def _bare(pattern: str) -> str:
    return pattern.removeprefix("^").removesuffix("$")


REF_PATTERN = (
    f"^(?:(?:system|flow):{_bare(SYSTEM_ID_PATTERN)}"
    f"|interface:{_bare(SYSTEM_ID_PATTERN)}\\.{_bare(INTERFACE_ID_PATTERN)}"
    f"|(?:task|milestone):{_bare(PLAN_ID_PATTERN)})$"
)
"""A reference, exactly as :meth:`Ref.parse` takes it (so the API documents what it accepts)."""


class SignalKind(StrEnum):
    """The kinds of signal Interloom knows how to turn into a risk."""

    BREAKING_CHANGE_FOUND = "breaking-change-found"
    CONTRACT_TEST_FAILING = "contract-test-failing"
    INTERFACE_ONLY_MOCKED_NEAR_START = "interface-only-mocked-near-start"
    SLO_BURNING = "slo-burning"
    DEAD_LETTERS_GROWING = "dead-letters-growing"


class SignalSeverity(StrEnum):
    """How loud the signal is; sets the probability of the risk it raises."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


PROBABILITY_BY_SEVERITY: dict[SignalSeverity, float] = {
    SignalSeverity.INFO: 0.3,
    SignalSeverity.WARNING: 0.5,
    SignalSeverity.CRITICAL: 0.9,
}


class Signal(BaseModel):
    """Something observed about a reference; ``cleared`` says it no longer holds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str = Field(
        pattern=SIGNAL_KIND_PATTERN,
        description="A built-in kind (breaking-change-found, …) or a kind of your own.",
        examples=["breaking-change-found"],
    )
    ref: str = Field(
        json_schema_extra={"pattern": REF_PATTERN},  # checked, with a hint, by _reference
        description="What it is about: interface:, flow: or system: reference.",
        examples=["interface:crm.customers.get"],
    )
    severity: SignalSeverity = SignalSeverity.WARNING
    evidence: dict[str, Any] = Field(
        default_factory=dict, description="What was seen: findings, counts, test names, rates."
    )
    source: str = Field(
        default="api", min_length=1, description="Who sent it: contracts-diff, runtime, …"
    )
    cleared: bool = Field(
        default=False, strict=True, description="True when the condition has gone."
    )

    @field_validator("ref")
    @classmethod
    def _reference(cls, value: str) -> str:
        try:
            Ref.parse(value)
        except ReferenceSyntaxError as error:
            text = f"{error.message} ({error.hint})" if error.hint else error.message
            raise ValueError(text) from None
        return value

    @property
    def key(self) -> str:
        """What deduplicates automatic risks: kind and reference."""
        return f"{self.kind}|{self.ref}"


class SignalRule(BaseModel):
    """How one kind of signal becomes a risk."""

    model_config = ConfigDict(frozen=True)

    title: str  # formatted with {ref}
    category: RiskCategory
    impact: dict[Objective, float]
    response_plan: str


RULES: dict[str, SignalRule] = {
    SignalKind.BREAKING_CHANGE_FOUND: SignalRule(
        title="Breaking change in the contract of {ref}",
        category=RiskCategory.INTERFACE_COMPATIBILITY,
        impact={Objective.SCHEDULE: 0.4, Objective.QUALITY: 0.4},
        response_plan="Agree a compatible version with the provider or adapt the consumers.",
    ),
    SignalKind.CONTRACT_TEST_FAILING: SignalRule(
        title="Contract tests failing on {ref}",
        category=RiskCategory.INTERFACE_COMPATIBILITY,
        impact={Objective.QUALITY: 0.4, Objective.SCHEDULE: 0.2},
        response_plan="Fix the implementation or the contract until the tests pass.",
    ),
    SignalKind.INTERFACE_ONLY_MOCKED_NEAR_START: SignalRule(
        title="{ref} is still only mocked while the work needing it starts",
        category=RiskCategory.SCHEDULE,
        impact={Objective.SCHEDULE: 0.4},
        response_plan="Get a conformant implementation from the provider or re-sequence work.",
    ),
    SignalKind.SLO_BURNING: SignalRule(
        title="SLO of {ref} burning its error budget",
        category=RiskCategory.PERFORMANCE,
        impact={Objective.QUALITY: 0.4, Objective.SCHEDULE: 0.1},
        response_plan="Find the cause of the errors or latency before the budget is spent.",
    ),
    SignalKind.DEAD_LETTERS_GROWING: SignalRule(
        title="Dead letters growing on {ref}",
        category=RiskCategory.DATA_CONSISTENCY,
        impact={Objective.QUALITY: 0.4, Objective.SCOPE: 0.1},
        response_plan="Inspect the dead letters, fix the cause and replay them.",
    ),
}
_DEFAULT_RULE = SignalRule(
    title="{kind} on {ref}",
    category=RiskCategory.OTHER,
    impact={Objective.QUALITY: 0.2},
    response_plan="Investigate the signal.",
)


class RiskDraft(BaseModel):
    """The automatic risk a signal stands for, before it is stored."""

    model_config = ConfigDict(frozen=True)

    key: str
    kind: str
    ref: str
    title: str
    category: RiskCategory
    probability: float
    impact: dict[Objective, float]
    score: float
    level: RiskLevel
    response_plan: str
    tasks: list[str]
    refs: list[str]


def rule_of(kind: str) -> SignalRule:
    """The rule of a signal kind; a kind Interloom does not know gets a generic one."""
    return RULES.get(kind, _DEFAULT_RULE)


def draft_risk(signal: Signal, tasks: Sequence[str]) -> RiskDraft:
    """The automatic risk of ``signal``, threatening ``tasks``."""
    rule = rule_of(signal.kind)
    probability = PROBABILITY_BY_SEVERITY[signal.severity]
    score = risk_score(probability, max(rule.impact.values()))
    return RiskDraft(
        key=signal.key,
        kind=signal.kind,
        ref=signal.ref,
        title=rule.title.format(ref=signal.ref, kind=signal.kind),
        category=rule.category,
        probability=probability,
        impact=dict(rule.impact),
        score=score,
        level=risk_level(score),
        response_plan=rule.response_plan,
        tasks=list(tasks),
        refs=[signal.ref],
    )


def tasks_delivering(
    ref: str,
    delivers: Mapping[str, Sequence[str]],
    flow_interfaces: Mapping[str, Iterable[str]] | None = None,
) -> list[str]:
    """The tasks that deliver ``ref``, in plan order.

    A task delivers an interface when it names the interface, its system, or a flow that reads,
    writes or calls it (``flow_interfaces``: flow reference to the interface references it
    uses). A task delivers a flow or a system when it names it.
    """
    parsed = Ref.parse(ref)
    wanted = {ref}
    if parsed.kind is RefKind.INTERFACE and parsed.system_id is not None:
        wanted.add(str(Ref(RefKind.SYSTEM, parsed.system_id)))
        for flow, interfaces in (flow_interfaces or {}).items():
            if ref in set(interfaces):
                wanted.add(flow)
    return [task for task, refs in delivers.items() if wanted.intersection(refs)]


NOT_READY: frozenset[Lifecycle] = frozenset({Lifecycle.DRAFT, Lifecycle.MOCKED})
"""Lifecycle states in which an interface cannot yet be relied on."""


class UpcomingTask(BaseModel):
    """A task not started yet: when it starts and the interfaces it needs."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    start: dt.datetime
    needs: frozenset[str] = Field(description="Interface references it delivers or relies on.")


def interfaces_only_mocked_near_start(
    tasks: Iterable[UpcomingTask],
    lifecycles: Mapping[str, Lifecycle],
    *,
    status_date: dt.datetime,
    within_days: int,
    time: WorkingTime,
) -> list[Signal]:
    """A signal per interface in draft or mocked whose tasks start within ``within_days``.

    Working days are counted on ``time`` from ``status_date``; a task that should already have
    started counts as starting now. The signal is critical when the first such task starts
    within half the window, else a warning. Interfaces that are ready (or whose tasks start
    later) get no signal: the caller clears the signals it raised before.
    """
    now = time.working_minutes(status_date)
    horizon = within_days * time.minutes_per_day
    waiting: dict[str, list[tuple[float, UpcomingTask]]] = {}
    for task in tasks:
        days = max(0, time.working_minutes(task.start) - now) / time.minutes_per_day
        if days * time.minutes_per_day > horizon:
            continue
        for ref in task.needs:
            lifecycle = lifecycles.get(ref)
            if lifecycle in NOT_READY:
                waiting.setdefault(ref, []).append((days, task))
    signals = []
    for ref in sorted(waiting):
        found = sorted(waiting[ref], key=lambda pair: (pair[0], pair[1].id))
        first_days = found[0][0]
        severity = (
            SignalSeverity.CRITICAL if first_days * 2 <= within_days else SignalSeverity.WARNING
        )
        signals.append(
            Signal(
                kind=SignalKind.INTERFACE_ONLY_MOCKED_NEAR_START,
                ref=ref,
                severity=severity,
                source="plan",
                evidence={
                    "lifecycle": str(lifecycles[ref]),
                    "within_working_days": within_days,
                    "tasks": [
                        {
                            "task": task.id,
                            "name": task.name,
                            "start": task.start.isoformat(),
                            "working_days_to_start": round(days, 2),
                        }
                        for days, task in found
                    ],
                },
            )
        )
    return signals
