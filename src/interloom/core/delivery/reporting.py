"""What the stand-up digest and the weekly report say, computed from the plan and the records.

The services gather the facts (the schedule now and a week ago, the baseline, updates, risks,
change requests, interface states); the functions here decide what they mean — what is done,
due or blocked per person; milestones' forecasts against their targets; how the critical path
moved; which interfaces the plan delivers are ready. ``formats.plan.reports`` renders them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.catalog import Lifecycle
from interloom.core.delivery.activities import LocalDateTime, as_finish, as_start
from interloom.core.delivery.baselines import TaskVariance
from interloom.core.delivery.calendar import WorkingTime
from interloom.core.delivery.evm import EarnedValue
from interloom.core.delivery.plan import TaskStatus
from interloom.core.delivery.plan_schedule import Baseline, PlannedTask, PlanSchedule
from interloom.core.delivery.progress import BLOCKED, TaskHistory
from interloom.core.delivery.risks import HeatMap, RiskLevel, ScoredRisk
from interloom.core.delivery.sprints import SprintReport, Velocity
from interloom.core.refs import Ref, RefKind

UNASSIGNED = "(unassigned)"
READY: frozenset[Lifecycle] = frozenset(
    {Lifecycle.CONFORMANT, Lifecycle.LOAD_TESTED, Lifecycle.PUBLISHED}
)
"""Interface states a delivery can rely on."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


def working_days(time: WorkingTime, start: dt.datetime, finish: dt.datetime) -> float:
    """Working days from ``start`` to ``finish`` (negative when earlier), to two places."""
    return round(time.working_time_between(start, finish) / time.minutes_per_day, 2)


# --- stand-up -----------------------------------------------------------------------------


class StandupEntry(_Model):
    """A task in someone's stand-up."""

    task: str
    name: str
    percent_complete: float
    finish: LocalDateTime
    note: str | None = None


class PersonStandup(_Model):
    """One person's part of the stand-up."""

    person: str
    done: list[StandupEntry] = Field(description="Finished since the previous working day.")
    due_today: list[StandupEntry] = Field(description="Scheduled to finish today, not done.")
    blocked: list[StandupEntry]
    in_progress: list[StandupEntry]


class Standup(_Model):
    """The stand-up digest of one day."""

    project: str
    day: dt.date
    since: LocalDateTime = Field(description="Start of the previous working day.")
    people: list[PersonStandup]


def previous_working_day(time: WorkingTime, day: dt.date) -> dt.date:
    """The last working day before ``day``."""
    moment = time.previous_working_moment(as_start(day))
    if moment.time() == dt.time(0):
        moment -= dt.timedelta(minutes=1)
    return moment.date()


def standup_digest(
    schedule: PlanSchedule, histories: Mapping[str, TaskHistory], day: dt.date
) -> Standup:
    """Per person: done since the previous working day, due today, blocked, in progress.

    ``schedule`` should be computed with the previous working day as its status date (so that
    today's work is still planned for today) and the updates made up to the end of ``day``;
    the histories say when each task finished and what was last noted.
    """
    time = schedule.working_time()
    since = as_start(previous_working_day(time, day))
    end = as_finish(day)
    people: dict[str, dict[str, list[StandupEntry]]] = {}
    for task in schedule.tasks:
        if task.summary:
            continue
        history = histories.get(task.id)
        notes = history.between(since, end) if history is not None else []
        note = next((p.note for p in reversed(notes) if p.note), None)
        entry = StandupEntry(
            task=task.id,
            name=task.name,
            percent_complete=task.percent_complete,
            finish=task.finish,
            note=note,
        )
        finished = history.finished_at if history is not None else task.actual_finish
        status = history.status_at(end) if history is not None else None
        status = status or (task.status.value if task.status is not None else None)
        done = task.percent_complete >= 100
        lists = people.setdefault(
            task.assignee or UNASSIGNED,
            {"done": [], "due_today": [], "blocked": [], "in_progress": []},
        )
        # A date-only finish is the end of its day (midnight after it): the window is (since, end].
        if done and finished is not None and since < finished <= end:
            lists["done"].append(entry)
        if done or task.status is TaskStatus.CANCELLED:
            continue
        if status == BLOCKED:
            lists["blocked"].append(entry)
        if task.finish.date() == day or (task.deadline == day):
            lists["due_today"].append(entry)
        elif task.progress.value == "in_progress" and status != BLOCKED:
            lists["in_progress"].append(entry)
    digest = [
        PersonStandup(person=person, **lists)
        for person, lists in sorted(people.items())
        if any(lists.values())
    ]
    return Standup(project=schedule.name, day=day, since=since, people=digest)


