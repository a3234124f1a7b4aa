"""``plan``: the delivery plan — schedule, progress updates, baselines, Gantt chart, resources.

Other modules add their commands to :data:`plan_app` (interchange, sprints and reports).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from interloom.cli.output import (
    OutputFormat,
    OutputOption,
    console,
    plural,
    print_json,
    print_table,
)
from interloom.core.delivery.plan import TaskStatus
from interloom.core.errors import InvalidRequestError, Location
from interloom.services import plan as plan_service

plan_app = typer.Typer(
    name="plan",
    help="The delivery plan: schedule, updates, baselines, Gantt chart.",
    no_args_is_help=True,
)
baseline_app = typer.Typer(help="Saved baselines and the slippage against them.")
plan_app.add_typer(baseline_app, name="baseline")

StatusDateOption = Annotated[
    str | None,
    typer.Option(
        "--status-date",
        metavar="DATE",
        help="Progress is known up to here (YYYY-MM-DD); default: the plan's, else today.",
    ),
]
AuthorOption = Annotated[str, typer.Option(help="Who reports it (audit log).")]


def parse_date_option(
    value: str | None, option: str, *, time_of_day: bool = True
) -> dt.date | None:
    """A date (or, with ``time_of_day``, a date-time) from an option; a bad one is located."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10 or not time_of_day:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(
            f"'{value}' is not a date",
            location=Location(path=option),
            hint="write YYYY-MM-DD, or YYYY-MM-DDTHH:MM for a time of day"
            if time_of_day
            else "write YYYY-MM-DD",
        ) from None


def _days(minutes: int, per_day: int) -> str:
    days = minutes / per_day
    return f"{days:.1f}".removesuffix(".0") + "d"


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _day(moment: dt.datetime, *, finish: bool = False) -> str:
    """The date of a start, or of a finish (one at midnight ends the day before)."""
    if finish and moment.hour == 0 and moment.minute == 0:
        moment -= dt.timedelta(days=1)
    return moment.strftime("%Y-%m-%d")


