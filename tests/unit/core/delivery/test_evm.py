"""Earned value against hand-computed textbook cases.

Cases:
- the PMBOK-style worked example BAC 10,000, PV 5,000, EV 4,000, AC 4,500 (every index);
- Lipke's earned schedule with a cumulative PV of 100, 200, 300, 400, 500 per period;
- a two-task plan on the Standard calendar (Monday 4 to Friday 8 March 2024, 08:00–12:00 and
  13:00–17:00), phased linearly over working time, under each earning rule.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.core.catalog import Lifecycle
from interloom.core.delivery.calendar import Calendar, WorkingTime
from interloom.core.delivery.evm import (
    BudgetedTask,
    EarningRule,
    TaskEarning,
    compute_earned_value,
    earned_schedule,
    earned_share,
    evidence_weight,
    performance,
    planned_value,
)

TIME = WorkingTime(Calendar(), origin=dt.date(2024, 3, 4))


def at(day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, minute)


def test_every_index_of_the_textbook_example() -> None:
    # BAC 10,000; PV 5,000; EV 4,000; AC 4,500.
    result = performance(bac=10_000, pv=5_000, ev=4_000, ac=4_500)

    assert (result.sv, result.cv) == (-1_000, -500)
    assert result.spi == 0.8
    assert result.cpi == pytest.approx(0.8889, abs=1e-4)  # 4,000 / 4,500
    assert result.eac == pytest.approx(11_250)  # 10,000 / 0.8889
    assert result.eac_atypical == 10_500  # 4,500 + (10,000 - 4,000)
    assert result.eac_cpi_spi == pytest.approx(12_937.5)  # 4,500 + 6,000 / (0.8889 × 0.8)
    assert result.etc == pytest.approx(6_750)  # 11,250 - 4,500
    assert result.vac == pytest.approx(-1_250)  # 10,000 - 11,250
    assert result.tcpi == pytest.approx(1.0909, abs=1e-4)  # 6,000 / 5,500
    assert result.tcpi_eac == pytest.approx(0.8889, abs=1e-4)  # 6,000 / 6,750
    assert (result.percent_complete, result.percent_spent) == (40, 45)


def test_ratios_without_a_denominator_are_none() -> None:
    result = performance(bac=1_000, pv=0, ev=0, ac=0)

    assert (result.spi, result.cpi, result.eac, result.etc, result.vac) == (None,) * 5
    assert result.eac_atypical == 1_000


def test_earned_schedule_of_lipkes_example() -> None:
    # EV 250 lies between PV(2) = 200 and PV(3) = 300: ES = 2 + 50 / 100 = 2.5 periods.
    result = earned_schedule([100, 200, 300, 400, 500], ev=250, actual_time=4, planned_duration=5)

    assert result.es == 2.5
    assert result.spi_t == 0.625  # 2.5 / 4
    assert result.sv_t == -1.5  # 2.5 - 4
    assert result.ieac_t == 8  # 5 / 0.625


def test_earned_schedule_is_the_planned_duration_once_everything_is_earned() -> None:
    result = earned_schedule([100, 200, 300], ev=300, actual_time=4, planned_duration=3)

    assert result.es == 3
    assert result.spi_t == 0.75


def test_earned_schedule_counts_periods_with_nothing_planned() -> None:
    # Nothing was planned in the first two periods: EV 50 is half of the third one's PV.
    result = earned_schedule([0, 0, 100], ev=50, actual_time=3, planned_duration=3)

    assert result.es == 2.5


@given(
    steps=st.lists(st.floats(min_value=0, max_value=1_000), min_size=1, max_size=20),
    share=st.floats(min_value=0, max_value=1),
)
def test_earned_schedule_never_passes_the_period_where_pv_reaches_ev(
    steps: list[float], share: float
) -> None:
    cumulative = [sum(steps[: i + 1]) for i in range(len(steps))]
    ev = cumulative[-1] * share
    result = earned_schedule(cumulative, ev=ev, actual_time=1, planned_duration=len(steps))

    assert 0 <= result.es <= len(steps)
    whole = int(result.es)
    if whole < len(steps):  # PV at the end of the ES period is at least EV
        assert cumulative[whole] >= ev - 1e-6


# Two tasks: A Monday–Tuesday (2 days, 1,600), B Wednesday–Friday (3 days, 3,000), then a
# milestone. Status: Wednesday 12:00, A done at a recorded cost of 2,000, B 10 % done.
TASKS = [
    BudgetedTask(id="A", start=at(4), finish=at(5, 17), budget=1_600),
    BudgetedTask(id="B", start=at(6), finish=at(8, 17), budget=3_000),
    BudgetedTask(id="M", start=at(8, 17), finish=at(8, 17), budget=0),
]
EARNINGS = {
    "A": TaskEarning(id="A", percent_complete=100, started=True, actual_cost=2_000),
    "B": TaskEarning(id="B", percent_complete=10, started=True, evidence=0.5),
}
STATUS = at(6, 12)


def test_planned_value_is_spread_over_working_time() -> None:
    assert planned_value(TASKS[0], STATUS, TIME) == 1_600
    assert planned_value(TASKS[1], STATUS, TIME) == 500  # 240 of 1,440 working minutes
    assert planned_value(TASKS[1], at(6, 13), TIME) == 500  # lunch is not working time
    assert planned_value(TASKS[1], at(5, 17), TIME) == 0
    assert planned_value(TASKS[2], at(8, 16), TIME) == 0
    assert planned_value(TASKS[2], at(8, 17), TIME) == 0  # the milestone carries no budget


def test_earned_value_of_the_two_task_plan() -> None:
    result = compute_earned_value(TASKS, EARNINGS, status_date=STATUS, time=TIME)
    p = result.performance

    assert (p.bac, p.pv, p.ev, p.ac) == (4_600, 2_100, 1_900, 2_300)  # AC: 2,000 + 10 % of B
    assert (p.sv, p.cv) == (-200, -400)
    assert p.spi == pytest.approx(0.9048, abs=1e-4)
    assert p.cpi == pytest.approx(0.8261, abs=1e-4)
    assert result.ac_estimated  # B's actual cost is budget × % complete
    assert [t.ac_estimated for t in result.tasks] == [False, True, False]
    # PV at the end of each day: 800, 1,600, 2,600, 3,600, 4,600; EV 1,900 is 300 of day 3's
    # 1,000: ES = 2.3 days; AT = Monday 08:00 to Wednesday 12:00 = 2.5 days.
    s = result.schedule
    assert (s.es, s.at, s.pd) == (2.3, 2.5, 5)
    assert s.spi_t == 0.92
    assert s.sv_t == pytest.approx(-0.2)
    assert s.ieac_t == pytest.approx(5.4348, abs=1e-4)  # 5 / 0.92
    assert result.es_date == at(6, 10, 24)  # 1,104 working minutes after Monday 08:00
    assert result.forecast_finish == at(11, 11, 29)  # 2,609 working minutes after it


@pytest.mark.parametrize(
    ("rule", "ev"),
    [
        (EarningRule.PERCENT_COMPLETE, 1_900),
        (EarningRule.ZERO_HUNDRED, 1_600),
        (EarningRule.FIFTY_FIFTY, 3_100),
        (EarningRule.EVIDENCE, 3_100),  # B's interfaces have earned half of it
    ],
)
def test_each_earning_rule(rule: EarningRule, ev: float) -> None:
    result = compute_earned_value(TASKS, EARNINGS, status_date=STATUS, time=TIME, rule=rule)

    assert result.performance.ev == ev
    assert result.rule is rule


def test_evidence_rule_falls_back_to_percent_complete_without_evidence() -> None:
    earning = TaskEarning(id="X", percent_complete=40)

    assert earned_share(EarningRule.EVIDENCE, earning) == 0.4


def test_evidence_earns_nothing_before_the_task_starts() -> None:
    ready_before = TaskEarning(id="X", evidence=1.0)
    started = TaskEarning(id="X", started=True, evidence=0.75)

    assert earned_share(EarningRule.EVIDENCE, ready_before) == 0
    assert earned_share(EarningRule.EVIDENCE, started) == 0.75
    assert earned_share(EarningRule.FIFTY_FIFTY, TaskEarning(id="X")) == 0


def test_lifecycle_weights_and_passing_contract_tests() -> None:
    assert evidence_weight(Lifecycle.DRAFT) == 0
    assert evidence_weight(Lifecycle.MOCKED) == 0.25
    assert evidence_weight(Lifecycle.MOCKED, contract_tests_passed=True) == 0.5
    assert evidence_weight(Lifecycle.PUBLISHED, contract_tests_passed=False) == 1


def test_tasks_outside_the_baseline_are_reported_not_counted() -> None:
    earnings = {**EARNINGS, "NEW": TaskEarning(id="NEW", percent_complete=50)}

    result = compute_earned_value(TASKS, earnings, status_date=STATUS, time=TIME)

    assert result.unbaselined == ["NEW"]
    assert result.performance.ev == 1_900


def test_an_empty_baseline_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        compute_earned_value([], {}, status_date=STATUS, time=TIME)