# --- weekly report ------------------------------------------------------------------------


class MilestoneState(StrEnum):
    """How a milestone fares against its target."""

    DONE = "done"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    LATE = "late"
    NO_TARGET = "no-target"


class MilestoneForecast(_Model):
    """A milestone's forecast against its target date and baseline."""

    id: str
    name: str
    target: dt.date | None
    baseline: LocalDateTime | None
    forecast: LocalDateTime
    slip_days: float | None = Field(description="Working days past the target (< 0: ahead).")
    state: MilestoneState


def milestone_forecasts(
    schedule: PlanSchedule, baseline: Baseline | None = None, *, at_risk_days: float = 2
) -> list[MilestoneForecast]:
    """Every milestone: done, on track, at risk (within ``at_risk_days`` of its target), late.

    A milestone is done when marked complete or when every task leading to it is; its
    forecast is then when the last of them finished.
    """
    time = schedule.working_time()
    by_id = {t.id: t for t in schedule.tasks}
    found = []
    for task in schedule.tasks:
        if not task.milestone or task.summary:
            continue
        base = baseline.tasks.get(task.id) if baseline is not None else None
        target = task.deadline
        # Reached once everything leading to it is done, whenever it was marked complete.
        leading = [by_id[k.predecessor] for k in schedule.links if k.successor == task.id]
        reached = bool(leading) and all(p.percent_complete >= 100 for p in leading)
        forecast = max(p.finish for p in leading) if reached else task.finish
        slip = None if target is None else working_days(time, as_finish(target), forecast)
        if task.percent_complete >= 100 or reached:
            state = MilestoneState.DONE
        elif slip is None:
            state = MilestoneState.NO_TARGET
        elif slip > 0:
            state = MilestoneState.LATE
        elif -slip <= at_risk_days:
            state = MilestoneState.AT_RISK
        else:
            state = MilestoneState.ON_TRACK
        found.append(
            MilestoneForecast(
                id=task.id,
                name=task.name,
                target=target,
                baseline=None if base is None else base.finish,
                forecast=forecast,
                slip_days=slip,
                state=state,
            )
        )
    return sorted(found, key=lambda m: (m.forecast, m.id))


class CriticalTask(_Model):
    """A task on the critical path."""

    id: str
    name: str
    start: LocalDateTime
    finish: LocalDateTime
    total_float_days: float
    percent_complete: float
    assignee: str | None


class CriticalPathChange(_Model):
    """How the critical path moved since an earlier schedule."""

    added: list[str]
    removed: list[str]


def critical_tasks(schedule: PlanSchedule) -> list[CriticalTask]:
    """The critical leaf tasks and milestones, by start."""
    per_day = schedule.minutes_per_day
    by_id = {t.id: t for t in schedule.tasks}
    return [
        CriticalTask(
            id=t.id,
            name=t.name,
            start=t.start,
            finish=t.finish,
            total_float_days=round(t.total_float / per_day, 2),
            percent_complete=t.percent_complete,
            assignee=t.assignee,
        )
        for t in (by_id[i] for i in schedule.critical_path if i in by_id)
        if not t.summary
    ]


def critical_path_change(now: PlanSchedule, before: PlanSchedule | None) -> CriticalPathChange:
    """Tasks that joined and left the critical path since ``before`` (complete ones leave)."""
    if before is None:
        return CriticalPathChange(added=[], removed=[])
    current = {t.id for t in critical_tasks(now)}
    previous = {t.id for t in critical_tasks(before)}
    order = [t.id for t in now.tasks] + [t.id for t in before.tasks]
    rank = {ident: index for index, ident in reversed(list(enumerate(order)))}
    return CriticalPathChange(
        added=sorted(current - previous, key=rank.__getitem__),
        removed=sorted(previous - current, key=rank.__getitem__),
    )


