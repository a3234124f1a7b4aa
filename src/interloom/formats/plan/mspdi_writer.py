"""Writing MS Project XML (MSPDI) from its records, in the element order of MS Project's schema.

MS Project validates a file against its schema when it opens it: elements must come in the
schema's sequence, so each record kind lists its fields in that order. Fields left ``None``
are not written. Costs are written in cents and rates per hour, as MS Project does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from lxml import etree

from interloom.formats.plan.amounts import format_iso_duration
from interloom.formats.plan.mspdi_records import (
    NAMESPACE,
    CalendarException,
    ExtendedAttribute,
    MspdiAssignment,
    MspdiCalendar,
    MspdiProject,
    MspdiResource,
    MspdiTask,
    PredecessorLink,
    TaskBaseline,
    WeekDay,
)

_NS = f"{{{NAMESPACE}}}"
SAVE_VERSION = 14  # MS Project 2010 and later read it


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _moment(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _time(value: dt.time) -> str:
    return value.strftime("%H:%M:%S")


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _cents(value: float) -> str:
    return _number(value * 100)


def _text(value: object) -> str:
    return str(value)


Field = tuple[str, Any, Callable[[Any], str]]


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _NS + name)
    if text is not None:
        element.text = text
    return element


def _fields(parent: etree._Element, fields: Iterable[Field]) -> None:
    for name, value, render in fields:
        if value is not None:
            _add(parent, name, render(value))


def write_mspdi(project: MspdiProject) -> bytes:
    """The project as an MSPDI document (UTF-8, indented)."""
    root = etree.Element(_NS + "Project", nsmap={None: NAMESPACE})  # type: ignore[dict-item]
    _fields(
        root,
        [
            ("SaveVersion", SAVE_VERSION, _text),
            ("Name", project.name, _text),
            ("Title", project.title, _text),
            ("CreationDate", project.creation_date, _moment),
            ("LastSaved", project.last_saved, _moment),
            ("ScheduleFromStart", True, _flag),
            ("StartDate", project.start_date, _moment),
            ("FinishDate", project.finish_date, _moment),
            ("CurrencyCode", project.currency_code or "EUR", _text),
            ("CalendarUID", project.calendar_uid, _text),
            ("DefaultStartTime", project.default_start_time, _time),
            ("DefaultFinishTime", project.default_finish_time, _time),
            ("MinutesPerDay", project.minutes_per_day, _text),
            ("MinutesPerWeek", project.minutes_per_week, _text),
            ("SplitsInProgressTasks", True, _flag),
            ("StatusDate", project.status_date, _moment),
        ],
    )
    if project.extended_attributes:
        holder = _add(root, "ExtendedAttributes")
        for attribute in project.extended_attributes:
            _extended_attribute(holder, attribute)
    calendars = _add(root, "Calendars")
    for calendar in project.calendars:
        _calendar(calendars, calendar)
    tasks = _add(root, "Tasks")
    for task in project.tasks:
        _task(tasks, task)
    resources = _add(root, "Resources")
    for resource in project.resources:
        _resource(resources, resource)
    assignments = _add(root, "Assignments")
    for assignment in project.assignments:
        _assignment(assignments, assignment)
    return etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True, pretty_print=True
    )


def _extended_attribute(parent: etree._Element, attribute: ExtendedAttribute) -> None:
    element = _add(parent, "ExtendedAttribute")
    _fields(
        element,
        [
            ("FieldID", attribute.field_id, _text),
            ("FieldName", attribute.field_name, _text),
            ("Alias", attribute.alias, _text),
        ],
    )


def _working_times(parent: etree._Element, times: tuple[tuple[dt.time, dt.time], ...]) -> None:
    if not times:
        return
    holder = _add(parent, "WorkingTimes")
    for start, end in times:
        element = _add(holder, "WorkingTime")
        _add(element, "FromTime", _time(start))
        _add(element, "ToTime", _time(end))


def _calendar(parent: etree._Element, calendar: MspdiCalendar) -> None:
    element = _add(parent, "Calendar")
    _fields(
        element,
        [
            ("UID", calendar.uid, _text),
            ("Name", calendar.name, _text),
            ("IsBaseCalendar", calendar.is_base, _flag),
            ("BaseCalendarUID", calendar.base_uid, _text),
        ],
    )
    if calendar.week_days:
        days = _add(element, "WeekDays")
        for day in calendar.week_days:
            _week_day(days, day)
    if calendar.exceptions:
        exceptions = _add(element, "Exceptions")
        for exception in calendar.exceptions:
            _exception(exceptions, exception)


def _week_day(parent: etree._Element, day: WeekDay) -> None:
    element = _add(parent, "WeekDay")
    _add(element, "DayType", str(day.day_type))
    _add(element, "DayWorking", _flag(day.working))
    _working_times(element, day.times)


def _exception(parent: etree._Element, exception: CalendarException) -> None:
    element = _add(parent, "Exception")
    _add(element, "EnteredByOccurrences", _flag(exception.occurrences is not None))
    period = _add(element, "TimePeriod")
    _add(period, "FromDate", _moment(dt.datetime.combine(exception.start, dt.time(0))))
    _add(period, "ToDate", _moment(dt.datetime.combine(exception.finish, dt.time(23, 59))))
    _fields(
        element,
        [
            ("Occurrences", exception.occurrences, _text),
            ("Name", exception.name, _text),
            ("Type", exception.type, _text),
            ("Period", exception.period, _text),
            ("DaysOfWeek", exception.days_of_week, _text),
            ("MonthItem", exception.month_item, _text),
            ("MonthPosition", exception.month_position, _text),
            ("Month", exception.month, _text),
            ("MonthDay", exception.month_day, _text),
            ("DayWorking", exception.working, _flag),
        ],
    )
    _working_times(element, exception.times)


def _task(parent: etree._Element, task: MspdiTask) -> None:
    element = _add(parent, "Task")
    _fields(
        element,
        [
            ("UID", task.uid, _text),
            ("ID", task.id, _text),
            ("Name", task.name, _text),
            ("Active", task.active, _flag),
            ("Manual", task.manual, _flag),
            ("IsNull", task.is_null, _flag),
            ("WBS", task.wbs, _text),
            ("OutlineNumber", task.outline_number, _text),
            ("OutlineLevel", task.outline_level, _text),
            ("Start", task.start, _moment),
            ("Finish", task.finish, _moment),
            ("Duration", task.duration, format_iso_duration),
            ("DurationFormat", task.duration_format, _text),
            ("Work", task.work, format_iso_duration),
            ("Milestone", task.milestone, _flag),
            ("Summary", task.summary, _flag),
            ("Critical", task.critical, _flag),
            ("EarlyStart", task.early_start, _moment),
            ("EarlyFinish", task.early_finish, _moment),
            ("LateStart", task.late_start, _moment),
            ("LateFinish", task.late_finish, _moment),
            ("FreeSlack", task.free_slack, _text),
            ("TotalSlack", task.total_slack, _text),
            ("FixedCost", task.fixed_cost, _cents),
            ("PercentComplete", task.percent_complete, _number),
            ("Cost", task.cost, _cents),
            ("ActualStart", task.actual_start, _moment),
            ("ActualFinish", task.actual_finish, _moment),
            ("ConstraintType", task.constraint_type, _text),
            ("CalendarUID", task.calendar_uid, _text),
            ("ConstraintDate", task.constraint_date, _moment),
            ("Deadline", task.deadline, _moment),
            ("Notes", task.notes, _text),
        ],
    )
    for link in task.links:
        _link(element, link)
    _extended(element, task.extended)
    for baseline in task.baselines:
        _baseline(element, baseline)


def _link(parent: etree._Element, link: PredecessorLink) -> None:
    element = _add(parent, "PredecessorLink")
    _fields(
        element,
        [
            ("PredecessorUID", link.predecessor_uid, _text),
            ("Type", link.type, _text),
            ("CrossProject", False, _flag),
            ("LinkLag", link.lag, _text),
            ("LagFormat", link.lag_format, _text),
        ],
    )


def _extended(parent: etree._Element, values: dict[int, str]) -> None:
    for field_id, value in values.items():
        element = _add(parent, "ExtendedAttribute")
        _add(element, "FieldID", str(field_id))
        _add(element, "Value", value)


def _baseline(parent: etree._Element, baseline: TaskBaseline) -> None:
    element = _add(parent, "Baseline")
    _fields(
        element,
        [
            ("Number", baseline.number, _text),
            ("Start", baseline.start, _moment),
            ("Finish", baseline.finish, _moment),
            ("Duration", baseline.duration, format_iso_duration),
            ("DurationFormat", None if baseline.duration is None else 7, _text),
            ("Cost", baseline.cost, _cents),
        ],
    )


def _resource(parent: etree._Element, resource: MspdiResource) -> None:
    element = _add(parent, "Resource")
    _fields(
        element,
        [
            ("UID", resource.uid, _text),
            ("ID", resource.id, _text),
            ("Name", resource.name, _text),
            ("Type", resource.type, _text),
            ("IsNull", resource.is_null, _flag),
            ("Group", resource.group, _text),
            ("EmailAddress", resource.email, _text),
            ("MaxUnits", resource.max_units, _number),
            ("StandardRate", resource.standard_rate, _number),
            ("StandardRateFormat", None if resource.standard_rate is None else 2, _text),
            ("CalendarUID", resource.calendar_uid, _text),
            ("Notes", resource.notes, _text),
        ],
    )
    _extended(element, resource.extended)


def _assignment(parent: etree._Element, assignment: MspdiAssignment) -> None:
    element = _add(parent, "Assignment")
    _fields(
        element,
        [
            ("UID", assignment.uid, _text),
            ("TaskUID", assignment.task_uid, _text),
            ("ResourceUID", assignment.resource_uid, _text),
            ("Units", assignment.units, _number),
            ("Work", assignment.work, format_iso_duration),
        ],
    )
