"""Working-time arithmetic, by hand on the Standard calendar and against a minute-by-minute walk."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from interloom.core.delivery.calendar import (
    Calendar,
    CalendarException,
    WorkingInterval,
    WorkingTime,
    WorkingWeek,
    hours,
    standard_calendar,
)

MINUTE = dt.timedelta(minutes=1)


def at(day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    """A moment in March 2024 (Monday 4 to Sunday 10, Monday 11…)."""
    return dt.datetime(2024, 3, day, hour, minute)


@pytest.fixture
def standard() -> WorkingTime:
    return WorkingTime(standard_calendar(), origin=dt.date(2024, 3, 4))


def test_a_day_of_work_from_the_morning_ends_at_17(standard: WorkingTime) -> None:
    assert standard.add_working_time(at(4), 480) == at(4, 17)
    assert standard.add_working_time(at(4), 240) == at(4, 12)  # a finish stays before lunch
    assert standard.add_working_time(at(4), 300) == at(4, 14)
    assert standard.add_working_time(at(8, 15), 180) == at(11, 9)  # over the weekend


def test_going_backward_lands_on_a_start(standard: WorkingTime) -> None:
    assert standard.add_working_time(at(5, 17), -480) == at(5, 8)
    assert standard.add_working_time(at(11, 10), -180) == at(8, 16)
    assert standard.add_working_time(at(4, 14), -60) == at(4, 13)  # not 12:00
    assert standard.add_working_time(at(4, 9, 30), 0) == at(4, 9, 30)


def test_start_and_end_of_day_semantics(standard: WorkingTime) -> None:
    w = standard.working_minutes(at(4, 17))
    assert standard.working_minutes(at(5, 8)) == w  # the same working moment…
    assert standard.finish_moment(w) == at(4, 17)  # …a finish shows the evening
    assert standard.start_moment(w) == at(5, 8)  # …a start the next morning


def test_next_and_previous_working_moments(standard: WorkingTime) -> None:
    assert standard.next_working_moment(at(8, 17)) == at(11, 8)
    assert standard.next_working_moment(at(9, 11)) == at(11, 8)
    assert standard.next_working_moment(at(4, 12, 30)) == at(4, 13)
    assert standard.next_working_moment(at(4, 9, 15)) == at(4, 9, 15)
    assert standard.previous_working_moment(at(11, 8)) == at(8, 17)
    assert standard.previous_working_moment(at(4, 12, 30)) == at(4, 12)
    assert standard.previous_working_moment(at(4, 9, 15)) == at(4, 9, 15)


def test_working_time_between(standard: WorkingTime) -> None:
    assert standard.working_time_between(at(4), at(8, 17)) == 5 * 480
    assert standard.working_time_between(at(8, 16), at(11, 9)) == 120
    assert standard.working_time_between(at(11, 9), at(8, 16)) == -120
    assert standard.working_time_between(at(9, 10), at(10, 10)) == 0


def test_holidays_and_exceptions_with_special_hours() -> None:
    calendar = Calendar(
        holidays=(dt.date(2024, 3, 6),),
        exceptions=(
            CalendarException(start=dt.date(2024, 3, 7), intervals=(hours("10:00", "12:00"),)),
            CalendarException(
                start=dt.date(2024, 3, 9),
                finish=dt.date(2024, 3, 10),
                intervals=(hours("09:00", "10:00"),),
            ),
        ),
    )
    clock = WorkingTime(calendar, origin=dt.date(2024, 3, 4))

    assert clock.add_working_time(at(5, 16), 120) == at(7, 11)
    assert clock.add_working_time(at(8, 17), 90) == at(10, 9, 30)
    assert not clock.is_working_day(dt.date(2024, 3, 6))
    assert clock.working_minutes_on(dt.date(2024, 3, 7)) == 120
    assert clock.working_time_between(at(4), at(11)) == 4 * 480 - 480 + 120 + 120


def test_a_derived_calendar_keeps_its_base_and_overrides_it() -> None:
    base = Calendar(holidays=(dt.date(2024, 3, 6), dt.date(2024, 3, 7)))
    crew = Calendar(
        id="crew",
        base="standard",
        holidays=(dt.date(2024, 3, 5),),
        exceptions=(
            CalendarException(start=dt.date(2024, 3, 7), intervals=(hours("08:00", "12:00"),)),
        ),
    )
    clock = WorkingTime(crew, base, origin=dt.date(2024, 3, 4))

    days = [clock.working_minutes_on(dt.date(2024, 3, d)) for d in range(4, 11)]
    assert days == [480, 0, 0, 240, 480, 0, 0]


def test_a_derived_calendar_with_its_own_week() -> None:
    base = Calendar(holidays=(dt.date(2024, 3, 11),))
    morning = (hours("06:00", "10:00"),)
    four_days = WorkingWeek(
        friday=(), monday=morning, tuesday=morning, wednesday=morning, thursday=morning
    )
    clock = WorkingTime(Calendar(id="early", base="standard", week=four_days), base)

    assert clock.add_working_time(at(7, 9), 120) == at(12, 7)  # no Friday, Monday a holiday


def test_work_through_midnight_is_continuous() -> None:
    night = (hours("00:00", "06:00"), hours("22:00", "24:00"))
    week = WorkingWeek(
        **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), night)
    )
    clock = WorkingTime(Calendar(id="night", week=week))

    assert clock.add_working_time(at(4, 22), 240) == at(5, 2)
    assert clock.add_working_time(at(4, 22), 120) == at(5, 0)
    assert clock.next_working_moment(at(5, 0)) == at(5, 0)
    assert clock.add_working_time(at(8, 23), 120) == at(11, 1)  # Friday night, then Monday


def test_dates_far_from_the_origin(standard: WorkingTime) -> None:
    early = dt.datetime(1990, 1, 1, 9)  # a Monday
    late = dt.datetime(2090, 1, 2, 9)  # a Monday

    assert standard.add_working_time(early, 480) == dt.datetime(1990, 1, 2, 9)
    assert standard.add_working_time(late, -480) == dt.datetime(2089, 12, 30, 9)  # a Friday
    assert standard.start_moment(standard.working_minutes(early)) == early


def test_days_of_duration() -> None:
    assert Calendar().days(2.5) == 1200
    assert Calendar(minutes_per_day=450).days(1) == 450


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: hours("12:00", "08:00"), "ends after it starts"),
        (lambda: WorkingWeek(monday=(hours("08:00", "12:00"), hours("11:00", "13:00"))), "overlap"),
        (
            lambda: WorkingWeek(
                **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), ())
            ),
            "at least one working day",
        ),
        (
            lambda: Calendar(
                exceptions=(
                    CalendarException(start=dt.date(2024, 3, 4), finish=dt.date(2024, 3, 8)),
                    CalendarException(start=dt.date(2024, 3, 8)),
                )
            ),
            "overlap on 2024-03-08",
        ),
        (
            lambda: CalendarException(start=dt.date(2024, 3, 8), finish=dt.date(2024, 3, 4)),
            "before it starts",
        ),
    ],
)
def test_invalid_calendars_are_refused(make: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make()  # type: ignore[operator]


# -- against a minute-by-minute walk ----------------------------------------------------------

ORIGIN = dt.datetime(2024, 3, 4)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@st.composite
def days(draw: st.DrawFn) -> tuple[WorkingInterval, ...]:
    """A day's working hours on a half-hour grid, possibly empty, possibly up to midnight."""
    marks = sorted(draw(st.sets(st.integers(0, 48), max_size=6)))
    pairs = list(zip(marks[::2], marks[1::2], strict=False))
    return tuple(WorkingInterval(start=_time(a), end=_time(b)) for a, b in pairs if a < b)


