"""The risk register: PMBOK scales, scores, levels and the 5×5 heat map."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from interloom.core.delivery.risks import (
    Objective,
    Risk,
    RiskLevel,
    RiskStatus,
    heat_map,
    heat_map_text,
    rank_risks,
    risk_level,
    scored,
)


def risk(ident: str = "R-1", **fields: Any) -> Risk:
    data: dict[str, Any] = {
        "id": ident,
        "title": "A risk",
        "probability": 0.5,
        "impact": {"schedule": 0.2},
    }
    return Risk.model_validate({**data, **fields})


@pytest.mark.parametrize(
    ("probability", "impact", "score", "level"),
    [
        (0.9, 0.2, 0.18, RiskLevel.HIGH),  # the PMBOK matrix's high zone starts here
        (0.7, 0.2, 0.14, RiskLevel.MEDIUM),
        (0.5, 0.1, 0.05, RiskLevel.MEDIUM),  # the medium zone starts here
        (0.9, 0.05, 0.045, RiskLevel.LOW),
        (0.3, 0.1, 0.03, RiskLevel.LOW),
        (0.1, 0.8, 0.08, RiskLevel.MEDIUM),
        (0.5, 0.8, 0.4, RiskLevel.HIGH),
    ],
)
def test_score_is_probability_times_impact_and_level_follows_pmbok(
    probability: float, impact: float, score: float, level: RiskLevel
) -> None:
    found = risk(probability=probability, impact={"cost": impact})

    assert found.score == score
    assert found.level is level
    assert risk_level(score) is level


def test_score_takes_the_largest_impact_over_the_objectives() -> None:
    found = risk(probability=0.7, impact={"schedule": 0.1, "quality": 0.4, "cost": 0.05})

    assert found.score == 0.28
    assert scored(found).impact == {
        Objective.SCHEDULE: 0.1,
        Objective.COST: 0.05,
        Objective.QUALITY: 0.4,
    }


def test_words_stand_for_the_steps_of_the_scales() -> None:
    found = risk(probability="very-high", impact={"schedule": "Very low", "scope": "high"})

    assert found.probability == 0.9
    assert found.impact.schedule == 0.05
    assert found.impact.scope == 0.4


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"probability": 0.4}, "not on the PMBOK scale"),
        ({"probability": "likely"}, "not a probability"),
        ({"impact": {"cost": 0.3}}, "not on the PMBOK scale"),
        ({"impact": {}}, "at least one of schedule, cost, scope, quality"),
        ({"category": "weather"}, "interface-compatibility"),
        ({"response": "ignore"}, "mitigate"),
    ],
)
def test_values_off_the_scales_are_refused_with_the_allowed_ones(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        risk(**fields)


def test_heat_map_places_open_risks_by_probability_and_largest_impact() -> None:
    risks = [
        scored(risk("R-1", probability=0.9, impact={"schedule": 0.8})),
        scored(risk("R-2", probability=0.9, impact={"quality": 0.8, "cost": 0.1})),
        scored(risk("R-3", probability=0.1, impact={"cost": 0.05})),
        scored(risk("R-4", probability=0.5, impact={"scope": 0.2}, status="closed")),
    ]

    heat = heat_map(risks)

    assert [len(row) for row in heat.rows] == [5] * 5
    assert heat.rows[0][4].risks == ["R-1", "R-2"]  # top row: 0.9; last column: 0.8
    assert (heat.rows[0][4].score, heat.rows[0][4].level) == (0.72, RiskLevel.HIGH)
    assert heat.rows[4][0].risks == ["R-3"]
    assert heat.total == 3  # the closed risk is left out
    closed = heat_map(risks, statuses=[RiskStatus.CLOSED])
    assert closed.rows[2][2].risks == ["R-4"]


def test_heat_map_as_text_shows_counts_and_zones() -> None:
    text = heat_map_text(heat_map([scored(risk("R-1", probability=0.9, impact={"cost": 0.8}))]))
    lines = text.splitlines()

    assert lines[0].split() == ["P", "\\", "I", "0.05", "0.1", "0.2", "0.4", "0.8"]
    assert lines[1].split() == ["0.9", "·", "·", "·", "·", "1H"]
    assert lines[5].split()[0] == "0.1"


def test_register_ranks_by_score_then_status_then_id() -> None:
    risks = [
        scored(risk("R-3", probability=0.5, impact={"cost": 0.2})),
        scored(risk("R-1", probability=0.5, impact={"cost": 0.2}, status="occurred")),
        scored(risk("R-2", probability=0.9, impact={"cost": 0.4})),
        scored(risk("R-4", probability=0.5, impact={"cost": 0.2})),
    ]

    assert [r.id for r in rank_risks(risks)] == ["R-2", "R-3", "R-4", "R-1"]
