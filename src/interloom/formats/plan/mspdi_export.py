"""From the plan (and its computed schedule and baselines) to MS Project XML records.

Tasks and milestones are written in WBS order, numbered from UID 1; UID 0 is the project
summary task, which also records each baseline's name and save time. Every item carries its
computed dates (start, finish, early and late dates, slack), so a tool that does not
reschedule still shows them, and what MS Project has no field for (Interloom id, delivers,
sprint, status…) travels in custom fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from interloom.core.delivery.activities import as_finish, as_start
from interloom.core.delivery.plan import Dependency, Milestone, Plan, Task, TaskStatus, percent_of
from interloom.core.delivery.plan_schedule import Baseline, PlannedTask, PlanSchedule
from interloom.core.delivery.wbs import plan_items
from interloom.formats.plan import mspdi_codes as codes
from interloom.formats.plan.amounts import amount_minutes
from interloom.formats.plan.mspdi_calendars import calendars_to_mspdi
from interloom.formats.plan.mspdi_import import baseline_meta
from interloom.formats.plan.mspdi_records import (
    ExtendedAttribute,
    MspdiAssignment,
    MspdiProject,
    MspdiResource,
    MspdiTask,
    PredecessorLink,
    TaskBaseline,
)

MAX_BASELINES = 11
"""MS Project keeps Baseline and Baseline 1 to Baseline 10."""

DEFAULT_START = dt.time(8)
DEFAULT_FINISH = dt.time(17)


def _format_of(amount: str) -> int:
    return codes.FORMAT_OF_UNIT.get(amount[-1], 7)


def _link(dependency: Dependency, uid: int, minutes_per_day: int) -> PredecessorLink:
    percent = percent_of(dependency.lag)
    if percent is not None:
        lag, lag_format = round(percent), 19
    else:
        lag = amount_minutes(dependency.lag, minutes_per_day) * 10
        lag_format = _format_of(dependency.lag)
    return PredecessorLink(
        predecessor_uid=uid,
        type=codes.LINK_CODES[dependency.type],
        lag=lag,
        lag_format=lag_format,
    )


def _constraint(item: Task | Milestone) -> tuple[int | None, dt.datetime | None]:
    constraint = item.constraint
    if constraint is None:
        return None, None
    date = constraint.date
    if date is None:
        return codes.CONSTRAINT_CODES[constraint.type], None
    moment = as_finish(date) if constraint.type in codes.FINISH_CONSTRAINTS else as_start(date)
    return codes.CONSTRAINT_CODES[constraint.type], moment


def _custom(item: Task | Milestone) -> dict[int, str]:
    task = item if isinstance(item, Task) else None
    values = {
        codes.TASK_ID: item.id,
        codes.TASK_KIND: "task" if task is not None else codes.MILESTONE_KIND,
        codes.DELIVERS: ", ".join(item.delivers) or None,
    }
    if task is not None:
        values.update(
            {
                codes.LEADS_TO: task.milestone,
                codes.ASSIGNEE: task.assignee,
                codes.SPRINT: task.sprint,
                codes.STATUS: None if task.status is None else task.status.value,
                codes.TAGS: ", ".join(task.tags) or None,
                codes.STORY_POINTS: None if task.story_points is None else f"{task.story_points:g}",
            }
        )
    return {field.field_id: value for field, value in values.items() if value is not None}


def _deadline(date: dt.date | None) -> dt.datetime | None:
    return None if date is None else dt.datetime.combine(date, DEFAULT_FINISH)


def export_mspdi_project(
    plan: Plan, schedule: PlanSchedule, baselines: Sequence[Baseline] = ()
) -> MspdiProject:
    """The plan as MSPDI records; ``schedule`` is the plan's computed schedule."""
    project = plan.project
    assert project is not None  # a plan with a schedule has its project section
    per_day = schedule.minutes_per_day
    kept = list(baselines)[-MAX_BASELINES:]
    items = {item.id: item for item in plan_items(plan)}
    uids = {planned.id: uid for uid, planned in enumerate(schedule.tasks, start=1)}
    calendars, calendar_uids = calendars_to_mspdi(schedule.calendars)
    # Tasks that lead to a milestone are its predecessors in MS Project.
    leading: dict[str, list[str]] = {}
    for task in plan.tasks:
        if task.milestone is not None and task.milestone in uids:
            leading.setdefault(task.milestone, []).append(task.id)
    tasks = [
        MspdiTask(
            uid=0,
            id=0,
            name=project.name,
            wbs="0",
            outline_number="0",
            outline_level=0,
            summary=True,
            start=schedule.schedule.project_start,
            finish=schedule.schedule.project_finish,
            extended={
                codes.BASELINE_FIELDS[number].field_id: baseline_meta(baseline)
                for number, baseline in enumerate(kept)
            },
        )
    ]
    for planned in schedule.tasks:
        item = items[planned.id]
        links = [_link(d, uids[d.task], per_day) for d in item.depends_on if d.task in uids]
        links += [
            PredecessorLink(predecessor_uid=uids[source], type=1, lag=0, lag_format=7)
            for source in leading.get(item.id, ())
        ]
        tasks.append(_task(item, planned, uids[planned.id], links, calendar_uids, kept, per_day))
    resource_uids = {r.id: uid for uid, r in enumerate(plan.resources, start=1)}
    resources = [
        MspdiResource(
            uid=resource_uids[r.id],
            id=resource_uids[r.id],
            name=r.name,
            type=1,
            group=r.role,
            email=r.email,
            max_units=r.max_units,
            standard_rate=r.cost_per_hour,
            calendar_uid=None if r.calendar is None else calendar_uids.get(r.calendar),
            extended={codes.RESOURCE_ID.field_id: r.id},
        )
        for r in plan.resources
    ]
    pairs = [
        (uids[task.id], resource_uids[entry.resource], entry.units)
        for task in plan.tasks
        for entry in task.assignments
        if entry.resource in resource_uids
    ]
    fields = [*codes.TASK_FIELDS, codes.RESOURCE_ID, *codes.BASELINE_FIELDS[: len(kept)]]
    return MspdiProject(
        name=project.name,
        title=project.name,
        start_date=as_start(project.start),
        finish_date=schedule.schedule.project_finish,
        currency_code=project.currency,
        calendar_uid=calendar_uids[project.calendar],
        default_start_time=DEFAULT_START,
        default_finish_time=DEFAULT_FINISH,
        minutes_per_day=per_day,
        minutes_per_week=5 * per_day,
        status_date=None if project.status_date is None else as_finish(project.status_date),
        extended_attributes=tuple(
            ExtendedAttribute(f.field_id, f.field_name, f.alias) for f in fields
        ),
        calendars=tuple(calendars),
        tasks=tuple(tasks),
        resources=tuple(resources),
        assignments=tuple(
            MspdiAssignment(uid=number, task_uid=task, resource_uid=resource, units=units)
            for number, (task, resource, units) in enumerate(pairs, start=1)
        ),
    )


