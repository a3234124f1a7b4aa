"""The stand-up digest and the weekly report, assembled from plan and runtime facts.

Nothing in them is written by hand: the schedule with the recorded updates (now and a week
earlier), the latest baseline, earned value, the risk register with the risks raised by
signals, change requests and their assessments, and the lifecycle of every interface the plan
delivers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from interloom.core.delivery.activities import as_finish
from interloom.core.delivery.baselines import compare_to_baseline
from interloom.core.delivery.changes import ChangeState
from interloom.core.delivery.reporting import (
    ChangeLine,
    Standup,
    WeeklyReport,
    critical_path_change,
    critical_tasks,
    interface_readiness,
    milestone_forecasts,
    previous_working_day,
    sort_changes,
    standup_digest,
    week_of,
    week_work,
    working_days,
)
from interloom.core.delivery.risks import RiskStatus, heat_map
from interloom.core.delivery.sprints import SprintState, find_window, sprint_report, velocity
from interloom.core.errors import ConflictError
from interloom.core.refs import Ref
from interloom.formats.plan.reports import ReportFormat, render_standup, render_weekly
from interloom.services.change_control import list_changes
from interloom.services.plan import get_baseline, plan_files
from interloom.services.plan_management import (
    default_status_date,
    earned_value,
    latest_baseline,
    list_risks,
    plan_state,
    risk_counts,
    sprint_windows_of,
    task_updates,
    updates_until,
)
from interloom.services.risk_signals import check_mocked_interfaces, current_lifecycles
from interloom.services.workspace import Workspace

TOP_RISKS = 10
OPEN_CHANGE_STATES = frozenset(
    {ChangeState.DRAFT, ChangeState.SUBMITTED, ChangeState.ASSESSED, ChangeState.APPROVED}
)


async def standup(workspace: Workspace, *, day: dt.date | None = None) -> Standup:
    """The stand-up digest of ``day`` (default: the plan's status date, else today)."""
    files = plan_files(workspace.project)
    chosen = default_status_date(files.plan, day)
    known = updates_until(await task_updates(workspace), as_finish(chosen))
    # Progress known up to yesterday places today's work; what was reported today counts too.
    today = await plan_state(workspace, status_date=chosen, updates=known)
    yesterday = previous_working_day(today.schedule.working_time(), chosen)
    state = await plan_state(
        workspace, status_date=yesterday, updates=known, only_known_by_then=False
    )
    return standup_digest(state.schedule, today.histories, chosen)


async def render_standup_digest(workspace: Workspace, *, day: dt.date | None = None) -> str:
    """The stand-up digest as Markdown."""
    return render_standup(await standup(workspace, day=day))


Progress = Callable[[int, int, str], None]
"""Told (steps done, steps in all, what comes next) as the weekly report is assembled."""

WEEKLY_STEPS = 6


async def weekly_report(
    workspace: Workspace,
    *,
    week: dt.date | None = None,
    baseline: str | None = None,
    progress: Progress | None = None,
) -> WeeklyReport:
    """The weekly report of the week holding ``week`` (default: the status date's week).

    Its status date is the end of that week's Friday, or the plan's status date (today) when
    that is earlier; "a week earlier" is the schedule with the updates known seven days before.
    Interfaces still draft or mocked near the start of their work are checked first, so their
    automatic risks are raised (or closed) before the register is read.
    """

    def step(done: int, what: str) -> None:
        if progress is not None:
            progress(done, WEEKLY_STEPS, what)

    step(0, "scheduling the plan now and a week earlier")
    updates = await task_updates(workspace)
    files = plan_files(workspace.project)
    now = default_status_date(files.plan, None)
    week_start, week_end = week_of(week or now)
    friday = week_start + dt.timedelta(days=4)
    status_day = min(friday, now) if now >= week_start else friday
    state = await plan_state(
        workspace, status_date=status_day, updates=updates, only_known_by_then=True
    )
    earlier = await plan_state(
        workspace,
        status_date=status_day - dt.timedelta(days=7),
        updates=updates,
        only_known_by_then=True,
    )
    schedule = state.schedule
    time = schedule.working_time()
    step(1, "comparing with the baseline")
    saved = (
        await get_baseline(workspace, baseline) if baseline else await latest_baseline(workspace)
    )
    comparison = compare_to_baseline(schedule, saved) if saved is not None else None
    step(2, "measuring earned value")
    try:
        evm = await earned_value(workspace, status_date=status_day, baseline=baseline)
        evm_result, evm_note = evm.earned_value, evm.note
    except ConflictError as error:
        evm_result, evm_note = None, error.message
    if evm_result is not None and evm_result.performance.bac == 0:
        evm_note = "the plan's tasks have no cost (no resource rates or fixed costs)"
    step(3, "checking interfaces still mocked and ranking the risks")
    # Interfaces still draft or mocked when their work starts are risks of the week: raise
    # (or clear) them before the register is read.
    await check_mocked_interfaces(workspace, schedule=schedule)
    risks = await list_risks(workspace)
    open_risks = [r for r in risks if r.status is RiskStatus.OPEN]
    step(4, "reading change requests and interface states")
    changes = [
        ChangeLine(
            id=c.id,
            title=c.title,
            state=c.state.value,
            requester=c.requester,
            finish_delta_days=None if c.assessment is None else c.assessment.finish_delta_days,
            cost_delta=None if c.assessment is None else c.assessment.cost_delta,
        )
        for c in await list_changes(workspace)
        if c.state in OPEN_CHANGE_STATES
    ]
    names = {str(Ref.interface(s.id, i.id)): i.name for s, i in workspace.project.interfaces()}
    completed, starting = week_work(schedule, state.histories, week_start)
    step(5, "measuring the sprints")
    windows = sprint_windows_of(state, workspace.project)
    tasks = state.sprint_tasks()
    current = next(
        (w for w in windows if w.state(state.status) is SprintState.ACTIVE),
        next((w for w in reversed(windows) if w.state(state.status) is SprintState.CLOSED), None),
    )
    sprint = (
        None
        if current is None
        else sprint_report(
            find_window(windows, current.id),
            tasks,
            state.histories,
            measure=state.measure,
            status_date=state.status,
        )
    )
    baseline_finish = comparison.baseline_finish if comparison is not None else None
    lifecycles = await current_lifecycles(workspace)
    step(WEEKLY_STEPS, "done")
    return WeeklyReport(
        project=schedule.name,
        currency=schedule.currency,
        week_start=week_start,
        week_end=week_end,
        status_date=state.status,
        generated_at=dt.datetime.now().astimezone().replace(microsecond=0),
        finish=schedule.schedule.project_finish,
        previous_finish=earlier.schedule.schedule.project_finish,
        baseline_name=None if saved is None else saved.name,
        baseline_finish=baseline_finish,
        finish_slip_days=(
            None
            if baseline_finish is None
            else working_days(time, baseline_finish, schedule.schedule.project_finish)
        ),
        milestones=milestone_forecasts(schedule, saved),
        critical_path=critical_tasks(schedule),
        critical_change=critical_path_change(schedule, earlier.schedule),
        slipped=[] if comparison is None else [t for t in comparison.tasks if t.slipped],
        completed=completed,
        starting_next=starting,
        evm=evm_result,
        evm_note=evm_note,
        risks=open_risks[:TOP_RISKS],
        risk_counts=risk_counts(risks),
        heat_map=heat_map(risks),
        changes=sort_changes(changes),
        interfaces=interface_readiness(schedule, lifecycles, names),
        sprint=sprint,
        velocity=(
            velocity(
                windows, tasks, state.histories, measure=state.measure, status_date=state.status
            )
            if windows
            else None
        ),
    )


async def render_weekly_report(
    workspace: Workspace,
    *,
    week: dt.date | None = None,
    fmt: ReportFormat = ReportFormat.MARKDOWN,
    baseline: str | None = None,
    progress: Progress | None = None,
) -> str:
    """The weekly report as Markdown or HTML."""
    report = await weekly_report(workspace, week=week, baseline=baseline, progress=progress)
    return render_weekly(report, fmt)
