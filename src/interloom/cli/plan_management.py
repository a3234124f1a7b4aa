"""Sprints, RACI and earned value (``plan …``); ``risks``, ``changes`` and ``report``.

``plan sprints``, ``plan sprint``, ``plan raci`` and ``plan evm`` join the ``plan`` group;
``risks``, ``changes`` and ``report`` are groups of their own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from interloom.cli.output import (
    OutputFormat,
    OutputOption,
    console,
    err_console,
    plural,
    print_json,
    print_table,
)
from interloom.cli.plan import StatusDateOption, parse_date_option, plan_app
from interloom.core.delivery.changes import ChangeAction, ChangeState
from interloom.core.delivery.evm import EarningRule
from interloom.core.delivery.risks import RiskLevel, RiskStatus, heat_map_text
from interloom.core.delivery.signals import SignalSeverity
from interloom.core.errors import InvalidRequestError, Location
from interloom.formats.plan.raci_matrix import MatrixFormat
from interloom.formats.plan.reports import ReportFormat
from interloom.services import change_control, delivery_reports, plan_management, risk_signals

risks_app = typer.Typer(help="The risk register: declared risks and those raised by signals.")
changes_app = typer.Typer(help="Change requests: impact analysis and their audited workflow.")
report_app = typer.Typer(help="Reports generated from the plan and the records.")

ActorOption = Annotated[str, typer.Option("--actor", help="Who acts (audit log).")]
OutputFileOption = Annotated[
    Path | None,
    typer.Option("--output-file", "-f", help="Write to this file instead of the terminal."),
]


def _date(value: str | None, option: str) -> dt.date | None:
    """A date from an option; a bad one is a located error."""
    return parse_date_option(value, option, time_of_day=False)


def _when(moment: dt.datetime | dt.date | None) -> str:
    if moment is None:
        return "—"
    if isinstance(moment, dt.datetime):
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


def _write(text: str, output_file: Path | None) -> None:
    if output_file is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    output_file.parent.mkdir(parents=True, exist_ok=True)
    output_file.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {escape(str(output_file))} ({len(text):,} bytes)", highlight=False)


@contextmanager
def _progress(title: str) -> Iterator[Callable[[int, int, str], None] | None]:
    """A progress bar on stderr while a report is assembled (none when not a terminal)."""
    if not err_console.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(title, total=None)

        def advance(done: int, total: int, what: str) -> None:
            progress.update(task, completed=done, total=total, description=escape(what))

        yield advance


# --- plan sprints, sprint, raci, evm -------------------------------------------------------


@plan_app.command("sprints")
def sprints(
    ctx: typer.Context,
    status_date: StatusDateOption = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """The sprints with their scope and progress, the velocity, and the backlog."""
    at = _date(status_date, "--status-date")
    view = ctx.obj.with_workspace(lambda ws: plan_management.list_sprints(ws, status_date=at))
    if output is OutputFormat.JSON:
        print_json(view)
        return
    unit = view.measure.value
    print_table(
        None,
        ["sprint", "name", "from", "to", "state", "tasks", f"scope ({unit})", "done", "left"],
        [
            (
                s.id,
                s.name,
                s.start,
                s.finish,
                s.state,
                s.tasks,
                _number(s.scope),
                _number(s.completed),
                _number(s.remaining),
            )
            for s in view.sprints
        ],
    )
    velocity = view.velocity
    if velocity.average is None:
        console.print("velocity: no closed sprint yet", highlight=False)
    else:
        per = ", ".join(f"{s.sprint} {_number(s.completed)}" for s in velocity.sprints)
        forecast = (
            f"; about {_number(velocity.sprints_to_finish)} more sprints for "
            f"{_number(velocity.open_work)} {unit} of open work"
            if velocity.sprints_to_finish
            else ""
        )
        console.print(
            f"velocity ({unit}): {per}; average of the last 3: {_number(velocity.average)}"
            f"{forecast}",
            highlight=False,
        )
    console.print(
        f"backlog: {plural(len(view.backlog), 'task')} in no sprint "
        f"({_number(velocity.backlog)} {unit} open)",
        highlight=False,
    )


@plan_app.command("sprint")
def sprint(
    ctx: typer.Context,
    sprint_id: Annotated[str, typer.Argument(metavar="SPRINT", help="Sprint id, e.g. S-2.")],
    chart: Annotated[
        plan_management.SprintChart | None,
        typer.Option("--chart", help="Draw the burndown or burnup chart (SVG)."),
    ] = None,
    output_file: OutputFileOption = None,
    status_date: StatusDateOption = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """One sprint: its tasks and day-by-day burndown, or its chart as SVG."""
    at = _date(status_date, "--status-date")
    if chart is not None:
        svg = ctx.obj.with_workspace(
            lambda ws: plan_management.sprint_chart(ws, sprint_id, chart, status_date=at)
        )
        _write(svg, output_file)
        return
    report = ctx.obj.with_workspace(
        lambda ws: plan_management.get_sprint(ws, sprint_id, status_date=at)
    )
    if output is OutputFormat.JSON:
        print_json(report)
        return
    window = report.sprint
    unit = report.measure.value
    goal = f" — {escape(window.goal)}" if window.goal else ""
    console.print(
        f"[bold]{escape(window.id)} {escape(window.name)}[/] {window.start} → {window.finish}, "
        f"{report.state}{goal}",
        highlight=False,
    )
    console.print(
        f"scope {_number(report.scope)} {unit}, done {_number(report.completed)}, "
        f"left {_number(report.remaining)}",
        highlight=False,
    )
    print_table(
        None,
        ["task", "name", "assignee", unit, "%", "done"],
        [
            (
                i.id,
                i.name,
                i.assignee,
                _number(i.size),
                f"{i.percent_complete:g}",
                _when(i.finished_at),
            )
            for i in report.items
        ],
    )
    print_table(
        "Burndown",
        ["day", "ideal", "remaining", "done"],
        [(d.label, _number(d.ideal), _number(d.remaining), _number(d.done)) for d in report.days],
    )


@plan_app.command("velocity")
def velocity_chart(
    ctx: typer.Context, output_file: OutputFileOption = None, status_date: StatusDateOption = None
) -> None:
    """The velocity chart (SVG): committed and completed work per closed sprint."""
    at = _date(status_date, "--status-date")
    _write(
        ctx.obj.with_workspace(lambda ws: plan_management.velocity_chart(ws, status_date=at)),
        output_file,
    )


@plan_app.command("raci")
def raci(
    ctx: typer.Context,
    fmt: Annotated[
        MatrixFormat, typer.Option("--format", help="markdown, csv or html.")
    ] = MatrixFormat.MARKDOWN,
    output_file: OutputFileOption = None,
) -> None:
    """The RACI matrix: who is Responsible, Accountable, Consulted, Informed per deliverable."""
    text = ctx.obj.with_workspace(lambda ws: plan_management.render_raci_matrix(ws, fmt))
    _write(text, output_file)


@plan_app.command("evm")
def evm(
    ctx: typer.Context,
    baseline: Annotated[
        str | None,
        typer.Option("--baseline", metavar="NAME", help="Measure against it; default: latest."),
    ] = None,
    rule: Annotated[
        EarningRule,
        typer.Option("--rule", help="How tasks earn: percent-complete, 0/100, 50/50, evidence."),
    ] = EarningRule.PERCENT_COMPLETE,
    tasks: Annotated[bool, typer.Option("--tasks", help="Show every task's values.")] = False,
    status_date: StatusDateOption = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Earned value at the status date: PV, EV, AC, SPI, CPI, EAC, TCPI, earned schedule."""
    at = _date(status_date, "--status-date")
    view = ctx.obj.with_workspace(
        lambda ws: plan_management.earned_value(ws, status_date=at, baseline=baseline, rule=rule)
    )
    if output is OutputFormat.JSON:
        print_json(view)
        return
    result = view.earned_value
    p, s = result.performance, result.schedule
    against = view.baseline or "the current schedule"
    console.print(
        f"earned value at {_when(result.status_date)} against {escape(against)} "
        f"(rule {result.rule}, {view.currency})",
        highlight=False,
    )
    if view.note:
        console.print(f"[yellow]note[/] {escape(view.note)}", highlight=False)
    print_table(
        None,
        ["measure", "value", "measure", "value"],
        [
            ("BAC", _number(p.bac), "SPI", _number(p.spi)),
            ("PV", _number(p.pv), "CPI", _number(p.cpi)),
            ("EV", _number(p.ev), "EAC = BAC/CPI", _number(p.eac)),
            (
                "AC" + (" (estimated in part)" if result.ac_estimated else ""),
                _number(p.ac),
                "EAC = AC + BAC − EV",
                _number(p.eac_atypical),
            ),
            ("SV", _number(p.sv), "EAC = AC + (BAC − EV)/(CPI·SPI)", _number(p.eac_cpi_spi)),
            ("CV", _number(p.cv), "ETC", _number(p.etc)),
            ("VAC", _number(p.vac), "TCPI", _number(p.tcpi)),
            ("ES (days)", _number(s.es), "AT (days)", _number(s.at)),
            ("SPI(t)", _number(s.spi_t), "SV(t) (days)", _number(s.sv_t)),
            ("IEAC(t) (days)", _number(s.ieac_t), "forecast finish", _when(result.forecast_finish)),
        ],
    )
    if tasks:
        print_table(
            None,
            ["task", "name", "budget", "PV", "EV", "AC", "earned"],
            [
                (
                    t.id,
                    t.name,
                    _number(t.budget),
                    _number(t.pv),
                    _number(t.ev),
                    _number(t.ac) + ("*" if t.ac_estimated else ""),
                    f"{t.earned_share:.0%}",
                )
                for t in result.tasks
            ],
        )


