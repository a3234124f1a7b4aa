"""``interloom test``: run the flow test cases of ``flows/tests/*.yaml``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from interloom.cli.output import (
    OutputFormat,
    OutputOption,
    console,
    err_console,
    plural,
    print_json,
)
from interloom.services.flow_testing import (
    CaseOutcome,
    CaseReport,
    FlowTestReport,
    TestCollection,
    collect_flow_tests,
    run_flow_tests_sync,
)

app = typer.Typer()

_MARKS = {
    CaseOutcome.PASSED: "[green]✓ pass[/]",
    CaseOutcome.FAILED: "[red]✗ fail[/]",
    CaseOutcome.ERROR: "[red]! error[/]",
    CaseOutcome.SKIPPED: "[yellow]- skip[/]",
}
_SHOWN_DIFFERENCES = 20


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Any]:
    """A progress bar on stderr while the cases run (on a terminal, for text output)."""
    if not enabled or total < 2 or not err_console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("running flow tests"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=total)

        def advance(case: CaseReport) -> None:
            progress.update(task, advance=1, description=escape(case.id))

        yield advance


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _print_failure(failure: dict[str, Any]) -> None:
    console.print(f"    [bold]{escape(failure['check'])}[/]: {escape(failure['message'])}")
    found = failure.get("differences") or []
    for difference in found[:_SHOWN_DIFFERENCES]:
        pointer = difference["pointer"] or "(whole document)"
        parts = []
        if "expected" in difference:
            parts.append(f"expected {_value(difference['expected'])}")
        if "actual" in difference:
            parts.append(f"actual {_value(difference['actual'])}")
        kind = difference["kind"]
        console.print(
            f"      {escape(pointer)}  [dim]{kind}[/]  {escape(', '.join(parts))}", highlight=False
        )
    if len(found) > _SHOWN_DIFFERENCES:
        console.print(f"      … and {len(found) - _SHOWN_DIFFERENCES} more")
    diff = failure.get("diff")
    if diff:
        for line in diff.splitlines():
            style = ""
            if line.startswith(("+++", "---")):
                style = "bold"
            elif line.startswith("+"):
                style = "green"
            elif line.startswith("-"):
                style = "red"
            elif line.startswith("@@"):
                style = "cyan"
            text = escape(line)
            console.print(
                f"      [{style}]{text}[/]" if style else f"      {text}", highlight=False
            )


def _print_details(case: CaseReport) -> None:
    mark = _MARKS[case.outcome]
    console.print(f"\n{mark} [bold]{escape(case.id)}[/]  [dim]{escape(case.file)}[/]")
    if case.error is not None:
        error = case.error
        where = error.get("location") or {}
        place = where.get("file", "")
        if place and where.get("line") is not None:
            place += f":{where['line']}"
        if where.get("path") or where.get("pointer"):
            place += f" {where.get('path') or where.get('pointer')}"
        hint = f" ({error['hint']})" if error.get("hint") else ""
        line = f"{error['code']} {place} {error['message']}{hint}".replace("  ", " ")
        console.print(f"    {escape(line)}", highlight=False)
    for failure in case.failures:
        _print_failure(failure)
    statuses = ", ".join(case.statuses)
    if statuses and case.outcome is CaseOutcome.FAILED:
        console.print(f"    [dim]status: {escape(statuses)}[/]")


def _print_report(report: FlowTestReport) -> None:
    for bad in report.file_errors:
        err_console.print(f"[bold red]error[/] {escape(bad.file)}: the test file is invalid")
        for problem in bad.problems:
            err_console.print(f"  {escape(problem.render())}", highlight=False)
    if report.cases:
        table = Table(title=None, header_style="bold")
        for column in ("result", "flow", "case", "ms"):
            table.add_column(column, justify="right" if column == "ms" else "left")
        for case in report.cases:
            table.add_row(
                _MARKS[case.outcome],
                escape(case.flow),
                escape(case.name),
                f"{case.duration_ms:.1f}",
            )
        console.print(table)
    for case in report.cases:
        if case.outcome in (CaseOutcome.FAILED, CaseOutcome.ERROR):
            _print_details(case)
    for case in report.cases:
        for path in case.updated:
            console.print(f"  wrote {escape(path)}", highlight=False)
    for flow in report.untested:
        console.print(f"[yellow]warning[/] flow '{escape(flow)}' has no test case")
    counts = report.summary()
    parts = [f"{counts['passed']} passed"]
    parts += [f"{counts[k]} {k}" for k in ("failed", "error", "skipped") if counts[k]]
    if report.file_errors:
        parts.append(plural(len(report.file_errors), "invalid file"))
    colour = "green" if report.ok else "red"
    seconds = report.duration_ms / 1000
    console.print(f"\n[bold {colour}]{', '.join(parts)}[/] in {seconds:.2f} s")


def _json(report: FlowTestReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "summary": report.summary(),
        **report.model_dump(mode="json"),
    }


@app.command("test")
def run_tests(
    ctx: typer.Context,
    flows: Annotated[
        list[str] | None,
        typer.Argument(metavar="[FLOW]...", help="Flow ids to test (default: every flow)."),
    ] = None,
    update: Annotated[
        bool,
        typer.Option("--update", help="Rewrite golden files (output_file) with actual output."),
    ] = False,
    pattern: Annotated[
        str | None,
        typer.Option(
            "-k",
            help="Run the cases whose 'flow::case name' contains this text (or matches this glob).",
        ),
    ] = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Run the flow test cases of flows/tests/*.yaml; exit 1 when any fails."""
    root = ctx.obj.root
    collection: TestCollection = collect_flow_tests(root, flows or (), pattern)
    if collection.total == 0 and not collection.errors:
        nothing = "no test case matches" if collection.filtered else "no test cases in flows/tests/"
        if output is OutputFormat.JSON:
            print_json(
                {"ok": not collection.filtered, "summary": {}, "cases": [], "message": nothing}
            )
        else:
            console.print(f"[yellow]{nothing}[/]")
        raise typer.Exit(1 if collection.filtered else 0)
    with _progress(collection.total, output is OutputFormat.TEXT) as advance:
        report = run_flow_tests_sync(collection, update=update, on_case=advance)
    if output is OutputFormat.JSON:
        print_json(_json(report))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)
