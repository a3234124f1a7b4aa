"""From MS Project XML records to the plan: tasks, links, calendars, resources and baselines.

Every task of the file becomes a plan task (``T-<UID>`` unless the file carries its Interloom
id); only those exported by Interloom as milestones come back as plan milestones. The WBS
comes from the outline levels; a task's WBS code is kept only where numbering in file order
would give another one. Durations and lags keep the unit the file shows them in. Whatever
cannot be carried over is reported as a warning with its element's location.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from interloom.core.delivery.activities import (
    ConstraintType,
    LinkType,
    Moment,
    as_finish,
    as_start,
)
from interloom.core.delivery.calendar import Calendar
from interloom.core.delivery.plan import (
    AssignmentEntry,
    Constraint,
    Dependency,
    Milestone,
    Plan,
    PlanResource,
    ProjectSchedule,
    Task,
    TaskStatus,
)
from interloom.core.delivery.plan_errors import PlanSite, PlanStructureError
from interloom.core.delivery.plan_schedule import Baseline, BaselineTask
from interloom.core.delivery.wbs import outline_codes
from interloom.core.errors import Location, ReferenceSyntaxError
from interloom.core.refs import PLAN_ID_PATTERN, Ref
from interloom.formats.plan import mspdi_codes as codes
from interloom.formats.plan.amounts import amount_text
from interloom.formats.plan.errors import (
    InterchangeWarning,
    MspdiReferenceError,
    MspdiValueError,
    WarningCode,
)
from interloom.formats.plan.mspdi_calendars import calendars_from_mspdi, slug
from interloom.formats.plan.mspdi_records import (
    MspdiProject,
    MspdiResource,
    MspdiTask,
    PredecessorLink,
    Source,
)

DEFAULT_CALENDAR = "standard"
_PLAN_ID = re.compile(PLAN_ID_PATTERN)
_WBS = re.compile(r"^\d+(\.\d+)*$")
_BASELINE_META = re.compile(r"^(?P<name>.+) \| saved (?P<saved>\S+) \| status (?P<status>\S+)$")


@dataclass(frozen=True, slots=True)
class MspdiImport:
    """A plan read from MS Project XML, with its baselines, warnings and where each task was."""

    plan: Plan
    baselines: tuple[Baseline, ...]
    warnings: tuple[InterchangeWarning, ...]
    ids: dict[int, str]  # task UID -> plan id
    document: MspdiProject

    def locate(self, site: PlanSite) -> Location:
        """Where a plan site (``tasks[T-3].depends_on[0]``) came from in the file."""
        sources: dict[str, Source] = {}
        for task in self.document.tasks:
            if task.uid in self.ids:
                sources[self.ids[task.uid]] = task.source
        source = sources.get(site.item or "")
        if source is None:
            return Location(file=self.document.source.file or None, path=site.path())
        return Location(
            file=source.file or None, line=source.line, path=f"{source.path} ({site.path()})"
        )


def start_moment(moment: dt.datetime) -> Moment:
    """A start as the plan writes it: midnight is the bare date."""
    return moment.date() if moment.time() == dt.time(0) else moment


def finish_moment(moment: dt.datetime) -> Moment:
    """A finish as the plan writes it: midnight is the end of the day before, a bare date."""
    if moment.time() == dt.time(0):
        return moment.date() - dt.timedelta(days=1)
    return moment


def _date_of_finish(moment: dt.datetime) -> dt.date:
    value = finish_moment(moment)
    return value.date() if isinstance(value, dt.datetime) else value


class _Importer:
    def __init__(self, document: MspdiProject) -> None:
        self.document = document
        self.warnings: list[InterchangeWarning] = []
        self.aliases: dict[str, list[int]] = {}
        for attribute in document.extended_attributes:
            if attribute.alias:
                self.aliases.setdefault(attribute.alias, []).append(attribute.field_id)
        self.minutes_per_day = document.minutes_per_day or 480
        self.weeks_exact = (document.minutes_per_week or 5 * self.minutes_per_day) == (
            5 * self.minutes_per_day
        )

    def warn(
        self, code: WarningCode, message: str, source: Source, child: str | None = None
    ) -> None:
        self.warnings.append(InterchangeWarning(code, message, source.location(child)))

    def custom(self, values: dict[int, str], field: codes.CustomField) -> str | None:
        for field_id in self.aliases.get(field.alias, ()):
            value = values.get(field_id)
            if value is not None and value.strip():
                return value.strip()
        return None

    def build(self, model: type[BaseModel], source: Source, **fields: Any) -> Any:
        try:
            return model(**fields)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            reason = first["msg"].removeprefix("Value error, ")
            raise MspdiValueError(
                f"{model.__name__.lower()} cannot be imported: {where}: {reason}",
                location=source.location(),
            ) from None

    def unit(self, code: int | None, source: Source, what: str) -> str | None:
        if code is not None and code in codes.ELAPSED_FORMATS:
            kind = WarningCode.ELAPSED_LAG if what == "lag" else WarningCode.ELAPSED_DURATION
            self.warn(kind, f"an elapsed {what} is imported as working time", source)
        unit = codes.unit_of_format(code)
        if unit == "w" and not self.weeks_exact:
            return "d"
        return unit

    # -- resources ------------------------------------------------------------------------

    def resources(self, calendar_ids: dict[int, str]) -> tuple[list[PlanResource], dict[int, str]]:
        found: list[PlanResource] = []
        ids: dict[int, str] = {}
        taken: set[str] = set()
        for resource in self.document.resources:
            if resource.is_null or (resource.uid == 0 and not resource.name):
                continue
            if resource.type != 1:
                kind = "material" if resource.type == 0 else "cost"
                self.warn(
                    WarningCode.NON_WORK_RESOURCE,
                    f"{kind} resource '{resource.name or resource.uid}' is not imported",
                    resource.source,
                )
                continue
            ident = self.resource_id(resource, taken)
            ids[resource.uid] = ident
            found.append(
                self.build(
                    PlanResource,
                    resource.source,
                    id=ident,
                    name=resource.name or ident,
                    max_units=resource.max_units if resource.max_units else 1.0,
                    calendar=calendar_ids.get(resource.calendar_uid or -1),
                    cost_per_hour=max(resource.standard_rate or 0, 0),
                    email=resource.email,
                    role=resource.group,
                )
            )
        return found, ids

    def resource_id(self, resource: MspdiResource, taken: set[str]) -> str:
        declared = self.custom(resource.extended, codes.RESOURCE_ID)
        candidates = [declared] if declared else []
        candidates += [slug(resource.name or "")[:63], f"R-{resource.uid}"]
        return self.unique(candidates, taken, resource.source, declared)

    def unique(
        self,
        candidates: Sequence[str | None],
        taken: set[str],
        source: Source,
        declared: str | None,
    ) -> str:
        for candidate in candidates:
            valid = candidate and _PLAN_ID.match(candidate) and len(candidate) <= 63
            if candidate and valid and candidate not in taken:
                if declared and candidate != declared:
                    self.warn(
                        WarningCode.RENAMED_ID,
                        f"'{declared}' is not a valid plan id or is taken; '{candidate}' is used",
                        source,
                    )
                taken.add(candidate)
                return candidate
        number, base = 2, candidates[-1] or "X"
        while f"{base}-{number}" in taken:
            number += 1
        taken.add(f"{base}-{number}")
        return f"{base}-{number}"

    # -- tasks ----------------------------------------------------------------------------

    def tasks(self) -> tuple[list[MspdiTask], dict[int, str], dict[int, str | None]]:
        """The tasks to import (in file order), their ids and their parents' UIDs."""
        kept: list[MspdiTask] = []
        ids: dict[int, str] = {}
        parents: dict[int, str | None] = {}
        taken: set[str] = set()
        stack: list[tuple[int, MspdiTask]] = []  # (outline level, task) of the open branch
        for task in self.document.tasks:
            if task.is_null or task.uid == 0 or task.outline_level == 0:
                continue
            if task.external:
                self.warn(
                    WarningCode.EXTERNAL_TASK,
                    f"task '{task.name}' belongs to another project; not imported",
                    task.source,
                )
                continue
            level = task.outline_level or (
                task.outline_number.count(".") + 1 if task.outline_number else 1
            )
            while stack and stack[-1][0] >= level:
                stack.pop()
            parent = stack[-1][1] if stack else None
            kind = self.custom(task.extended, codes.TASK_KIND)
            declared = self.custom(task.extended, codes.TASK_ID)
            fallback = f"M-{task.uid}" if kind == codes.MILESTONE_KIND else f"T-{task.uid}"
            ids[task.uid] = self.unique([declared, fallback], taken, task.source, declared)
            parents[task.uid] = None if parent is None else ids[parent.uid]
            stack.append((level, task))
            kept.append(task)
        return kept, ids, parents

    def dependencies(
        self, task: MspdiTask, ids: dict[int, str], durations: dict[int, float]
    ) -> list[Dependency]:
        found = []
        for link in task.links:
            predecessor = ids.get(link.predecessor_uid)
            if predecessor is None:
                if any(t.uid == link.predecessor_uid for t in self.document.tasks):
                    continue  # a link to a task not imported (external, blank row)
                raise MspdiReferenceError(
                    f"task '{task.name}' has a predecessor UID {link.predecessor_uid} that no "
                    "task has",
                    location=link.source.location("PredecessorUID"),
                )
            found.append(
                Dependency(task=predecessor, type=codes.LINK_TYPES[link.type], lag=self.lag(link))
            )
        return found

    def lag(self, link: PredecessorLink) -> str:
        if link.lag == 0:
            return "0d"  # the plan's default, whatever unit the file shows it in
        if link.lag_format in codes.PERCENT_FORMATS:
            self.unit(link.lag_format, link.source, "lag")
            return f"{link.lag}%"
        unit = self.unit(link.lag_format, link.source, "lag")
        return amount_text(link.lag / 10, self.minutes_per_day, unit)

    def duration(self, task: MspdiTask) -> str:
        unit = self.unit(task.duration_format, task.source, "duration")
        return amount_text(task.duration or 0, self.minutes_per_day, unit)

    def constraint(self, task: MspdiTask) -> Constraint | None:
        kind = codes.CONSTRAINTS[task.constraint_type or 0]
        if kind is ConstraintType.ASAP:
            return None
        if kind is ConstraintType.ALAP:
            return Constraint(type=kind)
        if task.constraint_date is None:
            raise MspdiValueError(
                f"task '{task.name}' has a {kind} constraint but no <ConstraintDate>",
                location=task.source.location("ConstraintType"),
            )
        date = task.constraint_date
        moment = finish_moment(date) if kind in codes.FINISH_CONSTRAINTS else start_moment(date)
        return Constraint(type=kind, date=moment)

    def refs(self, text: str | None, source: Source) -> list[str]:
        found = []
        for part in re.split(r"[,\s]+", text or ""):
            if not part:
                continue
            try:
                Ref.parse(part)
            except ReferenceSyntaxError as error:
                self.warn(WarningCode.UNSUPPORTED_VALUE, f"delivers: {error.message}", source)
                continue
            found.append(part)
        return found

    def status(self, task: MspdiTask) -> TaskStatus | None:
        text = self.custom(task.extended, codes.STATUS)
        if text in set(TaskStatus):
            return TaskStatus(text)
        if text:
            self.warn(WarningCode.UNSUPPORTED_VALUE, f"'{text}' is not a task status", task.source)
        return None if task.active else TaskStatus.CANCELLED

    def number(self, task: MspdiTask, field: codes.CustomField) -> float | None:
        text = self.custom(task.extended, field)
        try:
            return None if text is None else float(text)
        except ValueError:
            self.warn(
                WarningCode.UNSUPPORTED_VALUE,
                f"{field.alias}: '{text}' is not a number",
                task.source,
            )
            return None

    def plan_id(self, task: MspdiTask, field: codes.CustomField) -> str | None:
        text = self.custom(task.extended, field)
        if text is not None and not _PLAN_ID.match(text):
            self.warn(
                WarningCode.UNSUPPORTED_VALUE, f"{field.alias}: '{text}' is not an id", task.source
            )
            return None
        return text


