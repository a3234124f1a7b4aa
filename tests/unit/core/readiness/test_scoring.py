"""Scores, grades and gaps: how criteria add up for an interface and for a system."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.core.catalog import Lifecycle
from interloom.core.readiness import (
    Criterion,
    CriterionId,
    ReadinessPolicy,
    Status,
    assess_interface,
    assess_system,
    score_of,
)

from .readiness_facts import PROBLEM_BODY, facts, ok_response, openapi

WHEN = datetime(2027, 2, 1, 9, 30, tzinfo=UTC)
ORDER = [Status.FAIL, Status.WARN, Status.PASS]


def criterion(status: Status, weight: int = 1, ident: CriterionId = CriterionId.AUTH) -> Criterion:
    return Criterion(id=ident, title="t", status=status, weight=weight, explanation="e")


def test_a_pass_counts_its_weight_a_warning_half_a_failure_nothing() -> None:
    criteria = [
        criterion(Status.PASS, 3),
        criterion(Status.WARN, 2),
        criterion(Status.FAIL, 1),
        criterion(Status.NOT_APPLICABLE, 5),
    ]

    assert score_of(criteria) == round(100 * (3 + 1) / 6, 1)


def test_nothing_applicable_has_no_score_and_no_grade() -> None:
    policy = ReadinessPolicy()

    assert score_of([criterion(Status.NOT_APPLICABLE)]) is None
    assert policy.grade(None) == "n/a"


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100.0, "A"), (90.0, "A"), (89.9, "B"), (75.0, "B"), (60.0, "C"), (40.0, "D"), (39.9, "F")],
)
def test_grades_follow_the_policys_bands(score: float, grade: str) -> None:
    assert ReadinessPolicy().grade(score) == grade


statuses = st.sampled_from(list(Status))
weighted = st.lists(st.tuples(statuses, st.integers(0, 5)), min_size=1, max_size=11)


@given(weighted, st.data())
def test_a_better_status_never_lowers_the_score(
    entries: list[tuple[Status, int]], data: st.DataObject
) -> None:
    criteria = [criterion(s, w) for s, w in entries]
    index = data.draw(st.integers(0, len(entries) - 1))
    status, weight = entries[index]
    better = data.draw(st.sampled_from(ORDER[ORDER.index(status) :] if status in ORDER else ORDER))
    improved = [*criteria[:index], criterion(better, weight), *criteria[index + 1 :]]

    before, after = score_of(criteria), score_of(improved)

    if before is not None:
        assert 0 <= before <= 100
        if status is not Status.NOT_APPLICABLE:
            assert after is not None
            assert after >= before


def test_weights_come_from_the_policy() -> None:
    document = openapi({"responses": {"200": ok_response()}})
    heavy_rate_limits = ReadinessPolicy(weights={CriterionId.RATE_LIMITS: 20})

    usual = assess_interface(facts(document))
    heavy = assess_interface(facts(document), heavy_rate_limits)

    assert heavy.criterion(CriterionId.RATE_LIMITS).weight == 20
    assert heavy.score is not None
    assert usual.score is not None
    assert heavy.score < usual.score  # rate limits fail, and now weigh more


def system_of_two() -> list:  # type: ignore[type-arg]
    good = openapi(
        {
            "responses": {
                "200": ok_response(),
                "400": {"description": "bad", "content": PROBLEM_BODY},
                "500": {"description": "broken", "content": PROBLEM_BODY},
                "429": {"description": "slow", "headers": {"Retry-After": {"schema": {}}}},
            },
            "security": [],
        },
        servers=[{"url": "https://things.example"}],
    )
    weak = openapi(
        {"responses": {"200": ok_response(example=False)}},
        servers=[{"url": "https://things.example"}],
    )
    return [
        facts(good, lifecycle=Lifecycle.PUBLISHED),
        facts(weak, lifecycle=Lifecycle.DRAFT, interface={"id": "things.list"}),
    ]


def test_a_system_scores_the_mean_of_its_interfaces_with_its_gaps_worst_first() -> None:
    interfaces = system_of_two()

    report = assess_system(
        interfaces, system_ref="system:things", name="Things", owner="Things IT", assessed_at=WHEN
    )

    scores = [i.score for i in report.interfaces]
    assert scores[0] == 100.0
    assert scores[1] is not None
    assert scores[1] < 50
    assert report.score == round((scores[0] + scores[1]) / 2, 1)
    assert report.grade == ReadinessPolicy().grade(report.score)
    assert [g.points for g in report.gaps] == sorted((g.points for g in report.gaps), reverse=True)
    # Five criteria cost points (examples, auth, errors, rate limits, lifecycle): the gaps
    # account for every point lost (rounding aside).
    assert len(report.gaps) == 5
    assert sum(g.points for g in report.gaps) == pytest.approx(100 - report.score, abs=0.3)
    lifecycle = next(g for g in report.gaps if g.criterion is CriterionId.LIFECYCLE)
    assert lifecycle.failing == ["interface:things.things.list"]
    assert lifecycle.hint is not None
    assert lifecycle.hint.startswith("mock it from its contract")
    total = sum(report.counts.values())
    assert total == 2 * len(CriterionId)
    assert report.measured == 0


def test_a_system_without_interfaces_has_no_score() -> None:
    report = assess_system(
        [], system_ref="system:empty", name="Empty", owner="IT", assessed_at=WHEN
    )

    assert (report.score, report.grade, report.gaps, report.interfaces) == (None, "n/a", [], [])
