"""Earned value management at a status date: PV, EV, AC, the indices, forecasts, earned schedule.

- **PV** (planned value) comes from the baseline: each task's budget is spread linearly over
  the working time between its baseline start and finish (a milestone's at its date).
- **EV** (earned value) is each task's budget times what it has earned, by an
  :class:`EarningRule`: its percent complete; 0/100 (nothing until done); 50/50 (half at the
  start); or *evidence* — weighted milestones measured on what it delivers, so that a started
  task's earned value grows as its interfaces reach ``conformant`` (their contract tests pass),
  ``load-tested`` and ``published`` (:data:`LIFECYCLE_WEIGHTS`); a task not started earns
  nothing, whatever state its interfaces are already in.
- **AC** (actual cost) is the cost recorded on a task; where none is, it is estimated as the
  task's budget times its percent complete, and the result says so (``ac_estimated``).

Then, as in the PMI's *Practice Standard for Earned Value Management*: SV = EV − PV,
CV = EV − AC, SPI = EV / PV, CPI = EV / AC; EAC = BAC / CPI (and the other usual formulas);
ETC = EAC − AC; VAC = BAC − EAC; TCPI = (BAC − EV) / (BAC − AC). Earned schedule (Lipke,
2003) measures time instead of money: ES = C + (EV − PV_C) / (PV_C+1 − PV_C), where C is the
number of whole periods (working days here) whose cumulative PV does not exceed EV; with AT
the actual time, SPI(t) = ES / AT, SV(t) = ES − AT, and IEAC(t) = PD / SPI(t).
A ratio without a denominator (SPI before anything was planned) is ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.catalog import Lifecycle
from interloom.core.delivery.activities import LocalDateTime
from interloom.core.delivery.calendar import WorkingTime


class EarningRule(StrEnum):
    """How a task earns its budget."""

    PERCENT_COMPLETE = "percent-complete"
    ZERO_HUNDRED = "0/100"
    FIFTY_FIFTY = "50/50"
    EVIDENCE = "evidence"


LIFECYCLE_WEIGHTS: dict[Lifecycle, float] = {
    Lifecycle.DRAFT: 0.0,
    Lifecycle.MOCKED: 0.25,
    Lifecycle.CONFORMANT: 0.5,
    Lifecycle.LOAD_TESTED: 0.75,
    Lifecycle.PUBLISHED: 1.0,
    Lifecycle.DEPRECATED: 1.0,
    Lifecycle.RETIRED: 1.0,
}
"""Weighted milestones of an interface: what share of a task's budget its state has earned."""


def evidence_weight(lifecycle: Lifecycle, contract_tests_passed: bool | None = None) -> float:
    """What an interface's state has earned; passing contract tests count as conformant."""
    weight = LIFECYCLE_WEIGHTS[lifecycle]
    if contract_tests_passed:
        weight = max(weight, LIFECYCLE_WEIGHTS[Lifecycle.CONFORMANT])
    return weight


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class BudgetedTask(_Model):
    """A task as the baseline has it: dates and budget (leaf tasks and milestones only)."""

    id: str
    name: str = ""
    start: dt.datetime
    finish: dt.datetime
    budget: float = Field(ge=0)


class TaskEarning(_Model):
    """What is known of a task's progress at the status date."""

    id: str
    percent_complete: float = Field(default=0, ge=0, le=100)
    started: bool = False
    evidence: float | None = Field(
        default=None, ge=0, le=1, description="Share earned by evidence, None if none applies."
    )
    actual_cost: float | None = Field(default=None, ge=0, description="Recorded, if any.")


def earned_share(rule: EarningRule, earning: TaskEarning) -> float:
    """The share of its budget (0–1) a task has earned under ``rule``."""
    done = earning.percent_complete >= 100
    if done:
        return 1.0
    if rule is EarningRule.ZERO_HUNDRED:
        return 0.0
    if rule is EarningRule.FIFTY_FIFTY:
        return 0.5 if earning.started or earning.percent_complete > 0 else 0.0
    if rule is EarningRule.EVIDENCE and earning.evidence is not None:
        # An interface that was ready before its task began earns that task nothing yet.
        started = earning.started or earning.percent_complete > 0
        return earning.evidence if started else 0.0
    return earning.percent_complete / 100


