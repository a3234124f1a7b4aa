"""Sprints, the risk register, RACI and earned value of the plan, from its files and records.

The sections of every plan file are gathered here (sprints, risks, change requests, freeze
windows, stakeholders, RACI); the schedule comes from the plan service with every recorded
update applied; each task's history of progress comes from the same updates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.delivery.activities import LocalDateTime, as_finish
from interloom.core.delivery.baselines import take_baseline
from interloom.core.delivery.changes import ChangeRequest, FreezeWindow
from interloom.core.delivery.evm import (
    BudgetedTask,
    EarnedValue,
    EarningRule,
    TaskEarning,
    compute_earned_value,
    evidence_weight,
)
from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_schedule import Baseline, PlanSchedule, TaskUpdate, schedule_plan
from interloom.core.delivery.progress import TaskHistory, task_histories, wall_clock
from interloom.core.delivery.raci import RaciAssignment, RaciMatrix, Stakeholder, raci_matrix
from interloom.core.delivery.risks import (
    HeatMap,
    Risk,
    RiskLevel,
    RiskStatus,
    ScoredRisk,
    heat_map,
    rank_risks,
    scored,
)
from interloom.core.delivery.sprints import (
    Measure,
    Sprint,
    SprintReport,
    SprintState,
    SprintTask,
    SprintWindow,
    Velocity,
    backlog,
    find_window,
    plan_measure,
    sprint_report,
    sprint_tasks,
    sprint_windows,
    velocity,
)
from interloom.core.errors import ConflictError, NotFoundError
from interloom.core.project import Project
from interloom.core.refs import Ref, RefKind
from interloom.core.suggestions import did_you_mean
from interloom.formats.plan.charts import burndown_svg, burnup_svg, heat_map_svg, velocity_svg
from interloom.formats.plan.raci_matrix import MatrixFormat, render_raci
from interloom.services.plan import get_baseline, plan_files
from interloom.services.risk_signals import (
    AutomaticRiskView,
    as_scored,
    contract_test_results,
    current_lifecycles,
    get_automatic_risk,
    list_automatic_risks,
)
from interloom.services.workspace import Workspace
from interloom.storage import plan_records


@dataclass(frozen=True, slots=True)
class PlanSections:
    """The management sections of every plan file, in file order."""

    sprints: tuple[Sprint, ...]
    risks: tuple[Risk, ...]
    change_requests: tuple[ChangeRequest, ...]
    freeze_windows: tuple[FreezeWindow, ...]
    stakeholders: tuple[Stakeholder, ...]
    raci: tuple[RaciAssignment, ...]


def plan_sections(project: Project) -> PlanSections:
    """Sprints, risks, change requests, freeze windows, stakeholders and RACI of all files."""
    plans = [loaded.model for loaded in project.plans]
    return PlanSections(
        sprints=tuple(s for p in plans for s in p.sprints),
        risks=tuple(r for p in plans for r in p.risks),
        change_requests=tuple(c for p in plans for c in p.change_requests),
        freeze_windows=tuple(w for p in plans for w in p.freeze_windows),
        stakeholders=tuple(s for p in plans for s in p.stakeholders),
        raci=tuple(a for p in plans for a in p.raci),
    )


@dataclass(frozen=True, slots=True)
class PlanState:
    """The plan at a status date: merged files, schedule, updates and task histories."""

    plan: Plan
    schedule: PlanSchedule
    updates: tuple[TaskUpdate, ...]
    histories: dict[str, TaskHistory]
    status: dt.datetime
    sprints: tuple[Sprint, ...] = ()

    @property
    def measure(self) -> Measure:
        """What sprint work is counted in."""
        return plan_measure(self.plan)

    def sprint_tasks(self) -> list[SprintTask]:
        """The leaf tasks as sprint work."""
        return sprint_tasks(self.plan, self.measure, self.schedule.minutes_per_day, self.sprints)


async def task_updates(workspace: Workspace) -> list[TaskUpdate]:
    """Every recorded task update, in the order recorded."""
    async with workspace.database.session() as session:
        return [s.update for s in await plan_records.list_task_updates(session)]


def default_status_date(plan: Plan, given: dt.date | None) -> dt.date:
    """As given, else the plan's, else today."""
    if given is not None:
        return given
    if plan.project is not None and plan.project.status_date is not None:
        return plan.project.status_date
    return dt.date.today()


