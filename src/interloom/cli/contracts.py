"""``contracts``: what a contract file holds, and what changed between two versions of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from interloom.cli.output import (
    OutputFormat,
    OutputOption,
    console,
    err_console,
    print_json,
    print_table,
)
from interloom.core.contracts.diff import DiffResult, Finding, Level
from interloom.core.contracts.diff.engine import group_by_operation
from interloom.core.contracts.diff.report import render_html, render_markdown, summary_line
from interloom.core.errors import InterloomError
from interloom.services.contract_diff import (
    DIFF_STEPS,
    contract_diff_rules,
    contract_diff_rules_markdown,
    diff_contract_files,
)
from interloom.services.contracts import inspect_contract

contracts_app = typer.Typer(
    help="Contracts: import, inspect and compare them.", no_args_is_help=True
)


@contracts_app.command("inspect")
def inspect(
    file: Annotated[Path, typer.Argument(help="OpenAPI, Swagger, JSON Schema, AsyncAPI, WSDL…")],
    root: Annotated[
        Path | None,
        typer.Option(help="Files it references must lie under this directory (default: its own)."),
    ] = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Import a contract and show its format, counts, operations and warnings."""
    summary = inspect_contract(file, root=root)
    if output is OutputFormat.JSON:
        print_json(summary)
        return
    version = f" {summary['format_version']}" if summary.get("format_version") else ""
    console.print(
        f"[bold]{escape(str(summary.get('title') or file))}[/] "
        f"({summary['format']}{version}, version {summary.get('version') or '—'})",
        highlight=False,
    )
    counts = ", ".join(
        f"{value} {name.replace('_', ' ')}" for name, value in summary["counts"].items()
    )
    console.print(counts, highlight=False)
    print_table(
        None,
        ["operation", "transport", "key"],
        [(op["id"], op["transport"], op["key"]) for op in summary["operations"]],
    )
    for warning in summary["warnings"]:
        where = warning.get("location", {})
        place = ":".join(str(where[k]) for k in ("file", "line", "column") if k in where)
        console.print(
            f"[yellow]{warning['code']}[/] {escape(place)} {escape(warning['message'])}",
            highlight=False,
        )


class DiffOutput(StrEnum):
    """How ``contracts diff`` prints its findings."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


class FailOn(StrEnum):
    """The level at which ``contracts diff`` exits 1."""

    ERR = "ERR"
    WARN = "WARN"
    INFO = "INFO"


USAGE_ERROR = 2
"""Exit status when the diff cannot run (bad options, a missing or malformed file)."""

_LEVEL_STYLES = {Level.ERR: "bold red", Level.WARN: "yellow", Level.INFO: "dim"}


def _usage_error(error: InterloomError, output: DiffOutput) -> typer.Exit:
    if output is DiffOutput.JSON:
        print_json({"error": error.to_dict()})
    else:
        err_console.print(f"[bold red]error[/] {escape(str(error))}", highlight=False)
    return typer.Exit(USAGE_ERROR)


@contextmanager
def _steps(total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr naming each step (only on a terminal; gone when done)."""
    if not err_console.is_terminal:
        yield lambda _: None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("diff", total=total)
        done = -1

        def step(text: str) -> None:
            nonlocal done
            done += 1
            progress.update(task, description=escape(text), completed=done)

        yield step


def _place(result: DiffResult, finding: Finding) -> str:
    """``341:17`` in the new file, ``old 269:5`` in the old one, else ``file:line``."""
    where = finding.location
    if where is None:
        return ""
    position = ":".join(str(v) for v in (where.line, where.column) if v is not None)
    if where.file == result.new_file:
        return position
    if where.file == result.old_file:
        return f"old {position}".strip()
    return f"{where.file}:{position}" if position else where.file


def _print_text(result: DiffResult) -> None:
    console.print(
        f"[bold]{escape(result.old_file)}[/] → [bold]{escape(result.new_file)}[/]: "
        f"{escape(summary_line(result))}",
        highlight=False,
    )
    for operation, findings in group_by_operation(result.findings):
        table = Table(
            title=operation or "(the contract as a whole)",
            title_justify="left",
            title_style="bold",
            header_style="bold",
            expand=False,
        )
        table.add_column("level", no_wrap=True)
        table.add_column("change (rule)", ratio=1)
        table.add_column("line", no_wrap=True)
        for finding in findings:
            table.add_row(
                f"[{_LEVEL_STYLES[finding.level]}]{finding.level.value}[/]",
                f"{escape(finding.message)}\n[dim]{escape(finding.id)}[/]",
                escape(_place(result, finding)),
            )
        console.print(table)


@contracts_app.command("diff")
def diff(
    old: Annotated[
        Path,
        typer.Argument(help="The old version; with --git, the file to compare with its past."),
    ],
    new: Annotated[Path | None, typer.Argument(help="The new version.")] = None,
    git: Annotated[
        str | None,
        typer.Option(
            "--git", metavar="REV", help="Compare the file with its content at git revision REV."
        ),
    ] = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            case_sensitive=False,
            help="Exit 1 when a finding at or above this level remains (ERR, WARN or INFO).",
        ),
    ] = None,
    ignore: Annotated[
        Path | None,
        typer.Option(help="Ignore file: oasdiff-style lines, or YAML (.yaml) entries."),
    ] = None,
    root: Annotated[
        Path | None,
        typer.Option(help="Files they reference must lie under this directory (default: theirs)."),
    ] = None,
    output: Annotated[
        DiffOutput,
        typer.Option("--output", "-o", case_sensitive=False, help="text, json, markdown or html."),
    ] = DiffOutput.TEXT,
) -> None:
    """Compare two versions of a contract: breaking (ERR), maybe breaking (WARN), other (INFO).

    Exit status: 0, or 1 when a finding at or above --fail-on remains; 2 when the files
    cannot be compared.
    """
    if git is not None and new is not None:
        raise typer.BadParameter("with --git, give one file (compared with its past)")
    if git is None and new is None:
        raise typer.BadParameter("give OLD and NEW, or one file with --git REV")
    try:
        with _steps(DIFF_STEPS) as step:
            result = diff_contract_files(
                None if git else old,
                old if git else new or old,
                git_revision=git,
                ignore_file=ignore,
                root=root,
                on_step=step,
            )
    except InterloomError as error:
        raise _usage_error(error, output) from None
    if output is DiffOutput.JSON:
        print_json(result.to_dict())
    elif output is DiffOutput.MARKDOWN:
        console.print(render_markdown(result), markup=False, highlight=False)
    elif output is DiffOutput.HTML:
        console.print(render_html(result), markup=False, highlight=False)
    else:
        _print_text(result)
    if result.fails(Level(fail_on.value) if fail_on else None):
        raise typer.Exit(1)


@contracts_app.command("rules")
def rules(
    write: Annotated[
        Path | None, typer.Option(help="Write docs/contracts-diff.md (Markdown) to this file.")
    ] = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """List the rules of contracts diff: id, level, family and meaning."""
    if write is not None:
        write.parent.mkdir(parents=True, exist_ok=True)
        write.write_text(contract_diff_rules_markdown(), "utf-8")
        console.print(f"  wrote {escape(str(write))}", highlight=False)
        return
    catalogue = contract_diff_rules()
    if output is OutputFormat.JSON:
        print_json(catalogue)
        return
    print_table(
        None,
        ["id", "level", "family", "origin", "description"],
        [(r["id"], r["level"], r["family"], r["origin"], r["description"]) for r in catalogue],
    )
