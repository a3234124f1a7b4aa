"""Working-time calendars, and fast arithmetic between datetimes and working minutes.

A :class:`Calendar` is the declared model: a working week, holidays and exceptions, and
optionally a ``base`` it derives from (a resource or task calendar is its base plus its own
exceptions). A :class:`WorkingTime` is one calendar compiled for arithmetic: it maps a naive
wall-clock datetime to the number of working minutes since an origin and back, at minute
resolution, with per-day tables and ``bisect`` so that no operation walks minute by minute.

One working-minute count ``w`` stands for several instants when it falls on a boundary: the
end of a working interval and the start of the next one (Monday 17:00 and Tuesday 08:00 are
the same working moment). As in MS Project, a finish takes the earliest of them
(:meth:`WorkingTime.finish_moment`: a task ends Monday 17:00) and a start the latest
(:meth:`WorkingTime.start_moment`: its successor starts Tuesday 08:00).
"""

from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

_DAY = 1440  # wall-clock minutes in a day
_CHUNK = 366  # days added to the tables at a time, so extensions stay rare

Pattern = tuple[tuple[int, int], ...]
"""The working intervals of one day as (start, end) minutes since midnight, sorted, disjoint."""


# Plan files write "08:00"; JSON Schema's "time" format would ask for seconds and a zone.
ClockTime = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$",
            "description": "A wall-clock time, HH:MM (24 h).",
            "examples": ["08:00", "17:30"],
        }
    ),
]


class WorkingInterval(BaseModel):
    """Working hours within one day, from ``start`` to ``end`` (an ``end`` of 00:00 is midnight)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: ClockTime
    end: ClockTime

    @property
    def start_minute(self) -> int:
        """Minutes from midnight to the start."""
        return self.start.hour * 60 + self.start.minute

    @property
    def end_minute(self) -> int:
        """Minutes from midnight to the end; 1440 for an end at midnight."""
        minute = self.end.hour * 60 + self.end.minute
        return minute or _DAY

    @model_validator(mode="after")
    def _check_order(self) -> WorkingInterval:
        if self.start.second or self.end.second or self.start.microsecond or self.end.microsecond:
            raise ValueError("working intervals are whole minutes")
        if self.end_minute <= self.start_minute:
            raise ValueError(f"a working interval ends after it starts ({self.start}–{self.end})")
        return self


def hours(start: str, end: str) -> WorkingInterval:
    """A working interval from two ``HH:MM`` strings (``end`` ``24:00`` is midnight)."""
    finish = "00:00" if end == "24:00" else end
    return WorkingInterval(start=dt.time.fromisoformat(start), end=dt.time.fromisoformat(finish))


STANDARD_DAY: tuple[WorkingInterval, ...] = (hours("08:00", "12:00"), hours("13:00", "17:00"))
"""MS Project's Standard calendar day: 08:00–12:00 and 13:00–17:00, eight hours."""


def _pattern(intervals: Iterable[WorkingInterval]) -> Pattern:
    spans = sorted((i.start_minute, i.end_minute) for i in intervals)
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise ValueError("working intervals of one day overlap")
    return tuple(spans)


class WorkingWeek(BaseModel):
    """The working intervals of each weekday; by default Monday–Friday, 08:00–12:00, 13:00–17:00."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    monday: tuple[WorkingInterval, ...] = STANDARD_DAY
    tuesday: tuple[WorkingInterval, ...] = STANDARD_DAY
    wednesday: tuple[WorkingInterval, ...] = STANDARD_DAY
    thursday: tuple[WorkingInterval, ...] = STANDARD_DAY
    friday: tuple[WorkingInterval, ...] = STANDARD_DAY
    saturday: tuple[WorkingInterval, ...] = ()
    sunday: tuple[WorkingInterval, ...] = ()

    def days(self) -> tuple[tuple[WorkingInterval, ...], ...]:
        """The seven days, Monday first (as ``date.weekday()`` counts)."""
        return (
            self.monday,
            self.tuesday,
            self.wednesday,
            self.thursday,
            self.friday,
            self.saturday,
            self.sunday,
        )

    @model_validator(mode="after")
    def _check_days(self) -> WorkingWeek:
        patterns = [_pattern(day) for day in self.days()]
        # Without a working weekday, adding working time would search the calendar forever.
        if not any(patterns):
            raise ValueError("a working week needs at least one working day")
        return self


class CalendarException(BaseModel):
    """Dates that work differently from the week: non-working (no intervals) or special hours."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: dt.date
    finish: dt.date | None = Field(
        default=None, description="Last date, inclusive; one day if unset."
    )
    intervals: tuple[WorkingInterval, ...] = ()
    name: str | None = None

    @property
    def last(self) -> dt.date:
        """The last date the exception covers."""
        return self.finish or self.start

    def dates(self) -> Iterator[dt.date]:
        """Every date the exception covers, in order."""
        day = self.start
        while day <= self.last:
            yield day
            day += dt.timedelta(days=1)

    @model_validator(mode="after")
    def _check(self) -> CalendarException:
        if self.last < self.start:
            raise ValueError(f"exception finishes ({self.last}) before it starts ({self.start})")
        _pattern(self.intervals)
        return self


