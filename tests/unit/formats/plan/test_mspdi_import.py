"""Reading MS Project XML: what each element becomes, located errors, tolerated flaws, safety."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from interloom.core.delivery.calendar import CalendarException, WorkingTime, hours
from interloom.formats.plan import mspdi_records as records
from interloom.formats.plan.errors import (
    MspdiFormatError,
    MspdiReferenceError,
    MspdiSyntaxError,
    MspdiUnsafeError,
    MspdiValueError,
    WarningCode,
)
from interloom.formats.plan.mspdi import import_mspdi
from interloom.formats.plan.mspdi_calendars import exception_dates

DATA = Path(__file__).parents[3] / "data" / "mspdi"
NS = "http://schemas.microsoft.com/project"


def project(body: str, head: str = "") -> bytes:
    """A small MSPDI document: a start date, no calendar (Standard), and ``body``."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Project xmlns="{NS}">\n'
        f"<Name>t.xml</Name><StartDate>2027-01-04T08:00:00</StartDate>{head}\n"
        f"{body}\n</Project>\n"
    ).encode()


def task(uid: int, name: str, extra: str = "", level: int = 1) -> str:
    return (
        f"<Task><UID>{uid}</UID><Name>{name}</Name><OutlineLevel>{level}</OutlineLevel>"
        f"<Duration>PT8H0M0S</Duration><DurationFormat>7</DurationFormat>{extra}</Task>"
    )


# -- what the elements become -------------------------------------------------------------


def test_calendars_weeks_exceptions_and_derived_calendars() -> None:
    imported = import_mspdi((DATA / "calendars.xml").read_bytes(), "calendars.xml")
    calendars = {c.id: c for c in imported.plan.calendars}
    assert set(calendars) == {"standard", "four-day-week", "dana-whitfield"}
    standard = calendars["standard"]
    assert standard.name == "Standard"
    assert standard.week is None  # Monday to Friday, 8-12 and 13-17: the default week
    assert standard.exceptions[:4] == (
        CalendarException(start=dt.date(2027, 1, 1), name="New Year"),
        CalendarException(start=dt.date(2027, 1, 6), name="Epiphany"),
        CalendarException(
            start=dt.date(2027, 1, 9), intervals=(hours("08:00", "12:00"),), name="Saturday shift"
        ),
        CalendarException(
            start=dt.date(2027, 1, 14), finish=dt.date(2027, 1, 15), name="Company offsite"
        ),
    )
    # The yearly Christmas exception is expanded into its four dates.
    assert [e.start for e in standard.exceptions if e.name == "Christmas"] == [
        dt.date(year, 12, 25) for year in range(2027, 2031)
    ]
    four_day = calendars["four-day-week"]
    assert four_day.base == "standard"
    assert four_day.week is not None
    assert four_day.week.friday == ()
    assert four_day.week.monday
    dana = calendars["dana-whitfield"]
    assert (dana.base, dana.week, dana.exceptions) == (
        "standard",
        None,
        (CalendarException(start=dt.date(2027, 1, 8)),),
    )
    clock = WorkingTime(dana, standard)
    assert not clock.is_working_day(dt.date(2027, 1, 8))
    assert clock.working_minutes_on(dt.date(2027, 1, 9)) == 240  # the base's Saturday shift


def test_resources_and_assignments() -> None:
    plan = import_mspdi((DATA / "calendars.xml").read_bytes(), "calendars.xml").plan
    (dana,) = plan.resources
    assert (dana.id, dana.name, dana.max_units, dana.cost_per_hour, dana.calendar) == (
        "dana-whitfield",
        "Dana Whitfield",
        1.0,
        80,
        "dana-whitfield",
    )
    by_name = {t.name: t for t in plan.tasks}
    assert [(a.resource, a.units) for a in by_name["F by Dana"].assignments] == [
        ("dana-whitfield", 1.0)
    ]
    assert by_name["D on the four-day week"].calendar == "four-day-week"


def test_a_foreign_file_gets_ids_from_uids_and_keeps_its_own_custom_fields_apart() -> None:
    head = (
        "<ExtendedAttributes><ExtendedAttribute><FieldID>188743731</FieldID>"
        "<FieldName>Text1</FieldName><Alias>Cost centre</Alias></ExtendedAttribute>"
        "</ExtendedAttributes>"
    )
    body = (
        "<Tasks>"
        + task(
            7,
            "Design",
            "<ExtendedAttribute><FieldID>188743731</FieldID><Value>CC-100</Value>"
            "</ExtendedAttribute>",
        )
        + "</Tasks>"
    )
    (design,) = import_mspdi(project(body, head), "t.xml").plan.tasks
    assert design.id == "T-7"  # Text1 means something else in this file