def _amount_zero(text: str) -> bool:
    return float(text[:-1]) == 0


def import_mspdi_project(document: MspdiProject) -> MspdiImport:
    """The plan, baselines and warnings of a parsed MSPDI document."""
    importer = _Importer(document)
    calendars, calendar_ids = calendars_from_mspdi(
        document, importer.minutes_per_day, importer.warnings.append
    )
    # The calendar every plan has without declaring it is not written back.
    calendars = [c for c in calendars if c != Calendar(id=DEFAULT_CALENDAR)]
    resources, resource_ids = importer.resources(calendar_ids)
    tasks, ids, parents = importer.tasks()
    durations = {t.uid: t.duration or 0 for t in tasks}
    summaries = {parent for parent in parents.values() if parent is not None}
    assignments: dict[int, list[AssignmentEntry]] = {}
    for assignment in document.assignments:
        if assignment.resource_uid not in resource_ids or assignment.task_uid not in ids:
            continue
        assignments.setdefault(assignment.task_uid, []).append(
            AssignmentEntry(
                resource=resource_ids[assignment.resource_uid],
                units=assignment.units if assignment.units and assignment.units > 0 else 1.0,
            )
        )
    kinds = {t.uid: importer.custom(t.extended, codes.TASK_KIND) for t in tasks}
    milestone_ids = {ids[uid] for uid, kind in kinds.items() if kind == codes.MILESTONE_KIND}
    leads_to = {t.uid: importer.plan_id(t, codes.LEADS_TO) for t in tasks}
    plan_tasks: list[Task] = []
    plan_milestones: list[Milestone] = []
    # Tasks leading to a milestone get their link to it from `milestone:`; drop the copy.
    implicit = {(ids[uid], target) for uid, target in leads_to.items() if target in milestone_ids}
    for task in tasks:
        ident = ids[task.uid]
        depends_on = importer.dependencies(task, ids, durations)
        kept = []
        for dependency in depends_on:
            key = (dependency.task, ident)
            if key in implicit and dependency.type is LinkType.FS and _amount_zero(dependency.lag):
                implicit.discard(key)
                continue
            kept.append(dependency)
        common: dict[str, Any] = {
            "id": ident,
            "name": task.name or f"Task {task.uid}",
            "description": task.notes,
            "parent": parents[task.uid],
            "depends_on": kept,
            "constraint": importer.constraint(task),
            "delivers": importer.refs(importer.custom(task.extended, codes.DELIVERS), task.source),
        }
        if kinds[task.uid] == codes.MILESTONE_KIND:
            deadline = None if task.deadline is None else _date_of_finish(task.deadline)
            plan_milestones.append(importer.build(Milestone, task.source, date=deadline, **common))
            continue
        fields = _task_fields(importer, task, ident in summaries, calendar_ids)
        fields["assignments"] = assignments.get(task.uid, [])
        fields["milestone"] = leads_to[task.uid]
        plan_tasks.append(importer.build(Task, task.source, **common, **fields))
    project = _project(document, importer, calendar_ids)
    plan = Plan(
        project=project,
        calendars=calendars,
        resources=resources,
        milestones=plan_milestones,
        tasks=_with_wbs(plan_tasks, plan_milestones, {ids[t.uid]: t for t in tasks}),
    )
    baselines = _baselines(document, importer, ids)
    return MspdiImport(plan, baselines, tuple(importer.warnings), ids, document)