def updates_until(updates: list[TaskUpdate], end: dt.datetime) -> list[TaskUpdate]:
    """The updates recorded before ``end`` (a wall-clock moment)."""
    return [u for u in updates if wall_clock(u.at) < end]


async def plan_state(
    workspace: Workspace,
    *,
    status_date: dt.date | None = None,
    updates: list[TaskUpdate] | None = None,
    only_known_by_then: bool | None = None,
) -> PlanState:
    """The plan scheduled at ``status_date`` with the recorded updates.

    With a status date given (or ``only_known_by_then``), only the updates recorded by the end
    of that day count: the plan as it was known then. Without, every update counts, as in
    ``plan show``.
    """
    files = plan_files(workspace.project)
    every = await task_updates(workspace) if updates is None else updates
    day = default_status_date(files.plan, status_date)
    if only_known_by_then or (only_known_by_then is None and status_date is not None):
        every = updates_until(every, as_finish(day))
    schedule = schedule_plan(files.plan, status_date=day, updates=every, locate=files.locate)
    status = schedule.status_date or as_finish(day)
    histories = task_histories(
        files.plan,
        every,
        status_date=status,
        scheduled_finish={t.id: t.finish for t in schedule.tasks},
    )
    sprints = plan_sections(workspace.project).sprints
    return PlanState(files.plan, schedule, tuple(every), histories, status, sprints)


# --- sprints ------------------------------------------------------------------------------


class SprintSummary(BaseModel):
    """One line of the sprint list."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    goal: str | None
    start: dt.date
    finish: dt.date
    state: SprintState
    tasks: int
    scope: float
    completed: float
    remaining: float


class SprintsView(BaseModel):
    """Every sprint, the velocity and the backlog."""

    model_config = ConfigDict(frozen=True)

    measure: Measure
    status_date: LocalDateTime
    sprints: list[SprintSummary]
    velocity: Velocity
    backlog: list[SprintTask] = Field(description="Tasks in no sprint (done ones included).")


class SprintChart(StrEnum):
    """The charts of a sprint."""

    BURNDOWN = "burndown"
    BURNUP = "burnup"


def sprint_windows_of(state: PlanState, project: Project) -> list[SprintWindow]:
    """The plan's sprints placed on the project calendar."""
    sections = plan_sections(project)
    start = state.schedule.schedule.project_start.date()
    return sprint_windows(sections.sprints, start, state.schedule.working_time())


async def list_sprints(workspace: Workspace, *, status_date: dt.date | None = None) -> SprintsView:
    """Every sprint with its scope and progress, the velocity, and the backlog."""
    state = await plan_state(workspace, status_date=status_date)
    tasks = state.sprint_tasks()
    summaries = []
    for window in sprint_windows_of(state, workspace.project):
        report = sprint_report(
            window, tasks, state.histories, measure=state.measure, status_date=state.status
        )
        summaries.append(
            SprintSummary(
                id=window.id,
                name=window.name,
                goal=window.goal,
                start=window.start,
                finish=window.finish,
                state=report.state,
                tasks=len(report.items),
                scope=report.scope,
                completed=report.completed,
                remaining=report.remaining,
            )
        )
    windows = sprint_windows_of(state, workspace.project)
    return SprintsView(
        measure=state.measure,
        status_date=state.status,
        sprints=summaries,
        velocity=velocity(
            windows, tasks, state.histories, measure=state.measure, status_date=state.status
        ),
        backlog=backlog(tasks),
    )


async def get_sprint(
    workspace: Workspace, sprint_id: str, *, status_date: dt.date | None = None
) -> SprintReport:
    """One sprint's scope, progress, burndown and burnup."""
    state = await plan_state(workspace, status_date=status_date)
    window = find_window(sprint_windows_of(state, workspace.project), sprint_id)
    return sprint_report(
        window,
        state.sprint_tasks(),
        state.histories,
        measure=state.measure,
        status_date=state.status,
    )


