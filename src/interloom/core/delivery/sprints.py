"""Sprints: time-boxes that tasks are pulled into, their burndown, burnup and the velocity.

Sprints are declared in plan files (``sprints:``): an id, an optional start (by default the
working day after the previous sprint, the project start for the first), a length in working
time (default ``2w``, ten working days) and a goal. A task joins a sprint with ``sprint: ID`` (or
the sprint lists it under ``tasks:``) and stays in the critical-path schedule as well; a task
in no sprint is in the backlog.

Work is measured in story points when any task of the plan has them, else in hours (the
task's ``effort_hours``, else its duration). With points a task counts as done only when
complete; with hours its percent complete burns down as it goes. A sprint is closed once its
last working day has ended at the status date; the velocity is the work completed within
each closed sprint, and the forecast the average of the last three.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interloom.core.definition import Definition, PlanId
from interloom.core.delivery.activities import LocalDateTime, as_finish, as_start
from interloom.core.delivery.calendar import WorkingTime
from interloom.core.delivery.progress import TaskHistory
from interloom.core.errors import NotFoundError

if TYPE_CHECKING:
    from interloom.core.delivery.plan import Plan, Task, WorkAmount

VELOCITY_WINDOW = 3
"""How many of the latest closed sprints the velocity averages."""


class Sprint(Definition):
    """A time-box of the plan (``sprints:`` in a plan file); tasks join with ``sprint: ID``."""

    id: PlanId = Field(examples=["S-1"])
    name: str | None = None
    start: dt.date | None = Field(
        default=None,
        description="First day; default: the working day after the previous sprint "
        "(the project start for the first).",
    )
    length: WorkAmount = Field(default="2w", description="Working time; default 2w (10 days).")
    goal: str | None = None
    tasks: list[PlanId] = Field(
        default_factory=list,
        description="Tasks pulled into the sprint (as well as those naming it with sprint:).",
    )

    @field_validator("length")
    @classmethod
    def _fixed(cls, value: str) -> str:
        if value.endswith("%") or value.startswith("-") or float(value[:-1]) <= 0:
            raise ValueError("a sprint lasts a positive working time such as 2w or 10d")
        return value


class Measure(StrEnum):
    """What sprint work is counted in."""

    POINTS = "points"
    HOURS = "hours"


class SprintState(StrEnum):
    """Where a sprint stands at the status date."""

    PLANNED = "planned"
    ACTIVE = "active"
    CLOSED = "closed"


class SprintWindow(BaseModel):
    """A sprint placed on the calendar: its working days, first to last."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    goal: str | None
    start: dt.date
    finish: dt.date
    days: tuple[dt.date, ...]

    def state(self, status_date: dt.datetime) -> SprintState:
        """Planned before its first day, closed once its last day is over, else active."""
        if status_date < as_start(self.start):
            return SprintState.PLANNED
        if status_date >= as_finish(self.finish):
            return SprintState.CLOSED
        return SprintState.ACTIVE


def sprint_windows(
    sprints: Sequence[Sprint], project_start: dt.date, time: WorkingTime
) -> list[SprintWindow]:
    """Each sprint's working days, in declaration order."""
    from interloom.core.delivery.plan import working_minutes  # plan.py imports this module

    windows = []
    following = project_start
    for number, sprint in enumerate(sprints, start=1):
        first = time.next_working_moment(as_start(sprint.start or following))
        length = working_minutes(sprint.length, time.minutes_per_day)
        last = time.add_working_time(first, length)
        days = []
        day = first.date()
        while day <= last.date():
            if time.is_working_day(day):
                days.append(day)
            day += dt.timedelta(days=1)
        if last.time() == dt.time(0) and len(days) > 1 and days[-1] == last.date():
            days.pop()  # a calendar working to midnight ends the day before
        windows.append(
            SprintWindow(
                id=sprint.id,
                name=sprint.name or f"Sprint {number}",
                goal=sprint.goal,
                start=days[0],
                finish=days[-1],
                days=tuple(days),
            )
        )
        following = days[-1] + dt.timedelta(days=1)
    return windows


