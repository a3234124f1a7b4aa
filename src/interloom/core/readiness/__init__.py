"""Readiness of a system's interfaces: the feasibility review, criterion by criterion.

Each interface is checked against weighted criteria (see :mod:`.criteria`); a pass counts its
full weight, a warning half, a failure nothing, and ``n/a`` (does not apply, or not measured)
is left out. An interface's score is the share of the weight it earned, 0–100; a system's score
is the mean of its interfaces' scores, and its gaps are the criteria that cost it the most
points. Measurements (latency, error rate) come in as :class:`ReadinessEvidence`, which probes
and mocks supply; without them the report says "not measured".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from interloom.core.readiness.criteria import CHECKS
from interloom.core.readiness.model import (
    DEFAULT_WEIGHTS,
    STATUS_VALUES,
    TITLES,
    ContractProblem,
    Criterion,
    CriterionId,
    Gap,
    InterfaceFacts,
    InterfaceReadiness,
    Measurement,
    ReadinessEvidence,
    ReadinessPolicy,
    Status,
    SystemReadiness,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "TITLES",
    "ContractProblem",
    "Criterion",
    "CriterionId",
    "Gap",
    "InterfaceFacts",
    "InterfaceReadiness",
    "Measurement",
    "ReadinessEvidence",
    "ReadinessPolicy",
    "Status",
    "SystemReadiness",
    "assess_interface",
    "assess_system",
    "score_of",
]

MAX_GAPS = 5


def score_of(criteria: Iterable[Criterion]) -> float | None:
    """The share of the applicable weight earned, 0–100; ``None`` when nothing applies."""
    earned = total = 0.0
    for criterion in criteria:
        if criterion.status is Status.NOT_APPLICABLE or criterion.weight == 0:
            continue
        total += criterion.weight
        earned += criterion.weight * STATUS_VALUES[criterion.status]
    return round(100 * earned / total, 1) if total else None


def assess_interface(
    facts: InterfaceFacts, policy: ReadinessPolicy | None = None
) -> InterfaceReadiness:
    """Every criterion of one interface, its score and grade."""
    policy = policy or ReadinessPolicy()
    criteria = []
    for criterion_id, check in CHECKS.items():
        finding = check(facts, policy)
        criteria.append(
            Criterion(
                id=criterion_id,
                title=TITLES[criterion_id],
                status=finding.status,
                weight=policy.weight(criterion_id),
                explanation=finding.explanation,
                hint=finding.hint,
                location=finding.location,
            )
        )
    score = score_of(criteria)
    interface = facts.interface
    return InterfaceReadiness(
        ref=facts.ref,
        name=interface.name,
        style=interface.style,
        lifecycle=facts.lifecycle,
        contract=interface.contract,
        operation=interface.operation,
        score=score,
        grade=policy.grade(score),
        criteria=criteria,
    )


def _lost_points(result: InterfaceReadiness) -> dict[CriterionId, float]:
    """Points of the interface's score each criterion cost it."""
    applicable = [
        c for c in result.criteria if c.status is not Status.NOT_APPLICABLE and c.weight > 0
    ]
    total = sum(c.weight for c in applicable)
    return {
        c.id: 100 * c.weight * (1 - STATUS_VALUES[c.status]) / total for c in applicable if total
    }


def _gaps(results: list[InterfaceReadiness]) -> list[Gap]:
    scored = [r for r in results if r.score is not None]
    if not scored:
        return []
    lost: dict[CriterionId, float] = {}
    for result in scored:
        for criterion_id, points in _lost_points(result).items():
            lost[criterion_id] = lost.get(criterion_id, 0.0) + points / len(scored)
    gaps = []
    for criterion_id, points in lost.items():
        if points <= 0:
            continue
        found = [(r.ref, r.criterion(criterion_id)) for r in scored]
        failing = [ref for ref, c in found if c.status is Status.FAIL]
        warning = [ref for ref, c in found if c.status is Status.WARN]
        hint = next((c.hint for _, c in found if c.status is Status.FAIL and c.hint), None)
        hint = hint or next((c.hint for _, c in found if c.hint), None)
        gaps.append(
            Gap(
                criterion=criterion_id,
                title=TITLES[criterion_id],
                points=round(points, 1),
                failing=failing,
                warning=warning,
                hint=hint,
            )
        )
    order = list(CriterionId)
    gaps.sort(key=lambda g: (-g.points, order.index(g.criterion)))
    return gaps[:MAX_GAPS]


def assess_system(
    facts: list[InterfaceFacts],
    *,
    system_ref: str,
    name: str,
    owner: str,
    assessed_at: datetime,
    policy: ReadinessPolicy | None = None,
) -> SystemReadiness:
    """The readiness of a system from the facts of each of its interfaces."""
    policy = policy or ReadinessPolicy()
    results = [assess_interface(f, policy) for f in facts]
    scores = [r.score for r in results if r.score is not None]
    score = round(sum(scores) / len(scores), 1) if scores else None
    counts = dict.fromkeys(Status, 0)
    for result in results:
        for criterion in result.criteria:
            counts[criterion.status] += 1
    measured = sum(
        1
        for f in facts
        if f.measurement is not None
        and (f.measurement.latency_p95_ms is not None or f.measurement.error_rate is not None)
    )
    return SystemReadiness(
        system=system_ref,
        id=system_ref.removeprefix("system:"),
        name=name,
        owner=owner,
        assessed_at=assessed_at,
        score=score,
        grade=policy.grade(score),
        counts=counts,
        measured=measured,
        gaps=_gaps(results),
        interfaces=results,
    )
