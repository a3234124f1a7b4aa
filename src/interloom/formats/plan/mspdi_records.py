"""MS Project XML (MSPDI) as plain records, one per element kind.

The records mirror the file: UIDs, MS Project's codes, durations in working minutes, costs in
currency units (the file holds cents). :mod:`mspdi_reader` fills them from a file,
:mod:`mspdi_writer` writes them in the schema's element order, :mod:`mspdi` maps them to and
from the plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from interloom.core.errors import Location

NAMESPACE = "http://schemas.microsoft.com/project"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record is in its file: the line and the element path."""

    file: str
    line: int | None
    path: str

    def location(self, child: str | None = None) -> Location:
        """The location of this element, or of one of its children by name."""
        path = f"{self.path}/{child}" if child else self.path
        return Location(file=self.file or None, line=self.line, path=path or None)


NOWHERE = Source("", None, "")


@dataclass(frozen=True, slots=True)
class WeekDay:
    """A ``WeekDay``: ``day_type`` 1 (Sunday) to 7 (Saturday); no times on a working day means
    the default hours (08:00–12:00, 13:00–17:00)."""

    day_type: int
    working: bool
    times: tuple[tuple[dt.time, dt.time], ...] = ()


@dataclass(frozen=True, slots=True)
class CalendarException:
    """A calendar ``Exception``: a date range, non-working or with its own hours; recurring
    when ``type`` is not 1 (daily) or ``occurrences`` repeat it."""

    start: dt.date
    finish: dt.date
    working: bool
    times: tuple[tuple[dt.time, dt.time], ...] = ()
    name: str | None = None
    type: int = 1  # 1 daily, 2 yearly by day, 3 yearly by position, 4/5 monthly, 6 weekly
    occurrences: int | None = None
    period: int | None = None
    days_of_week: int | None = None  # bits: 1 Sunday … 64 Saturday
    month: int | None = None  # 0 January … 11 December
    month_day: int | None = None
    month_item: int | None = None  # 3 Sunday … 9 Saturday (0–2: day, weekday, weekend day)
    month_position: int | None = None  # 0 first … 3 fourth, 4 last
    source: Source = NOWHERE


@dataclass(frozen=True, slots=True)
class MspdiCalendar:
    """A calendar: base, or derived from ``base_uid`` (a resource's calendar)."""

    uid: int
    name: str
    is_base: bool
    base_uid: int | None = None
    week_days: tuple[WeekDay, ...] = ()
    exceptions: tuple[CalendarException, ...] = ()
    source: Source = NOWHERE


@dataclass(frozen=True, slots=True)
class PredecessorLink:
    """A ``PredecessorLink``: type 0 FF, 1 FS, 2 SF, 3 SS; the lag in tenths of a minute, or in
    percent of the predecessor's duration when ``lag_format`` is 19 or 20."""

    predecessor_uid: int
    type: int = 1
    lag: int = 0
    lag_format: int | None = None
    source: Source = NOWHERE


@dataclass(frozen=True, slots=True)
class TaskBaseline:
    """A task's ``Baseline`` entry: baseline ``number`` 0 to 10."""

    number: int
    start: dt.datetime | None = None
    finish: dt.datetime | None = None
    duration: float | None = None  # minutes
    cost: float | None = None


@dataclass(frozen=True, slots=True)
class MspdiTask:
    """A ``Task``; durations are working minutes, costs currency units."""

    uid: int
    name: str | None = None
    id: int | None = None
    wbs: str | None = None
    outline_number: str | None = None
    outline_level: int | None = None
    summary: bool = False
    milestone: bool = False
    active: bool = True
    manual: bool = False
    is_null: bool = False
    external: bool = False
    start: dt.datetime | None = None
    finish: dt.datetime | None = None
    duration: float | None = None
    duration_format: int | None = None
    work: float | None = None
    early_start: dt.datetime | None = None
    early_finish: dt.datetime | None = None
    late_start: dt.datetime | None = None
    late_finish: dt.datetime | None = None
    free_slack: int | None = None  # tenths of a minute
    total_slack: int | None = None
    critical: bool | None = None
    fixed_cost: float | None = None
    percent_complete: float | None = None
    cost: float | None = None
    actual_start: dt.datetime | None = None
    actual_finish: dt.datetime | None = None
    constraint_type: int | None = None
    calendar_uid: int | None = None
    constraint_date: dt.datetime | None = None
    deadline: dt.datetime | None = None
    notes: str | None = None
    links: tuple[PredecessorLink, ...] = ()
    extended: dict[int, str] = field(default_factory=dict)
    baselines: tuple[TaskBaseline, ...] = ()
    source: Source = NOWHERE


@dataclass(frozen=True, slots=True)
class MspdiResource:
    """A ``Resource``: type 0 material, 1 work, 2 cost; ``standard_rate`` per hour."""

    uid: int
    name: str | None = None
    id: int | None = None
    type: int = 1
    is_null: bool = False
    group: str | None = None
    email: str | None = None
    max_units: float | None = None
    standard_rate: float | None = None
    calendar_uid: int | None = None
    notes: str | None = None
    extended: dict[int, str] = field(default_factory=dict)
    source: Source = NOWHERE


@dataclass(frozen=True, slots=True)
class MspdiAssignment:
    """An ``Assignment`` of a resource to a task at ``units`` (1.0 = full time)."""

    uid: int
    task_uid: int
    resource_uid: int
    units: float | None = None
    work: float | None = None
    source: Source = NOWHERE


@dataclass(frozen=True, slots=True)
class ExtendedAttribute:
    """The project's declaration of a custom field: its id, name (``Text1``) and alias."""

    field_id: int
    field_name: str
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class MspdiProject:
    """A whole MSPDI document."""

    name: str | None = None
    title: str | None = None
    creation_date: dt.datetime | None = None
    last_saved: dt.datetime | None = None
    start_date: dt.datetime | None = None
    finish_date: dt.datetime | None = None
    currency_code: str | None = None
    calendar_uid: int | None = None
    default_start_time: dt.time | None = None
    default_finish_time: dt.time | None = None
    minutes_per_day: int | None = None
    minutes_per_week: int | None = None
    status_date: dt.datetime | None = None
    extended_attributes: tuple[ExtendedAttribute, ...] = ()
    calendars: tuple[MspdiCalendar, ...] = ()
    tasks: tuple[MspdiTask, ...] = ()
    resources: tuple[MspdiResource, ...] = ()
    assignments: tuple[MspdiAssignment, ...] = ()
    source: Source = NOWHERE
