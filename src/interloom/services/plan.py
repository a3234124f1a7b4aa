"""The delivery plan: its schedule with the recorded progress, updates, baselines, Gantt chart.

The plan's definitions are the project's ``plan/*.yaml`` files; what people report (task
updates) and the baselines they save are records in the database. Every change is audited.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from interloom.core.delivery.activities import (
    PLAN_DAY_PATTERN,
    PLAN_YEAR_PATTERN,
    PLAN_YEARS,
    Link,
    LocalDateTime,
    Moment,
    local_date_time_schema,
)
from interloom.core.delivery.baselines import (
    BaselineComparison,
    compare_to_baseline,
    take_baseline,
)
from interloom.core.delivery.plan import Plan, TaskStatus, WorkAmount, percent_of
from interloom.core.delivery.plan_errors import PlanMergeError, PlanSite
from interloom.core.delivery.plan_progress import TaskState, check_state
from interloom.core.delivery.plan_schedule import (
    Baseline,
    PlannedTask,
    PlanSchedule,
    TaskUpdate,
    merge_plans,
    schedule_plan,
    task_progress,
)
from interloom.core.delivery.resources import Overallocation, find_overallocations
from interloom.core.errors import (
    ConflictError,
    InvalidRequestError,
    Location,
    NotFoundError,
)
from interloom.core.project import Loaded, Project
from interloom.formats.plan.gantt import render_gantt_html, render_gantt_svg
from interloom.services.workspace import Workspace
from interloom.storage import plan_records
from interloom.storage.audit import add_audit_entry


class PlanView(BaseModel):
    """The scheduled plan: project dates and cost, critical path, every task in WBS order."""

    model_config = ConfigDict(frozen=True)

    name: str
    currency: str
    status_date: LocalDateTime | None
    project_start: LocalDateTime
    project_finish: LocalDateTime
    minutes_per_day: int = Field(description="Working minutes in one day of duration.")
    cost: float
    critical_path: list[str]
    near_critical: list[str]
    tasks: list[PlannedTask]
    links: list[Link]


def _in_plan_years(moment: dt.date) -> dt.date:
    if moment.year not in PLAN_YEARS:
        raise ValueError("give a date in a year from 1900 to 2199")
    return moment


ReportedMoment = Annotated[
    Moment,
    AfterValidator(_in_plan_years),
    WithJsonSchema(
        {
            "anyOf": [
                local_date_time_schema(PLAN_YEAR_PATTERN),
                {"type": "string", "format": "date", "pattern": PLAN_DAY_PATTERN},
            ]
        }
    ),
]
"""An actual date a person reports: a day, or a wall-clock date-time without an offset."""

_UPDATE_FIELDS = (
    "percent_complete",
    "actual_start",
    "actual_finish",
    "status",
    "remaining_duration",
)


class TaskUpdateRequest(BaseModel):
    """A progress report on a task; give at least one field."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
                for name in _UPDATE_FIELDS
            ]
        },
    )

    percent_complete: float | None = Field(default=None, ge=0, le=100, strict=True)
    actual_start: ReportedMoment | None = None
    actual_finish: ReportedMoment | None = None
    status: TaskStatus | None = None
    remaining_duration: WorkAmount | None = None
    note: str | None = Field(default=None, max_length=4000)

    @field_validator("remaining_duration")
    @classmethod
    def _work_left(cls, amount: str | None) -> str | None:
        # A task update keeps these to itself: they would fail later, as an internal error.
        if amount is not None and (percent_of(amount) is not None or amount.startswith("-")):
            raise ValueError("the work left is a working time such as 4h or 2d, not negative or %")
        return amount

    @model_validator(mode="after")
    def _something(self) -> TaskUpdateRequest:
        fields = self.model_dump(exclude={"note"}, exclude_none=True)
        if not fields:
            raise ValueError(
                "give at least one of percent_complete, actual_start, actual_finish, status, "
                "remaining_duration"
            )
        return self