def _task_fields(
    importer: _Importer, task: MspdiTask, summary: bool, calendar_ids: dict[int, str]
) -> dict[str, Any]:
    """What a plan task has beyond a milestone's fields."""
    fields: dict[str, Any] = {}
    duration = task.duration or 0
    if not summary:
        fields["duration"] = importer.duration(task)
    if task.milestone and duration > 0 and not summary:
        importer.warn(
            WarningCode.MILESTONE_WITH_DURATION,
            f"milestone '{task.name}' has a duration; imported as a task",
            task.source,
        )
    if task.manual:
        importer.warn(
            WarningCode.MANUAL_TASK,
            f"task '{task.name}' is scheduled manually in the file; Interloom schedules it",
            task.source,
        )
    tags = importer.custom(task.extended, codes.TAGS)
    started = None if task.actual_start is None else start_moment(task.actual_start)
    finished = None if task.actual_finish is None else finish_moment(task.actual_finish)
    if started is not None and finished is not None and as_finish(finished) < as_start(started):
        # Dates without times (MPX): a finish at the midnight a task started is that day's end.
        assert task.actual_finish is not None
        finished = task.actual_finish.date()
    percent = min(max(task.percent_complete or 0, 0), 100)
    fields.update(
        effort_hours=task.work / 60 if task.work else None,
        is_milestone=task.milestone and duration == 0 and not summary,
        calendar=calendar_ids.get(task.calendar_uid if task.calendar_uid is not None else -1),
        deadline=None if task.deadline is None else _date_of_finish(task.deadline),
        assignee=importer.custom(task.extended, codes.ASSIGNEE),
        fixed_cost=max(task.fixed_cost or 0, 0),
        percent_complete=0 if summary else percent,
        actual_start=None if summary else started,
        actual_finish=None if summary else finished,
        status=importer.status(task),
        sprint=importer.plan_id(task, codes.SPRINT),
        story_points=importer.number(task, codes.STORY_POINTS),
        tags=[tag.strip() for tag in (tags or "").split(",") if tag.strip()],
    )
    return fields


