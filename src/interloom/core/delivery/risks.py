"""The risk register: risks declared in ``plan/*.yaml``, their PMBOK scores, and the heat map.

A risk has a probability and an impact on each objective it threatens (schedule, cost, scope,
quality), both on the PMBOK Guide's scales: probability 0.1/0.3/0.5/0.7/0.9 ("very low" to
"very high") and impact 0.05/0.1/0.2/0.4/0.8. Its score is the probability times its largest
impact, and its level follows the PMBOK probability-and-impact matrix: high from 0.18, medium
from 0.05, low below. Words are accepted for both scales (``probability: high`` is 0.7).

Risks raised automatically from signals (a breaking contract change, a failing contract test,
an SLO burning…) are records, not definitions: see ``signals`` and ``services/risk_signals``.
They are scored on the same scales and shown in the same register and heat map.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from interloom.core.definition import AnyRef, Definition, PlanId, Text

PROBABILITIES: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7, 0.9)
"""The PMBOK probability scale, very low to very high."""
IMPACTS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8)
"""The PMBOK impact scale (on one objective), very low to very high."""
SCALE_WORDS: tuple[str, ...] = ("very-low", "low", "medium", "high", "very-high")

HIGH_SCORE = 0.18
"""Scores from here up are high (the PMBOK matrix's dark zone)."""
MEDIUM_SCORE = 0.05
"""Scores from here up to :data:`HIGH_SCORE` are medium; below, low."""


def _on_scale(scale: tuple[float, ...], what: str) -> BeforeValidator:
    listed = "/".join(f"{v:g}" for v in scale)

    def check(value: object) -> object:
        if isinstance(value, str) and not _is_number(value):
            word = value.strip().lower().replace(" ", "-").replace("_", "-")
            if word in SCALE_WORDS:
                return scale[SCALE_WORDS.index(word)]
            raise ValueError(f"'{value}' is not a {what}: write one of {listed} or a word")
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            number = float(value)
            for step in scale:
                if abs(number - step) < 1e-9:
                    return step
            raise ValueError(f"{what} {value} is not on the PMBOK scale {listed}")
        return value

    return BeforeValidator(check, json_schema_input_type=float | str)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


Probability = Annotated[
    float,
    _on_scale(PROBABILITIES, "probability"),
    Field(
        description="0.1, 0.3, 0.5, 0.7 or 0.9 (or very-low, low, medium, high, very-high).",
        examples=[0.5, "high"],
    ),
]
ImpactValue = Annotated[
    float,
    _on_scale(IMPACTS, "impact"),
    Field(
        description="0.05, 0.1, 0.2, 0.4 or 0.8 (or very-low, low, medium, high, very-high).",
        examples=[0.4, "medium"],
    ),
]


class RiskCategory(StrEnum):
    """What kind of trouble a risk is about (the risk breakdown structure's top level)."""

    INTERFACE_COMPATIBILITY = "interface-compatibility"
    DATA_CONSISTENCY = "data-consistency"
    PERFORMANCE = "performance"
    SECURITY = "security"
    SCHEDULE = "schedule"
    RESOURCE = "resource"
    COST = "cost"
    SCOPE = "scope"
    VENDOR = "vendor"
    OPERATIONS = "operations"
    COMPLIANCE = "compliance"
    OTHER = "other"


class Objective(StrEnum):
    """A project objective a risk can hurt."""

    SCHEDULE = "schedule"
    COST = "cost"
    SCOPE = "scope"
    QUALITY = "quality"


class ResponseStrategy(StrEnum):
    """How the project answers a threat (PMBOK)."""

    AVOID = "avoid"
    MITIGATE = "mitigate"
    TRANSFER = "transfer"
    ACCEPT = "accept"
    ESCALATE = "escalate"


class RiskStatus(StrEnum):
    """Whether a risk is still a threat, gone, or has happened (it is then an issue)."""

    OPEN = "open"
    CLOSED = "closed"
    OCCURRED = "occurred"


class RiskLevel(StrEnum):
    """The zone of the probability-and-impact matrix a score falls in."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RiskImpact(Definition):
    """The impact on each objective the risk threatens; at least one."""

    schedule: ImpactValue | None = None
    cost: ImpactValue | None = None
    scope: ImpactValue | None = None
    quality: ImpactValue | None = None

    @model_validator(mode="after")
    def _some(self) -> RiskImpact:
        if not self.by_objective():
            raise ValueError("give the impact on at least one of schedule, cost, scope, quality")
        return self

    def by_objective(self) -> dict[Objective, float]:
        """The impacts given, by objective."""
        values = {
            Objective.SCHEDULE: self.schedule,
            Objective.COST: self.cost,
            Objective.SCOPE: self.scope,
            Objective.QUALITY: self.quality,
        }
        return {objective: v for objective, v in values.items() if v is not None}

    @property
    def highest(self) -> float:
        """The largest impact over the objectives."""
        return max(self.by_objective().values())


def risk_score(probability: float, impact: float) -> float:
    """Probability × impact, rounded to four places (the matrix's cells are exact there)."""
    return round(probability * impact, 4)


def risk_level(score: float) -> RiskLevel:
    """The PMBOK zone of a score: high from 0.18, medium from 0.05, low below."""
    if score >= HIGH_SCORE:
        return RiskLevel.HIGH
    if score >= MEDIUM_SCORE:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


class Risk(Definition):
    """A risk of the register (``risks:`` in a plan file), linked to tasks and references."""

    id: PlanId = Field(examples=["R-1"])
    title: Text
    description: str | None = None
    category: RiskCategory = RiskCategory.OTHER
    probability: Probability
    impact: RiskImpact
    owner: str | None = Field(default=None, description="Who watches the risk and responds.")
    response: ResponseStrategy | None = Field(
        default=None, description="avoid, mitigate, transfer, accept or escalate."
    )
    response_plan: str | None = Field(default=None, description="What is done about it.")
    triggers: list[Text] = Field(
        default_factory=list, description="Signs that the risk is about to happen."
    )
    status: RiskStatus = RiskStatus.OPEN
    tasks: list[PlanId] = Field(default_factory=list, description="Tasks the risk threatens.")
    refs: list[AnyRef] = Field(
        default_factory=list, description="Interfaces, flows and systems it is about."
    )
    raised: dt.date | None = Field(default=None, description="When it was identified.")
    review_by: dt.date | None = Field(default=None, description="Next review date.")

    @property
    def score(self) -> float:
        """Probability × the largest impact."""
        return risk_score(self.probability, self.impact.highest)

    @property
    def level(self) -> RiskLevel:
        """Low, medium or high by the PMBOK thresholds."""
        return risk_level(self.score)


class ScoredRisk(BaseModel):
    """One line of the register, declared or raised automatically, with its score."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(examples=["R-1", "AR-3"])
    title: str
    category: RiskCategory
    probability: float
    impact: dict[Objective, float]
    score: float
    level: RiskLevel
    status: RiskStatus
    owner: str | None = None
    response: ResponseStrategy | None = None
    response_plan: str | None = None
    tasks: list[str] = Field(default_factory=list)
    refs: list[str] = Field(default_factory=list)
    automatic: bool = Field(default=False, description="Raised from a signal, not declared.")
    description: str | None = None
    triggers: list[str] = Field(default_factory=list)


def scored(risk: Risk) -> ScoredRisk:
    """A declared risk as a line of the register."""
    return ScoredRisk(
        id=risk.id,
        title=risk.title,
        category=risk.category,
        probability=risk.probability,
        impact=risk.impact.by_objective(),
        score=risk.score,
        level=risk.level,
        status=risk.status,
        owner=risk.owner,
        response=risk.response,
        response_plan=risk.response_plan,
        tasks=list(risk.tasks),
        refs=list(risk.refs),
        description=risk.description,
        triggers=list(risk.triggers),
    )


def rank_risks(risks: Iterable[ScoredRisk]) -> list[ScoredRisk]:
    """Highest score first; open before occurred before closed among equals; then by id."""
    order = {RiskStatus.OPEN: 0, RiskStatus.OCCURRED: 1, RiskStatus.CLOSED: 2}
    return sorted(risks, key=lambda r: (-r.score, order[r.status], r.id))


class HeatCell(BaseModel):
    """One cell of the 5×5 matrix: a probability, an impact, and the risks in it."""

    model_config = ConfigDict(frozen=True)

    probability: float
    impact: float
    score: float
    level: RiskLevel
    risks: list[str]


class HeatMap(BaseModel):
    """The probability-and-impact matrix: rows from very high probability down, columns up."""

    model_config = ConfigDict(frozen=True)

    rows: list[list[HeatCell]]

    @property
    def total(self) -> int:
        """How many risks are placed on the map."""
        return sum(len(cell.risks) for row in self.rows for cell in row)


def _nearest(scale: tuple[float, ...], value: float) -> float:
    return min(scale, key=lambda step: (abs(step - value), step))


def heat_map(risks: Sequence[ScoredRisk], *, statuses: Iterable[RiskStatus] = ()) -> HeatMap:
    """Place risks on the 5×5 matrix by probability and largest impact.

    Only open risks by default; pass ``statuses`` to show others. Values off the scales (a
    hand-tuned automatic risk) go to the nearest step.
    """
    shown = set(statuses) or {RiskStatus.OPEN}
    cells: dict[tuple[float, float], list[str]] = {
        (p, i): [] for p in PROBABILITIES for i in IMPACTS
    }
    for risk in risks:
        if risk.status not in shown or not risk.impact:
            continue
        key = (
            _nearest(PROBABILITIES, risk.probability),
            _nearest(IMPACTS, max(risk.impact.values())),
        )
        cells[key].append(risk.id)
    rows = []
    for probability in reversed(PROBABILITIES):
        row = []
        for impact in IMPACTS:
            score = risk_score(probability, impact)
            row.append(
                HeatCell(
                    probability=probability,
                    impact=impact,
                    score=score,
                    level=risk_level(score),
                    risks=sorted(cells[(probability, impact)]),
                )
            )
        rows.append(row)
    return HeatMap(rows=rows)


def heat_map_text(heat: HeatMap) -> str:
    """The matrix as fixed-width text: counts per cell, level initial beside each."""
    width = 9
    header = "P \\ I".ljust(6) + "".join(f"{c.impact:g}".rjust(width) for c in heat.rows[0])
    lines = [header]
    for row in heat.rows:
        cells = "".join(
            (f"{len(c.risks)}{c.level.value[0].upper()}" if c.risks else "·").rjust(width)
            for c in row
        )
        lines.append(f"{row[0].probability:g}".ljust(6) + cells)
    lines.append("counts of open risks; L/M/H = low, medium, high zone")
    return "\n".join(lines)
