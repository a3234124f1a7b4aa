"""Reading MS Project XML (MSPDI) safely, with the line and path of every element.

Reading refuses any DTD (so no external entity, no entity expansion, no network) and reports
every unreadable value with its line and element path, e.g.
``plan.xml:41 /Project/Tasks/Task[3]/ConstraintType: '9' is not a constraint type (0–7)``.
Elements are found by name, in any order; unknown ones are ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from lxml import etree

from interloom.core.errors import Location
from interloom.formats.plan.amounts import parse_iso_duration
from interloom.formats.plan.errors import (
    MspdiFormatError,
    MspdiSyntaxError,
    MspdiUnsafeError,
    MspdiValueError,
)
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
    Source,
    TaskBaseline,
    WeekDay,
)

T = TypeVar("T")


def _parser() -> etree.XMLParser:
    # No DTD is loaded, no entity resolved, nothing fetched; huge_tree stays off.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def read_mspdi(data: bytes, file: str) -> MspdiProject:
    """Parse an MSPDI document; every fault raises a located ``E-MSPDI-…`` error."""
    head = data[:4096].lstrip()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise MspdiUnsafeError(
            "the file declares a DTD or entities, which MS Project XML never does",
            location=Location(file=file, line=1),
            hint="export the plan again from MS Project or MPXJ; DTDs are refused for safety",
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else None
        raise MspdiSyntaxError(
            f"not well-formed XML: {error.msg}",
            location=Location(file=file, line=line, column=error.offset or None),
        ) from None
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", "") or tree.docinfo.internalDTD is not None:
        raise MspdiUnsafeError(
            "the file declares a DTD, which MS Project XML never does",
            location=Location(file=file, line=1),
        )
    if etree.QName(root).localname != "Project":
        raise MspdiFormatError(
            f"the root element is <{etree.QName(root).localname}>, not MS Project's <Project>",
            location=Location(file=file, line=_line(root), path="/"),
            hint="save the plan from MS Project as 'XML Format (*.xml)'",
        )
    namespace = etree.QName(root).namespace
    if namespace not in (None, NAMESPACE):
        raise MspdiFormatError(
            f"the <Project> element is in namespace '{namespace}', not {NAMESPACE}",
            location=Location(file=file, line=_line(root), path="/Project"),
        )
    return _Reader(file, namespace, root).project(root)


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def _path(element: etree._Element) -> str:
    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node).localname
        parent = node.getparent()
        if parent is None:
            parts.append(name)
        else:
            before = sum(1 for _ in node.itersiblings(node.tag, preceding=True))
            repeated = before or next(node.itersiblings(node.tag), None) is not None
            parts.append(f"{name}[{before + 1}]" if repeated else name)
        node = parent
    return "/" + "/".join(reversed(parts))


def _paths(root: etree._Element) -> tuple[list[etree._Element], dict[int, str]]:
    """Every element's path, in one walk; the list keeps the elements (and so their ids)."""
    elements: list[etree._Element] = [root]
    paths = {id(root): "/" + etree.QName(root).localname}
    for parent in elements:  # grows while it is walked: breadth first
        children = [c for c in parent if isinstance(c.tag, str)]
        counts: dict[str, int] = {}
        for child in children:
            counts[child.tag] = counts.get(child.tag, 0) + 1
        seen: dict[str, int] = {}
        for child in children:
            name = etree.QName(child).localname
            seen[child.tag] = seen.get(child.tag, 0) + 1
            step = f"{name}[{seen[child.tag]}]" if counts[child.tag] > 1 else name
            paths[id(child)] = f"{paths[id(parent)]}/{step}"
            elements.append(child)
    return elements, paths