class Calendar(BaseModel):
    """A named working-time calendar; with a ``base`` it inherits that calendar's week and dates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = "standard"
    name: str | None = None
    base: str | None = Field(default=None, description="Id of the calendar this one derives from.")
    week: WorkingWeek | None = Field(default=None, description="Own week; else the base's.")
    holidays: tuple[dt.date, ...] = ()
    exceptions: tuple[CalendarException, ...] = ()
    minutes_per_day: int = Field(
        default=480, gt=0, description="Working minutes in one day of duration (MS Project: 8 h)."
    )

    @field_validator("exceptions")
    @classmethod
    def _disjoint(cls, value: tuple[CalendarException, ...]) -> tuple[CalendarException, ...]:
        spans = sorted((e.start, e.last) for e in value)
        for (_, last), (start, _) in itertools.pairwise(spans):
            if start <= last:
                raise ValueError(f"calendar exceptions overlap on {start}")
        return value

    def overrides(self) -> dict[dt.date, Pattern]:
        """The dates this calendar itself sets apart from its week, with their hours."""
        dates: dict[dt.date, Pattern] = dict.fromkeys(self.holidays, ())
        for exception in self.exceptions:
            hours_of_day = _pattern(exception.intervals)
            dates.update((day, hours_of_day) for day in exception.dates())
        return dates

    def days(self, count: float) -> int:
        """Working minutes in ``count`` days of duration (``minutes_per_day`` each), rounded."""
        return round(count * self.minutes_per_day)


def standard_calendar() -> Calendar:
    """MS Project's Standard calendar: Monday to Friday, 08:00–12:00 and 13:00–17:00."""
    return Calendar()


