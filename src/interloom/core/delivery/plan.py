"""The plan as declared in ``plan/*.yaml``: WBS, tasks, milestones, links, calendars, resources.

Plan files are git-friendly definitions. What changes every day — status updates, actuals,
saved baselines — lives in the database as records; the scheduler gets both. A project's plan
may be split over several files (one per phase, say); :func:`merge_plans` joins them.

Durations and lags are working time written the way planners write them: ``5d``, ``4h``,
``30m``, ``2w`` (weeks of five working days), a bare number meaning days; lags may be
negative (a lead) and may be a percentage of the predecessor's duration (``50%``).
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from interloom.core.definition import AnyRef, Definition, PlanId, Text
from interloom.core.delivery.activities import ConstraintType, LinkType, Moment
from interloom.core.delivery.calendar import Calendar
from interloom.core.delivery.changes import (
    ChangeRequest,
    DurationEdit,
    FreezeWindow,
    LinkEdit,
    ProposedEdits,
)
from interloom.core.delivery.raci import RaciAssignment, Stakeholder
from interloom.core.delivery.risks import Risk
from interloom.core.delivery.sprints import Sprint

_AMOUNT = re.compile(r"^\s*(?P<sign>[-+]?)\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>[a-z%]*)\s*$")
_UNITS = {
    "": "d",
    "d": "d",
    "day": "d",
    "days": "d",
    "h": "h",
    "hr": "h",
    "hrs": "h",
    "hour": "h",
    "hours": "h",
    "m": "m",
    "min": "m",
    "mins": "m",
    "minute": "m",
    "minutes": "m",
    "w": "w",
    "wk": "w",
    "week": "w",
    "weeks": "w",
    "%": "%",
}


# The most working time one amount may say, by unit (8-hour days, 5-day weeks): about 40 years.
# An absurd amount in a task update (99999999999d) once made the calendar's day tables outgrow
# the memory when the plan was scheduled.
_MAX_AMOUNT = {"d": 10_000, "w": 2_000, "h": 80_000, "m": 4_800_000}


def _bounded(value: object, magnitude: float, amount: str) -> str:
    unit = amount[-1]
    if unit in _MAX_AMOUNT and magnitude > _MAX_AMOUNT[unit]:
        raise ValueError(
            f"'{value}' is more working time than a plan holds: at most 10,000 days "
            "(2,000 weeks, 80,000 hours)"
        )
    return amount


def _normalise_amount(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return _bounded(value, abs(value), f"{value}d")
    if isinstance(value, str):
        match = _AMOUNT.match(value.lower())
        if match is None or match["unit"] not in _UNITS:
            raise ValueError(
                f"'{value}' is not a working-time amount: write e.g. 5d, 4h, 30m, 2w or 50%"
            )
        sign = "-" if match["sign"] == "-" else ""
        return _bounded(
            value, float(match["value"]), f"{sign}{match['value']}{_UNITS[match['unit']]}"
        )
    return value


_AMOUNT_TEXT = Annotated[str, Field(pattern=r"^\s*[-+]?\s*\d+(\.\d+)?\s*[a-zA-Z%]*\s*$")]

WorkAmount = Annotated[
    str,
    BeforeValidator(_normalise_amount, json_schema_input_type=float | _AMOUNT_TEXT),
    Field(
        description="Working time: 5d, 4h, 30m, 2w (5 working days), a number of days, or for "
        "lags a percentage of the predecessor (50%). A lag may be negative (a lead).",
        examples=["5d", "4h", "-1d", "50%"],
    ),
]


def working_minutes(amount: str, minutes_per_day: int = 480) -> int:
    """A normalised :data:`WorkAmount` (not a percentage) in working minutes."""
    if amount.endswith("%"):
        raise ValueError("a percentage has no fixed length; use percent_of()")
    value = float(amount[:-1])
    unit = amount[-1]
    per_unit = {"m": 1, "h": 60, "d": minutes_per_day, "w": 5 * minutes_per_day}[unit]
    return round(value * per_unit)


def percent_of(amount: str) -> float | None:
    """The percentage of a ``50%``-style amount, or ``None`` for a fixed length."""
    return float(amount[:-1]) if amount.endswith("%") else None


class TaskStatus(StrEnum):
    """Where a task stands, as its assignee reports it."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"


class Dependency(Definition):
    """A link from a predecessor task or milestone, with its type and lag."""

    task: PlanId = Field(description="The predecessor's id.")
    type: LinkType = Field(default=LinkType.FS, description="FS, SS, FF or SF.")
    lag: WorkAmount = Field(default="0d", description="Delay after the link's point; < 0: lead.")


def _dependency(value: object) -> object:
    return {"task": value} if isinstance(value, str) else value


DependencyEntry = Annotated[
    Dependency, BeforeValidator(_dependency, json_schema_input_type=PlanId | Dependency)
]


