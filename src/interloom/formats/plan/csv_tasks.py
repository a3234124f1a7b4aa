"""Tasks as CSV, with Jira's column names, for spreadsheets and issue trackers.

Columns: ``Issue key``, ``Summary``, ``Issue Type``, ``Status``, ``Assignee``, ``Parent``,
``Story Points``, ``Sprint``, ``Due date``, ``Original estimate`` (Jira's: seconds, or
``1w 2d 4h``), and Interloom's ``Duration`` (``5d``), ``Predecessors`` (``T-1FS+2d;T-2SS-1d``;
a bare id is finish-to-start), ``WBS``, ``Delivers`` (references), ``Milestone`` (the one the
task leads to), ``Labels``, ``Description``, and for progress and planning ``% Complete``,
``Actual start``, ``Actual finish``, ``Resources`` (``sam;priya:0.5``), ``Constraint``
(``SNET 2027-03-08``), ``Fixed cost`` and ``Calendar``. Other columns, which Jira exports by the
dozen, are ignored. Rows of type ``Milestone`` are the plan's milestones.

Import reads every row and reports every fault at once, each with its row (the header is
row 1, as a spreadsheet numbers it) and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from interloom.core.delivery.activities import ConstraintType, LinkType
from interloom.core.delivery.plan import (
    AssignmentEntry,
    Constraint,
    Dependency,
    Milestone,
    Plan,
    Task,
    TaskStatus,
    percent_of,
)
from interloom.core.errors import ReferenceSyntaxError
from interloom.core.refs import PLAN_ID_PATTERN, Ref
from interloom.formats.plan.errors import CsvProblem, CsvTasksError

KEY, SUMMARY, TYPE, STATUS, ASSIGNEE, PARENT = (
    "Issue key",
    "Summary",
    "Issue Type",
    "Status",
    "Assignee",
    "Parent",
)
POINTS, SPRINT, DUE, ESTIMATE = "Story Points", "Sprint", "Due date", "Original estimate"
DURATION, PREDECESSORS, WBS, DELIVERS = "Duration", "Predecessors", "WBS", "Delivers"
MILESTONE, LABELS, DESCRIPTION = "Milestone", "Labels", "Description"
PERCENT, ACTUAL_START, ACTUAL_FINISH = "% Complete", "Actual start", "Actual finish"
RESOURCES, CONSTRAINT, FIXED_COST, CALENDAR = "Resources", "Constraint", "Fixed cost", "Calendar"
COLUMNS = (
    KEY,
    SUMMARY,
    TYPE,
    STATUS,
    ASSIGNEE,
    PARENT,
    POINTS,
    SPRINT,
    DUE,
    ESTIMATE,
    DURATION,
    PREDECESSORS,
    WBS,
    DELIVERS,
    MILESTONE,
    LABELS,
    DESCRIPTION,
    PERCENT,
    ACTUAL_START,
    ACTUAL_FINISH,
    RESOURCES,
    CONSTRAINT,
    FIXED_COST,
    CALENDAR,
)
MILESTONE_TYPE = "Milestone"

_STATUS_WORDS = {
    TaskStatus.NOT_STARTED: ("to do", "open", "backlog", "not started", "not_started", "new"),
    TaskStatus.IN_PROGRESS: ("in progress", "in_progress", "in review", "doing"),
    TaskStatus.BLOCKED: ("blocked", "on hold"),
    TaskStatus.DONE: ("done", "closed", "resolved", "complete", "completed"),
    TaskStatus.CANCELLED: ("cancelled", "canceled", "won't do", "wont do", "rejected"),
}
STATUS_OF_WORD = {word: status for status, words in _STATUS_WORDS.items() for word in words}
WORD_OF_STATUS = {
    TaskStatus.NOT_STARTED: "To Do",
    TaskStatus.IN_PROGRESS: "In Progress",
    TaskStatus.BLOCKED: "Blocked",
    TaskStatus.DONE: "Done",
    TaskStatus.CANCELLED: "Cancelled",
}
_PLAN_ID = re.compile(PLAN_ID_PATTERN)
_LINK_TAIL = re.compile(
    r"^(?P<type>FS|SS|FF|SF)?(?P<lag>[+-]\s*\d+(?:\.\d+)?\s*[a-zA-Z%]*)?$", re.IGNORECASE
)
_JIRA_TIME = re.compile(r"(\d+(?:\.\d+)?)\s*([wdhm])", re.IGNORECASE)
_FIELD_COLUMNS = {
    "id": KEY,
    "name": SUMMARY,
    "status": STATUS,
    "assignee": ASSIGNEE,
    "parent": PARENT,
    "story_points": POINTS,
    "sprint": SPRINT,
    "deadline": DUE,
    "date": DUE,
    "effort_hours": ESTIMATE,
    "duration": DURATION,
    "depends_on": PREDECESSORS,
    "wbs": WBS,
    "delivers": DELIVERS,
    "milestone": MILESTONE,
    "tags": LABELS,
    "description": DESCRIPTION,
    "percent_complete": PERCENT,
    "actual_start": ACTUAL_START,
    "actual_finish": ACTUAL_FINISH,
    "assignments": RESOURCES,
    "constraint": CONSTRAINT,
    "fixed_cost": FIXED_COST,
    "calendar": CALENDAR,
}


# -- export -------------------------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:g}"


def predecessor_text(dependency: Dependency) -> str:
    """``T-1`` for a plain finish-to-start link, else ``T-1FS+2d``, ``T-2SS-1d``, ``T-3FF``."""
    zero = percent_of(dependency.lag) is None and float(dependency.lag[:-1]) == 0
    if dependency.type is LinkType.FS and zero:
        return dependency.task
    lag = "" if zero or float(dependency.lag[:-1]) == 0 else dependency.lag
    if lag and not lag.startswith("-"):
        lag = f"+{lag}"
    return f"{dependency.task}{dependency.type.value}{lag}"


def _moment(value: dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    return value.isoformat()


def constraint_text(constraint: Constraint | None) -> str:
    """``SNET 2027-03-08``, ``MFO 2027-03-12T12:00``, ``ALAP``; empty for none."""
    if constraint is None:
        return ""
    date = _moment(constraint.date)
    return f"{constraint.type.value} {date}".strip()


def _row(item: Task | Milestone) -> dict[str, str]:
    common = {
        KEY: item.id,
        SUMMARY: item.name,
        PARENT: item.parent or "",
        PREDECESSORS: ";".join(predecessor_text(d) for d in item.depends_on),
        DELIVERS: " ".join(item.delivers),
        DESCRIPTION: item.description or "",
        CONSTRAINT: constraint_text(item.constraint),
    }
    if isinstance(item, Milestone):
        return {**common, TYPE: MILESTONE_TYPE, DUE: item.date.isoformat() if item.date else ""}
    return {
        **common,
        TYPE: "Task",
        STATUS: WORD_OF_STATUS[item.status] if item.status else "",
        ASSIGNEE: item.assignee or "",
        POINTS: "" if item.story_points is None else _number(item.story_points),
        SPRINT: item.sprint or "",
        DUE: item.deadline.isoformat() if item.deadline else "",
        ESTIMATE: "" if item.effort_hours is None else _number(item.effort_hours * 3600),
        DURATION: "0d" if item.is_milestone else item.duration,
        WBS: item.wbs or "",
        MILESTONE: item.milestone or "",
        LABELS: " ".join(item.tags),
        PERCENT: _number(item.percent_complete) if item.percent_complete else "",
        ACTUAL_START: _moment(item.actual_start),
        ACTUAL_FINISH: _moment(item.actual_finish),
        RESOURCES: ";".join(
            a.resource if a.units == 1 else f"{a.resource}:{_number(a.units)}"
            for a in item.assignments
        ),
        FIXED_COST: _number(item.fixed_cost) if item.fixed_cost else "",
        CALENDAR: item.calendar or "",
    }


def write_tasks_csv(plan: Plan) -> str:
    """The plan's tasks, then its milestones, one row each, in file order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    items: list[Task | Milestone] = [*plan.tasks, *plan.milestones]
    for item in items:
        writer.writerow(_row(item))
    return out.getvalue()