def _project(
    document: MspdiProject, importer: _Importer, calendar_ids: dict[int, str]
) -> ProjectSchedule:
    start = document.start_date
    if start is None:
        starts = [t.start for t in document.tasks if t.start is not None]
        if not starts:
            raise MspdiValueError(
                "the project has no <StartDate> and no task has a <Start>",
                location=document.source.location(),
                hint="set the project's start date in MS Project (Project > Project Information)",
            )
        start = min(starts)
    currency = document.currency_code or "EUR"
    project: ProjectSchedule = importer.build(
        ProjectSchedule,
        document.source,
        name=document.title or document.name or "Imported plan",
        start=start_moment(start),
        status_date=None if document.status_date is None else finish_moment(document.status_date),
        calendar=calendar_ids.get(
            document.calendar_uid if document.calendar_uid is not None else -1, DEFAULT_CALENDAR
        ),
        currency=currency if len(currency) == 3 else "EUR",
    )
    return project


def _file_code(task: MspdiTask) -> str | None:
    for code in (task.wbs, task.outline_number):
        if code and _WBS.match(code):
            return code
    return None


def _with_wbs(
    tasks: list[Task], milestones: list[Milestone], records: dict[str, MspdiTask]
) -> list[Task]:
    """The tasks with a WBS code where numbering them in file order would give another one."""
    wanted = {t.id: _file_code(records[t.id]) for t in tasks}
    numbered = outline_codes(Plan(tasks=tasks, milestones=milestones))
    coded = [
        t.model_copy(update={"wbs": wanted[t.id]})
        if wanted[t.id] and wanted[t.id] != numbered[t.id]
        else t
        for t in tasks
    ]
    try:
        again = outline_codes(Plan(tasks=coded, milestones=milestones))
        if all(again[t.id] == wanted[t.id] for t in tasks if wanted[t.id]):
            return coded
        every = [t.model_copy(update={"wbs": wanted[t.id]}) if wanted[t.id] else t for t in tasks]
        outline_codes(Plan(tasks=every, milestones=milestones))
    except PlanStructureError:  # codes that clash: the file's order gives the structure
        return tasks
    return every


