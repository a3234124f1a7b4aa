"""Calendars between the plan and MS Project XML: weeks, holidays, exceptions, derived calendars.

A plan calendar's ``id`` travels in the MSPDI ``Name``: the name itself when it reads as the id
(``standard``), else ``Display name [id]``. Holidays are written as one-day non-working
exceptions named ``Holiday``, and read back as holidays. MS Project's recurring exceptions
(daily, weekly, monthly, yearly, by date or by position) are expanded into dates on import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence

from pydantic import ValidationError

from interloom.core.delivery.calendar import (
    STANDARD_DAY,
    Calendar,
    CalendarException,
    WorkingInterval,
    WorkingWeek,
)
from interloom.formats.plan import mspdi_records as mspdi
from interloom.formats.plan.errors import InterchangeWarning, MspdiValueError, WarningCode

HOLIDAY = "Holiday"
_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
"""WorkingWeek fields by MSPDI ``DayType`` - 1 (1 is Sunday)."""
_NAMED_ID = re.compile(r"^(?P<name>.*\S) \[(?P<id>[^\[\]\s]+)\]$")
_MAX_DATES = 20_000  # days of exceptions per calendar: about fifty years

Warn = Callable[[InterchangeWarning], None]
Times = tuple[tuple[dt.time, dt.time], ...]


def slug(text: str) -> str:
    """A lower-case id made of letters, digits and dashes (``24 Hours`` → ``24-hours``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# -- export -------------------------------------------------------------------------------


def calendar_name(calendar: Calendar) -> str:
    """The MSPDI ``Name`` that carries the calendar's id (and its display name)."""
    if calendar.name is None:
        return calendar.id
    return (
        calendar.name if slug(calendar.name) == calendar.id else f"{calendar.name} [{calendar.id}]"
    )


def _times(intervals: Sequence[WorkingInterval]) -> Times:
    return tuple((interval.start, interval.end) for interval in intervals)


def calendars_to_mspdi(
    calendars: Sequence[Calendar],
) -> tuple[list[mspdi.MspdiCalendar], dict[str, int]]:
    """MSPDI calendars, numbered from UID 1, and the UID of each calendar id."""
    uids = {calendar.id: number for number, calendar in enumerate(calendars, start=1)}
    written = []
    for calendar in calendars:
        week_days: tuple[mspdi.WeekDay, ...] = ()
        # MS Project takes a base calendar without week days for one that never works.
        week = calendar.week or (WorkingWeek() if calendar.base is None else None)
        if week is not None:
            days = week.days()  # Monday first
            week_days = tuple(
                mspdi.WeekDay(
                    day_type, bool(days[(day_type + 5) % 7]), _times(days[(day_type + 5) % 7])
                )
                for day_type in range(1, 8)
            )
        exceptions = [
            mspdi.CalendarException(start=day, finish=day, working=False, name=HOLIDAY)
            for day in sorted(set(calendar.holidays))
            if not any(e.start <= day <= e.last for e in calendar.exceptions)
        ]
        exceptions += [
            mspdi.CalendarException(
                start=exception.start,
                finish=exception.last,
                working=bool(exception.intervals),
                times=_times(exception.intervals),
                name=exception.name,
            )
            for exception in calendar.exceptions
        ]
        exceptions.sort(key=lambda e: e.start)
        written.append(
            mspdi.MspdiCalendar(
                uid=uids[calendar.id],
                name=calendar_name(calendar),
                is_base=calendar.base is None,
                base_uid=None if calendar.base is None else uids.get(calendar.base),
                week_days=week_days,
                exceptions=tuple(exceptions),
            )
        )
    return written, uids


# -- import -------------------------------------------------------------------------------


def _intervals(times: Times) -> tuple[WorkingInterval, ...]:
    return tuple(WorkingInterval(start=start, end=end) for start, end in times)


def _week(days: Sequence[mspdi.WeekDay], base: WorkingWeek | None) -> WorkingWeek | None:
    if not days:
        return base
    fields = {name: getattr(base or WorkingWeek(), name) for name in _DAYS}
    for day in days:
        hours = _intervals(day.times) if day.times else STANDARD_DAY
        fields[_DAYS[day.day_type - 1]] = hours if day.working else ()
    return WorkingWeek(**fields)


def _months(start: dt.date, finish: dt.date, step: int) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (finish.year, finish.month):
        yield year, month
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1


def _nth_weekday(year: int, month: int, weekday: int, position: int) -> dt.date | None:
    """``position`` 0–3: the first to fourth such weekday; 4: the last (weekday 0 is Monday)."""
    first = dt.date(year, month, 1)
    days = [first + dt.timedelta(days=i) for i in range(31)]
    matches = [d for d in days if d.month == month and d.weekday() == weekday]
    if position >= 4:
        return matches[-1]
    return matches[position] if position < len(matches) else None


def _day_in_month(year: int, month: int, day: int | None) -> dt.date | None:
    try:
        return dt.date(year, month, day or 1)
    except ValueError:
        return None


def exception_dates(exception: mspdi.CalendarException, warn: Warn) -> list[dt.date]:
    """Every date a (possibly recurring) MSPDI exception covers."""
    start, finish, period = exception.start, exception.finish, max(exception.period or 1, 1)
    if (finish - start).days > _MAX_DATES:
        raise MspdiValueError(
            f"a calendar exception spans {(finish - start).days} days",
            location=exception.source.location(),
            hint="split it, or give its dates as a working week",
        )
    every = [start + dt.timedelta(days=i) for i in range((finish - start).days + 1)]
    kind = exception.type
    if kind in (1, 7):  # daily, every `period` days
        return every[::period]
    if kind == 6:  # weekly, on the days of a bit mask (1 Sunday … 64 Saturday)
        mask = exception.days_of_week or 0
        week0 = start - dt.timedelta(days=(start.weekday() + 1) % 7)
        return [
            d
            for d in every
            if mask & (1 << ((d.weekday() + 1) % 7)) and ((d - week0).days // 7) % period == 0
        ]
    relative = kind in (3, 5)
    if relative and not 3 <= (exception.month_item or 0) <= 9:
        warn(
            InterchangeWarning(
                WarningCode.RECURRING_EXCEPTION,
                f"exception '{exception.name or ''}' recurs on a 'day', 'weekday' or "
                "'weekend day' position; not imported",
                exception.source.location(),
            )
        )
        return []
    if kind in (2, 3):  # yearly
        months = [(y, (exception.month or 0) + 1) for y in range(start.year, finish.year + 1)]
    elif kind in (4, 5):  # monthly, every `period` months
        months = list(_months(start, finish, period))
    else:
        warn(
            InterchangeWarning(
                WarningCode.RECURRING_EXCEPTION,
                f"exception '{exception.name or ''}' recurs in a way not known (type {kind})",
                exception.source.location(),
            )
        )
        return []
    found = []
    for year, month in months:
        if relative:
            weekday = ((exception.month_item or 3) - 3 + 6) % 7  # 3 Sunday … 9 Saturday
            day = _nth_weekday(year, month, weekday, exception.month_position or 0)
        else:
            day = _day_in_month(year, month, exception.month_day)
        if day is not None and start <= day <= finish:
            found.append(day)
    return found


def _group(dates: dict[dt.date, tuple[Times, str | None]]) -> list[CalendarException]:
    """Consecutive dates with the same hours and name as one exception each."""
    groups: list[CalendarException] = []
    run: list[dt.date] = []
    for day in sorted(dates):
        if run and (day - run[-1]).days == 1 and dates[day] == dates[run[-1]]:
            run.append(day)
            continue
        if run:
            groups.append(_exception(run, dates[run[0]]))
        run = [day]
    if run:
        groups.append(_exception(run, dates[run[0]]))
    return groups


def _exception(run: list[dt.date], value: tuple[Times, str | None]) -> CalendarException:
    times, name = value
    return CalendarException(
        start=run[0],
        finish=run[-1] if len(run) > 1 else None,
        intervals=_intervals(times),
        name=name,
    )


def calendar_id(name: str, uid: int, taken: set[str]) -> tuple[str, str | None]:
    """The plan id and display name of a calendar from its MSPDI ``Name``."""
    match = _NAMED_ID.match(name)
    if match:
        ident, display = match["id"], match["name"]
    else:
        ident, display = slug(name) or f"calendar-{uid}", name
    base, number = ident, 1
    while ident in taken:
        number += 1
        ident = f"{base}-{number}"
    taken.add(ident)
    return ident, None if display == ident else display


def calendars_from_mspdi(
    document: mspdi.MspdiProject, minutes_per_day: int, warn: Warn
) -> tuple[list[Calendar], dict[int, str]]:
    """The plan's calendars and the plan id of each MSPDI calendar UID."""
    by_uid = {c.uid: c for c in document.calendars}
    taken: set[str] = set()
    ids = {c.uid: calendar_id(c.name, c.uid, taken) for c in document.calendars}
    weeks: dict[int, WorkingWeek | None] = {}

    def week_of(uid: int, seen: tuple[int, ...] = ()) -> WorkingWeek | None:
        if uid in weeks:
            return weeks[uid]
        calendar = by_uid[uid]
        if uid in seen:
            raise MspdiValueError(
                f"calendar '{calendar.name}' derives from itself",
                location=calendar.source.location("BaseCalendarUID"),
            )
        base = calendar.base_uid if calendar.base_uid in by_uid else None
        inherited = None if base is None else week_of(base, (*seen, uid))
        if base is None and inherited is None and not calendar.week_days:
            weeks[uid] = None
            return None
        try:
            weeks[uid] = _week(calendar.week_days, inherited)
        except ValidationError as error:
            reason = error.errors()[0]["msg"].removeprefix("Value error, ")
            raise MspdiValueError(
                f"calendar '{calendar.name}' cannot be used: {reason}",
                location=calendar.source.location("WeekDays"),
            ) from None
        return weeks[uid]

    calendars = []
    for calendar in document.calendars:
        base_uid = calendar.base_uid if calendar.base_uid in by_uid else None
        own_week = week_of(calendar.uid) if base_uid is None or calendar.week_days else None
        if base_uid is None and own_week == WorkingWeek():
            own_week = None  # the default week, said once in the docs rather than in every file
        dates: dict[dt.date, tuple[Times, str | None]] = {}
        for exception in calendar.exceptions:
            times = exception.times if exception.working else ()
            if exception.working and not times:
                times = tuple((i.start, i.end) for i in STANDARD_DAY)
            for day in exception_dates(exception, warn):
                dates[day] = (times, exception.name)
        holidays = tuple(d for d, (t, name) in sorted(dates.items()) if not t and name == HOLIDAY)
        for day in holidays:
            del dates[day]
        ident, display = ids[calendar.uid]
        try:
            calendars.append(
                Calendar(
                    id=ident,
                    name=display,
                    base=None if base_uid is None else ids[base_uid][0],
                    week=own_week,
                    holidays=holidays,
                    exceptions=tuple(_group(dates)),
                    minutes_per_day=minutes_per_day,
                )
            )
        except ValidationError as error:
            reason = error.errors()[0]["msg"].removeprefix("Value error, ")
            raise MspdiValueError(
                f"calendar '{calendar.name}' cannot be used: {reason}",
                location=calendar.source.location(),
            ) from None
    return calendars, {uid: ident for uid, (ident, _) in ids.items()}
