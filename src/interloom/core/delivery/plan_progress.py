"""Progress records on tasks, and each task's progress once they overlay the plan files.

A plan file may carry a task's percent complete, actual dates and status; what people report
day by day is recorded as :class:`TaskUpdate` records in the database. The records apply over
the file in the order they were made; a field a record leaves ``None`` keeps its value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from interloom.core.delivery.activities import Moment, as_finish, as_start
from interloom.core.delivery.plan import Plan, TaskStatus, WorkAmount, percent_of, working_minutes
from interloom.core.delivery.plan_errors import (
    Locator,
    PlanProgressError,
    PlanReferenceError,
    PlanSite,
    PlanStructureError,
)


class TaskUpdate(BaseModel):
    """One status report on a task; fields left ``None`` keep their previous value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str = Field(min_length=1)
    at: dt.datetime = Field(description="When the update was recorded.")
    percent_complete: float | None = Field(default=None, ge=0, le=100)
    actual_start: Moment | None = None
    actual_finish: Moment | None = None
    status: TaskStatus | None = None
    remaining_duration: WorkAmount | None = Field(
        default=None, description="Work left; re-estimates the duration, keeping the work done."
    )
    author: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _remaining_is_time(self) -> TaskUpdate:
        if self.remaining_duration is not None:
            if percent_of(self.remaining_duration) is not None:
                raise ValueError("a remaining duration is working time, not a percentage")
            if self.remaining_duration.startswith("-"):
                raise ValueError("a remaining duration cannot be negative")
        return self


@dataclass(slots=True)
class TaskState:
    """A task's duration (working minutes) and progress once the updates are applied."""

    duration: int
    percent: float
    actual_start: dt.date | None
    actual_finish: dt.date | None
    status: TaskStatus | None

    @property
    def done(self) -> bool:
        """Whether the task is finished (or cancelled)."""
        return (
            self.percent >= 100
            or self.actual_finish is not None
            or self.status in (TaskStatus.DONE, TaskStatus.CANCELLED)
        )


def update_order(update: TaskUpdate) -> float:
    """When the update was made, as a timestamp (a naive time is taken as UTC)."""
    at = update.at if update.at.tzinfo is not None else update.at.replace(tzinfo=dt.UTC)
    return at.timestamp()


def task_states(
    plan: Plan,
    minutes_per_day: Mapping[str, int],
    summaries: set[str],
    updates: Sequence[TaskUpdate],
    locate: Locator,
    *,
    check: bool = True,
) -> dict[str, TaskState]:
    """Each task's progress: the file's, then every update in the order it was recorded.

    ``minutes_per_day`` gives, per task id, the length of one day on the task's calendar.
    With ``check``, progress that contradicts itself raises :class:`PlanProgressError`.
    """
    states: dict[str, TaskState] = {}
    for task in plan.tasks:
        per_day = minutes_per_day[task.id]
        duration = 0 if task.is_milestone else working_minutes(task.duration, per_day)
        if duration < 0:
            raise PlanStructureError(
                f"task '{task.id}' has a negative duration ({task.duration})",
                site=PlanSite("tasks", task.id, ("duration",)),
                locate=locate,
                hint="a lead belongs on a link: depends_on: [{task: …, lag: -1d}]",
            )
        percent = task.percent_complete
        if task.actual_finish is not None or task.status is TaskStatus.DONE:
            percent = 100  # finished: its actual finish or its status says so
        states[task.id] = TaskState(
            duration, percent, task.actual_start, task.actual_finish, task.status
        )
    for update in sorted(updates, key=update_order):
        state = states.get(update.task)
        if state is None:
            raise PlanReferenceError(
                f"an update names no task '{update.task}' of the plan",
                site=PlanSite("updates", update.task, ("task",)),
                locate=locate,
            )
        apply_update(state, update, minutes_per_day[update.task])
    for task_id, state in states.items() if check else ():
        check_state(task_id, state, summary=task_id in summaries, locate=locate)
    return states


def apply_update(state: TaskState, update: TaskUpdate, minutes_per_day: int) -> None:
    """Overlay one update on a task's state."""
    if update.percent_complete is not None:
        state.percent = update.percent_complete
    if update.actual_start is not None:
        state.actual_start = update.actual_start
    if update.actual_finish is not None:
        state.actual_finish = update.actual_finish
        state.percent = 100
    if update.status is not None:
        state.status = update.status
        if update.status is TaskStatus.DONE and update.percent_complete is None:
            state.percent = 100
    if update.remaining_duration is not None and state.percent < 100:
        # As in MS Project: a new remaining duration keeps the work done, re-estimates the rest.
        done = round(state.duration * state.percent / 100)
        remaining = working_minutes(update.remaining_duration, minutes_per_day)
        state.duration = done + remaining
        state.percent = 100 * done / state.duration if state.duration else 100


def _finishes_first(start: dt.date, finish: dt.date) -> bool:
    # A finish on the day before the start is as wrong as one an hour before it, although the
    # end of that day is the instant the start day begins.
    if not isinstance(start, dt.datetime) and not isinstance(finish, dt.datetime):
        return finish < start
    return as_finish(finish) < as_start(start)


def check_state(task_id: str, state: TaskState, *, summary: bool, locate: Locator) -> None:
    """Raise :class:`PlanProgressError` when the progress contradicts itself."""
    site = PlanSite("tasks", task_id, ("actual_finish",))
    if state.actual_finish is not None and state.actual_start is None:
        raise PlanProgressError(
            f"task '{task_id}' has an actual finish but no actual start",
            site=site,
            locate=locate,
            hint="record the actual start too",
        )
    start, finish = state.actual_start, state.actual_finish
    if start is not None and finish is not None and _finishes_first(start, finish):
        raise PlanProgressError(
            f"task '{task_id}' finishes ({finish}) before it starts ({start})",
            site=site,
            locate=locate,
        )
    if summary and (state.actual_start is not None or state.percent > 0):
        raise PlanStructureError(
            f"summary task '{task_id}' takes its progress from its subtasks",
            site=PlanSite("tasks", task_id, ("percent_complete",)),
            locate=locate,
            hint="record progress on the subtasks",
        )
