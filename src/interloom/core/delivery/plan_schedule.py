"""From the plan files to a schedule: merging, scheduling, and what people read on a plan.

:func:`merge_plans` joins a project's plan files; :func:`to_schedule_input` (in
``plan_conversion``, re-exported here) turns the plan, overlaid with its :class:`TaskUpdate`
records, into the engine's activities and links; :func:`schedule_plan` runs the engine and adds
names, WBS codes, assignees, deadlines, costs and percent complete (``plan_rollups``) to every
task. Baselines (:class:`Baseline`) are snapshots of a schedule, compared in ``baselines``.

Every error names the task (or milestone, calendar, resource) and field at fault; pass a
``locate`` function to turn those sites into file locations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.delivery.activities import (
    ConstraintType,
    Link,
    LocalDateTime,
    Progress,
    as_finish,
    as_start,
)
from interloom.core.delivery.calendar import Calendar, WorkingTime
from interloom.core.delivery.network import (
    ScheduleCycleError,
    ScheduleReferenceError,
    ScheduleStructureError,
)
from interloom.core.delivery.plan import Milestone, Plan, Task, TaskStatus
from interloom.core.delivery.plan_conversion import (
    convert,
    plan_frame,
    relocate_engine_error,
    to_schedule_input,
)
from interloom.core.delivery.plan_errors import (
    Locator,
    PlanMergeError,
    PlanReferenceError,
    PlanSite,
    site_location,
)
from interloom.core.delivery.plan_progress import TaskState, TaskUpdate, task_states
from interloom.core.delivery.plan_rollups import percents_complete, planned_costs
from interloom.core.delivery.resources import Assignment, Resource
from interloom.core.delivery.schedule import Schedule, ScheduledActivity, compute_schedule
from interloom.core.delivery.wbs import outline_codes, plan_items, wbs_key

__all__ = [
    "Baseline",
    "BaselineTask",
    "PlanSchedule",
    "PlannedTask",
    "TaskUpdate",
    "merge_plans",
    "outline_codes",
    "schedule_plan",
    "task_cost",
    "task_progress",
    "to_schedule_input",
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaselineTask(_Record):
    """A task's dates, duration and cost when a baseline was saved."""

    start: dt.datetime
    finish: dt.datetime
    duration_minutes: int
    cost: float


class Baseline(_Record):
    """A named snapshot of the schedule to measure slippage against."""

    name: str = Field(min_length=1)
    saved_at: dt.datetime
    status_date: dt.datetime | None = None
    tasks: dict[str, BaselineTask]


class PlannedTask(_Record):
    """A task, summary or milestone with its computed dates and what people read on a plan."""

    id: str
    name: str
    wbs: str
    level: int = Field(description="Depth in the WBS: 0 for a top-level item.")
    parent: str | None
    summary: bool
    milestone: bool
    assignee: str | None
    resources: tuple[str, ...]
    delivers: tuple[str, ...]
    leads_to: str | None = Field(description="The milestone this task leads to.")
    sprint: str | None
    story_points: float | None
    calendar: str
    constraint: ConstraintType | None
    constraint_date: LocalDateTime | dt.date | None
    deadline: dt.date | None
    deadline_missed: bool
    duration_minutes: int = Field(description="Working minutes; a summary's span.")
    percent_complete: float
    status: TaskStatus | None
    actual_start: LocalDateTime | None
    actual_finish: LocalDateTime | None
    cost: float
    start: LocalDateTime
    finish: LocalDateTime
    early_start: LocalDateTime
    early_finish: LocalDateTime
    late_start: LocalDateTime
    late_finish: LocalDateTime
    total_float: int = Field(description="Working minutes; negative when a date cannot be met.")
    free_float: int
    critical: bool
    near_critical: bool
    progress: Progress


