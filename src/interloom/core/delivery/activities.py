"""What the scheduler is given: activities, links, calendars and dates (frozen pydantic models).

Durations and lags are working minutes; ``Calendar.days`` converts days of duration. Moments
are naive wall-clock date-times; a bare date stands for the start of its day, or for the end
of it where a finish is meant (a finish constraint, an actual finish, the status date).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from interloom.core.delivery.calendar import Calendar


def _parse_moment(value: object) -> object:
    # A bare date and a date-time at midnight differ for a finish (end vs start of the day),
    # so strings are told apart by shape rather than left to the union's guess.
    if isinstance(value, str):
        text = value.strip()
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    return value


def _naive(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise ValueError("use a naive local date-time: calendars count wall-clock hours")
    return value


Moment = Annotated[dt.datetime | dt.date, BeforeValidator(_parse_moment), AfterValidator(_naive)]
"""A wall-clock instant; a bare date means the start of that day, or its end for a finish."""


def local_date_time_schema(year: str = "[0-9]{4}") -> dict[str, Any]:
    """The JSON Schema of a wall-clock date-time whose year matches the pattern ``year``.

    JSON Schema's "date-time" asks for a UTC offset, which a plan's wall-clock times do not
    have: they are RFC 3339 date-times without one ("date-time-local" in OpenAPI's registry).
    """
    return {
        "type": "string",
        "format": "date-time-local",
        "pattern": (
            rf"^{year}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
            r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$"
        ),
        "description": "A wall-clock date-time of the plan's calendars, without a UTC offset.",
    }


LocalDateTime = Annotated[
    dt.datetime, AfterValidator(_naive), WithJsonSchema(local_date_time_schema())
]
"""A naive wall-clock date-time as the plan's answers carry it (scheduled dates, status date)."""

PLAN_YEARS = range(1900, 2200)
"""The years a date given to a plan request may fall in: a later one is a typo, and placing it
would have the calendars count working minutes across centuries."""
PLAN_YEAR_PATTERN = "(19[0-9]{2}|2[01][0-9]{2})"
"""PLAN_YEARS as a regular expression."""
PLAN_DAY_PATTERN = f"^{PLAN_YEAR_PATTERN}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
"""A day YYYY-MM-DD of PLAN_YEARS as a regular expression."""


class LinkType(StrEnum):
    """How a link ties its successor to its predecessor."""

    FS = "FS"  # successor starts after predecessor finishes
    SS = "SS"
    FF = "FF"
    SF = "SF"


class ConstraintType(StrEnum):
    """MS Project's date constraints."""

    ASAP = "ASAP"  # as soon as possible
    ALAP = "ALAP"  # as late as possible
    SNET = "SNET"  # start no earlier than
    SNLT = "SNLT"  # start no later than
    FNET = "FNET"  # finish no earlier than
    FNLT = "FNLT"  # finish no later than
    MSO = "MSO"  # must start on
    MFO = "MFO"  # must finish on


DATED_CONSTRAINTS = frozenset(ConstraintType) - {ConstraintType.ASAP, ConstraintType.ALAP}


class Progress(StrEnum):
    """Where an activity stands at the status date."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Activity(_Model):
    """A task, milestone or summary task to schedule; durations are in working minutes."""

    id: str = Field(min_length=1)
    name: str = ""
    duration: int = Field(default=0, ge=0, description="Working minutes; ignored on summaries.")
    calendar: str | None = Field(default=None, description="Task calendar; else the project's.")
    constraint: ConstraintType = ConstraintType.ASAP
    constraint_date: Moment | None = None
    actual_start: Moment | None = None
    actual_finish: Moment | None = None
    percent_complete: float = Field(default=0, ge=0, le=100)
    is_milestone: bool | None = Field(default=None, description="Defaults to a zero duration.")
    parent: str | None = Field(default=None, description="Id of the summary task above this one.")

    @property
    def milestone(self) -> bool:
        """Whether the activity shows as a milestone."""
        return self.duration == 0 if self.is_milestone is None else self.is_milestone

    @property
    def progress(self) -> Progress:
        """Complete, in progress or not started, from the actuals and the percent complete."""
        if (
            self.actual_finish is not None
            or self.percent_complete >= 100
            or (self.duration == 0 and self.percent_complete > 0)
        ):
            return Progress.COMPLETE
        if self.actual_start is not None or self.percent_complete > 0:
            return Progress.IN_PROGRESS
        return Progress.NOT_STARTED

    @model_validator(mode="after")
    def _check(self) -> Activity:
        dated = self.constraint in DATED_CONSTRAINTS
        if dated and self.constraint_date is None:
            raise ValueError(f"a {self.constraint} constraint needs a constraint_date")
        if not dated and self.constraint_date is not None:
            raise ValueError(f"a {self.constraint} constraint takes no constraint_date")
        if self.actual_finish is not None:
            if self.actual_start is None:
                raise ValueError("an actual finish needs an actual start")
            if as_finish(self.actual_finish) < as_start(self.actual_start):
                raise ValueError("the actual finish is before the actual start")
        return self


class Link(_Model):
    """A dependency; ``lag`` in working minutes, or ``lag_percent`` of the predecessor's length."""

    predecessor: str
    successor: str
    type: LinkType = LinkType.FS
    lag: int = Field(default=0, description="Working minutes on the project calendar; may be < 0.")
    lag_percent: float | None = Field(default=None, description="Percent of the predecessor.")

    @model_validator(mode="after")
    def _one_lag(self) -> Link:
        if self.lag and self.lag_percent is not None:
            raise ValueError("give a lag or a lag_percent, not both")
        return self


class ScheduleInput(_Model):
    """Everything the scheduler needs: dates, calendars, activities and links."""

    project_start: Moment
    status_date: Moment | None = Field(default=None, description="Progress is known up to here.")
    calendar: str = Field(default="standard", description="Id of the project calendar.")
    calendars: tuple[Calendar, ...] = ()
    activities: tuple[Activity, ...]
    links: tuple[Link, ...] = ()
    critical_float: int = Field(default=0, description="Critical at or below this total float.")
    near_critical_float: int = Field(default=0, description="Near-critical at or below this.")


def as_start(moment: dt.date) -> dt.datetime:
    """A moment to the minute; a bare date as the start of that day."""
    if isinstance(moment, dt.datetime):
        return moment.replace(second=0, microsecond=0)
    return dt.datetime(moment.year, moment.month, moment.day)


def as_finish(moment: dt.date) -> dt.datetime:
    """A moment to the minute; a bare date as the end of that day (midnight after it)."""
    if isinstance(moment, dt.datetime):
        return moment.replace(second=0, microsecond=0)
    return dt.datetime(moment.year, moment.month, moment.day) + dt.timedelta(days=1)