class _Reader:
    """Reads the elements of one document; knows its file name and namespace."""

    def __init__(self, file: str, namespace: str | None, root: etree._Element) -> None:
        self.file = file
        self.prefix = f"{{{namespace}}}" if namespace else ""
        self._elements, self._paths = _paths(root)
        self._firsts: dict[int, dict[str, etree._Element]] = {}

    def path(self, element: etree._Element) -> str:
        return self._paths.get(id(element)) or _path(element)

    def source(self, element: etree._Element) -> Source:
        return Source(self.file, _line(element), self.path(element))

    def fail(
        self, element: etree._Element, message: str, hint: str | None = None
    ) -> MspdiValueError:
        location = Location(file=self.file, line=_line(element), path=self.path(element))
        return MspdiValueError(message, location=location, hint=hint)

    def child(self, element: etree._Element, name: str) -> etree._Element | None:
        found = self._firsts.get(id(element))
        if found is None:  # each element's children by name, looked up once
            found = {}
            for node in element:
                if isinstance(node.tag, str):
                    found.setdefault(node.tag, node)
            self._firsts[id(element)] = found
        return found.get(self.prefix + name)

    def children(self, element: etree._Element, *names: str) -> list[etree._Element]:
        node: etree._Element | None = element
        for name in names[:-1]:
            node = None if node is None else self.child(node, name)
        return [] if node is None else node.findall(self.prefix + names[-1])

    def value(
        self, element: etree._Element, name: str, convert: Callable[[str], T], what: str
    ) -> T | None:
        node = self.child(element, name)
        if node is None or node.text is None or not node.text.strip():
            return None
        try:
            return convert(node.text.strip())
        except (ValueError, OverflowError):
            raise self.fail(node, f"'{node.text.strip()}' is not {what}") from None

    def text(self, element: etree._Element, name: str) -> str | None:
        node = self.child(element, name)
        return None if node is None or node.text is None else node.text.strip() or None

    def integer(self, element: etree._Element, name: str) -> int | None:
        return self.value(element, name, _integer, "a whole number")

    def number(self, element: etree._Element, name: str) -> float | None:
        return self.value(element, name, float, "a number")

    def flag(self, element: etree._Element, name: str) -> bool | None:
        return self.value(element, name, _flag, "a boolean (0, 1, true or false)")

    def moment(self, element: etree._Element, name: str) -> dt.datetime | None:
        return self.value(element, name, _moment, "a date-time such as 2027-01-04T08:00:00")

    def time(self, element: etree._Element, name: str) -> dt.time | None:
        return self.value(element, name, _time, "a time such as 08:00:00")

    def duration(self, element: etree._Element, name: str) -> float | None:
        return self.value(element, name, parse_iso_duration, "an ISO 8601 duration (PT8H0M0S)")

    def required_integer(self, element: etree._Element, name: str) -> int:
        found = self.integer(element, name)
        if found is None:
            raise self.fail(element, f"<{etree.QName(element).localname}> has no <{name}>")
        return found

    def code(
        self, element: etree._Element, name: str, allowed: range, what: str, default: int = 0
    ) -> int:
        found = self.integer(element, name)
        if found is None:
            return default
        if found not in allowed:
            node = self.child(element, name)
            assert node is not None
            raise self.fail(node, f"'{found}' is not {what} ({allowed.start}–{allowed.stop - 1})")
        return found

    def optional_code(
        self, element: etree._Element, name: str, allowed: range, what: str
    ) -> int | None:
        if self.child(element, name) is None:
            return None
        return self.code(element, name, allowed, what)

    def money(self, element: etree._Element, name: str) -> float | None:
        cents = self.number(element, name)
        return None if cents is None else cents / 100

    # -- records ------------------------------------------------------------------------

    def project(self, root: etree._Element) -> MspdiProject:
        attributes = tuple(
            ExtendedAttribute(
                field_id=self.required_integer(node, "FieldID"),
                field_name=self.text(node, "FieldName") or "",
                alias=self.text(node, "Alias"),
            )
            for node in self.children(root, "ExtendedAttributes", "ExtendedAttribute")
        )
        return MspdiProject(
            name=self.text(root, "Name"),
            title=self.text(root, "Title"),
            creation_date=self.moment(root, "CreationDate"),
            last_saved=self.moment(root, "LastSaved"),
            start_date=self.moment(root, "StartDate"),
            finish_date=self.moment(root, "FinishDate"),
            currency_code=self.text(root, "CurrencyCode"),
            calendar_uid=self.integer(root, "CalendarUID"),
            default_start_time=self.time(root, "DefaultStartTime"),
            default_finish_time=self.time(root, "DefaultFinishTime"),
            minutes_per_day=self.integer(root, "MinutesPerDay"),
            minutes_per_week=self.integer(root, "MinutesPerWeek"),
            status_date=self.moment(root, "StatusDate"),
            extended_attributes=attributes,
            calendars=tuple(self.calendar(c) for c in self.children(root, "Calendars", "Calendar")),
            tasks=tuple(self.task(t) for t in self.children(root, "Tasks", "Task")),
            resources=tuple(self.resource(r) for r in self.children(root, "Resources", "Resource")),
            assignments=tuple(
                self.assignment(a) for a in self.children(root, "Assignments", "Assignment")
            ),
            source=self.source(root),
        )

    def times(self, element: etree._Element) -> tuple[tuple[dt.time, dt.time], ...]:
        spans = []
        for node in self.children(element, "WorkingTimes", "WorkingTime"):
            start, end = self.time(node, "FromTime"), self.time(node, "ToTime")
            if start is None or end is None:
                raise self.fail(node, "a working time needs <FromTime> and <ToTime>")
            spans.append((start, end))
        return tuple(spans)

    def calendar(self, element: etree._Element) -> MspdiCalendar:
        week_days: list[WeekDay] = []
        exceptions: list[CalendarException] = []
        for node in self.children(element, "WeekDays", "WeekDay"):
            day_type = self.optional_code(node, "DayType", range(0, 8), "a day type")
            working = bool(self.flag(node, "DayWorking"))
            if day_type == 0:  # MS Project 2003's way of writing an exception
                exceptions.append(self.exception(node, working))
            elif day_type is not None:
                week_days.append(WeekDay(day_type, working, self.times(node)))
        for node in self.children(element, "Exceptions", "Exception"):
            exceptions.append(self.exception(node, bool(self.flag(node, "DayWorking"))))
        base = self.integer(element, "BaseCalendarUID")
        return MspdiCalendar(
            uid=self.required_integer(element, "UID"),
            name=self.text(element, "Name") or f"Calendar {self.integer(element, 'UID')}",
            is_base=bool(self.flag(element, "IsBaseCalendar")),
            base_uid=None if base is None or base < 0 else base,
            week_days=tuple(week_days),
            exceptions=tuple(exceptions),
            source=self.source(element),
        )

    def exception(self, element: etree._Element, working: bool) -> CalendarException:
        period = self.child(element, "TimePeriod")
        if period is None:
            raise self.fail(element, "a calendar exception needs a <TimePeriod>")
        start, finish = self.moment(period, "FromDate"), self.moment(period, "ToDate")
        if start is None or finish is None:
            raise self.fail(period, "a time period needs <FromDate> and <ToDate>")
        if finish < start:
            raise self.fail(period, f"the exception ends ({finish}) before it starts ({start})")
        last = finish.date()
        if finish.time() == dt.time(0) and finish > start:
            last = (finish - dt.timedelta(minutes=1)).date()  # ends at midnight after its day
        return CalendarException(
            start=start.date(),
            finish=last,
            working=working,
            times=self.times(element),
            name=self.text(element, "Name"),
            type=self.integer(element, "Type") or 1,
            occurrences=self.integer(element, "Occurrences"),
            period=self.integer(element, "Period"),
            days_of_week=self.integer(element, "DaysOfWeek"),
            month=self.integer(element, "Month"),
            month_day=self.integer(element, "MonthDay"),
            month_item=self.integer(element, "MonthItem"),
            month_position=self.integer(element, "MonthPosition"),
            source=self.source(element),
        )

    def extended(self, element: etree._Element) -> dict[int, str]:
        values: dict[int, str] = {}
        for node in self.children(element, "ExtendedAttribute"):
            values[self.required_integer(node, "FieldID")] = self.text(node, "Value") or ""
        return values

    def task(self, element: etree._Element) -> MspdiTask:
        links = tuple(
            PredecessorLink(
                predecessor_uid=self.required_integer(node, "PredecessorUID"),
                type=self.code(node, "Type", range(0, 4), "a link type", default=1),
                lag=round(self.number(node, "LinkLag") or 0),
                lag_format=self.integer(node, "LagFormat"),
                source=self.source(node),
            )
            for node in self.children(element, "PredecessorLink")
        )
        baselines = tuple(
            TaskBaseline(
                number=self.code(node, "Number", range(0, 11), "a baseline number"),
                start=self.moment(node, "Start"),
                finish=self.moment(node, "Finish"),
                duration=self.duration(node, "Duration"),
                cost=self.money(node, "Cost"),
            )
            for node in self.children(element, "Baseline")
        )
        return MspdiTask(
            uid=self.required_integer(element, "UID"),
            name=self.text(element, "Name"),
            id=self.integer(element, "ID"),
            wbs=self.text(element, "WBS"),
            outline_number=self.text(element, "OutlineNumber"),
            outline_level=self.integer(element, "OutlineLevel"),
            summary=bool(self.flag(element, "Summary")),
            milestone=bool(self.flag(element, "Milestone")),
            active=self.flag(element, "Active") is not False,
            manual=bool(self.flag(element, "Manual")),
            is_null=bool(self.flag(element, "IsNull")),
            external=bool(self.flag(element, "ExternalTask"))
            or bool(self.flag(element, "IsSubproject")),
            start=self.moment(element, "Start"),
            finish=self.moment(element, "Finish"),
            duration=self.duration(element, "Duration"),
            duration_format=self.integer(element, "DurationFormat"),
            work=self.duration(element, "Work"),
            early_start=self.moment(element, "EarlyStart"),
            early_finish=self.moment(element, "EarlyFinish"),
            late_start=self.moment(element, "LateStart"),
            late_finish=self.moment(element, "LateFinish"),
            free_slack=self.integer(element, "FreeSlack"),
            total_slack=self.integer(element, "TotalSlack"),
            critical=self.flag(element, "Critical"),
            fixed_cost=self.money(element, "FixedCost"),
            percent_complete=self.number(element, "PercentComplete"),
            cost=self.money(element, "Cost"),
            actual_start=self.moment(element, "ActualStart"),
            actual_finish=self.moment(element, "ActualFinish"),
            constraint_type=self.optional_code(
                element, "ConstraintType", range(0, 8), "a constraint type"
            ),
            calendar_uid=self.integer(element, "CalendarUID"),
            constraint_date=self.moment(element, "ConstraintDate"),
            deadline=self.moment(element, "Deadline"),
            notes=self.text(element, "Notes"),
            links=links,
            extended=self.extended(element),
            baselines=baselines,
            source=self.source(element),
        )

    def resource(self, element: etree._Element) -> MspdiResource:
        return MspdiResource(
            uid=self.required_integer(element, "UID"),
            name=self.text(element, "Name"),
            id=self.integer(element, "ID"),
            type=self.code(element, "Type", range(0, 3), "a resource type", default=1),
            is_null=bool(self.flag(element, "IsNull")),
            group=self.text(element, "Group"),
            email=self.text(element, "EmailAddress"),
            max_units=self.number(element, "MaxUnits"),
            standard_rate=self.number(element, "StandardRate"),
            calendar_uid=self.integer(element, "CalendarUID"),
            notes=self.text(element, "Notes"),
            extended=self.extended(element),
            source=self.source(element),
        )

    def assignment(self, element: etree._Element) -> MspdiAssignment:
        return MspdiAssignment(
            uid=self.integer(element, "UID") or 0,
            task_uid=self.required_integer(element, "TaskUID"),
            resource_uid=self.required_integer(element, "ResourceUID"),
            units=self.number(element, "Units"),
            work=self.duration(element, "Work"),
            source=self.source(element),
        )


def _integer(text: str) -> int:
    value = float(text)
    if value != int(value):
        raise ValueError(text)
    return int(value)


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true"):
        return True
    if lowered in ("0", "false"):
        return False
    raise ValueError(text)


def _moment(text: str) -> dt.datetime:
    # MS Project writes wall-clock time to the minute; an offset, if a tool adds one, is dropped.
    return dt.datetime.fromisoformat(text).replace(tzinfo=None, second=0, microsecond=0)


def _time(text: str) -> dt.time:
    if text.startswith("24:00"):
        return dt.time(0)
    return dt.time.fromisoformat(text).replace(tzinfo=None)