class PlanSchedule(_Record):
    """The engine's schedule of a plan, with every task's plan-level facts, in WBS order."""

    name: str
    currency: str
    status_date: dt.datetime | None
    calendar: str = Field(description="Id of the project calendar.")
    calendars: tuple[Calendar, ...]
    minutes_per_day: int = Field(description="One day of duration on the project calendar.")
    schedule: Schedule
    tasks: tuple[PlannedTask, ...]
    links: tuple[Link, ...]
    resources: tuple[Resource, ...]
    assignments: tuple[Assignment, ...]
    cost: float

    @property
    def critical_path(self) -> tuple[str, ...]:
        """The critical tasks and milestones, by early start."""
        return self.schedule.critical_path

    def task(self, task_id: str) -> PlannedTask:
        """The task or milestone with this id (``KeyError`` when there is none)."""
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)

    def working_time(self) -> WorkingTime:
        """The project calendar compiled for arithmetic (working minutes between dates)."""
        calendars = {c.id: c for c in self.calendars}
        origin = self.schedule.project_start.date()
        return WorkingTime(*_chain(calendars, self.calendar), origin=origin)


def merge_plans(plans: Sequence[Plan]) -> Plan:
    """The plan files of a project as one plan: every section's items, in file order.

    Raises :class:`PlanMergeError` when two files declare ``project:``, or two items of one
    section share an id (tasks and milestones count as one section).
    """
    project = None
    first = -1
    sections = [name for name in Plan.model_fields if name != "project"]
    seen: set[tuple[str, str]] = set()
    for index, plan in enumerate(plans):
        if plan.project is not None:
            if project is not None:
                raise PlanMergeError(
                    f"plan files {first + 1} and {index + 1} both declare project:",
                    site=PlanSite("project"),
                    index=index,
                    hint="keep the project: section in one plan file",
                )
            project, first = plan.project, index
        for section in sections:
            kind = "tasks" if section == "milestones" else section
            for item in getattr(plan, section):
                ident = getattr(item, "id", None)
                if not isinstance(ident, str):
                    continue
                if (kind, ident) in seen:
                    raise PlanMergeError(
                        f"'{ident}' is declared twice in the plan",
                        site=PlanSite(section, ident, ("id",)),
                        index=index,
                        hint="tasks and milestones share one set of ids"
                        if kind == "tasks"
                        else f"ids of {section} are unique over all plan files",
                    )
                seen.add((kind, ident))
    merged = {name: [item for plan in plans for item in getattr(plan, name)] for name in sections}
    return Plan.model_validate({"project": project, **merged})


def task_progress(
    plan: Plan, task_id: str, updates: Sequence[TaskUpdate], *, locate: Locator = site_location
) -> TaskState:
    """One task's progress once ``updates`` apply over the file (not checked for contradictions)."""
    frame = plan_frame(plan, locate)
    per_day = {i: frame.calendars[name].minutes_per_day for i, name in frame.calendar_of.items()}
    own = [u for u in updates if u.task == task_id]
    states = task_states(plan, per_day, frame.summaries, own, locate, check=False)
    if task_id not in states:
        raise PlanReferenceError(
            f"no task '{task_id}' in the plan",
            site=PlanSite("tasks", task_id, ("id",)),
            locate=locate,
        )
    return states[task_id]


