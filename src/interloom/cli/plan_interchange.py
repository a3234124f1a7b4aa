"""``plan import``, ``plan export``, ``plan check``: the plan in other tools' formats.

Registered on the ``plan`` group of :mod:`interloom.cli.plan`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from interloom.cli.output import (
    OutputFormat,
    OutputOption,
    console,
    err_console,
    plural,
    print_json,
    print_table,
)
from interloom.cli.plan import plan_app
from interloom.formats.plan.errors import InterchangeWarning
from interloom.services import plan_interchange as interchange
from interloom.services.plan_interchange import ExportFormat, ImportFormat


def _warn(warnings: tuple[InterchangeWarning, ...]) -> None:
    for warning in warnings:
        err_console.print(f"[yellow]{escape(warning.render())}[/]", highlight=False)


def _read(file: Path, kind: ImportFormat | None) -> interchange.PlanImport:
    uses_mpxj = (kind or interchange.detect_format(file)) is ImportFormat.MPXJ
    message = "Converting with MPXJ (Java)…" if uses_mpxj else f"Reading {file.name}…"
    with err_console.status(message):
        return interchange.read_plan_file(file, kind)


@plan_app.command("import")
def import_plan(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="MS Project XML, CSV, or .mpp/.xer… (MPXJ).")],
    kind: Annotated[
        ImportFormat | None,
        typer.Option("--format", help="mspdi, csv or mpxj; default: from the file name."),
    ] = None,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write", metavar="FILE", help="Write the plan file here (plan/imported.yaml)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace the --write file if it exists.")] = False,
    save_baselines: Annotated[
        bool, typer.Option(help="Record the file's baselines in the database (audited).")
    ] = False,
    replace_baselines: Annotated[
        bool, typer.Option(help="With --save-baselines: replace baselines of the same name.")
    ] = False,
    author: Annotated[str, typer.Option(help="Who imports them (audit log).")] = "cli",
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Import a plan from MS Project, a spreadsheet or another planning tool.

    Without --write the plan is printed as YAML (or JSON with --output json).
    """
    result = _read(file, kind)
    summary = result.summary()
    if write is not None:
        interchange.write_plan_yaml(result, write, overwrite=force)
        summary["written"] = str(write)
    if save_baselines and result.baselines:
        summary["saved_baselines"] = ctx.obj.with_workspace(
            lambda ws: interchange.save_baselines(
                ws, result.baselines, actor=author, replace=replace_baselines
            )
        )
    if output is OutputFormat.JSON:
        if write is None:
            summary["plan"] = result.plan.model_dump(mode="json", exclude_defaults=True)
        print_json(summary)
        return
    _warn(result.warnings)
    if write is None:
        typer.echo(interchange.plan_text(result), nl=False)
        return
    counts = ", ".join(
        plural(summary[key], noun)
        for key, noun in (
            ("tasks", "task"),
            ("milestones", "milestone"),
            ("links", "link"),
            ("calendars", "calendar"),
            ("resources", "resource"),
        )
    )
    console.print(
        f"imported {counts} from {escape(file.name)} ({result.format.value}) "
        f"into {escape(str(write))}",
        highlight=False,
    )
    if result.baselines:
        names = ", ".join(b.name for b in result.baselines)
        saved = "saved" if "saved_baselines" in summary else "not saved (--save-baselines)"
        console.print(f"baselines: {escape(names)} — {saved}", highlight=False)


@plan_app.command("export")
def export_plan(
    ctx: typer.Context,
    kind: Annotated[ExportFormat, typer.Option("--format", help="mspdi, csv or ical.")],
    output_file: Annotated[
        Path, typer.Option("--output-file", "-f", help="Where to write the document.")
    ],
    deadlines: Annotated[
        bool, typer.Option(help="ical: add the tasks' deadlines as events too.")
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option(help="ical: link delivered systems, interfaces and flows to this server."),
    ] = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Export the plan, with recorded progress and saved baselines, for MS Project and others."""
    with err_console.status(f"Scheduling and writing the plan as {kind.value}…"):
        data = ctx.obj.with_workspace(
            lambda ws: interchange.export_plan(ws, kind, deadlines=deadlines, base_url=base_url)
        )
        output_file.parent.mkdir(parents=True, exist_ok=True)
        output_file.write_bytes(data)
    if output is OutputFormat.JSON:
        print_json({"file": str(output_file), "format": kind.value, "bytes": len(data)})
        return
    console.print(f"wrote {escape(str(output_file))} ({len(data):,} bytes)", highlight=False)


@plan_app.command("check")
def check_plan(
    file: Annotated[Path, typer.Argument(help="An MS Project XML file with computed dates.")],
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Schedule an MS Project file with Interloom and list every date that differs.

    Exits 1 when a task's start, finish or early dates differ from the file's.
    """
    with err_console.status(f"Scheduling {file.name}…"):
        report = interchange.check_plan_file(file)
    if output is OutputFormat.JSON:
        print_json(report.to_dict())
    else:
        _warn(report.warnings)
        if report.mismatches:
            print_table(
                f"{plural(len(report.mismatches), 'date')} differ",
                ["UID", "task", "field", "in the file", "Interloom"],
                [(m.uid, m.name, m.field, m.file, m.ours) for m in report.mismatches],
            )
        else:
            console.print(
                f"all {plural(report.tasks, 'task')} agree with Interloom's schedule",
                highlight=False,
            )
    if report.mismatches:
        raise typer.Exit(1)