def test_durations_keep_their_unit_and_work_becomes_effort() -> None:
    body = (
        "<Tasks>"
        "<Task><UID>1</UID><Name>Hours</Name><Duration>PT12H0M0S</Duration>"
        "<DurationFormat>5</DurationFormat><Work>PT24H0M0S</Work></Task>"
        "<Task><UID>2</UID><Name>Weeks</Name><Duration>PT80H0M0S</Duration>"
        "<DurationFormat>9</DurationFormat></Task>"
        "<Task><UID>3</UID><Name>Odd</Name><Duration>PT2H40M0S</Duration>"
        "<DurationFormat>7</DurationFormat></Task>"
        "<Task><UID>4</UID><Name>Estimated days</Name><Duration>PT12H0M0S</Duration>"
        "<DurationFormat>39</DurationFormat></Task>"
        "</Tasks>"
    )
    tasks = import_mspdi(project(body), "t.xml").plan.tasks
    assert [(t.duration, t.effort_hours) for t in tasks] == [
        ("12h", 24.0),
        ("2w", None),
        ("160m", None),
        ("1.5d", None),
    ]


def test_custom_wbs_codes_are_kept_where_the_order_would_give_others() -> None:
    body = (
        "<Tasks>"
        + task(1, "First", "<WBS>1</WBS><OutlineNumber>1</OutlineNumber>")
        + task(2, "Second", "<WBS>5</WBS><OutlineNumber>2</OutlineNumber>")
        + "</Tasks>"
    )
    tasks = import_mspdi(project(body), "t.xml").plan.tasks
    assert [(t.name, t.wbs) for t in tasks] == [("First", None), ("Second", "5")]


# -- located errors ---------------------------------------------------------------------


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(MspdiSyntaxError) as caught:
        import_mspdi(b'<?xml version="1.0"?>\n<Project>\n<Tasks>\n</Project>\n', "bad.xml")
    error = caught.value
    assert error.code == "E-MSPDI-001"
    assert error.location is not None
    assert error.location.file == "bad.xml"
    assert error.location.line == 4


def test_not_a_project() -> None:
    with pytest.raises(MspdiFormatError) as caught:
        import_mspdi(b"<Workbook/>", "book.xml")
    assert caught.value.code == "E-MSPDI-003"
    assert "not MS Project's <Project>" in caught.value.message


def test_a_bad_code_names_line_and_element_path() -> None:
    body = "<Tasks>\n" + task(1, "A") + "\n" + task(2, "B", "<ConstraintType>9</ConstraintType>")
    with pytest.raises(MspdiValueError) as caught:
        import_mspdi(project(body + "\n</Tasks>"), "t.xml")
    error = caught.value
    assert error.code == "E-MSPDI-004"
    assert error.location is not None
    assert (error.location.file, error.location.line) == ("t.xml", 6)
    assert error.location.path == "/Project/Tasks/Task[2]/ConstraintType"
    assert "'9' is not a constraint type (0–7)" in error.message


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("<Start>next monday</Start>", "is not a date-time"),
        ("<Summary>maybe</Summary>", "is not a boolean"),
        ("<PercentComplete>half</PercentComplete>", "is not a number"),
        ("<Work>40 hours</Work>", "is not an ISO 8601 duration"),
        ("<ConstraintType>4</ConstraintType>", "has a SNET constraint but no <ConstraintDate>"),
    ],
)
def test_unreadable_values(extra: str, message: str) -> None:
    with pytest.raises(MspdiValueError) as caught:
        import_mspdi(project("<Tasks>" + task(1, "A", extra) + "</Tasks>"), "t.xml")
    assert message in caught.value.message
    assert caught.value.location is not None
    assert caught.value.location.line == 4


def test_a_link_to_no_task() -> None:
    link = "<PredecessorLink><PredecessorUID>99</PredecessorUID><Type>1</Type></PredecessorLink>"
    with pytest.raises(MspdiReferenceError) as caught:
        import_mspdi(project("<Tasks>" + task(1, "A", link) + "</Tasks>"), "t.xml")
    assert caught.value.code == "E-MSPDI-005"
    assert caught.value.location is not None
    assert caught.value.location.path == "/Project/Tasks/Task/PredecessorLink/PredecessorUID"


def test_a_calendar_that_never_works_is_an_error_not_a_crash() -> None:
    days = "".join(
        f"<WeekDay><DayType>{d}</DayType><DayWorking>0</DayWorking></WeekDay>" for d in range(1, 8)
    )
    body = (
        f"<Calendars><Calendar><UID>1</UID><Name>Never</Name><IsBaseCalendar>1</IsBaseCalendar>"
        f"<WeekDays>{days}</WeekDays></Calendar></Calendars>"
    )
    with pytest.raises(MspdiValueError) as caught:
        import_mspdi(project(body), "t.xml")
    assert "calendar 'Never' cannot be used: a working week needs at least one working day" in (
        caught.value.message
    )


# -- safety ------------------------------------------------------------------------------