class InterfaceReadiness(_Model):
    """An interface the plan delivers: its state and when the work needing it starts."""

    ref: str
    name: str
    lifecycle: Lifecycle
    ready: bool
    tasks: list[str]
    needed_by: LocalDateTime | None = Field(description="Earliest start of an unfinished task.")


def interface_readiness(
    schedule: PlanSchedule,
    lifecycles: Mapping[str, Lifecycle],
    names: Mapping[str, str] | None = None,
) -> list[InterfaceReadiness]:
    """The lifecycle of every interface some task delivers, in order of need."""
    tasks_of: dict[str, list[PlannedTask]] = {}
    for task in schedule.tasks:
        for text in task.delivers:
            if Ref.parse(text).kind is RefKind.INTERFACE:
                tasks_of.setdefault(text, []).append(task)
    found = []
    for ref, tasks in tasks_of.items():
        lifecycle = lifecycles.get(ref)
        if lifecycle is None:
            continue
        open_starts = [t.start for t in tasks if t.percent_complete < 100]
        found.append(
            InterfaceReadiness(
                ref=ref,
                name=(names or {}).get(ref, ref),
                lifecycle=lifecycle,
                ready=lifecycle in READY,
                tasks=[t.id for t in tasks],
                needed_by=min(open_starts) if open_starts else None,
            )
        )
    far = dt.datetime.max
    return sorted(found, key=lambda r: (r.ready, r.needed_by or far, r.ref))


class ChangeLine(_Model):
    """An open change request in the report."""

    id: str
    title: str
    state: str
    requester: str | None
    finish_delta_days: float | None = Field(description="From its assessment, if assessed.")
    cost_delta: float | None


class WeekWork(_Model):
    """A task in the week's lists."""

    id: str
    name: str
    assignee: str | None
    finish: LocalDateTime


class WeeklyReport(_Model):
    """Everything the weekly report shows."""

    project: str
    currency: str
    week_start: dt.date
    week_end: dt.date
    status_date: LocalDateTime
    generated_at: dt.datetime
    finish: LocalDateTime = Field(description="Forecast project finish.")
    previous_finish: LocalDateTime | None = Field(description="Forecast a week earlier.")
    baseline_name: str | None
    baseline_finish: LocalDateTime | None
    finish_slip_days: float | None = Field(description="Working days past the baseline finish.")
    milestones: list[MilestoneForecast]
    critical_path: list[CriticalTask]
    critical_change: CriticalPathChange
    slipped: list[TaskVariance] = Field(description="Tasks finishing after the baseline.")
    completed: list[WeekWork]
    starting_next: list[WeekWork]
    evm: EarnedValue | None
    evm_note: str | None
    risks: list[ScoredRisk]
    risk_counts: dict[RiskLevel, int]
    heat_map: HeatMap
    changes: list[ChangeLine]
    interfaces: list[InterfaceReadiness]
    sprint: SprintReport | None
    velocity: Velocity | None


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week holding ``day``."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def week_work(
    schedule: PlanSchedule,
    histories: Mapping[str, TaskHistory],
    week_start: dt.date,
) -> tuple[list[WeekWork], list[WeekWork]]:
    """Tasks finished during the week, and tasks not started that start the week after."""
    start = as_start(week_start)
    end = start + dt.timedelta(days=7)
    following = end + dt.timedelta(days=7)
    completed, starting = [], []
    for task in schedule.tasks:
        if task.summary or task.milestone:
            continue
        item = WeekWork(id=task.id, name=task.name, assignee=task.assignee, finish=task.finish)
        history = histories.get(task.id)
        finished = history.finished_at if history is not None else None
        if finished is not None and start <= finished < end:
            completed.append(item)
        elif task.progress.value == "not_started" and end <= task.start < following:
            starting.append(item)
    return completed, starting


def sort_changes(lines: Sequence[ChangeLine]) -> list[ChangeLine]:
    """Open change requests, most advanced in the workflow first."""
    order = {"approved": 0, "assessed": 1, "submitted": 2, "draft": 3}
    return sorted(lines, key=lambda c: (order.get(c.state, 9), c.id))