def _baselines(
    document: MspdiProject, importer: _Importer, ids: dict[int, str]
) -> tuple[Baseline, ...]:
    summary = next((t for t in document.tasks if t.uid == 0 or t.outline_level == 0), None)
    entries: dict[int, dict[str, BaselineTask]] = {}
    for task in document.tasks:
        if task.uid not in ids:
            continue
        for entry in task.baselines:
            if entry.start is None or entry.finish is None:
                continue
            entries.setdefault(entry.number, {})[ids[task.uid]] = BaselineTask(
                start=entry.start,
                finish=entry.finish,
                duration_minutes=round(entry.duration or 0),
                cost=entry.cost or 0,
            )
    saved = document.last_saved or document.creation_date or document.start_date
    baselines = []
    for number in sorted(entries):
        name = "Baseline" if number == 0 else f"Baseline {number}"
        saved_at, status = saved or dt.datetime(2000, 1, 1), None
        meta = None
        if summary is not None:
            meta = importer.custom(summary.extended, codes.BASELINE_FIELDS[number])
        match = _BASELINE_META.match(meta or "")
        if match:
            name = match["name"]
            saved_at = dt.datetime.fromisoformat(match["saved"])
            status = None if match["status"] == "-" else dt.datetime.fromisoformat(match["status"])
        baselines.append(
            Baseline(name=name, saved_at=saved_at, status_date=status, tasks=entries[number])
        )
    return tuple(baselines)


def baseline_meta(baseline: Baseline) -> str:
    """What the project summary task records of a baseline: name, save time, status date."""
    status = "-" if baseline.status_date is None else baseline.status_date.isoformat()
    return f"{baseline.name} | saved {baseline.saved_at.isoformat()} | status {status}"