def _time(half_hours: int) -> dt.time:
    minutes = half_hours * 30
    return dt.time(0) if minutes == 1440 else dt.time(minutes // 60, minutes % 60)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    week = {day: draw(days()) for day in WEEKDAYS}
    if not any(week.values()):
        week["wednesday"] = (hours("09:00", "11:00"),)
    holidays = draw(st.sets(st.integers(0, 20), max_size=4))
    return Calendar(
        week=WorkingWeek(**week),
        holidays=tuple(sorted(ORIGIN.date() + dt.timedelta(days=d) for d in holidays)),
    )


def working(calendar: Calendar, minute: dt.datetime) -> bool:
    """Whether work goes on during the minute starting at ``minute``."""
    if minute.date() in calendar.holidays:
        return False
    assert calendar.week is not None
    of_day = minute.hour * 60 + minute.minute
    return any(
        i.start_minute <= of_day < i.end_minute for i in calendar.week.days()[minute.weekday()]
    )


def walk_forward(calendar: Calendar, moment: dt.datetime, minutes: int) -> dt.datetime:
    t = moment
    while True:
        if working(calendar, t):
            minutes -= 1
            if minutes == 0:
                return t + MINUTE
        t += MINUTE


def walk_backward(calendar: Calendar, moment: dt.datetime, minutes: int) -> dt.datetime:
    t = moment
    while True:
        t -= MINUTE
        if working(calendar, t):
            minutes -= 1
            if minutes == 0:
                return t


moments = st.integers(0, 14 * 48).map(lambda h: ORIGIN + dt.timedelta(days=3, minutes=15 * h))


@settings(max_examples=60, deadline=None)
@given(calendars(), moments, st.integers(1, 1500))
def test_adding_working_time_agrees_with_walking_minute_by_minute(
    calendar: Calendar, moment: dt.datetime, minutes: int
) -> None:
    clock = WorkingTime(calendar, origin=ORIGIN.date())

    assert clock.add_working_time(moment, minutes) == walk_forward(calendar, moment, minutes)
    assert clock.add_working_time(moment, -minutes) == walk_backward(calendar, moment, minutes)


@settings(max_examples=60, deadline=None)
@given(calendars(), moments, moments)
def test_conversions_agree_with_counting_minute_by_minute(
    calendar: Calendar, a: dt.datetime, b: dt.datetime
) -> None:
    clock = WorkingTime(calendar, origin=ORIGIN.date())
    low, high = min(a, b), max(a, b)
    count = sum(working(calendar, low + k * MINUTE) for k in range((high - low) // MINUTE))

    assert clock.working_time_between(low, high) == count
    assert clock.working_time_between(high, low) == -count
    after = a
    while not working(calendar, after):
        after += MINUTE
    assert clock.next_working_moment(a) == after
    before = a
    while not working(calendar, before - MINUTE):
        before -= MINUTE
    assert clock.previous_working_moment(a) == before
