"""Hypothesis strategies of plans Interloom can schedule, shared by the interchange tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from interloom.core.delivery.activities import ConstraintType, LinkType
from interloom.core.delivery.calendar import Calendar, CalendarException, WorkingWeek, hours
from interloom.core.delivery.plan import (
    AssignmentEntry,
    Constraint,
    Dependency,
    Milestone,
    Plan,
    PlanResource,
    ProjectSchedule,
    Task,
    TaskStatus,
)
from interloom.core.delivery.plan_schedule import Baseline, BaselineTask

JANUARY = [dt.date(2027, 1, 4) + dt.timedelta(days=i) for i in range(40)]
WORDS = ["Design", "Build", "Test", "Review", "Deploy", "Migrate", "Sign-off", "Train"]
REFS = ["system:crm", "interface:crm.customers.get", "flow:order-to-wms"]
LAGS = ["0d", "2d", "-1d", "4h", "-3h", "30m", "1.5d", "1w", "50%", "-25%", "100%"]
DURATIONS = ["1d", "2d", "3d", "4h", "90m", "1.5d", "1w"]
SHORT_DAY = (hours("09:00", "13:00"),)


@st.composite
def calendars(draw: st.DrawFn) -> list[Calendar]:
    """A base ``standard`` calendar, maybe another base one, maybe one derived from it."""
    holidays = draw(st.lists(st.sampled_from(JANUARY[:30]), max_size=3, unique=True))
    free = [d for d in JANUARY if d not in holidays]
    starts = draw(st.lists(st.sampled_from(free), max_size=3, unique=True))
    exceptions = []
    taken: set[dt.date] = set(holidays)
    for start in sorted(starts):
        length = draw(st.integers(0, 2))
        days = [start + dt.timedelta(days=i) for i in range(length + 1)]
        if any(d in taken for d in days):
            continue
        taken.update(days)
        exceptions.append(
            CalendarException(
                start=start,
                finish=days[-1] if length else None,
                intervals=draw(st.sampled_from([(), SHORT_DAY])),
                name=draw(st.sampled_from([None, "Offsite", "Holiday season"])),
            )
        )
    week = draw(
        st.sampled_from(
            [
                None,
                WorkingWeek(),
                WorkingWeek(saturday=SHORT_DAY),
                WorkingWeek(friday=(hours("08:00", "12:00"),)),
            ]
        )
    )
    found = [
        Calendar(
            id="standard",
            name=draw(st.sampled_from([None, "Standard", "Office hours"])),
            week=week,
            holidays=tuple(holidays),
            exceptions=tuple(exceptions),
        )
    ]
    if draw(st.booleans()):
        found.append(
            Calendar(
                id="part-time",
                name="Part time",
                base="standard",
                week=draw(st.sampled_from([None, WorkingWeek(thursday=(), friday=())])),
                holidays=tuple(draw(st.lists(st.sampled_from(free), max_size=2, unique=True))),
            )
        )
    if draw(st.booleans()):
        found.append(Calendar(id="shifts", week=WorkingWeek(saturday=SHORT_DAY, sunday=SHORT_DAY)))
    return found


def moments(draw: st.DrawFn) -> dt.date:
    day = draw(st.sampled_from(JANUARY[:20]))
    time = draw(st.sampled_from([None, dt.time(8), dt.time(13), dt.time(17)]))
    return day if time is None else dt.datetime.combine(day, time)


@st.composite
def plans(draw: st.DrawFn) -> tuple[Plan, list[Baseline]]:
    """A plan that Interloom can schedule, and baselines of some of its tasks."""
    cals = draw(calendars())
    calendar_ids = [c.id for c in cals]
    resources = [
        PlanResource(
            id=f"r{number}",
            name=f"Person {number}",
            max_units=draw(st.sampled_from([0.5, 1.0, 2.0])),
            calendar=draw(st.sampled_from([None, *calendar_ids])),
            cost_per_hour=draw(st.sampled_from([0, 60, 85.5])),
            email=draw(st.sampled_from([None, f"p{number}@example.com"])),
            role=draw(st.sampled_from([None, "Engineer"])),
        )
        for number in range(draw(st.integers(0, 3)))
    ]
    count = draw(st.integers(1, 9))
    parents: list[int | None] = [None]
    for index in range(1, count):
        parents.append(draw(st.sampled_from([None, *range(index)])))
    summaries = {p for p in parents if p is not None}
    leaves = [i for i in range(count) if i not in summaries]
    ids = [f"T-{i + 1}" for i in range(count)]
    milestone_ids = [f"M-{i + 1}" for i in range(draw(st.integers(0, 2)))]
    tasks = []
    for index in range(count):
        fields: dict[str, Any] = {
            "id": ids[index],
            "name": f"{draw(st.sampled_from(WORDS))} {index + 1}",
            "parent": None if parents[index] is None else ids[parents[index]],
            "description": draw(st.sampled_from([None, "Agree the contract.\nThen build."])),
            "delivers": draw(st.lists(st.sampled_from(REFS), max_size=2, unique=True)),
            "assignee": draw(st.sampled_from([None, "sam"])),
            "sprint": draw(st.sampled_from([None, "S-1"])),
            "story_points": draw(st.sampled_from([None, 3.0, 5.0])),
            "tags": draw(st.lists(st.sampled_from(["api", "crm"]), max_size=2, unique=True)),
            "fixed_cost": draw(st.sampled_from([0, 450.0])),
            "deadline": draw(st.sampled_from([None, JANUARY[25]])),
        }
        if index in leaves:
            milestone = draw(st.booleans()) and draw(st.booleans())
            fields.update(
                duration="1d" if milestone else draw(st.sampled_from(DURATIONS)),
                is_milestone=milestone,
                calendar=draw(st.sampled_from([None, *calendar_ids])),
                effort_hours=draw(st.sampled_from([None, 16.0])),
                status=draw(st.sampled_from([None, *TaskStatus])),
                milestone=draw(st.sampled_from([None, *milestone_ids])),
                assignments=[
                    AssignmentEntry(resource=r.id, units=draw(st.sampled_from([0.5, 1.0])))
                    for r in resources
                    if draw(st.booleans())
                ],
            )
            leaf_position = leaves.index(index)
            fields["depends_on"] = [
                Dependency(
                    task=ids[other],
                    type=draw(st.sampled_from(list(LinkType))),
                    lag=draw(st.sampled_from(LAGS)),
                )
                for other in leaves[:leaf_position]
                if draw(st.integers(0, 3)) == 0
            ]
            kind = draw(st.sampled_from([None, *ConstraintType]))
            if kind in (ConstraintType.ASAP, ConstraintType.ALAP):
                fields["constraint"] = Constraint(type=kind)
            elif kind is not None:
                fields["constraint"] = Constraint(type=kind, date=moments(draw))
            done = draw(st.sampled_from([0, 0, 40, 100]))
            if done and not milestone:
                start = dt.datetime.combine(draw(st.sampled_from(JANUARY[:5])), dt.time(8))
                fields["percent_complete"] = done
                fields["actual_start"] = draw(st.sampled_from([start, start.date()]))
                if done == 100:
                    fields["actual_finish"] = start + dt.timedelta(days=2, hours=9)
        tasks.append(Task(**fields))
    milestones = [
        Milestone(
            id=ident,
            name=f"Milestone {ident}",
            date=draw(st.sampled_from([None, JANUARY[15]])),
            depends_on=[Dependency(task=ids[leaves[0]])] if draw(st.booleans()) else [],
            delivers=draw(st.lists(st.sampled_from(REFS), max_size=1)),
            description=draw(st.sampled_from([None, "Signed by the client."])),
        )
        for ident in milestone_ids
    ]
    project = ProjectSchedule(
        name=draw(st.sampled_from(["Retail integration", "CRM & ERP <pilot>"])),
        start=draw(st.sampled_from([dt.date(2027, 1, 4), dt.datetime(2027, 1, 4, 8)])),
        status_date=draw(st.sampled_from([None, dt.date(2027, 1, 8)])),
        calendar=draw(st.sampled_from([i for i in calendar_ids if i != "part-time"])),
        currency=draw(st.sampled_from(["EUR", "USD"])),
    )
    plan = Plan(
        project=project, calendars=cals, resources=resources, milestones=milestones, tasks=tasks
    )
    baselines = [
        Baseline(
            name=name,
            saved_at=dt.datetime(2027, 1, 4, 9, number),
            status_date=draw(st.sampled_from([None, dt.datetime(2027, 1, 4, 17)])),
            tasks={
                ident: BaselineTask(
                    start=dt.datetime(2027, 1, 4, 8),
                    finish=dt.datetime(2027, 1, 5, 17),
                    duration_minutes=960,
                    cost=draw(st.sampled_from([0.0, 1234.5])),
                )
                for ident in ids + milestone_ids
                if ident == ids[0] or draw(st.booleans())
            },
        )
        for number, name in enumerate(
            draw(
                st.lists(
                    st.sampled_from(["Baseline", "Approved plan", "Re-plan | March"]),
                    max_size=2,
                    unique=True,
                )
            )
        )
    ]
    return plan, baselines
