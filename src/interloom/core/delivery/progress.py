"""What is known of each task's progress over time: the plan's actuals and the status updates.

Burndown charts, velocity, the stand-up digest and earned value all ask the same questions —
how far along was this task at that moment, when did it finish, was it blocked — and answer
them from one :class:`TaskHistory` per task. Where a task has status updates (records), they
are its history; otherwise the plan file's own values hold, known at the status date (or at
the task's actual finish).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from interloom.core.delivery.activities import as_finish, as_start

if TYPE_CHECKING:
    from interloom.core.delivery.plan import Plan
    from interloom.core.delivery.plan_progress import TaskUpdate

DONE = "done"
BLOCKED = "blocked"


def wall_clock(moment: dt.datetime) -> dt.datetime:
    """A naive wall-clock moment, as plans count time; an aware one is converted to local time."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone().replace(tzinfo=None)


class ProgressPoint(BaseModel):
    """One thing learnt about a task at a moment: how far along, in which status, and why."""

    model_config = ConfigDict(frozen=True)

    at: dt.datetime
    percent: float | None = None
    status: str | None = None
    author: str | None = None
    note: str | None = None


class TaskHistory(BaseModel):
    """A task's progress points in time order, and when it started and finished."""

    model_config = ConfigDict(frozen=True)

    task: str
    points: tuple[ProgressPoint, ...] = ()
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None

    def _last(self, moment: dt.datetime) -> int:
        return bisect_right([p.at for p in self.points], moment)

    def percent_at(self, moment: dt.datetime) -> float:
        """Percent complete at ``moment``: 100 once finished, else the last value reported."""
        if self.finished_at is not None and self.finished_at <= moment:
            return 100.0
        for point in reversed(self.points[: self._last(moment)]):
            if point.percent is not None:
                return point.percent
        return 0.0

    def status_at(self, moment: dt.datetime) -> str | None:
        """The status last reported at or before ``moment``."""
        if self.finished_at is not None and self.finished_at <= moment:
            return DONE
        for point in reversed(self.points[: self._last(moment)]):
            if point.status is not None:
                return point.status
        return None

    def finished_by(self, moment: dt.datetime) -> bool:
        """Whether the task was complete at ``moment``."""
        return self.percent_at(moment) >= 100

    def between(self, start: dt.datetime, end: dt.datetime) -> list[ProgressPoint]:
        """The points reported in ``[start, end)``."""
        return [p for p in self.points if start <= p.at < end]


def task_histories(
    plan: Plan,
    updates: Sequence[TaskUpdate] = (),
    *,
    status_date: dt.datetime,
    scheduled_finish: Mapping[str, dt.datetime] | None = None,
) -> dict[str, TaskHistory]:
    """Every task's history from its updates (oldest first) and the plan's own values.

    A task complete in the plan with no actual finish is taken to have finished at its
    scheduled finish (``scheduled_finish``), or at the status date when that is later or
    unknown.
    """
    by_task: dict[str, list[TaskUpdate]] = {}
    for update in updates:
        by_task.setdefault(update.task, []).append(update)
    histories = {}
    for task in plan.tasks:
        own = sorted(by_task.get(task.id, ()), key=lambda u: wall_clock(u.at))
        started = as_start(task.actual_start) if task.actual_start is not None else None
        finished = as_finish(task.actual_finish) if task.actual_finish is not None else None
        points: list[ProgressPoint] = []
        if own:
            for update in own:
                at = wall_clock(update.at)
                percent = update.percent_complete
                status = str(update.status) if update.status is not None else None
                if status == DONE:
                    percent = 100.0
                if update.actual_start is not None:
                    started = as_start(update.actual_start)
                if update.actual_finish is not None:
                    finished = as_finish(update.actual_finish)
                    percent = 100.0
                if finished is None and percent is not None and percent >= 100:
                    finished = at
                points.append(
                    ProgressPoint(
                        at=at,
                        percent=percent,
                        status=status,
                        author=update.author,
                        note=update.note,
                    )
                )
        else:
            status = str(task.status) if task.status is not None else None
            percent = task.percent_complete
            if status == DONE or finished is not None:
                percent = 100.0
            if percent >= 100 and finished is None:
                planned = (scheduled_finish or {}).get(task.id)
                finished = min(planned, status_date) if planned is not None else status_date
            at = finished if finished is not None else status_date
            if percent or status:
                points.append(ProgressPoint(at=at, percent=percent, status=status))
        if started is None:
            moving = [p.at for p in points if p.percent or p.status not in (None, "not_started")]
            started = moving[0] if moving else finished
        histories[task.id] = TaskHistory(
            task=task.id, points=tuple(points), started_at=started, finished_at=finished
        )
    return histories
