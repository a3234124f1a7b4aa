"""Baselines: a snapshot of the schedule, and how far the current schedule has moved from one.

Variances are working days on the project calendar, positive when the current date is later
than the baseline's (MS Project's sign): a task *slips* when its finish variance is positive.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.delivery.activities import LocalDateTime
from interloom.core.delivery.plan_schedule import Baseline, BaselineTask, PlanSchedule


class VarianceState(StrEnum):
    """Whether a task is in the baseline, the current plan, or both."""

    KEPT = "kept"
    ADDED = "added"  # in the plan, not in the baseline
    REMOVED = "removed"  # in the baseline, no longer in the plan


class TaskVariance(BaseModel):
    """One task against its baseline; variances in working days (> 0: later or longer)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    wbs: str
    state: VarianceState
    baseline_start: LocalDateTime | None
    baseline_finish: LocalDateTime | None
    start: LocalDateTime | None
    finish: LocalDateTime | None
    start_variance_days: float
    finish_variance_days: float
    duration_variance_days: float
    cost_variance: float
    slipped: bool


class BaselineComparison(BaseModel):
    """The current schedule against a baseline: per task, and for the project finish."""

    model_config = ConfigDict(frozen=True)

    baseline: str
    saved_at: dt.datetime
    project_finish: LocalDateTime
    baseline_finish: LocalDateTime | None
    finish_variance_days: float
    tasks: tuple[TaskVariance, ...]
    slipped: tuple[str, ...] = Field(description="Tasks that finish later than in the baseline.")


def take_baseline(schedule: PlanSchedule, name: str, saved_at: dt.datetime) -> Baseline:
    """A snapshot of every task's scheduled dates, duration and planned cost."""
    return Baseline(
        name=name,
        saved_at=saved_at,
        status_date=schedule.status_date,
        tasks={
            t.id: BaselineTask(
                start=t.start, finish=t.finish, duration_minutes=t.duration_minutes, cost=t.cost
            )
            for t in schedule.tasks
        },
    )


def compare_to_baseline(schedule: PlanSchedule, baseline: Baseline) -> BaselineComparison:
    """Every task's start, finish, duration and cost variance against ``baseline``."""
    clock = schedule.working_time()
    per_day = schedule.minutes_per_day

    def days(before: dt.datetime, after: dt.datetime) -> float:
        return round(clock.working_time_between(before, after) / per_day, 2)

    rows: list[TaskVariance] = []
    for task in schedule.tasks:
        was = baseline.tasks.get(task.id)
        if was is None:
            rows.append(
                TaskVariance(
                    id=task.id,
                    name=task.name,
                    wbs=task.wbs,
                    state=VarianceState.ADDED,
                    baseline_start=None,
                    baseline_finish=None,
                    start=task.start,
                    finish=task.finish,
                    start_variance_days=0,
                    finish_variance_days=0,
                    duration_variance_days=0,
                    cost_variance=task.cost,
                    slipped=False,
                )
            )
            continue
        finish_variance = days(was.finish, task.finish)
        rows.append(
            TaskVariance(
                id=task.id,
                name=task.name,
                wbs=task.wbs,
                state=VarianceState.KEPT,
                baseline_start=was.start,
                baseline_finish=was.finish,
                start=task.start,
                finish=task.finish,
                start_variance_days=days(was.start, task.start),
                finish_variance_days=finish_variance,
                duration_variance_days=round(
                    (task.duration_minutes - was.duration_minutes) / per_day, 2
                ),
                cost_variance=round(task.cost - was.cost, 2),
                slipped=finish_variance > 0,
            )
        )
    current = {t.id for t in schedule.tasks}
    for ident, was in baseline.tasks.items():
        if ident not in current:
            rows.append(
                TaskVariance(
                    id=ident,
                    name="",
                    wbs="",
                    state=VarianceState.REMOVED,
                    baseline_start=was.start,
                    baseline_finish=was.finish,
                    start=None,
                    finish=None,
                    start_variance_days=0,
                    finish_variance_days=0,
                    duration_variance_days=0,
                    cost_variance=-was.cost,
                    slipped=False,
                )
            )
    finishes = [t.finish for t in baseline.tasks.values()]
    baseline_finish = max(finishes) if finishes else None
    project_finish = schedule.schedule.project_finish
    return BaselineComparison(
        baseline=baseline.name,
        saved_at=baseline.saved_at,
        project_finish=project_finish,
        baseline_finish=baseline_finish,
        finish_variance_days=0
        if baseline_finish is None
        else days(baseline_finish, project_finish),
        tasks=tuple(rows),
        slipped=tuple(t.id for t in rows if t.slipped),
    )