class TaskUpdateView(BaseModel):
    """A recorded update: who reported what on which task, when."""

    model_config = ConfigDict(frozen=True)

    id: int
    task: str
    at: dt.datetime
    author: str | None
    percent_complete: float | None
    actual_start: LocalDateTime | dt.date | None
    actual_finish: LocalDateTime | dt.date | None
    status: TaskStatus | None
    remaining_duration: str | None
    note: str | None


class BaselineView(BaseModel):
    """A saved baseline."""

    model_config = ConfigDict(frozen=True)

    name: str
    saved_at: dt.datetime
    saved_by: str
    status_date: LocalDateTime | None
    task_count: int


class ResourceView(BaseModel):
    """A resource with the work assigned to it and its over-allocations."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    max_units: float
    assigned_hours: float
    cost: float
    tasks: list[str]
    overallocations: list[Overallocation]


class GanttFormat(StrEnum):
    """What the Gantt chart is rendered as."""

    SVG = "svg"
    HTML = "html"


@dataclass(frozen=True, slots=True)
class _PlanFiles:
    """The merged plan and where each of its items was declared."""

    plan: Plan
    sources: tuple[Loaded[Plan], ...]

    def locate(self, site: PlanSite) -> Location:
        """The file, line and column of a site of the merged plan."""
        for loaded in self.sources:
            model = loaded.model
            if site.section == "project":
                if model.project is None:
                    continue
                path: tuple[str | int, ...] = ("project", *site.field)
            else:
                items = getattr(model, site.section, None)
                if items is None:
                    break
                index = next((i for i, x in enumerate(items) if x.id == site.item), None)
                if index is None:
                    continue
                path = (site.section, index, *site.field)
            line, column = loaded.source.locate(path)
            shown = ".".join(f"[{p}]" if isinstance(p, int) else p for p in path)
            return Location(
                file=loaded.source.file,
                line=line,
                column=column,
                path=shown.replace(".[", "["),
            )
        return Location(path=site.path())


def plan_files(project: Project) -> _PlanFiles:
    """The project's plan files merged into one plan (a clash is located in its file)."""
    sources = project.plans
    try:
        plan = merge_plans([loaded.model for loaded in sources])
    except PlanMergeError as error:
        second = sources[error.index]
        path: tuple[str | int, ...] = ("project",)
        if error.site is not None and error.site.section != "project":
            items = getattr(second.model, error.site.section)
            index = next(i for i, x in enumerate(items) if x.id == error.site.item)
            path = (error.site.section, index, "id")
        line, column = second.source.locate(path)
        shown = "project" if len(path) == 1 else f"{path[0]}[{path[1]}].id"
        error.location = Location(file=second.source.file, line=line, column=column, path=shown)
        raise
    return _PlanFiles(plan, sources)


def _status_date(files: _PlanFiles, given: dt.date | None) -> dt.date | None:
    """The status date: as given, else the plan's, else today (when the plan has a project)."""
    if given is not None:
        return given
    project = files.plan.project
    if project is None or project.status_date is not None:
        return None
    return dt.date.today()


async def _updates(workspace: Workspace) -> list[TaskUpdate]:
    async with workspace.database.session() as session:
        return [stored.update for stored in await plan_records.list_task_updates(session)]


async def compute_plan(workspace: Workspace, *, status_date: dt.date | None = None) -> PlanSchedule:
    """The plan scheduled with every recorded update applied."""
    files = plan_files(workspace.project)
    updates = await _updates(workspace)
    # Thousands of tasks take a second of CPU: off the event loop, so requests keep flowing.
    return await asyncio.to_thread(
        schedule_plan,
        files.plan,
        status_date=_status_date(files, status_date),
        updates=updates,
        locate=files.locate,
    )


def plan_view(schedule: PlanSchedule) -> PlanView:
    """What the API and ``plan show --output json`` give of a schedule."""
    return PlanView(
        name=schedule.name,
        currency=schedule.currency,
        status_date=schedule.status_date,
        project_start=schedule.schedule.project_start,
        project_finish=schedule.schedule.project_finish,
        minutes_per_day=schedule.minutes_per_day,
        cost=schedule.cost,
        critical_path=list(schedule.critical_path),
        near_critical=list(schedule.schedule.near_critical),
        tasks=list(schedule.tasks),
        links=list(schedule.links),
    )