async def sprint_chart(
    workspace: Workspace,
    sprint_id: str,
    chart: SprintChart,
    *,
    status_date: dt.date | None = None,
) -> str:
    """A sprint's burndown or burnup chart as SVG."""
    report = await get_sprint(workspace, sprint_id, status_date=status_date)
    return burndown_svg(report) if chart is SprintChart.BURNDOWN else burnup_svg(report)


async def velocity_chart(workspace: Workspace, *, status_date: dt.date | None = None) -> str:
    """Committed and completed work per closed sprint, as SVG."""
    return velocity_svg((await list_sprints(workspace, status_date=status_date)).velocity)


# --- risks --------------------------------------------------------------------------------


class RiskDetail(BaseModel):
    """A risk of the register; automatic ones carry their evidence."""

    model_config = ConfigDict(frozen=True)

    risk: ScoredRisk
    automatic: AutomaticRiskView | None = None


async def list_risks(
    workspace: Workspace,
    *,
    status: RiskStatus | None = None,
    level: RiskLevel | None = None,
    automatic: bool | None = None,
) -> list[ScoredRisk]:
    """The register, highest score first: declared risks and risks raised by signals."""
    declared = [scored(r) for r in plan_sections(workspace.project).risks]
    raised = [as_scored(r) for r in await list_automatic_risks(workspace)]
    found = [
        r
        for r in [*declared, *raised]
        if (status is None or r.status is status)
        and (level is None or r.level is level)
        and (automatic is None or r.automatic is automatic)
    ]
    return rank_risks(found)


async def get_risk(workspace: Workspace, risk_id: str) -> RiskDetail:
    """One risk, declared (``R-1``) or automatic (``AR-3``)."""
    for risk in plan_sections(workspace.project).risks:
        if risk.id == risk_id:
            return RiskDetail(risk=scored(risk))
    if risk_id.startswith("AR-"):
        automatic = await get_automatic_risk(workspace, risk_id)
        return RiskDetail(risk=as_scored(automatic), automatic=automatic)
    known = [r.id for r in plan_sections(workspace.project).risks]
    raise NotFoundError(
        f"no risk '{risk_id}'",
        hint=did_you_mean(risk_id, known) or "list them with `risks list`",
    )


async def risk_heat_map(workspace: Workspace, *, statuses: tuple[RiskStatus, ...] = ()) -> HeatMap:
    """The 5×5 matrix of open risks (or of the statuses given)."""
    return heat_map(await list_risks(workspace), statuses=statuses)


async def risk_heat_map_svg(workspace: Workspace) -> str:
    """The heat map as SVG."""
    return heat_map_svg(await risk_heat_map(workspace))


def risk_counts(risks: list[ScoredRisk]) -> dict[RiskLevel, int]:
    """Open risks by level."""
    counts = Counter(r.level for r in risks if r.status is RiskStatus.OPEN)
    return {level: counts[level] for level in RiskLevel}


# --- RACI ---------------------------------------------------------------------------------


def deliverable_labels(project: Project, deliverables: list[str]) -> dict[str, str]:
    """Readable names of deliverables: task and milestone names, interface and flow names."""
    names: dict[str, str] = {}
    for loaded in project.plans:
        for task in loaded.model.tasks:
            names[f"task:{task.id}"] = f"{task.id} {task.name}"
        for milestone in loaded.model.milestones:
            names[f"milestone:{milestone.id}"] = f"{milestone.id} {milestone.name}"
    for system, interface in project.interfaces():
        names[str(Ref.interface(system.id, interface.id))] = interface.name
    for loaded_system in project.systems:
        names[str(Ref(RefKind.SYSTEM, loaded_system.model.id))] = loaded_system.model.name
    for flow in project.flows:
        names[str(Ref(RefKind.FLOW, flow.model.id))] = flow.model.name
    return {d: names.get(d, d) for d in deliverables}


async def get_raci(workspace: Workspace) -> RaciMatrix:
    """The RACI matrix of the plan."""
    sections = plan_sections(workspace.project)
    deliverables = [a.deliverable for a in sections.raci]
    return raci_matrix(
        sections.raci,
        sections.stakeholders,
        deliverable_labels(workspace.project, deliverables),
    )