def planned_value(task: BudgetedTask, at: dt.datetime, time: WorkingTime) -> float:
    """The task's budget planned to be spent by ``at``, spread linearly over working time."""
    if at >= task.finish:
        return task.budget
    if at <= task.start:
        return 0.0
    span = time.working_time_between(task.start, task.finish)
    if span <= 0:
        return 0.0
    elapsed = time.working_time_between(task.start, at)
    return task.budget * min(1.0, max(0.0, elapsed / span))


def _ratio(top: float, bottom: float) -> float | None:
    return None if abs(bottom) < 1e-9 else top / bottom


def _rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


class Performance(_Model):
    """The cost and schedule measures of earned value management."""

    bac: float = Field(description="Budget at completion.")
    pv: float
    ev: float
    ac: float
    sv: float = Field(description="EV − PV.")
    cv: float = Field(description="EV − AC.")
    spi: float | None = Field(description="EV / PV.")
    cpi: float | None = Field(description="EV / AC.")
    eac: float | None = Field(description="BAC / CPI: the current cost efficiency continues.")
    eac_atypical: float = Field(description="AC + (BAC − EV): the rest goes to budget.")
    eac_cpi_spi: float | None = Field(
        description="AC + (BAC − EV) / (CPI × SPI): cost and schedule both weigh on the rest."
    )
    etc: float | None = Field(description="EAC − AC: the cost still to come.")
    vac: float | None = Field(description="BAC − EAC.")
    tcpi: float | None = Field(description="(BAC − EV) / (BAC − AC): efficiency needed for BAC.")
    tcpi_eac: float | None = Field(description="(BAC − EV) / (EAC − AC): needed for the EAC.")
    percent_complete: float | None = Field(description="EV / BAC × 100.")
    percent_spent: float | None = Field(description="AC / BAC × 100.")


def performance(bac: float, pv: float, ev: float, ac: float) -> Performance:
    """Every cost and schedule measure from the four base values."""
    spi = _ratio(ev, pv)
    cpi = _ratio(ev, ac)
    eac = None if cpi is None or cpi == 0 else bac / cpi
    both = None if cpi is None or spi is None or cpi * spi == 0 else cpi * spi
    eac_cpi_spi = None if both is None else ac + (bac - ev) / both
    return Performance(
        bac=round(bac, 2),
        pv=round(pv, 2),
        ev=round(ev, 2),
        ac=round(ac, 2),
        sv=round(ev - pv, 2),
        cv=round(ev - ac, 2),
        spi=_rounded(spi),
        cpi=_rounded(cpi),
        eac=_rounded(eac, 2),
        eac_atypical=round(ac + bac - ev, 2),
        eac_cpi_spi=_rounded(eac_cpi_spi, 2),
        etc=None if eac is None else round(eac - ac, 2),
        vac=None if eac is None else round(bac - eac, 2),
        tcpi=_rounded(_ratio(bac - ev, bac - ac)),
        tcpi_eac=None if eac is None else _rounded(_ratio(bac - ev, eac - ac)),
        percent_complete=_rounded(None if bac == 0 else 100 * ev / bac, 2),
        percent_spent=_rounded(None if bac == 0 else 100 * ac / bac, 2),
    )


class EarnedSchedule(_Model):
    """Earned schedule measures, in periods (working days)."""

    es: float = Field(description="Earned schedule: when the work done was planned to be done.")
    at: float = Field(description="Actual time: periods from the start to the status date.")
    pd: float = Field(description="Planned duration.")
    spi_t: float | None = Field(description="ES / AT.")
    sv_t: float = Field(description="ES − AT, in periods (negative: behind).")
    ieac_t: float | None = Field(description="PD / SPI(t): the forecast duration.")


