"""Plan → MS Project XML → plan keeps everything; the exported dates are Interloom's own.

Hypothesis builds plans with summaries, every link type with positive, negative and percent
lags, the eight constraints, calendars (weeks, holidays, exceptions, derived calendars),
resources, assignments, progress and baselines; each must survive the round trip, and
``check`` must find the exported file's dates equal to Interloom's schedule of the import.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from lxml import etree

from interloom.core.delivery.activities import ConstraintType, as_finish, as_start
from interloom.core.delivery.calendar import (
    Calendar,
    WorkingTime,
    WorkingWeek,
)
from interloom.core.delivery.plan import (
    Constraint,
    Dependency,
    Plan,
    ProjectSchedule,
    Task,
    TaskStatus,
    percent_of,
    working_minutes,
)
from interloom.core.delivery.plan_schedule import Baseline
from interloom.core.delivery.wbs import outline_codes
from interloom.formats.plan.mspdi import check_mspdi, export_mspdi, import_mspdi
from interloom.formats.plan.mspdi_records import NAMESPACE

from .plan_strategies import plans


def _lag(dependency: Dependency) -> tuple[str, str, float]:
    percent = percent_of(dependency.lag)
    amount = percent if percent is not None else working_minutes(dependency.lag)
    return dependency.task, dependency.type.value, amount


def _constraint(constraint: Constraint | None) -> tuple[str, dt.datetime | None] | None:
    if constraint is None or constraint.type is ConstraintType.ASAP:
        return None
    if constraint.date is None:
        return constraint.type.value, None
    finish = constraint.type in (ConstraintType.FNET, ConstraintType.FNLT, ConstraintType.MFO)
    return constraint.type.value, (as_finish if finish else as_start)(constraint.date)


def _task(task: Task) -> dict[str, Any]:
    finished = task.actual_finish is not None or task.status is TaskStatus.DONE
    done = 100 if finished else task.percent_complete
    return {
        "name": task.name,
        "parent": task.parent,
        "description": task.description,
        "duration": None if task.is_milestone else working_minutes(task.duration),
        "is_milestone": task.is_milestone,
        "calendar": task.calendar,
        "constraint": _constraint(task.constraint),
        "deadline": task.deadline,
        "depends_on": [_lag(d) for d in task.depends_on],
        "assignee": task.assignee,
        "assignments": task.assignments,
        "fixed_cost": task.fixed_cost,
        "effort_hours": task.effort_hours,
        "percent_complete": done,
        "actual_start": None if task.actual_start is None else as_start(task.actual_start),
        "actual_finish": None if task.actual_finish is None else as_finish(task.actual_finish),
        "status": task.status,
        "delivers": task.delivers,
        "milestone": task.milestone,
        "sprint": task.sprint,
        "story_points": task.story_points,
        "tags": task.tags,
    }


def _leaf(task: Task, summaries: set[str]) -> dict[str, Any]:
    found = _task(task)
    if task.id in summaries:
        found["duration"] = None
    return found


def _calendar(calendar: Calendar) -> dict[str, Any]:
    week = calendar.week or (WorkingWeek() if calendar.base is None else None)
    clock = WorkingTime(calendar)  # only its own dates: the base is compared on its own
    del clock
    return {
        "name": calendar.name,
        "base": calendar.base,
        "week": week,
        "overrides": calendar.overrides(),
        "names": {
            day: e.name
            for e in calendar.exceptions
            for day in e.dates()
            if not (e.intervals == () and e.name == "Holiday")
        },
        "minutes_per_day": calendar.minutes_per_day,
    }


def _calendars(plan: Plan) -> dict[str, dict[str, Any]]:
    return {c.id: _calendar(c) for c in plan.calendars if c != Calendar(id="standard")}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plans())
def test_a_plan_survives_the_round_trip_through_mspdi(case: tuple[Plan, list[Baseline]]) -> None:
    plan, baselines = case
    data = export_mspdi(plan, baselines)
    imported = import_mspdi(data, "plan.xml")
    back = imported.plan
    assert imported.warnings == ()
    summaries = {t.parent for t in plan.tasks if t.parent is not None}
    # Tasks come back in WBS order, with the same outline codes.
    assert outline_codes(back) == outline_codes(plan)
    before = {t.id: _leaf(t, summaries) for t in plan.tasks}
    after = {t.id: _leaf(t, summaries) for t in back.tasks}
    assert set(after) == set(before)
    differences = [
        (ident, key, before[ident][key], after[ident][key])
        for ident in before
        for key in before[ident]
        if before[ident][key] != after[ident][key]
    ]
    assert differences == []
    assert back.milestones == plan.milestones
    assert back.resources == plan.resources
    assert _calendars(back) == _calendars(plan)
    assert back.project is not None
    assert plan.project is not None
    assert back.project.name == plan.project.name
    assert as_start(back.project.start) == as_start(plan.project.start)
    assert back.project.calendar == plan.project.calendar
    assert back.project.currency == plan.project.currency
    status = plan.project.status_date
    assert back.project.status_date == (None if status is None else status)
    assert list(imported.baselines) == baselines
    # The file's dates are Interloom's schedule of the plan: the import schedules the same.
    report = check_mspdi(data, "plan.xml")
    assert report.mismatches == ()
    assert report.tasks == len(plan.tasks) + len(plan.milestones)


# -- the file as MS Project reads it -------------------------------------------------------

# Element order of MS Project's schema (mspdi_pj12.xsd), for the elements Interloom writes.
TASK_ORDER = [
    "UID",
    "ID",
    "Name",
    "Active",
    "Manual",
    "IsNull",
    "WBS",
    "OutlineNumber",
    "OutlineLevel",
    "Start",
    "Finish",
    "Duration",
    "DurationFormat",
    "Work",
    "Milestone",
    "Summary",
    "Critical",
    "EarlyStart",
    "EarlyFinish",
    "LateStart",
    "LateFinish",
    "FreeSlack",
    "TotalSlack",
    "FixedCost",
    "PercentComplete",
    "Cost",
    "ActualStart",
    "ActualFinish",
    "ConstraintType",
    "CalendarUID",
    "ConstraintDate",
    "Deadline",
    "Notes",
    "PredecessorLink",
    "ExtendedAttribute",
    "Baseline",
]
PROJECT_ORDER = [
    "SaveVersion",
    "Name",
    "Title",
    "CreationDate",
    "LastSaved",
    "ScheduleFromStart",
    "StartDate",
    "FinishDate",
    "CurrencyCode",
    "CalendarUID",
    "DefaultStartTime",
    "DefaultFinishTime",
    "MinutesPerDay",
    "MinutesPerWeek",
    "SplitsInProgressTasks",
    "StatusDate",
    "ExtendedAttributes",
    "Calendars",
    "Tasks",
    "Resources",
    "Assignments",
]


def _in_order(element: etree._Element, order: list[str]) -> bool:
    names = [etree.QName(child).localname for child in element]
    positions = [order.index(name) for name in names]
    return positions == sorted(positions)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_elements_come_in_the_schema_order(case: tuple[Plan, list[Baseline]]) -> None:
    plan, baselines = case
    root = etree.fromstring(export_mspdi(plan, baselines))
    assert root.tag == f"{{{NAMESPACE}}}Project"
    assert _in_order(root, PROJECT_ORDER)
    for task in root.iter(f"{{{NAMESPACE}}}Task"):
        assert _in_order(task, TASK_ORDER)
    # Every base calendar spells out its week: MS Project reads none as never working.
    for calendar in root.iter(f"{{{NAMESPACE}}}Calendar"):
        base = calendar.findtext(f"{{{NAMESPACE}}}IsBaseCalendar") == "1"
        days = calendar.findall(f"{{{NAMESPACE}}}WeekDays/{{{NAMESPACE}}}WeekDay")
        assert not base or len(days) == 7


def test_export_is_deterministic() -> None:
    plan = Plan(
        project=ProjectSchedule(name="P", start=dt.date(2027, 1, 4)),
        tasks=[
            Task(id="T-1", name="A", duration="2d"),
            Task(id="T-2", name="B", depends_on=["T-1"]),
        ],
    )
    assert export_mspdi(plan) == export_mspdi(plan)
    text = export_mspdi(plan).decode()
    assert "<LinkLag>0</LinkLag>" in text
    assert "<Duration>PT16H0M0S</Duration>" in text