async def get_plan(workspace: Workspace, *, status_date: dt.date | None = None) -> PlanView:
    """The scheduled plan."""
    return plan_view(await compute_plan(workspace, status_date=status_date))


def _state_snapshot(state: TaskState) -> dict[str, object]:
    return {
        "percent_complete": state.percent,
        "actual_start": None if state.actual_start is None else state.actual_start.isoformat(),
        "actual_finish": None if state.actual_finish is None else state.actual_finish.isoformat(),
        "status": None if state.status is None else state.status.value,
        "duration_minutes": state.duration,
    }


def _request_locator(site: PlanSite) -> Location:
    field = next((str(part) for part in site.field if isinstance(part, str)), "")
    return Location(path=f"{site.item}.{field}", pointer=f"/{field}")


def parse_update_request(data: dict[str, object]) -> TaskUpdateRequest:
    """A request from loose values (the CLI's options); a bad value is a located error."""
    try:
        return TaskUpdateRequest.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidRequestError(
            first["msg"].removeprefix("Value error, "),
            location=Location(path=where, pointer=f"/{where}") if where else None,
        ) from None


async def update_task(
    workspace: Workspace, task_id: str, request: TaskUpdateRequest, *, author: str
) -> TaskUpdateView:
    """Record a progress report on a task (audited); contradictions are refused, located."""
    files = plan_files(workspace.project)
    plan = files.plan
    if all(t.id != task_id for t in plan.tasks):
        known = [t.id for t in plan.tasks]
        shown = ", ".join(known[:10]) + ("…" if len(known) > 10 else "")
        raise NotFoundError(
            f"no task '{task_id}' in the plan",
            location=Location(path="task"),
            hint=f"tasks are: {shown}" if known else "the plan has no tasks",
        )
    if any(t.parent == task_id for t in plan.tasks) or any(
        m.parent == task_id for m in plan.milestones
    ):
        raise InvalidRequestError(
            f"task '{task_id}' is a summary: it takes its progress from its subtasks",
            location=Location(path="task"),
            hint="report progress on its subtasks",
        )
    update = TaskUpdate(
        task=task_id, at=dt.datetime.now(dt.UTC), author=author, **request.model_dump()
    )
    previous = await _updates(workspace)
    before = task_progress(plan, task_id, previous, locate=files.locate)
    after = task_progress(plan, task_id, [*previous, update], locate=files.locate)
    check_state(task_id, after, summary=False, locate=_request_locator)
    async with workspace.database.transaction() as session:
        stored = await plan_records.add_task_update(session, update)
        await add_audit_entry(
            session,
            actor=author,
            action="plan.task.updated",
            entity=f"task:{task_id}",
            before=_state_snapshot(before),
            after={**_state_snapshot(after), "note": request.note},
        )
    return _update_view(stored)


def _update_view(stored: plan_records.StoredTaskUpdate) -> TaskUpdateView:
    update = stored.update
    return TaskUpdateView(id=stored.id, **update.model_dump())


async def list_task_updates(
    workspace: Workspace, *, task: str | None = None
) -> list[TaskUpdateView]:
    """The recorded updates, oldest first; ``task`` keeps one task's."""
    async with workspace.database.session() as session:
        stored = await plan_records.list_task_updates(session, task=task)
    return [_update_view(s) for s in stored]


def _baseline_view(summary: plan_records.BaselineSummary) -> BaselineView:
    return BaselineView(
        name=summary.name,
        saved_at=summary.saved_at,
        saved_by=summary.saved_by,
        status_date=summary.status_date,
        task_count=summary.task_count,
    )