async def render_raci_matrix(workspace: Workspace, fmt: MatrixFormat) -> str:
    """The RACI matrix as Markdown, CSV or HTML."""
    title = f"RACI matrix — {workspace.project.name}"
    return render_raci(await get_raci(workspace), fmt, title)


# --- earned value -------------------------------------------------------------------------


class EarnedValueView(BaseModel):
    """Earned value with what it was measured against."""

    model_config = ConfigDict(frozen=True)

    currency: str
    baseline: str | None = Field(description="The baseline's name; None: the schedule now.")
    note: str | None
    earned_value: EarnedValue


async def latest_baseline(workspace: Workspace) -> Baseline | None:
    """The most recently saved baseline, if any."""
    async with workspace.database.session() as session:
        saved = await plan_records.list_baselines(session)
    if not saved:
        return None
    latest = max(saved, key=lambda s: s.saved_at)
    return await get_baseline(workspace, latest.name)


async def interface_evidence(workspace: Workspace) -> dict[str, float]:
    """Interface reference to the share of its delivery earned by its state and tests."""
    lifecycles = await current_lifecycles(workspace)
    tests = await contract_test_results(workspace)
    return {ref: evidence_weight(state, tests.get(ref)) for ref, state in lifecycles.items()}


def task_earnings(schedule: PlanSchedule, evidence: dict[str, float]) -> dict[str, TaskEarning]:
    """What each leaf task has earned so far, with evidence from the interfaces it delivers."""
    earnings = {}
    for task in schedule.tasks:
        if task.summary:
            continue
        weights = [evidence[r] for r in task.delivers if r in evidence]
        earnings[task.id] = TaskEarning(
            id=task.id,
            percent_complete=task.percent_complete,
            started=task.actual_start is not None or task.percent_complete > 0,
            evidence=sum(weights) / len(weights) if weights else None,
        )
    return earnings


def budgeted_tasks(schedule: PlanSchedule, baseline: Baseline) -> list[BudgetedTask]:
    """The baseline's leaf tasks and milestones (summaries would count their children twice)."""
    summaries = {t.id for t in schedule.tasks if t.summary}
    parents = {t.parent for t in schedule.tasks if t.parent is not None}
    names = {t.id: t.name for t in schedule.tasks}
    return [
        BudgetedTask(
            id=ident, name=names.get(ident, ident), start=b.start, finish=b.finish, budget=b.cost
        )
        for ident, b in baseline.tasks.items()
        if ident not in summaries and ident not in parents
    ]


async def earned_value(
    workspace: Workspace,
    *,
    status_date: dt.date | None = None,
    baseline: str | None = None,
    rule: EarningRule = EarningRule.PERCENT_COMPLETE,
) -> EarnedValueView:
    """PV, EV, AC and every index at the status date, against a baseline.

    The baseline is the one named, else the latest saved; with none saved, the schedule as it
    stands serves as its own baseline (said in ``note``).
    """
    state = await plan_state(workspace, status_date=status_date)
    schedule = state.schedule
    saved = (
        await get_baseline(workspace, baseline) if baseline else await latest_baseline(workspace)
    )
    note = None
    if saved is None:
        saved = take_baseline(schedule, "current schedule", dt.datetime.now(dt.UTC))
        note = "no baseline saved: the current schedule stands in for one"
    budgeted = budgeted_tasks(schedule, saved)
    if not budgeted:
        raise ConflictError(
            "earned value needs tasks in the baseline, and it has none",
            hint="add tasks to the plan, then save a baseline with `plan baseline save`",
        )
    evidence = await interface_evidence(workspace) if rule is EarningRule.EVIDENCE else {}
    result = compute_earned_value(
        budgeted,
        task_earnings(schedule, evidence),
        status_date=state.status,
        time=schedule.working_time(),
        rule=rule,
    )
    return EarnedValueView(
        currency=schedule.currency,
        baseline=None if note else saved.name,
        note=note,
        earned_value=result,
    )