class WorkingTime:
    """A calendar compiled for arithmetic: integer working minutes since ``origin`` 00:00.

    ``chain`` lists the calendar first and then its bases, nearest first: the first with a
    week gives the week, and a date set apart by a nearer calendar overrides a farther one.
    Tables cover a range of days around the origin and grow on demand.
    """

    def __init__(
        self, calendar: Calendar, *bases: Calendar, origin: dt.date = dt.date(2000, 1, 3)
    ) -> None:
        chain = (calendar, *bases)
        self.calendar = calendar
        self.minutes_per_day = calendar.minutes_per_day
        week = next((c.week for c in chain if c.week is not None), None) or WorkingWeek()
        overrides: dict[dt.date, Pattern] = {}
        for member in reversed(chain):
            overrides.update(member.overrides())
        self._patterns: list[Pattern] = []
        self._pattern_ids: dict[Pattern, int] = {}
        # Per pattern: its work, the working minutes before each wall minute, and the wall
        # minute at which working offset o resumes / the (o+1)-th working minute ends.
        self._work: list[int] = []
        self._prefix: list[list[int]] = []
        self._starts: list[list[int]] = []
        self._finishes: list[list[int]] = []
        self._weekday = [self._pattern_id(_pattern(day)) for day in week.days()]
        self._special = {day.toordinal(): self._pattern_id(p) for day, p in overrides.items()}
        self._origin = origin.toordinal()
        self._lo = self._origin
        self._pat: list[int] = []
        self._cum: list[int] = [0]
        self._starts_cache: dict[int, dt.datetime] = {}
        self._finish_cache: dict[int, dt.datetime] = {}
        self._cover(self._origin - _CHUNK, self._origin + 2 * _CHUNK)

    def _pattern_id(self, pattern: Pattern) -> int:
        found = self._pattern_ids.get(pattern)
        if found is not None:
            return found
        ident = len(self._patterns)
        self._patterns.append(pattern)
        self._pattern_ids[pattern] = ident
        work = sum(end - start for start, end in pattern)
        prefix = [0] * (_DAY + 1)
        starts: list[int] = []
        for start, end in pattern:
            starts.extend(range(start, end))
        done = 0
        cursor = 0
        for start, end in pattern:
            for minute in range(cursor, start + 1):
                prefix[minute] = done
            for minute in range(start + 1, end + 1):
                prefix[minute] = done + minute - start
            done += end - start
            cursor = end + 1
        for minute in range(cursor, _DAY + 1):
            prefix[minute] = done
        self._work.append(work)
        self._prefix.append(prefix)
        self._starts.append(starts)
        # The o-th minute of work (o from 1) ends one minute after it starts.
        self._finishes.append([minute + 1 for minute in starts])
        return ident

    def _day_pattern(self, ordinal: int) -> int:
        special = self._special.get(ordinal)
        if special is not None:
            return special
        return self._weekday[(ordinal - 1) % 7]  # ordinal 1 (0001-01-01) is a Monday

    def _cover(self, lo: int, hi: int) -> None:
        """Extend the day tables to cover ordinals ``lo`` to ``hi`` (exclusive)."""
        lo = min(lo, self._lo)
        hi = max(hi, self._lo + len(self._pat))
        if lo == self._lo and hi == self._lo + len(self._pat):
            return
        pat = [self._day_pattern(ordinal) for ordinal in range(lo, hi)]
        cum = [0] * (len(pat) + 1)
        total = 0
        work = self._work
        for index, pattern in enumerate(pat):
            cum[index] = total
            total += work[pattern]
        cum[-1] = total
        shift = cum[self._origin - lo]
        self._lo = lo
        self._pat = pat
        self._cum = [value - shift for value in cum]

    def _cover_work(self, w: int) -> None:
        """Extend the tables until some day starts before ``w`` and some day ends after it."""
        while w <= self._cum[0]:
            span = len(self._pat)
            self._cover(self._lo - max(span, _CHUNK), self._lo + span)
        while w >= self._cum[-1]:
            span = len(self._pat)
            self._cover(self._lo, self._lo + span + max(span, _CHUNK))

    def working_minutes(self, moment: dt.datetime) -> int:
        """Working minutes from the origin to ``moment`` (negative before the origin)."""
        index = moment.toordinal() - self._lo
        if not 0 <= index < len(self._pat):
            span = max(len(self._pat), _CHUNK)
            self._cover(moment.toordinal() - span, moment.toordinal() + span)
            index = moment.toordinal() - self._lo
        minute = moment.hour * 60 + moment.minute
        return self._cum[index] + self._prefix[self._pat[index]][minute]

    def start_moment(self, w: int) -> dt.datetime:
        """The latest instant with ``w`` working minutes done: where work resumes (a start)."""
        found = self._starts_cache.get(w)
        if found is not None:
            return found
        cum = self._cum
        if not cum[0] <= w < cum[-1]:
            self._cover_work(w)
            cum = self._cum
        index = bisect_right(cum, w) - 1
        minute = self._starts[self._pat[index]][w - cum[index]]
        moment = dt.datetime.fromordinal(self._lo + index) + dt.timedelta(minutes=minute)
        self._starts_cache[w] = moment
        return moment

    def finish_moment(self, w: int) -> dt.datetime:
        """The earliest instant with ``w`` working minutes done: where work stops (a finish)."""
        found = self._finish_cache.get(w)
        if found is not None:
            return found
        cum = self._cum
        if not cum[0] < w <= cum[-1]:
            self._cover_work(w)
            cum = self._cum
        index = bisect_left(cum, w) - 1
        minute = self._finishes[self._pat[index]][w - cum[index] - 1]
        moment = dt.datetime.fromordinal(self._lo + index) + dt.timedelta(minutes=minute)
        self._finish_cache[w] = moment
        return moment

    def add_working_time(self, moment: dt.datetime, minutes: int) -> dt.datetime:
        """``moment`` moved by ``minutes`` of work: forward to a finish, backward to a start.

        Zero minutes leave ``moment`` as it is (a milestone finishes where it starts).
        """
        if minutes == 0:
            return moment
        w = self.working_minutes(moment) + minutes
        return self.finish_moment(w) if minutes > 0 else self.start_moment(w)

    def working_time_between(self, start: dt.datetime, finish: dt.datetime) -> int:
        """Working minutes from ``start`` to ``finish`` (negative when ``finish`` is earlier)."""
        return self.working_minutes(finish) - self.working_minutes(start)

    def next_working_moment(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` if work goes on at it, else the next start of work (17:00 gives 08:00)."""
        return self.start_moment(self.working_minutes(moment))

    def previous_working_moment(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` if work went on just before it, else the last end of work (08:00 is 17:00)."""
        return self.finish_moment(self.working_minutes(moment))

    def working_minutes_on(self, day: dt.date) -> int:
        """Working minutes on one date."""
        return self._work[self._day_pattern(day.toordinal())]

    def is_working_day(self, day: dt.date) -> bool:
        """Whether any work happens on ``day``."""
        return self.working_minutes_on(day) > 0