def schedule_plan(
    plan: Plan,
    *,
    status_date: dt.date | None = None,
    updates: Sequence[TaskUpdate] = (),
    locate: Locator = site_location,
) -> PlanSchedule:
    """Schedule the plan with its updates; every task with its dates, floats, cost, WBS code."""
    conversion = convert(plan, status_date, updates, locate)
    try:
        schedule = compute_schedule(conversion.schedule_input)
    except (ScheduleCycleError, ScheduleReferenceError, ScheduleStructureError) as error:
        relocate_engine_error(error, plan, conversion, locate)
        raise
    codes = outline_codes(plan, locate=locate)
    frame = conversion.frame
    costs = planned_costs(plan, frame)
    project = plan.project
    assert project is not None
    calendars = frame.calendars
    resources_of: dict[str, list[str]] = {}
    for assignment in frame.assignments:
        resources_of.setdefault(assignment.activity, []).append(assignment.resource)
    project_clock = WorkingTime(
        *_chain(calendars, project.calendar), origin=as_start(project.start).date()
    )
    by_id = {item.id: item for item in plan_items(plan)}
    near = set(schedule.near_critical)
    percents = percents_complete(plan, conversion.states, conversion.reached)
    tasks: list[PlannedTask] = []
    for item in plan_items(plan):
        timing = schedule.activities[item.id]
        state = conversion.states.get(item.id)
        deadline = item.deadline if isinstance(item, Task) else item.date
        level = 0
        above = item.parent
        while above is not None and level < len(by_id):
            level += 1
            above = by_id[above].parent
        duration = (
            project_clock.working_time_between(timing.start, timing.finish)
            if timing.summary
            else 0
            if state is None
            else state.duration
        )
        tasks.append(
            _planned(
                item,
                timing,
                state,
                codes[item.id],
                level,
                duration,
                percents[item.id],
                deadline,
                costs.get(item.id, 0.0),
                tuple(resources_of.get(item.id, ())),
                frame.calendar_of[item.id],
                item.id in near,
            )
        )
    tasks.sort(key=lambda t: wbs_key(t.wbs))
    status = conversion.schedule_input.status_date
    return PlanSchedule(
        name=project.name,
        currency=project.currency,
        status_date=None if status is None else as_finish(status),
        calendar=project.calendar,
        calendars=tuple(calendars.values()),
        minutes_per_day=calendars[project.calendar].minutes_per_day,
        schedule=schedule,
        tasks=tuple(tasks),
        links=conversion.schedule_input.links,
        resources=tuple(
            Resource(id=r.id, name=r.name, max_units=r.max_units) for r in plan.resources
        ),
        assignments=tuple(frame.assignments),
        cost=round(sum(costs[t.id] for t in plan.tasks if t.parent is None), 2),
    )


def _planned(
    item: Task | Milestone,
    timing: ScheduledActivity,
    state: TaskState | None,
    code: str,
    level: int,
    duration: int,
    percent: float,
    deadline: dt.date | None,
    cost: float,
    resources: tuple[str, ...],
    calendar: str,
    near: bool,
) -> PlannedTask:
    task = item if isinstance(item, Task) else None
    constraint = item.constraint
    actual_start = None if state is None else state.actual_start
    actual_finish = None if state is None else state.actual_finish
    return PlannedTask(
        id=item.id,
        name=item.name,
        wbs=code,
        level=level,
        parent=item.parent,
        summary=timing.summary,
        milestone=timing.milestone,
        assignee=None if task is None else task.assignee,
        resources=resources,
        delivers=tuple(item.delivers),
        leads_to=None if task is None else task.milestone,
        sprint=None if task is None else task.sprint,
        story_points=None if task is None else task.story_points,
        calendar=calendar,
        constraint=None if constraint is None else constraint.type,
        constraint_date=None if constraint is None else constraint.date,
        deadline=deadline,
        deadline_missed=deadline is not None and timing.finish > as_finish(deadline),
        duration_minutes=duration,
        percent_complete=percent,
        status=None if state is None else state.status,
        actual_start=None if actual_start is None else as_start(actual_start),
        actual_finish=None if actual_finish is None else as_finish(actual_finish),
        cost=cost,
        start=timing.start,
        finish=timing.finish,
        early_start=timing.early_start,
        early_finish=timing.early_finish,
        late_start=timing.late_start,
        late_finish=timing.late_finish,
        total_float=timing.total_float,
        free_float=timing.free_float,
        critical=timing.critical,
        near_critical=near,
        progress=timing.progress,
    )


def _chain(calendars: dict[str, Calendar], name: str) -> list[Calendar]:
    chain = [calendars[name]]
    while (base := chain[-1].base) is not None and all(c.id != base for c in chain):
        chain.append(calendars[base])
    return chain


def task_cost(plan: Plan, task_id: str) -> float:
    """The planned cost of a task (a summary's includes its subtasks'); unknown ids raise."""
    costs = planned_costs(plan, plan_frame(plan, site_location))
    if task_id not in costs:
        raise PlanReferenceError(
            f"no task '{task_id}' in the plan", site=PlanSite("tasks", task_id, ("id",))
        )
    return costs[task_id]