def _task(
    item: Task | Milestone,
    planned: PlannedTask,
    uid: int,
    links: list[PredecessorLink],
    calendar_uids: dict[str, int],
    baselines: Sequence[Baseline],
    per_day: int,
) -> MspdiTask:
    task = item if isinstance(item, Task) else None
    constraint_type, constraint_date = _constraint(item)
    deadline = item.date if isinstance(item, Milestone) else item.deadline
    return MspdiTask(
        uid=uid,
        id=uid,
        name=item.name,
        wbs=planned.wbs,
        outline_number=planned.wbs,
        outline_level=planned.level + 1,
        summary=planned.summary,
        milestone=planned.milestone,
        active=task is None or task.status is not TaskStatus.CANCELLED,
        start=planned.start,
        finish=planned.finish,
        duration=planned.duration_minutes,
        duration_format=7 if task is None or planned.summary else _format_of(task.duration),
        work=None if task is None or task.effort_hours is None else task.effort_hours * 60,
        early_start=planned.early_start,
        early_finish=planned.early_finish,
        late_start=planned.late_start,
        late_finish=planned.late_finish,
        free_slack=planned.free_float * 10,
        total_slack=planned.total_float * 10,
        critical=planned.critical,
        fixed_cost=None if task is None else task.fixed_cost,
        percent_complete=planned.percent_complete,
        cost=planned.cost,
        actual_start=None
        if task is None or task.actual_start is None
        else as_start(task.actual_start),
        actual_finish=None
        if task is None or task.actual_finish is None
        else as_finish(task.actual_finish),
        constraint_type=constraint_type,
        calendar_uid=None
        if task is None or task.calendar is None
        else calendar_uids[task.calendar],
        constraint_date=constraint_date,
        deadline=_deadline(deadline),
        notes=item.description,
        links=tuple(links),
        extended=_custom(item),
        baselines=tuple(
            TaskBaseline(
                number=number,
                start=entry.start,
                finish=entry.finish,
                duration=entry.duration_minutes,
                cost=entry.cost,
            )
            for number, baseline in enumerate(baselines)
            if (entry := baseline.tasks.get(item.id)) is not None
        ),
    )