@plan_app.command("show")
def show(
    ctx: typer.Context,
    critical: Annotated[bool, typer.Option("--critical", help="Only the critical path.")] = False,
    status_date: StatusDateOption = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """The schedule: every task's dates, float and progress, in WBS order."""
    at = parse_date_option(status_date, "--status-date")
    view = ctx.obj.with_workspace(lambda ws: plan_service.get_plan(ws, status_date=at))
    if critical:
        view = view.model_copy(update={"tasks": [t for t in view.tasks if t.critical]})
    if output is OutputFormat.JSON:
        print_json(view)
        return
    status = "—" if view.status_date is None else _day(view.status_date, finish=True)
    console.print(
        f"[bold]{escape(view.name)}[/] {_day(view.project_start)} → "
        f"{_day(view.project_finish, finish=True)} · status date {status} · planned cost "
        f"{view.cost:,.2f} {view.currency} · {plural(len(view.critical_path), 'critical task')}",
        highlight=False,
    )
    per_day = view.minutes_per_day
    print_table(
        None,
        ["WBS", "id", "name", "start", "finish", "duration", "total float", "★", "%", "assignee"],
        [
            (
                t.wbs,
                t.id,
                escape("  " * t.level + t.name)
                if not t.summary
                else f"[bold]{escape('  ' * t.level + t.name)}[/]",
                _day(t.start),
                _day(t.finish, finish=True),
                "milestone" if t.milestone else _days(t.duration_minutes, per_day),
                _days(t.total_float, per_day),
                "★" if t.critical else "",
                f"{t.percent_complete:.0f}",
                t.assignee,
            )
            for t in view.tasks
        ],
    )


@plan_app.command("update")
def update(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(metavar="TASK", help="Task id, e.g. T-12.")],
    percent: Annotated[
        float | None, typer.Option("--percent", help="Percent complete, 0 to 100.")
    ] = None,
    actual_start: Annotated[
        str | None, typer.Option("--actual-start", metavar="DATE", help="When work started.")
    ] = None,
    actual_finish: Annotated[
        str | None, typer.Option("--actual-finish", metavar="DATE", help="When it finished.")
    ] = None,
    status: Annotated[TaskStatus | None, typer.Option("--status", help="Where it stands.")] = None,
    remaining: Annotated[
        str | None,
        typer.Option("--remaining", metavar="AMOUNT", help="Work left, e.g. 3d or 6h."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note for the record.")] = None,
    author: AuthorOption = "cli",
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Report progress on a task (recorded with its author, audited)."""
    request = plan_service.parse_update_request(
        {
            "percent_complete": percent,
            "actual_start": actual_start,
            "actual_finish": actual_finish,
            "status": status,
            "remaining_duration": remaining,
            "note": note,
        }
    )
    view = ctx.obj.with_workspace(
        lambda ws: plan_service.update_task(ws, task, request, author=author)
    )
    if output is OutputFormat.JSON:
        print_json(view)
        return
    changes = view.model_dump(
        include={
            "percent_complete",
            "actual_start",
            "actual_finish",
            "status",
            "remaining_duration",
        },
        exclude_none=True,
        mode="json",
    )
    said = ", ".join(f"{key} {value}" for key, value in changes.items())
    console.print(f"{view.task}: recorded {said} (update {view.id})", highlight=False)


@plan_app.command("updates")
def updates(
    ctx: typer.Context,
    task: Annotated[str | None, typer.Argument(metavar="[TASK]", help="Only this task's.")] = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """The progress reports recorded so far, oldest first."""
    found = ctx.obj.with_workspace(lambda ws: plan_service.list_task_updates(ws, task=task))
    if output is OutputFormat.JSON:
        print_json(found)
        return
    print_table(
        None,
        ["#", "recorded", "task", "by", "%", "start", "finish", "status", "remaining", "note"],
        [
            (
                u.id,
                u.at.strftime("%Y-%m-%d %H:%M"),
                u.task,
                u.author,
                None if u.percent_complete is None else f"{u.percent_complete:g}",
                u.actual_start,
                u.actual_finish,
                u.status,
                u.remaining_duration,
                u.note,
            )
            for u in found
        ],
    )


@baseline_app.command("save")
def baseline_save(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="e.g. approved or sprint-3.")],
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a saved one.")] = False,
    status_date: StatusDateOption = None,
    author: AuthorOption = "cli",
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Save the current schedule as a baseline to measure slippage against."""
    at = parse_date_option(status_date, "--status-date")
    view = ctx.obj.with_workspace(
        lambda ws: plan_service.save_baseline(
            ws, name, actor=author, replace=replace, status_date=at
        )
    )
    if output is OutputFormat.JSON:
        print_json(view)
        return
    console.print(
        f"baseline [bold]{escape(view.name)}[/] saved: {plural(view.task_count, 'task')}",
        highlight=False,
    )


@baseline_app.command("list")
def baseline_list(ctx: typer.Context, output: OutputOption = OutputFormat.TEXT) -> None:
    """The saved baselines."""
    found = ctx.obj.with_workspace(plan_service.list_baselines)
    if output is OutputFormat.JSON:
        print_json(found)
        return
    print_table(
        None,
        ["name", "saved", "by", "status date", "tasks"],
        [
            (
                b.name,
                b.saved_at.strftime("%Y-%m-%d %H:%M"),
                b.saved_by,
                None if b.status_date is None else _day(b.status_date, finish=True),
                b.task_count,
            )
            for b in found
        ],
    )


@baseline_app.command("compare")
def baseline_compare(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    slipped: Annotated[bool, typer.Option("--slipped", help="Only the tasks that slip.")] = False,
    status_date: StatusDateOption = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """The current schedule against a baseline: start, finish, duration and cost variance."""
    at = parse_date_option(status_date, "--status-date")
    comparison = ctx.obj.with_workspace(
        lambda ws: plan_service.compare_baseline(ws, name, status_date=at)
    )
    rows = [t for t in comparison.tasks if t.slipped or not slipped]
    if output is OutputFormat.JSON:
        print_json(comparison.model_copy(update={"tasks": tuple(rows)}))
        return
    console.print(
        f"against [bold]{escape(comparison.baseline)}[/]: project finish "
        f"{_day(comparison.project_finish, finish=True)} "
        f"({comparison.finish_variance_days:+g}d) · "
        f"{plural(len(comparison.slipped), 'task')} slipped",
        highlight=False,
    )

    def shown(moment: dt.datetime | None) -> str:
        return "" if moment is None else _day(moment, finish=True)

    print_table(
        None,
        [
            "WBS",
            "id",
            "baseline finish",
            "finish",
            "start var",
            "finish var",
            "dur var",
            "cost var",
        ],
        [
            (
                t.wbs,
                t.id + ("" if t.state == "kept" else f" ({t.state})"),
                shown(t.baseline_finish),
                shown(t.finish),
                f"{t.start_variance_days:+g}d",
                f"[red]{t.finish_variance_days:+g}d[/]"
                if t.slipped
                else f"{t.finish_variance_days:+g}d",
                f"{t.duration_variance_days:+g}d",
                f"{t.cost_variance:+,.2f}",
            )
            for t in rows
        ],
    )


@plan_app.command("gantt")
def gantt(
    ctx: typer.Context,
    output_file: Annotated[
        Path,
        typer.Option(
            "--output-file",
            "-f",
            help="Where to write it: a .svg image or a .html page (with the task table).",
        ),
    ],
    baseline: Annotated[
        str | None, typer.Option("--baseline", metavar="NAME", help="Draw this baseline too.")
    ] = None,
    status_date: StatusDateOption = None,
) -> None:
    """Draw the Gantt chart of the plan."""
    suffix = output_file.suffix.lower()
    formats = {".svg": plan_service.GanttFormat.SVG, ".html": plan_service.GanttFormat.HTML}
    if suffix not in formats and suffix != ".htm":
        raise InvalidRequestError(
            f"cannot tell the format of '{output_file}'",
            location=Location(path="--output-file"),
            hint="name it .svg or .html",
        )
    kind = formats.get(suffix, plan_service.GanttFormat.HTML)
    at = parse_date_option(status_date, "--status-date")
    with console.status("Scheduling and drawing the plan…"):
        text = ctx.obj.with_workspace(
            lambda ws: plan_service.render_gantt(ws, output=kind, baseline=baseline, status_date=at)
        )
        output_file.parent.mkdir(parents=True, exist_ok=True)
        output_file.write_text(text, encoding="utf-8")
    console.print(f"wrote {escape(str(output_file))} ({len(text):,} bytes)", highlight=False)


@plan_app.command("resources")
def resources(
    ctx: typer.Context,
    status_date: StatusDateOption = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Resources: assigned work, cost, and when they are asked for more than they have."""
    at = parse_date_option(status_date, "--status-date")
    found = ctx.obj.with_workspace(lambda ws: plan_service.plan_resources(ws, status_date=at))
    if output is OutputFormat.JSON:
        print_json(found)
        return
    print_table(
        None,
        ["resource", "name", "max units", "hours", "cost", "tasks", "over-allocated"],
        [
            (
                r.id,
                r.name,
                f"{r.max_units:g}",
                f"{r.assigned_hours:g}",
                f"{r.cost:,.2f}",
                len(r.tasks),
                len(r.overallocations) or "",
            )
            for r in found
        ],
    )
    overloads = [o for r in found for o in r.overallocations]
    if not overloads:
        console.print("no resource is over-allocated", highlight=False)
        return
    print_table(
        "Over-allocations",
        ["resource", "from", "to", "units", "max", "tasks"],
        [
            (
                o.resource,
                _when(o.start),
                _when(o.finish),
                f"{o.units:g}",
                f"{o.max_units:g}",
                ", ".join(o.activities),
            )
            for o in overloads
        ],
    )
