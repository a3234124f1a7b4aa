"""The plan as the scheduling engine's input: activities, links, calendars, with their sites.

Conversion rules (MS Project's where it has them):

- a task with children (``parent:`` pointing at it) is a summary: its own duration is ignored
  and its links apply to all its subtasks;
- a milestone is a zero-length activity whose predecessors are the tasks that name it in
  ``milestone:`` (finish-to-start) plus its own ``depends_on``; it is reached (complete) once
  every predecessor is done; its ``date`` is a deadline;
- durations are working time on the task's calendar (its own, else its first assigned
  resource's, else the project's), a day being that calendar's ``minutes_per_day``; lags are
  working time on the project calendar, or a percentage of the predecessor's duration;
- a cancelled task keeps its place with no duration, so links pass through it.

Every error names the site at fault (see ``plan_errors``); engine errors, which know only
activity and link indices, are pointed back at the plan by :func:`relocate_engine_error`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from interloom.core.delivery.activities import Activity, ConstraintType, Link, ScheduleInput
from interloom.core.delivery.calendar import Calendar
from interloom.core.delivery.network import ScheduleCycleError
from interloom.core.delivery.plan import (
    Milestone,
    Plan,
    PlanResource,
    Task,
    TaskStatus,
    percent_of,
    working_minutes,
)
from interloom.core.delivery.plan_errors import (
    Locator,
    PlanReferenceError,
    PlanSite,
    PlanStructureError,
    site_location,
)
from interloom.core.delivery.plan_progress import TaskState, TaskUpdate, task_states
from interloom.core.delivery.resources import Assignment
from interloom.core.delivery.wbs import plan_items
from interloom.core.errors import InterloomError

STANDARD = "standard"


@dataclass(slots=True)
class Frame:
    """What conversion and costing both need: calendars, resources, assignments."""

    calendars: dict[str, Calendar]
    resources: dict[str, PlanResource]
    assignments: list[Assignment]
    calendar_of: dict[str, str]
    summaries: set[str]


@dataclass(slots=True)
class Conversion:
    """A plan compiled for the engine, with where its links came from."""

    schedule_input: ScheduleInput
    link_sites: list[PlanSite]
    frame: Frame
    states: dict[str, TaskState]
    reached: set[str]  # milestones whose every predecessor is done


def to_schedule_input(
    plan: Plan,
    *,
    status_date: dt.date | None = None,
    updates: Sequence[TaskUpdate] = (),
    locate: Locator = site_location,
) -> ScheduleInput:
    """The engine's input for the plan, with the updates applied in the order they were made.

    ``status_date`` defaults to the plan's ``project.status_date``.
    """
    return convert(plan, status_date, updates, locate).schedule_input


def _choices(known: Mapping[str, object] | set[str]) -> str:
    names = sorted(known)
    shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
    return f"known: {shown}" if names else "the plan declares none"


def _calendars(plan: Plan, locate: Locator) -> dict[str, Calendar]:
    calendars = {c.id: c for c in plan.calendars}
    calendars.setdefault(STANDARD, Calendar(id=STANDARD))
    for calendar in plan.calendars:
        if calendar.base is not None and calendar.base not in calendars:
            raise PlanReferenceError(
                f"calendar '{calendar.id}' derives from no known calendar '{calendar.base}'",
                site=PlanSite("calendars", calendar.id, ("base",)),
                locate=locate,
                hint=_choices(calendars),
            )
    return calendars


def _check_calendar(
    name: str | None, calendars: dict[str, Calendar], site: PlanSite, locate: Locator
) -> None:
    if name is not None and name not in calendars:
        raise PlanReferenceError(
            f"no calendar '{name}' in the plan", site=site, locate=locate, hint=_choices(calendars)
        )


def _assignments(
    plan: Plan, resources: Mapping[str, PlanResource], locate: Locator
) -> list[Assignment]:
    """Declared assignments; a task without any is worked by its assignee if that is a resource."""
    found: list[Assignment] = []
    for task in plan.tasks:
        for number, entry in enumerate(task.assignments):
            if entry.resource not in resources:
                raise PlanReferenceError(
                    f"task '{task.id}' is assigned to no known resource '{entry.resource}'",
                    site=PlanSite("tasks", task.id, ("assignments", number, "resource")),
                    locate=locate,
                    hint=_choices(resources),
                )
            found.append(Assignment(activity=task.id, resource=entry.resource, units=entry.units))
        if not task.assignments and task.assignee in resources:
            found.append(Assignment(activity=task.id, resource=task.assignee))
    return found


def plan_frame(plan: Plan, locate: Locator) -> Frame:
    project = plan.project
    if project is None:
        raise PlanStructureError(
            "the plan has no project: section, so it has no start date",
            site=PlanSite("project"),
            locate=locate,
            hint="add `project: {name: …, start: 2027-01-04}` to one plan file",
        )
    calendars = _calendars(plan, locate)
    _check_calendar(project.calendar, calendars, PlanSite("project", None, ("calendar",)), locate)
    resources = {r.id: r for r in plan.resources}
    for resource in plan.resources:
        site = PlanSite("resources", resource.id, ("calendar",))
        _check_calendar(resource.calendar, calendars, site, locate)
    assignments = _assignments(plan, resources, locate)
    by_task: dict[str, list[str]] = {}
    for assignment in assignments:
        calendar = resources[assignment.resource].calendar
        if calendar is not None:
            by_task.setdefault(assignment.activity, []).append(calendar)
    calendar_of: dict[str, str] = {}
    for task in plan.tasks:
        _check_calendar(task.calendar, calendars, PlanSite("tasks", task.id, ("calendar",)), locate)
        own = task.calendar or next(iter(by_task.get(task.id, ())), None)
        calendar_of[task.id] = own or project.calendar
    for milestone in plan.milestones:
        calendar_of[milestone.id] = project.calendar
    summaries = {item.parent for item in plan_items(plan) if item.parent is not None}
    return Frame(calendars, resources, assignments, calendar_of, summaries)


def convert(
    plan: Plan, status_date: dt.date | None, updates: Sequence[TaskUpdate], locate: Locator
) -> Conversion:
    frame = plan_frame(plan, locate)
    project = plan.project
    assert project is not None  # _frame checked it
    calendars, calendar_of, summaries = frame.calendars, frame.calendar_of, frame.summaries
    per_day = {ident: calendars[name].minutes_per_day for ident, name in calendar_of.items()}
    states = task_states(plan, per_day, summaries, updates, locate)
    items = plan_items(plan)
    ids = {item.id for item in items}
    milestones = {m.id for m in plan.milestones}
    lag_day = calendars[project.calendar].minutes_per_day
    links: list[Link] = []
    link_sites: list[PlanSite] = []
    for item in items:
        section = section_of(item)
        if item.parent is not None and item.parent not in ids:
            raise PlanReferenceError(
                f"{section[:-1]} '{item.id}' names no known parent '{item.parent}'",
                site=PlanSite(section, item.id, ("parent",)),
                locate=locate,
            )
        for number, dependency in enumerate(item.depends_on):
            if dependency.task not in ids:
                raise PlanReferenceError(
                    f"{section[:-1]} '{item.id}' depends on no known task '{dependency.task}'",
                    site=PlanSite(section, item.id, ("depends_on", number, "task")),
                    locate=locate,
                )
            percent = percent_of(dependency.lag)
            lag = 0 if percent is not None else working_minutes(dependency.lag, lag_day)
            link = Link(
                predecessor=dependency.task,
                successor=item.id,
                type=dependency.type,
                lag=lag,
                lag_percent=percent,
            )
            links.append(link)
            link_sites.append(PlanSite(section, item.id, ("depends_on", number)))
    for task in plan.tasks:
        if task.milestone is None:
            continue
        if task.milestone not in milestones:
            raise PlanReferenceError(
                f"task '{task.id}' leads to no known milestone '{task.milestone}'",
                site=PlanSite("tasks", task.id, ("milestone",)),
                locate=locate,
                hint=_choices(milestones),
            )
        links.append(Link(predecessor=task.id, successor=task.milestone))
        link_sites.append(PlanSite("tasks", task.id, ("milestone",)))
    activities = [_task_activity(t, states[t.id], calendar_of, summaries) for t in plan.tasks]
    reached = _reached_milestones(plan, links, states, summaries)
    activities += [_milestone_activity(m, m.id in reached) for m in plan.milestones]
    schedule_input = ScheduleInput(
        project_start=project.start,
        status_date=status_date if status_date is not None else project.status_date,
        calendar=project.calendar,
        calendars=tuple(calendars.values()),
        activities=tuple(activities),
        links=tuple(links),
        near_critical_float=round(project.near_critical_days * lag_day),
    )
    return Conversion(schedule_input, link_sites, frame, states, reached)


def section_of(item: Task | Milestone) -> str:
    return "tasks" if isinstance(item, Task) else "milestones"


def _task_activity(
    task: Task, state: TaskState, calendar_of: dict[str, str], summaries: set[str]
) -> Activity:
    cancelled = state.status is TaskStatus.CANCELLED
    summary = task.id in summaries
    constraint = None if cancelled else task.constraint
    return Activity(
        id=task.id,
        name=task.name,
        duration=0 if cancelled or summary else state.duration,
        calendar=calendar_of[task.id],
        constraint=ConstraintType.ASAP if constraint is None else constraint.type,
        constraint_date=None if constraint is None else constraint.date,
        actual_start=None if summary else state.actual_start,
        actual_finish=None if summary else state.actual_finish,
        percent_complete=100 if cancelled else 0 if summary else state.percent,
        is_milestone=True if task.is_milestone else False if cancelled else None,
        parent=task.parent,
    )


def _milestone_activity(milestone: Milestone, reached: bool) -> Activity:
    constraint = milestone.constraint
    return Activity(
        id=milestone.id,
        name=milestone.name,
        duration=0,
        constraint=ConstraintType.ASAP if constraint is None else constraint.type,
        constraint_date=None if constraint is None else constraint.date,
        percent_complete=100 if reached else 0,
        is_milestone=True,
        parent=milestone.parent,
    )


def _reached_milestones(
    plan: Plan, links: list[Link], states: dict[str, TaskState], summaries: set[str]
) -> set[str]:
    """Milestones with predecessors, all of them done: reached, so not waiting for a date."""
    before: dict[str, list[str]] = {}
    for link in links:
        before.setdefault(link.successor, []).append(link.predecessor)
    children: dict[str, list[str]] = {}
    for item in plan_items(plan):
        if item.parent is not None:
            children.setdefault(item.parent, []).append(item.id)
    known: dict[str, bool] = {}

    def done(ident: str) -> bool:
        if ident not in known:
            known[ident] = False  # a loop reaches nothing
            if ident in summaries:
                known[ident] = all(done(child) for child in children[ident])
            elif ident in states:
                known[ident] = states[ident].done
            else:
                known[ident] = bool(before.get(ident)) and all(done(p) for p in before[ident])
        return known[ident]

    return {m.id for m in plan.milestones if m.id not in summaries and done(m.id)}


_ENGINE_PATH = re.compile(r"^(?P<kind>activities|links)\[(?P<index>\d+)\](?:\.(?P<field>\w+))?")


def relocate_engine_error(
    error: InterloomError, plan: Plan, conversion: Conversion, locate: Locator
) -> None:
    """Point an engine error (which knows activity and link indices) at the plan's files."""
    site = PlanSite("project")
    items = plan_items(plan)
    if isinstance(error, ScheduleCycleError) and error.links:
        site = conversion.link_sites[error.links[0]]
    elif isinstance(error, ScheduleCycleError):
        item = next((i for i in items if i.id == error.cycle[0]), None)
        if item is not None:
            site = PlanSite(section_of(item), item.id, ("parent",))
    elif error.location is not None and error.location.path:
        match = _ENGINE_PATH.match(error.location.path)
        if match and match["kind"] == "links":
            site = conversion.link_sites[int(match["index"])]
        elif match:
            item = items[int(match["index"])]
            fields = (match["field"],) if match["field"] else ()
            site = PlanSite(section_of(item), item.id, fields)
    error.location = locate(site)
