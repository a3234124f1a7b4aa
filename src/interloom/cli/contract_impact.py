"""``contracts impact``: what a change to a contract breaks in the project — and for whom."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from interloom.cli.contracts import USAGE_ERROR, contracts_app
from interloom.cli.output import console, err_console, print_json
from interloom.core.contracts.impact import ContractImpact
from interloom.core.contracts.impact.report import (
    by_interface,
    headline,
    render_markdown,
    task_day,
)
from interloom.core.errors import InterloomError
from interloom.services.contract_impact import Step, contract_impact


class ImpactOutput(StrEnum):
    """How ``contracts impact`` prints what it found."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


class ImpactFailOn(StrEnum):
    """The level at which ``contracts impact`` exits 1, if such a finding reaches the project."""

    ERR = "ERR"
    WARN = "WARN"


_LEVEL_STYLES = {"ERR": "bold red", "WARN": "yellow", "INFO": "dim"}
_CONFIDENCE_STYLES = {"certain": "bold", "likely": "", "possible": "dim"}
_CONSEQUENCE_STYLES = {"rework": "bold red", "in-progress": "yellow"}
_STEPS = 6  # scheduling, comparing, reading (twice), locating, reading operations, tracing


@contextmanager
def _progress() -> Iterator[Step]:
    """A progress bar on stderr naming the current step (only on a terminal; gone when done)."""
    if not err_console.is_terminal:
        yield lambda _: None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("impact", total=_STEPS)

        def step(text: str) -> None:
            progress.update(task, description=escape(text), advance=1)

        yield step


def _print_text(impact: ContractImpact) -> None:
    summary = impact.summary

    def side(file: str, version: str | None) -> str:
        return escape(f"{file} ({version})" if version else file)

    console.print(
        f"[bold]{side(summary.old_file, summary.old_version)}[/] → "
        f"[bold]{side(summary.new_file, summary.new_version)}[/]",
        highlight=False,
    )
    if summary.contract not in (summary.old_file, summary.new_file):
        console.print(f"the project's {escape(summary.contract)}", highlight=False)
    console.print(escape(headline(impact)), highlight=False)
    if summary.rework:
        console.print(
            f"[bold red]rework[/]: done tasks this change reopens: {', '.join(summary.rework)}",
            highlight=False,
        )
    for group in by_interface(impact):
        operation = f" — {escape(group.operation)}" if group.operation else ""
        console.print(f"\n[bold]{escape(group.interface)}[/]{operation}", highlight=False)
        table = Table(show_header=True, header_style="bold", expand=False, box=None)
        table.add_column("level", no_wrap=True)
        table.add_column("change (rule)", ratio=1)
        for finding in group.findings:
            style = _LEVEL_STYLES.get(finding.level, "")
            table.add_row(
                f"[{style}]{finding.level}[/]" if style else finding.level,
                f"{escape(finding.message)} [dim]{escape(finding.id)}[/]",
            )
        console.print(table)
        if group.consumers:
            listed = ", ".join(
                f"{c.ref} ({c.relation}{': ' + ', '.join(c.steps) if c.steps else ''})"
                for c in group.consumers
            )
            console.print(f"  consumers: {escape(listed)}", highlight=False)
        for hit, rules in group.flows:
            style = _CONFIDENCE_STYLES[hit.confidence.value]
            text = f"{escape(hit.detail)} [dim]({hit.confidence.value}; {', '.join(rules)})[/]"
            console.print(f"  flow: [{style}]{text}[/]" if style else f"  flow: {text}")
        for task in group.tasks:
            style = _CONSEQUENCE_STYLES.get(task.consequence.value, "")
            consequence = f"[{style}]{task.consequence.value}[/]" if style else task.consequence
            console.print(
                f"  task {escape(task.task)} {escape(task.name)}: {task.status}, "
                f"{task_day(task.start) or '—'} → {task_day(task.finish, finish=True) or '—'}, "
                f"{consequence}",
                highlight=False,
            )
    if summary.unused_operations:
        console.print(
            "\nchanged, but no interface of the project stands for: "
            + escape(", ".join(summary.unused_operations)),
            highlight=False,
        )
    for risk in summary.risks:
        which = f" {risk.risk}" if risk.risk else ""
        console.print(f"risk{which} {risk.action} for {escape(risk.interface)}", highlight=False)
    for note in summary.notes:
        console.print(f"[dim]note: {escape(note)}[/]", highlight=False)


@contracts_app.command("impact")
def impact(
    ctx: typer.Context,
    old: Annotated[Path, typer.Argument(help="The contract as it is (usually the project's).")],
    new: Annotated[Path, typer.Argument(help="The contract as proposed.")],
    contract: Annotated[
        str | None,
        typer.Option(
            help="The project's contract file the change is about (default: OLD, else NEW, "
            "else the one of the same file name)."
        ),
    ] = None,
    fail_on: Annotated[
        ImpactFailOn | None,
        typer.Option(
            "--fail-on",
            case_sensitive=False,
            help="Exit 1 when a finding at or above this level (ERR or WARN) reaches the project.",
        ),
    ] = None,
    ignore: Annotated[
        Path | None,
        typer.Option(help="Ignore file of contracts diff: accepted findings are left out."),
    ] = None,
    raise_risks: Annotated[
        bool,
        typer.Option(
            "--raise-risks",
            help="Send a breaking-change-found signal per affected interface to the risk "
            "register (an interface with only INFO findings clears its risk).",
        ),
    ] = False,
    status_date: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Schedule the plan at this date (YYYY-MM-DD)."),
    ] = None,
    output: Annotated[
        ImpactOutput,
        typer.Option("--output", "-o", case_sensitive=False, help="text, json or markdown."),
    ] = ImpactOutput.TEXT,
) -> None:
    """What a contract change reaches: interfaces, consumers, flows (down to the field), tasks.

    Exit status: 0, or 1 when a finding at or above --fail-on reaches the project; 2 when
    the change cannot be analysed (a file missing or malformed, a contract the project does
    not use).
    """
    try:
        with _progress() as step:
            result = ctx.obj.with_workspace(
                lambda workspace: contract_impact(
                    workspace,
                    old,
                    new,
                    contract=contract,
                    ignore_file=ignore,
                    raise_risks=raise_risks,
                    actor="cli",
                    status_date=status_date.date() if status_date else None,
                    on_step=step,
                )
            )
    except InterloomError as error:
        if output is ImpactOutput.JSON:
            print_json({"error": error.to_dict()})
        else:
            err_console.print(f"[bold red]error[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(USAGE_ERROR) from None
    if output is ImpactOutput.JSON:
        print_json(result)
    elif output is ImpactOutput.MARKDOWN:
        console.print(render_markdown(result), markup=False, highlight=False)
    else:
        _print_text(result)
    if result.fails(fail_on.value if fail_on else None):
        raise typer.Exit(1)