def earned_schedule(
    cumulative_pv: Sequence[float], ev: float, actual_time: float, planned_duration: float
) -> EarnedSchedule:
    """Earned schedule from the cumulative PV at the end of each period (1, 2, … n).

    ``C`` is the number of periods whose cumulative PV is at most EV; ES adds the share of the
    next period's PV increment that EV covers. ES never exceeds the planned duration.
    """
    values = [0.0, *cumulative_pv]
    whole = 0
    for index in range(1, len(values)):
        if values[index] <= ev + 1e-9:
            whole = index
        else:
            break
    if whole >= len(values) - 1:
        es = planned_duration
    else:
        step = values[whole + 1] - values[whole]
        es = whole + (ev - values[whole]) / step
    es = min(es, planned_duration)
    spi_t = _ratio(es, actual_time)
    return EarnedSchedule(
        es=round(es, 4),
        at=round(actual_time, 4),
        pd=round(planned_duration, 4),
        spi_t=_rounded(spi_t),
        sv_t=round(es - actual_time, 4),
        ieac_t=None if not spi_t else round(planned_duration / spi_t, 4),
    )


class TaskValue(_Model):
    """One task's share of the measures."""

    id: str
    name: str
    budget: float
    pv: float
    ev: float
    ac: float
    earned_share: float
    ac_estimated: bool


class EarnedValue(_Model):
    """Earned value of the plan at a status date."""

    status_date: LocalDateTime
    rule: EarningRule
    baseline_start: LocalDateTime
    baseline_finish: LocalDateTime
    performance: Performance
    schedule: EarnedSchedule
    es_date: LocalDateTime = Field(description="The date the work done was planned to be done by.")
    forecast_finish: LocalDateTime | None = Field(description="The start plus IEAC(t).")
    ac_estimated: bool = Field(description="Some actual costs are estimated as budget × % done.")
    tasks: list[TaskValue]
    unbaselined: list[str] = Field(description="Tasks that are not in the baseline: no PV or EV.")


def compute_earned_value(
    budgeted: Sequence[BudgetedTask],
    earnings: Mapping[str, TaskEarning],
    *,
    status_date: dt.datetime,
    time: WorkingTime,
    rule: EarningRule = EarningRule.PERCENT_COMPLETE,
) -> EarnedValue:
    """PV, EV and AC of every baselined task, the indices, and earned schedule by working day.

    ``time`` is the project calendar compiled; periods are its working days (``minutes_per_day``
    each) from the earliest baseline start.
    """
    if not budgeted:
        raise ValueError("earned value needs at least one baselined task")
    start = min(t.start for t in budgeted)
    finish = max(t.finish for t in budgeted)
    rows = []
    for task in budgeted:
        earning = earnings.get(task.id, TaskEarning(id=task.id))
        share = earned_share(rule, earning)
        estimated = earning.actual_cost is None
        actual = (
            task.budget * earning.percent_complete / 100
            if earning.actual_cost is None
            else earning.actual_cost
        )
        rows.append(
            TaskValue(
                id=task.id,
                name=task.name,
                budget=round(task.budget, 2),
                pv=round(planned_value(task, status_date, time), 2),
                ev=round(task.budget * share, 2),
                ac=round(actual, 2),
                earned_share=round(share, 4),
                ac_estimated=estimated and actual > 0,
            )
        )
    bac = sum(t.budget for t in budgeted)
    pv = sum(planned_value(t, status_date, time) for t in budgeted)
    ev = sum(r.budget * r.earned_share for r in rows)
    ac = sum(r.ac for r in rows)
    per_day = time.minutes_per_day
    total = time.working_time_between(start, finish)
    curve = []
    for period in range(1, -(-total // per_day) + 1):
        at = time.finish_moment(time.working_minutes(start) + min(period * per_day, total))
        curve.append(sum(planned_value(t, at, time) for t in budgeted))
    actual_time = max(0, time.working_time_between(start, status_date)) / per_day
    schedule = earned_schedule(curve, ev, actual_time, total / per_day)
    origin = time.working_minutes(start)
    es_date = time.finish_moment(origin + round(schedule.es * per_day)) if schedule.es else start
    forecast = (
        None
        if schedule.ieac_t is None
        else time.finish_moment(origin + max(1, round(schedule.ieac_t * per_day)))
    )
    return EarnedValue(
        status_date=status_date,
        rule=rule,
        baseline_start=start,
        baseline_finish=finish,
        performance=performance(bac, pv, ev, ac),
        schedule=schedule,
        es_date=es_date,
        forecast_finish=forecast,
        ac_estimated=any(r.ac_estimated for r in rows),
        tasks=rows,
        unbaselined=sorted(set(earnings) - {t.id for t in budgeted}),
    )