def find_window(windows: Sequence[SprintWindow], sprint_id: str) -> SprintWindow:
    """The sprint with this id; :class:`NotFoundError` lists the known ones."""
    for window in windows:
        if window.id == sprint_id:
            return window
    known = ", ".join(w.id for w in windows) or "none"
    raise NotFoundError(f"no sprint '{sprint_id}'", hint=f"sprints of the plan: {known}")


class SprintTask(BaseModel):
    """A task as sprint work: its size in the plan's measure."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    size: float
    assignee: str | None = None
    sprint: str | None = None


def plan_measure(plan: Plan) -> Measure:
    """Story points when any task has them, else hours."""
    return Measure.POINTS if any(t.story_points is not None for t in plan.tasks) else Measure.HOURS


def task_size(task: Task, measure: Measure, minutes_per_day: int = 480) -> float:
    """A task's size: its story points (0 if none), or its effort (else duration) in hours."""
    from interloom.core.delivery.plan import working_minutes  # plan.py imports this module

    if measure is Measure.POINTS:
        return task.story_points or 0.0
    if task.effort_hours is not None:
        return task.effort_hours
    if task.duration.endswith("%"):
        return 0.0
    return working_minutes(task.duration, minutes_per_day) / 60


def sprint_of(plan: Plan, sprints: Sequence[Sprint] = ()) -> dict[str, str]:
    """Task id to the sprint it is in: its own ``sprint:``, else a sprint listing it."""
    found = {task: sprint.id for sprint in sprints for task in sprint.tasks}
    found.update({t.id: t.sprint for t in plan.tasks if t.sprint is not None})
    return found


def sprint_tasks(
    plan: Plan, measure: Measure, minutes_per_day: int = 480, sprints: Sequence[Sprint] = ()
) -> list[SprintTask]:
    """The plan's leaf tasks as sprint work (summary tasks are not pulled into sprints)."""
    parents = {t.parent for t in plan.tasks if t.parent is not None}
    membership = sprint_of(plan, sprints)
    return [
        SprintTask(
            id=t.id,
            name=t.name,
            size=task_size(t, measure, minutes_per_day),
            assignee=t.assignee,
            sprint=membership.get(t.id),
        )
        for t in plan.tasks
        if t.id not in parents and not t.is_milestone
    ]


