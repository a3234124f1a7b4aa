"""``assess``: the readiness of a system's interfaces (the feasibility review)."""

from __future__ import annotations

import io
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from interloom.cli.output import console, err_console, to_data
from interloom.core.readiness import InterfaceReadiness, Status, SystemReadiness
from interloom.formats.readiness_report import readiness_html, readiness_markdown
from interloom.services.readiness import assess_system_readiness
from interloom.services.workspace import Workspace

app = typer.Typer()

_MARKS = {
    Status.PASS: "[green]✓[/]",
    Status.WARN: "[yellow]![/]",
    Status.FAIL: "[red]✗[/]",
    Status.NOT_APPLICABLE: "[dim]–[/]",
}


class ReportFormat(StrEnum):
    """How ``assess`` prints its report."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


def _assess(ctx: typer.Context, system_id: str) -> SystemReadiness:
    """Assess, with a progress bar on a terminal while the contracts are read."""

    async def run(workspace: Workspace, progress: Progress | None = None) -> SystemReadiness:
        task = progress.add_task("assessing", total=None) if progress else None

        def advance(done: int, total: int, what: str) -> None:
            if progress is not None and task is not None:
                progress.update(task, completed=done, total=total, description=what)

        return await assess_system_readiness(workspace, system_id, progress=advance)

    report: SystemReadiness
    if not err_console.is_terminal:
        report = ctx.obj.with_workspace(run)
    else:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=err_console, transient=True) as progress:
            report = ctx.obj.with_workspace(lambda ws: run(ws, progress))
    return report


def _score(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}"


def _ids(item: InterfaceReadiness, status: Status) -> str:
    return ", ".join(c.id.value for c in item.criteria if c.status is status) or "—"


def _table(out: Console, title: str, columns: list[str], rows: list[tuple[object, ...]]) -> None:
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    out.print(table)


def _print_text(report: SystemReadiness, out: Console = console) -> None:
    counts = report.counts
    out.print(
        f"[bold]{escape(report.name)}[/] ({report.system}, owner {escape(report.owner)}): "
        f"score [bold]{_score(report.score)}[/] / 100, grade [bold]{report.grade}[/]",
        highlight=False,
    )
    measured = (
        f"{report.measured} measured" if report.measured else "latency and error rate not measured"
    )
    out.print(
        f"{counts[Status.PASS]} passed, {counts[Status.WARN]} warnings, "
        f"{counts[Status.FAIL]} failed, {counts[Status.NOT_APPLICABLE]} n/a; {measured}",
        highlight=False,
    )
    if report.gaps:
        _table(
            out,
            "Top gaps",
            ["criterion", "points", "failing", "warning", "what to do"],
            [
                (
                    gap.title,
                    f"{gap.points:.1f}",
                    len(gap.failing),
                    len(gap.warning),
                    gap.hint or "",
                )
                for gap in report.gaps
            ],
        )
    if not report.interfaces:
        out.print("The system declares no interface.", highlight=False)
        return
    _table(
        out,
        "Interfaces",
        ["interface", "lifecycle", "score", "grade", "failed", "warnings"],
        [
            (
                escape(i.ref.removeprefix("interface:")),
                i.lifecycle,
                _score(i.score),
                i.grade,
                _ids(i, Status.FAIL),
                _ids(i, Status.WARN),
            )
            for i in report.interfaces
        ],
    )
    for item in report.interfaces:
        shortfalls = [c for c in item.criteria if c.status in (Status.FAIL, Status.WARN)]
        if not shortfalls:
            continue
        out.print(f"[bold]{escape(item.ref.removeprefix('interface:'))}[/]", highlight=False)
        for c in shortfalls:
            hint = f" [dim]→ {escape(c.hint)}[/]" if c.hint else ""
            out.print(
                f"  {_MARKS[c.status]} {c.id.value}: {escape(c.explanation)}{hint}",
                highlight=False,
            )


@app.command()
def assess(
    ctx: typer.Context,
    system_id: Annotated[str, typer.Argument(metavar="SYSTEM", help="System id, e.g. crm.")],
    output: Annotated[
        ReportFormat,
        typer.Option(
            "--output",
            "-o",
            case_sensitive=False,
            help="text for people, json for machines, markdown or html for a report.",
        ),
    ] = ReportFormat.TEXT,
    output_file: Annotated[
        Path | None, typer.Option("--output-file", help="Write the report here.")
    ] = None,
    fail_under: Annotated[
        float | None,
        typer.Option(
            help="Exit with status 1 when the score is below this (0–100).", min=0, max=100
        ),
    ] = None,
) -> None:
    """Assess the readiness of a system's interfaces: per criterion, a score, the top gaps."""
    report = _assess(ctx, system_id)
    if output is ReportFormat.TEXT and output_file is None:
        _print_text(report)
    else:
        if output is ReportFormat.JSON:
            text = orjson.dumps(to_data(report), option=orjson.OPT_INDENT_2).decode() + "\n"
        elif output is ReportFormat.MARKDOWN:
            text = readiness_markdown(report)
        elif output is ReportFormat.HTML:
            text = readiness_html(report)
        else:
            buffer = io.StringIO()
            _print_text(report, Console(file=buffer, soft_wrap=True, no_color=True, width=200))
            text = buffer.getvalue()
        if output_file is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            output_file.parent.mkdir(parents=True, exist_ok=True)
            output_file.write_text(text, "utf-8")
            console.print(
                f"  wrote {escape(str(output_file))} (score {_score(report.score)}, "
                f"grade {report.grade})",
                highlight=False,
            )
    if fail_under is not None and (report.score is None or report.score < fail_under):
        err_console.print(
            f"[bold red]✗[/] score {_score(report.score)} is below {fail_under:.1f}",
            highlight=False,
        )
        raise typer.Exit(1)