# -- import -------------------------------------------------------------------------------


def parse_estimate(text: str) -> float:
    """Hours in a Jira estimate: seconds (``28800``) or ``1w 2d 4h 30m`` (8 h days)."""
    cleaned = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        return float(cleaned) / 3600
    parts = _JIRA_TIME.findall(cleaned)
    if not parts or _JIRA_TIME.sub("", cleaned).strip():
        raise ValueError(f"'{text}' is not an estimate: give seconds or e.g. 1w 2d 4h")
    hours = {"w": 40.0, "d": 8.0, "h": 1.0, "m": 1 / 60}
    return sum(float(value) * hours[unit.lower()] for value, unit in parts)


def parse_due_date(text: str) -> dt.date:
    """A due date: ISO (``2027-01-15``, with or without a time) or Jira's ``15/Jan/27``."""
    cleaned = text.strip()
    try:
        return dt.datetime.fromisoformat(cleaned).date()
    except ValueError:
        pass
    for layout in ("%d/%b/%y", "%d/%b/%Y", "%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p"):
        try:
            return dt.datetime.strptime(cleaned, layout).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date: write 2027-01-15 (or Jira's 15/Jan/27)")


def parse_predecessors(text: str, known: Iterable[str]) -> list[Dependency]:
    """``T-1FS+2d;T-2SS-1d;T-3``: each entry a known id, a link type and a lag."""
    ids = sorted(known, key=len, reverse=True)
    found = []
    for entry in re.split(r"[;,]", text):
        token = entry.strip()
        if not token:
            continue
        for ident in ids:
            if token.upper().startswith(ident.upper()):
                tail = _LINK_TAIL.match(token[len(ident) :].replace(" ", ""))
                if tail is not None:
                    kind = LinkType((tail["type"] or "FS").upper())
                    lag = tail["lag"] or "0d"
                    found.append(Dependency(task=ident, type=kind, lag=lag.lstrip("+")))
                    break
        else:
            raise ValueError(
                f"'{token}' names no task of the file: write e.g. T-1, T-1FS+2d or T-2SS-1d"
            )
    return found


def parse_constraint(text: str) -> Constraint:
    """``SNET 2027-03-08`` (a type, then a date or date-time), or ``ALAP``."""
    kind, _, date = text.strip().partition(" ")
    try:
        return Constraint(type=ConstraintType(kind.upper()), date=date.strip() or None)
    except ValidationError as error:
        reason = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise ValueError(
            f"'{text}' is not a constraint ({reason}): write e.g. SNET 2027-03-08"
        ) from None


def parse_resources(text: str) -> list[AssignmentEntry]:
    """``sam;priya:0.5``: resource ids, each with its units (1 when not given)."""
    found = []
    for entry in re.split(r"[;,]", text):
        resource, _, units = entry.strip().partition(":")
        if not resource:
            continue
        try:
            found.append(AssignmentEntry(resource=resource, units=float(units) if units else 1.0))
        except (ValidationError, ValueError):
            raise ValueError(
                f"'{entry.strip()}' is not an assignment: write e.g. sam or priya:0.5"
            ) from None
    return found


def _dialect(text: str) -> type[csv.Dialect]:
    """Excel's CSV dialect, with the delimiter of the header line (``,``, ``;`` or tab)."""
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


class _Rows:
    """Reads one CSV file, collecting every problem with its row and column."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[CsvProblem] = []

    def problem(self, row: int, column: str | None, message: str) -> None:
        self.problems.append(CsvProblem(row, column, message))

    def convert(self, row: int, column: str, value: str, parse: Any) -> Any:
        if not value:
            return None
        try:
            return parse(value)
        except ValueError as error:
            self.problem(row, column, str(error))
            return None


def read_tasks_csv(text: str, file: str) -> Plan:
    """The tasks and milestones of a CSV file, as a plan without a project section.

    Raises :class:`CsvTasksError` listing every row that cannot be read.
    """
    rows = _Rows(file)
    body = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(body, newline=""), dialect=_dialect(body))
    headers = [h.strip() for h in reader.fieldnames or []]
    by_lower = {h.lower(): h for h in headers}
    missing = [c for c in (KEY, SUMMARY) if c.lower() not in by_lower]
    if missing:
        rows.problem(1, None, f"no column {' or '.join(repr(c) for c in missing)} in the header")
        raise CsvTasksError(file, rows.problems)
    records: list[tuple[int, dict[str, str]]] = []
    for number, raw in enumerate(reader, start=2):
        record = {}
        for column in COLUMNS:
            header = by_lower.get(column.lower())
            value = raw.get(header) if header is not None else None
            record[column] = (value or "").strip()
        if any(record.values()):
            records.append((number, record))
    known: dict[str, int] = {}
    for number, record in records:
        key = record[KEY]
        if not key:
            rows.problem(number, KEY, "the row has no issue key")
        elif not _PLAN_ID.match(key) or len(key) > 63:
            rows.problem(number, KEY, f"'{key}' is not an id: letters, digits, '-' and '_'")
        elif key in known:
            rows.problem(number, KEY, f"'{key}' is also the key of row {known[key]}")
        else:
            known[key] = number
    tasks: list[Task] = []
    milestones: list[Milestone] = []
    for number, record in records:
        item = _item(rows, number, record, known)
        if isinstance(item, Milestone):
            milestones.append(item)
        elif item is not None:
            tasks.append(item)
    if rows.problems:
        order = {column: index for index, column in enumerate(COLUMNS)}
        rows.problems.sort(key=lambda p: (p.row, order.get(p.column or "", -1)))
        raise CsvTasksError(file, rows.problems)
    return Plan(tasks=tasks, milestones=milestones)


def _refs(rows: _Rows, number: int, text: str) -> list[str]:
    found = []
    for part in re.split(r"[\s,;]+", text):
        if not part:
            continue
        try:
            Ref.parse(part)
        except ReferenceSyntaxError as error:
            rows.problem(number, DELIVERS, error.message)
            continue
        found.append(part)
    return found


def _status(text: str) -> TaskStatus:
    status = STATUS_OF_WORD.get(text.strip().lower())
    if status is None:
        raise ValueError(
            f"'{text}' is not a status: use To Do, In Progress, Blocked, Done or Cancelled"
        )
    return status


def _id(text: str) -> str:
    ident = re.sub(r"\s+", "-", text.strip())
    if not _PLAN_ID.match(ident):
        raise ValueError(f"'{text}' is not an id: letters, digits, '-' and '_'")
    return ident


def _item(
    rows: _Rows, number: int, record: dict[str, str], known: dict[str, int]
) -> Task | Milestone | None:
    if not record[KEY] or known.get(record[KEY]) != number:
        return None
    before = len(rows.problems)
    parent = record[PARENT] or None
    if parent is not None and parent not in known:
        rows.problem(number, PARENT, f"'{parent}' is the key of no row")
        parent = None
    depends_on = rows.convert(
        number, PREDECESSORS, record[PREDECESSORS], lambda t: parse_predecessors(t, known)
    )
    fields: dict[str, Any] = {
        "id": record[KEY],
        "name": record[SUMMARY],
        "parent": parent,
        "depends_on": depends_on or [],
        "delivers": _refs(rows, number, record[DELIVERS]),
        "description": record[DESCRIPTION] or None,
        "constraint": rows.convert(number, CONSTRAINT, record[CONSTRAINT], parse_constraint),
    }
    due = rows.convert(number, DUE, record[DUE], parse_due_date)
    model: type[Task] | type[Milestone]
    if record[TYPE].strip().lower() == MILESTONE_TYPE.lower():
        model = Milestone
        fields["date"] = due
    else:
        model = Task
        estimate = rows.convert(number, ESTIMATE, record[ESTIMATE], parse_estimate)
        fields.update(
            status=rows.convert(number, STATUS, record[STATUS], _status),
            assignee=record[ASSIGNEE] or None,
            story_points=rows.convert(number, POINTS, record[POINTS], float),
            sprint=rows.convert(number, SPRINT, record[SPRINT], _id),
            deadline=due,
            effort_hours=estimate,
            wbs=record[WBS] or None,
            milestone=record[MILESTONE] or None,
            tags=record[LABELS].split(),
            percent_complete=rows.convert(number, PERCENT, record[PERCENT].rstrip("%"), float) or 0,
            actual_start=record[ACTUAL_START] or None,
            actual_finish=record[ACTUAL_FINISH] or None,
            assignments=rows.convert(number, RESOURCES, record[RESOURCES], parse_resources) or [],
            fixed_cost=rows.convert(number, FIXED_COST, record[FIXED_COST], float) or 0,
            calendar=record[CALENDAR] or None,
        )
        if record[DURATION]:
            fields["duration"] = record[DURATION]
        elif estimate is not None:
            fields["duration"] = f"{estimate:g}h"
    if len(rows.problems) > before:
        return None
    try:
        return model(**fields)
    except ValidationError as error:
        for detail in error.errors():
            field = str(detail["loc"][0]) if detail["loc"] else ""
            message = detail["msg"].removeprefix("Value error, ")
            rows.problem(number, _FIELD_COLUMNS.get(field), message)
        return None