def test_external_entities_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    text = (
        f'<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        f'<Project xmlns="{NS}"><Name>&x;</Name><StartDate>2027-01-04T08:00:00</StartDate>'
        "</Project>"
    )
    with pytest.raises(MspdiUnsafeError) as caught:
        import_mspdi(text.encode(), "xxe.xml")
    assert caught.value.code == "E-MSPDI-002"
    assert "TOP SECRET" not in str(caught.value)


def test_entity_expansion_is_refused() -> None:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    text = (
        f'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY l0 "lol">{lol}]><Project>&l9;</Project>'
    )
    with pytest.raises(MspdiUnsafeError):
        import_mspdi(text.encode(), "bomb.xml")


def test_a_doctype_after_a_long_comment_is_refused_too() -> None:
    text = (
        '<?xml version="1.0"?>\n<!--' + "x" * 10_000 + '-->\n<!DOCTYPE Project [<!ENTITY a "b">]>'
        f'<Project xmlns="{NS}"><Name>&a;</Name></Project>'
    )
    with pytest.raises(MspdiUnsafeError):
        import_mspdi(text.encode(), "late.xml")


# -- what is tolerated, with a warning --------------------------------------------------


def test_tolerated_flaws_are_warned_with_their_location() -> None:
    body = (
        "<Tasks>"
        + task(1, "A")
        + task(
            2,
            "B",
            "<Manual>1</Manual><PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type>"
            "<LinkLag>4800</LinkLag><LagFormat>8</LagFormat></PredecessorLink>",
        )
        + task(3, "Sign-off", "<Milestone>1</Milestone>")
        + "</Tasks><Resources><Resource><UID>1</UID><Name>Steel</Name><Type>0</Type>"
        "</Resource></Resources>"
    )
    imported = import_mspdi(project(body), "t.xml")
    codes = [(w.code, w.location.path if w.location else None) for w in imported.warnings]
    assert codes == [
        (WarningCode.NON_WORK_RESOURCE, "/Project/Resources/Resource"),
        (WarningCode.ELAPSED_LAG, "/Project/Tasks/Task[2]/PredecessorLink"),
        (WarningCode.MANUAL_TASK, "/Project/Tasks/Task[2]"),
        (WarningCode.MILESTONE_WITH_DURATION, "/Project/Tasks/Task[3]"),
    ]
    b = imported.plan.tasks[1]
    assert b.depends_on[0].lag == "1d"  # an elapsed day, taken as a working day
    assert imported.plan.resources == []


# -- recurring calendar exceptions --------------------------------------------------------


def recurring(**fields: object) -> records.CalendarException:
    base: dict[str, object] = {"working": False, "name": "r"}
    base.update(fields)
    return records.CalendarException(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "dates"),
    [
        # every second day
        (
            {"start": dt.date(2027, 1, 4), "finish": dt.date(2027, 1, 10), "type": 1, "period": 2},
            ["2027-01-04", "2027-01-06", "2027-01-08", "2027-01-10"],
        ),
        # Mondays and Fridays (bits 2 and 32), every week
        (
            {
                "start": dt.date(2027, 1, 4),
                "finish": dt.date(2027, 1, 15),
                "type": 6,
                "days_of_week": 2 | 32,
            },
            ["2027-01-04", "2027-01-08", "2027-01-11", "2027-01-15"],
        ),
        # the 15th of every second month
        (
            {
                "start": dt.date(2027, 1, 1),
                "finish": dt.date(2027, 6, 30),
                "type": 4,
                "month_day": 15,
                "period": 2,
            },
            ["2027-01-15", "2027-03-15", "2027-05-15"],
        ),
        # the last Friday (item 8) of every month
        (
            {
                "start": dt.date(2027, 1, 1),
                "finish": dt.date(2027, 3, 31),
                "type": 5,
                "month_item": 8,
                "month_position": 4,
            },
            ["2027-01-29", "2027-02-26", "2027-03-26"],
        ),
        # the first Monday (item 4) of May, every year
        (
            {
                "start": dt.date(2027, 1, 1),
                "finish": dt.date(2028, 12, 31),
                "type": 3,
                "month": 4,
                "month_item": 4,
                "month_position": 0,
            },
            ["2027-05-03", "2028-05-01"],
        ),
    ],
)
def test_recurring_exceptions_expand_to_their_dates(
    fields: dict[str, object], dates: list[str]
) -> None:
    found = exception_dates(recurring(**fields), lambda warning: None)
    assert [d.isoformat() for d in found] == dates


def test_a_recurrence_on_weekdays_in_general_is_warned_not_guessed() -> None:
    warnings: list[object] = []
    exception = recurring(
        start=dt.date(2027, 1, 1), finish=dt.date(2027, 3, 31), type=5, month_item=1
    )
    assert exception_dates(exception, warnings.append) == []
    assert len(warnings) == 1