class Constraint(Definition):
    """A date constraint (MS Project's eight kinds)."""

    type: ConstraintType
    date: Moment | None = None

    @model_validator(mode="after")
    def _dated(self) -> Constraint:
        dated = self.type not in (ConstraintType.ASAP, ConstraintType.ALAP)
        if dated and self.date is None:
            raise ValueError(f"a {self.type} constraint needs a date")
        if not dated and self.date is not None:
            raise ValueError(f"a {self.type} constraint takes no date")
        return self


class AssignmentEntry(Definition):
    """A resource working on a task at ``units`` (0.5 = half its time)."""

    resource: PlanId
    units: float = Field(default=1.0, gt=0, le=100)


class PlanResource(Definition):
    """A person, team or machine that work is assigned to."""

    id: PlanId
    name: Text
    max_units: float = Field(default=1.0, gt=0, description="1.0 = one full-time unit.")
    calendar: str | None = Field(default=None, description="Own calendar id; else the project's.")
    cost_per_hour: float = Field(default=0, ge=0)
    email: str | None = None
    role: str | None = None


class Task(Definition):
    """A piece of work (or, with children, a summary), linked to what it delivers."""

    id: PlanId
    name: Text
    description: str | None = None
    parent: PlanId | None = Field(default=None, description="The summary task (WBS parent).")
    wbs: str | None = Field(
        default=None,
        pattern=r"^\d+(\.\d+)*$",
        description="Outline code (1.2.3); numbered from the file order when absent.",
    )
    duration: WorkAmount = Field(default="1d", description="Working time; ignored on summaries.")
    effort_hours: float | None = Field(default=None, ge=0, description="Planned work, in hours.")
    is_milestone: bool = Field(default=False, description="A zero-length point in the plan.")
    calendar: str | None = Field(default=None, description="Task calendar; else the project's.")
    constraint: Constraint | None = None
    deadline: dt.date | None = Field(default=None, description="Flagged when finished later.")
    depends_on: list[DependencyEntry] = Field(
        default_factory=list, description="Predecessors: ids (FS, no lag) or {task, type, lag}."
    )
    assignee: str | None = Field(default=None, description="Who answers for the task.")
    assignments: list[AssignmentEntry] = Field(default_factory=list)
    fixed_cost: float = Field(default=0, ge=0)
    percent_complete: float = Field(default=0, ge=0, le=100)
    actual_start: Moment | None = None
    actual_finish: Moment | None = None
    status: TaskStatus | None = None
    delivers: list[AnyRef] = Field(
        default_factory=list, description="system:, interface: and flow: refs the task delivers."
    )
    milestone: PlanId | None = Field(default=None, description="The milestone it leads to.")
    sprint: PlanId | None = None
    story_points: float | None = Field(default=None, ge=0)
    tags: list[str] = Field(default_factory=list)


class Milestone(Definition):
    """A point of the plan that the tasks naming it lead to; ``date`` is its target."""

    id: PlanId
    name: Text
    date: dt.date | None = Field(default=None, description="Target date (a deadline).")
    description: str | None = None
    parent: PlanId | None = None
    depends_on: list[DependencyEntry] = Field(default_factory=list)
    constraint: Constraint | None = None
    delivers: list[AnyRef] = Field(default_factory=list)


class ProjectSchedule(Definition):
    """The plan's dates and defaults (in one plan file of the project)."""

    name: Text
    start: Moment = Field(description="The project starts here.")
    status_date: Moment | None = Field(
        default=None, description="Progress is known up to here; default: today."
    )
    calendar: str = Field(default="standard", description="Id of the project calendar.")
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    near_critical_days: float = Field(
        default=2, ge=0, description="Tasks with at most this total float are near-critical."
    )


# Sprints and change requests are declared beside their algorithms and name this module's
# types, which they cannot import (this module imports them): resolve those names here.
_NAMES = {"WorkAmount": WorkAmount, "DependencyEntry": DependencyEntry, "Task": Task}
for _section in (Sprint, DurationEdit, LinkEdit, ProposedEdits, ChangeRequest):
    _section.model_rebuild(_types_namespace=_NAMES)


class Plan(Definition):
    """One ``plan/*.yaml`` file (a project's plan may span several)."""

    project: ProjectSchedule | None = None
    calendars: list[Calendar] = Field(default_factory=list)
    resources: list[PlanResource] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    sprints: list[Sprint] = Field(default_factory=list, description="Time-boxes tasks join.")
    risks: list[Risk] = Field(default_factory=list, description="The risk register.")
    change_requests: list[ChangeRequest] = Field(default_factory=list)
    freeze_windows: list[FreezeWindow] = Field(
        default_factory=list, description="Periods in which changes to a scope are refused."
    )
    stakeholders: list[Stakeholder] = Field(default_factory=list)
    raci: list[RaciAssignment] = Field(
        default_factory=list, description="Who is R, A, C and I for each deliverable."
    )