async def save_baseline(
    workspace: Workspace,
    name: str,
    *,
    actor: str,
    replace: bool = False,
    status_date: dt.date | None = None,
) -> BaselineView:
    """Save the current schedule as a baseline (audited); an existing name needs ``replace``."""
    if not name.strip() or len(name) > 100:
        raise InvalidRequestError(
            "a baseline name is 1 to 100 characters", location=Location(pointer="/name")
        )
    schedule = await compute_plan(workspace, status_date=status_date)
    baseline = take_baseline(schedule, name, dt.datetime.now(dt.UTC))
    async with workspace.database.transaction() as session:
        existed = await plan_records.baseline_exists(session, name)
        if existed and not replace:
            raise ConflictError(
                f"a baseline named '{name}' is already saved",
                location=Location(pointer="/name"),
                hint="choose another name, or replace it (--replace, or replace: true)",
            )
        await plan_records.save_baseline(session, baseline, saved_by=actor)
        await add_audit_entry(
            session,
            actor=actor,
            action="plan.baseline.replaced" if existed else "plan.baseline.saved",
            entity=f"baseline:{name}",
            before=None,
            after={
                "tasks": len(baseline.tasks),
                "project_finish": schedule.schedule.project_finish.isoformat(),
            },
        )
    return BaselineView(
        name=name,
        saved_at=baseline.saved_at,
        saved_by=actor,
        status_date=baseline.status_date,
        task_count=len(baseline.tasks),
    )


async def list_baselines(workspace: Workspace) -> list[BaselineView]:
    """The saved baselines, oldest first."""
    async with workspace.database.session() as session:
        return [_baseline_view(s) for s in await plan_records.list_baselines(session)]


async def get_baseline(workspace: Workspace, name: str) -> Baseline:
    """The baseline of this name; ``NotFoundError`` when there is none."""
    async with workspace.database.session() as session:
        baseline = await plan_records.get_baseline(session, name)
        if baseline is None:
            saved = [s.name for s in await plan_records.list_baselines(session)]
    if baseline is None:
        raise NotFoundError(
            f"no baseline named '{name}'",
            hint=f"saved: {', '.join(saved)}" if saved else "save one with `plan baseline save`",
        )
    return baseline


async def compare_baseline(
    workspace: Workspace, name: str, *, status_date: dt.date | None = None
) -> BaselineComparison:
    """The current schedule against a saved baseline: variances and slipped tasks."""
    baseline = await get_baseline(workspace, name)
    return compare_to_baseline(await compute_plan(workspace, status_date=status_date), baseline)


async def plan_resources(
    workspace: Workspace, *, status_date: dt.date | None = None
) -> list[ResourceView]:
    """Every resource with its assigned work, cost and over-allocations."""
    files = plan_files(workspace.project)
    schedule = await compute_plan(workspace, status_date=status_date)
    overloads = find_overallocations(schedule.schedule, schedule.resources, schedule.assignments)
    tasks = {t.id: t for t in schedule.tasks}
    declared = {r.id: r for r in files.plan.resources}
    views = []
    for resource in schedule.resources:
        assigned = [a for a in schedule.assignments if a.resource == resource.id]
        hours = sum(tasks[a.activity].duration_minutes / 60 * a.units for a in assigned)
        rate = declared[resource.id].cost_per_hour
        views.append(
            ResourceView(
                id=resource.id,
                name=resource.name,
                max_units=resource.max_units,
                assigned_hours=round(hours, 1),
                cost=round(hours * rate, 2),
                tasks=[a.activity for a in assigned],
                overallocations=[o for o in overloads if o.resource == resource.id],
            )
        )
    return views


async def render_gantt(
    workspace: Workspace,
    *,
    output: GanttFormat = GanttFormat.SVG,
    baseline: str | None = None,
    status_date: dt.date | None = None,
) -> str:
    """The Gantt chart of the plan, as SVG or as a self-contained HTML page."""
    saved = None if baseline is None else await get_baseline(workspace, baseline)
    schedule = await compute_plan(workspace, status_date=status_date)
    if output is GanttFormat.HTML:
        return render_gantt_html(schedule, baseline=saved)
    return render_gantt_svg(schedule, baseline=saved)