class SprintItem(BaseModel):
    """A task of a sprint at the status date."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    assignee: str | None
    size: float
    percent_complete: float
    done: bool
    finished_at: LocalDateTime | None


class SprintDay(BaseModel):
    """One point of the charts: the end of a working day (the first is the sprint's start)."""

    model_config = ConfigDict(frozen=True)

    day: dt.date
    label: str = Field(description="'start' for the first point, else the date.")
    ideal: float = Field(description="Remaining work on the straight line to zero.")
    scope: float
    remaining: float | None = Field(description="None for days after the status date.")
    done: float | None


class SprintReport(BaseModel):
    """A sprint's scope, progress, burndown and burnup at the status date."""

    model_config = ConfigDict(frozen=True)

    sprint: SprintWindow
    state: SprintState
    measure: Measure
    status_date: LocalDateTime
    scope: float
    completed: float
    remaining: float
    items: list[SprintItem]
    days: list[SprintDay]


def _done_fraction(history: TaskHistory | None, moment: dt.datetime, measure: Measure) -> float:
    if history is None:
        return 0.0
    percent = min(100.0, history.percent_at(moment))
    if measure is Measure.POINTS:
        return 1.0 if percent >= 100 else 0.0
    return percent / 100


def _work_done(
    items: Sequence[SprintTask],
    histories: Mapping[str, TaskHistory],
    moment: dt.datetime,
    measure: Measure,
) -> float:
    return sum(t.size * _done_fraction(histories.get(t.id), moment, measure) for t in items)


def sprint_report(
    window: SprintWindow,
    tasks: Sequence[SprintTask],
    histories: Mapping[str, TaskHistory],
    *,
    measure: Measure,
    status_date: dt.datetime,
) -> SprintReport:
    """Scope, burndown and burnup of one sprint, a point per working day up to the status date.

    The ideal line falls straight from the scope at the start to zero at the end of the last
    day. Work done before the sprint started counts from the start (it is not burnt in it).
    """
    scope_items = [t for t in tasks if t.sprint == window.id]
    scope = sum(t.size for t in scope_items)
    moments = [as_start(window.start), *(as_finish(d) for d in window.days)]
    count = len(window.days)
    days = []
    for index, moment in enumerate(moments):
        known = moment <= status_date or (index and moments[index - 1] < status_date)
        done = _work_done(scope_items, histories, min(moment, status_date), measure)
        days.append(
            SprintDay(
                day=window.start if index == 0 else window.days[index - 1],
                label="start" if index == 0 else window.days[index - 1].isoformat(),
                ideal=round(scope * (1 - index / count), 4),
                scope=scope,
                remaining=round(scope - done, 4) if known else None,
                done=round(done, 4) if known else None,
            )
        )
    end = min(as_finish(window.finish), status_date)
    items = []
    for task in scope_items:
        history = histories.get(task.id)
        percent = history.percent_at(status_date) if history is not None else 0.0
        finished = history.finished_at if history is not None else None
        items.append(
            SprintItem(
                id=task.id,
                name=task.name,
                assignee=task.assignee,
                size=task.size,
                percent_complete=percent,
                done=percent >= 100,
                finished_at=finished if finished is not None and finished <= status_date else None,
            )
        )
    completed = round(_work_done(scope_items, histories, end, measure), 4)
    return SprintReport(
        sprint=window,
        state=window.state(status_date),
        measure=measure,
        status_date=status_date,
        scope=scope,
        completed=completed,
        remaining=round(scope - _work_done(scope_items, histories, status_date, measure), 4),
        items=items,
        days=days,
    )


class SprintVelocity(BaseModel):
    """Work completed within one closed sprint, against what it had in scope."""

    model_config = ConfigDict(frozen=True)

    sprint: str
    name: str
    finish: dt.date
    committed: float
    completed: float


class Velocity(BaseModel):
    """Velocity per closed sprint, its recent average and what it forecasts for the backlog."""

    model_config = ConfigDict(frozen=True)

    measure: Measure
    sprints: list[SprintVelocity]
    average: float | None = Field(description=f"Of the last {VELOCITY_WINDOW} closed sprints.")
    backlog: float = Field(description="Work in no sprint, not done.")
    open_work: float = Field(description="Work not done, in sprints not closed and the backlog.")
    sprints_to_finish: float | None = Field(description="open_work / average, rounded up.")


def velocity(
    windows: Sequence[SprintWindow],
    tasks: Sequence[SprintTask],
    histories: Mapping[str, TaskHistory],
    *,
    measure: Measure,
    status_date: dt.datetime,
) -> Velocity:
    """Completed work per closed sprint; average of the last three; sprints left to finish."""
    closed = []
    for window in windows:
        if window.state(status_date) is not SprintState.CLOSED:
            continue
        scope = [t for t in tasks if t.sprint == window.id]
        done = _work_done(scope, histories, as_finish(window.finish), measure)
        closed.append(
            SprintVelocity(
                sprint=window.id,
                name=window.name,
                finish=window.finish,
                committed=sum(t.size for t in scope),
                completed=round(done, 4),
            )
        )
    recent = closed[-VELOCITY_WINDOW:]
    average = round(sum(s.completed for s in recent) / len(recent), 4) if recent else None
    closed_ids = {s.sprint for s in closed}
    open_tasks = [t for t in tasks if t.sprint not in closed_ids]
    open_work = sum(
        t.size * (1 - _done_fraction(histories.get(t.id), status_date, measure)) for t in open_tasks
    )
    backlog = sum(
        t.size * (1 - _done_fraction(histories.get(t.id), status_date, measure))
        for t in tasks
        if t.sprint is None
    )
    forecast = None
    if average:
        forecast = float(-(-round(open_work, 6) // average))
    return Velocity(
        measure=measure,
        sprints=closed,
        average=average,
        backlog=round(backlog, 4),
        open_work=round(open_work, 4),
        sprints_to_finish=forecast,
    )


def backlog(tasks: Sequence[SprintTask]) -> list[SprintTask]:
    """Tasks pulled into no sprint, in plan order."""
    return [t for t in tasks if t.sprint is None]


# The plan module resolves the names this module takes from it (it imports this module, so
# this one cannot import them first): loading it completes the models above.
import interloom.core.delivery.plan  # noqa: E402, F401