# --- risks ---------------------------------------------------------------------------------


@risks_app.command("list")
def list_risks(
    ctx: typer.Context,
    status: Annotated[RiskStatus | None, typer.Option(help="Only in this status.")] = None,
    level: Annotated[RiskLevel | None, typer.Option(help="Only at this level.")] = None,
    automatic: Annotated[
        bool | None, typer.Option("--automatic/--declared", help="Only raised by signals, or not.")
    ] = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """The register, highest score first: declared risks and those raised by signals."""
    found = ctx.obj.with_workspace(
        lambda ws: plan_management.list_risks(ws, status=status, level=level, automatic=automatic)
    )
    if output is OutputFormat.JSON:
        print_json(found)
        return
    print_table(
        None,
        ["risk", "title", "category", "P", "I", "score", "level", "status", "owner", "tasks"],
        [
            (
                r.id + (" (auto)" if r.automatic else ""),
                r.title,
                r.category,
                f"{r.probability:g}",
                f"{max(r.impact.values()):g}",
                f"{r.score:g}",
                r.level,
                r.status,
                r.owner,
                ", ".join(r.tasks),
            )
            for r in found
        ],
    )


@risks_app.command("show")
def show_risk(
    ctx: typer.Context,
    risk_id: Annotated[str, typer.Argument(metavar="RISK", help="e.g. R-1 or AR-3.")],
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """One risk with its response and, for an automatic one, its evidence."""
    detail = ctx.obj.with_workspace(lambda ws: plan_management.get_risk(ws, risk_id))
    if output is OutputFormat.JSON:
        print_json(detail)
        return
    r = detail.risk
    console.print(f"[bold]{escape(r.id)}[/] {escape(r.title)}", highlight=False)
    if r.description:
        console.print(escape(r.description), highlight=False)
    impact = ", ".join(f"{k} {v:g}" for k, v in r.impact.items())
    lines = [
        ("category", r.category),
        ("probability", f"{r.probability:g}"),
        ("impact", impact),
        ("score", f"{r.score:g} ({r.level})"),
        ("status", r.status),
        ("owner", r.owner),
        ("response", r.response),
        ("response plan", r.response_plan),
        ("triggers", "; ".join(r.triggers) or None),
        ("tasks", ", ".join(r.tasks) or None),
        ("refs", ", ".join(r.refs) or None),
    ]
    if detail.automatic is not None:
        a = detail.automatic
        lines += [
            ("raised by", f"{a.source} ({a.kind}, {a.severity}), {a.occurrences}×"),
            ("raised", _when(a.raised_at)),
            ("updated", _when(a.updated_at)),
            ("closed", _when(a.closed_at) if a.closed_at else None),
            ("evidence", json.dumps(a.evidence, sort_keys=True)),
        ]
    for label, value in lines:
        if value is not None:
            console.print(f"[bold]{label}[/]: {escape(str(value))}", highlight=False)


@risks_app.command("heatmap")
def heatmap(
    ctx: typer.Context,
    svg: Annotated[bool, typer.Option("--svg", help="Draw it as SVG.")] = False,
    output_file: OutputFileOption = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """The 5×5 probability-and-impact matrix of the open risks."""
    if svg:
        _write(ctx.obj.with_workspace(plan_management.risk_heat_map_svg), output_file)
        return
    heat = ctx.obj.with_workspace(plan_management.risk_heat_map)
    if output is OutputFormat.JSON:
        print_json(heat)
        return
    _write(heat_map_text(heat) + "\n", output_file)


@risks_app.command("signal")
def signal(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="e.g. breaking-change-found, slo-burning.")],
    ref: Annotated[str, typer.Argument(metavar="REF", help="e.g. interface:crm.customers.get.")],
    severity: Annotated[
        SignalSeverity, typer.Option(help="info, warning or critical.")
    ] = SignalSeverity.WARNING,
    evidence: Annotated[
        str, typer.Option(metavar="JSON", help="What was seen, as a JSON object.")
    ] = "{}",
    source: Annotated[str, typer.Option(help="Who saw it.")] = "cli",
    clear: Annotated[bool, typer.Option("--clear", help="The condition has gone.")] = False,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Send a signal: it raises, updates or (with --clear) closes an automatic risk."""
    try:
        data: Any = json.loads(evidence)
    except json.JSONDecodeError as error:
        raise InvalidRequestError(
            f"--evidence is not JSON: {error.msg}", location=Location(path="--evidence")
        ) from None
    if not isinstance(data, dict):
        raise InvalidRequestError(
            "--evidence must be a JSON object", location=Location(path="--evidence")
        )
    sent = risk_signals.parse_signal(
        {
            "kind": kind,
            "ref": ref,
            "severity": severity,
            "evidence": data,
            "source": source,
            "cleared": clear,
        }
    )
    outcome = ctx.obj.with_workspace(lambda ws: risk_signals.raise_signal(ws, sent))
    if output is OutputFormat.JSON:
        print_json(outcome)
        return
    if outcome.risk is None:
        console.print(f"no open risk for {kind} on {escape(ref)}: nothing to do", highlight=False)
        return
    r = outcome.risk
    console.print(
        f"{r.id} {outcome.action}: {escape(r.title)} (score {r.score:g}, {r.level}, "
        f"tasks {', '.join(r.tasks) or 'none'})",
        highlight=False,
    )


@risks_app.command("check-interfaces")
def check_interfaces(
    ctx: typer.Context,
    within_days: Annotated[
        int, typer.Option(min=1, help="Working days ahead to look for work starting.")
    ] = 10,
    status_date: StatusDateOption = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Raise risks for interfaces still draft or mocked when the work needing them starts."""
    at = _date(status_date, "--status-date")
    outcomes = ctx.obj.with_workspace(
        lambda ws: risk_signals.check_mocked_interfaces(ws, within_days=within_days, status_date=at)
    )
    if output is OutputFormat.JSON:
        print_json(outcomes)
        return
    if not outcomes:
        console.print("every interface needed soon is ready", highlight=False)
    for outcome in outcomes:
        if outcome.risk is not None:
            console.print(
                f"{outcome.risk.id} {outcome.action}: {escape(outcome.risk.title)}",
                highlight=False,
            )


# --- changes -------------------------------------------------------------------------------


@changes_app.command("list")
def list_changes(
    ctx: typer.Context,
    state: Annotated[ChangeState | None, typer.Option(help="Only in this state.")] = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """The change requests of the plan files, with their workflow state."""
    found = ctx.obj.with_workspace(lambda ws: change_control.list_changes(ws, state=state))
    if output is OutputFormat.JSON:
        print_json(found)
        return
    print_table(
        None,
        ["change", "title", "state", "requester", "finish Δ (days)", "cost Δ", "next"],
        [
            (
                c.id,
                c.title,
                c.state,
                c.requester,
                _number(None if c.assessment is None else c.assessment.finish_delta_days),
                _number(None if c.assessment is None else c.assessment.cost_delta),
                ", ".join(c.next_actions),
            )
            for c in found
        ],
    )


def _print_impact(impact: Any) -> None:
    console.print(
        f"project finish {_when(impact.finish_before)} → {_when(impact.finish_after)} "
        f"({impact.finish_delta_days:+g} working days); cost {impact.cost_delta:+,.2f}; "
        f"effort {impact.effort_delta_hours:+g} h",
        highlight=False,
    )
    if impact.critical_added or impact.critical_removed:
        console.print(
            f"critical path: joined {', '.join(impact.critical_added) or 'none'}; "
            f"left {', '.join(impact.critical_removed) or 'none'}",
            highlight=False,
        )
    for label, items in (
        ("interfaces", impact.interfaces),
        ("flows", impact.flows),
        ("consumers", impact.consumers),
    ):
        if items:
            console.print(f"{label}: {', '.join(items)}", highlight=False)
    moved = [*impact.milestones, *impact.moved_tasks]
    if moved:
        print_table(
            "Dates that move",
            ["task", "name", "finish before", "finish after", "Δ days"],
            [
                (
                    m.id,
                    m.name,
                    _when(m.finish_before),
                    _when(m.finish_after),
                    f"{m.finish_shift_days:+g}",
                )
                for m in moved
            ],
        )


@changes_app.command("show")
def show_change(
    ctx: typer.Context,
    change_id: Annotated[str, typer.Argument(metavar="CHANGE", help="e.g. CR-1.")],
    impact: Annotated[
        bool, typer.Option("--impact", help="Analyse its impact now (nothing is recorded).")
    ] = False,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """One change request: what it proposes, its state, and its impact."""
    view = ctx.obj.with_workspace(lambda ws: change_control.get_change(ws, change_id))
    analysis = (
        ctx.obj.with_workspace(lambda ws: change_control.analyse_change(ws, change_id))
        if impact
        else view.assessment
    )
    if output is OutputFormat.JSON:
        print_json({"change": view, "impact": analysis})
        return
    console.print(
        f"[bold]{escape(view.id)}[/] {escape(view.title)} — {view.state}", highlight=False
    )
    for label, value in (
        ("description", view.description),
        ("reason", view.reason),
        ("requester", view.requester),
        ("affects", ", ".join(view.affects) or None),
        (
            "last change",
            f"{_when(view.updated_at)} by {view.updated_by}" if view.updated_by else None,
        ),
        ("note", view.note),
        ("emergency", view.emergency_reason),
        ("next", ", ".join(view.next_actions) or "nothing: the request is closed"),
    ):
        if value:
            console.print(f"[bold]{label}[/]: {escape(str(value))}", highlight=False)
    if analysis is not None:
        _print_impact(analysis)


def _transition(
    ctx: typer.Context,
    change_id: str,
    action: ChangeAction,
    actor: str,
    output: OutputFormat,
    note: str | None = None,
    emergency: str | None = None,
) -> None:
    request = change_control.TransitionRequest(note=note, emergency_reason=emergency)
    view = ctx.obj.with_workspace(
        lambda ws: change_control.transition_change(
            ws, change_id, action, actor=actor, request=request
        )
    )
    if output is OutputFormat.JSON:
        print_json(view)
        return
    console.print(f"{view.id} is now [bold]{view.state}[/]", highlight=False)
    if view.emergency_reason:
        console.print(
            f"[yellow]emergency[/] past a freeze window: {escape(view.emergency_reason)}",
            highlight=False,
        )
    if action is ChangeAction.ASSESS and view.assessment is not None:
        _print_impact(view.assessment)
    if action is ChangeAction.IMPLEMENT:
        pending = ctx.obj.with_workspace(
            lambda ws: change_control.pending_change_edits(ws, change_id)
        )
        for edit in pending:
            console.print(f"[yellow]still to do in the plan files[/]: {escape(edit)}")


ChangeArgument = Annotated[str, typer.Argument(metavar="CHANGE", help="e.g. CR-1.")]
NoteOption = Annotated[str | None, typer.Option("--note", help="A note for the record.")]
EmergencyOption = Annotated[
    str | None,
    typer.Option(
        "--emergency",
        metavar="REASON",
        help="Go ahead during a freeze window that the change touches (audited).",
    ),
]


@changes_app.command("submit")
def submit(
    ctx: typer.Context,
    change_id: ChangeArgument,
    note: NoteOption = None,
    actor: ActorOption = "cli",
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Submit a change request declared in the plan files."""
    _transition(ctx, change_id, ChangeAction.SUBMIT, actor, output, note)


@changes_app.command("assess")
def assess(
    ctx: typer.Context,
    change_id: ChangeArgument,
    note: NoteOption = None,
    actor: ActorOption = "cli",
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Analyse the change's impact on the schedule, cost and landscape, and record it."""
    with console.status("Scheduling the plan with and without the change…"):
        _transition(ctx, change_id, ChangeAction.ASSESS, actor, output, note)


@changes_app.command("approve")
def approve(
    ctx: typer.Context,
    change_id: ChangeArgument,
    note: NoteOption = None,
    emergency: EmergencyOption = None,
    actor: ActorOption = "cli",
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Approve an assessed change request."""
    _transition(ctx, change_id, ChangeAction.APPROVE, actor, output, note, emergency)


@changes_app.command("reject")
def reject(
    ctx: typer.Context,
    change_id: ChangeArgument,
    note: Annotated[str, typer.Option("--note", help="Why it is rejected (required).")],
    actor: ActorOption = "cli",
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Reject a submitted or assessed change request, saying why."""
    _transition(ctx, change_id, ChangeAction.REJECT, actor, output, note)


@changes_app.command("implement")
def implement(
    ctx: typer.Context,
    change_id: ChangeArgument,
    note: NoteOption = None,
    emergency: EmergencyOption = None,
    actor: ActorOption = "cli",
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Record an approved change as implemented (lists the edits the plan files still lack)."""
    _transition(ctx, change_id, ChangeAction.IMPLEMENT, actor, output, note, emergency)


# --- report --------------------------------------------------------------------------------


@report_app.command("standup")
def standup(
    ctx: typer.Context,
    day: Annotated[
        str | None,
        typer.Option("--date", metavar="DATE", help="The day (YYYY-MM-DD); default: status date."),
    ] = None,
    output_file: OutputFileOption = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Per person: done since the previous working day, due today, blocked, in progress."""
    chosen = _date(day, "--date")
    if output is OutputFormat.JSON:
        print_json(ctx.obj.with_workspace(lambda ws: delivery_reports.standup(ws, day=chosen)))
        return
    text = ctx.obj.with_workspace(lambda ws: delivery_reports.render_standup_digest(ws, day=chosen))
    _write(text, output_file)


@report_app.command("weekly")
def weekly(
    ctx: typer.Context,
    week: Annotated[
        str | None,
        typer.Option("--week", metavar="DATE", help="Any day of the week; default: status date."),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="markdown or html.")
    ] = ReportFormat.MARKDOWN,
    baseline: Annotated[
        str | None,
        typer.Option("--baseline", metavar="NAME", help="Compare with it; default: latest."),
    ] = None,
    output_file: OutputFileOption = None,
) -> None:
    """The weekly report: milestones, critical path, earned value, risks, changes, interfaces."""
    chosen = _date(week, "--week")
    with _progress("weekly report") as progress:
        text = ctx.obj.with_workspace(
            lambda ws: delivery_reports.render_weekly_report(
                ws, week=chosen, fmt=fmt, baseline=baseline, progress=progress
            )
        )
    _write(text, output_file)
