"""Commands on the project directory: ``init``, ``validate``, ``schema``, ``openapi``."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from interloom.api.app import openapi_document
from interloom.cli.output import (
    OutputFormat,
    OutputOption,
    console,
    err_console,
    plural,
    print_json,
)
from interloom.core.problems import Severity
from interloom.formats.project_files import FileKind
from interloom.services.error_catalog import error_catalog_markdown
from interloom.services.project import load_project, resolve_project_dir
from interloom.services.scaffold import init_project
from interloom.services.schemas import file_kind_schema

app = typer.Typer()


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create the project.")],
    name: Annotated[
        str | None, typer.Option(help="Project id; default: the directory's name.")
    ] = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Create a project directory that validates and serves as it is."""
    written = init_project(directory, name=name)
    if output is OutputFormat.JSON:
        print_json({"project": str(directory), "files": [str(p) for p in written]})
        return
    for path in written:
        console.print(f"  created {escape(str(path))}", highlight=False)
    shown = escape(shlex.quote(str(directory)))
    console.print(
        f"Project ready. Next: [bold]interloom validate {shown}[/] and "
        f"[bold]interloom --project {shown} serve[/]"
    )


@app.command()
def validate(
    ctx: typer.Context,
    directory: Annotated[
        Path | None, typer.Argument(help="Project directory; default: --project, else here.")
    ] = None,
    output: OutputOption = OutputFormat.TEXT,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
) -> None:
    """Check every file and reference of a project; report every problem at once."""
    root = resolve_project_dir(directory or ctx.obj.project)
    result = load_project(root)
    errors = len(result.errors)
    warnings = len(result.problems) - errors
    failed = errors > 0 or (strict and warnings > 0)
    if output is OutputFormat.JSON:
        print_json(
            {
                "project": str(root),
                "valid": not failed,
                "errors": errors,
                "warnings": warnings,
                "problems": result.problems,
            }
        )
    else:
        display = _display_root(root)
        for problem in result.problems:
            colour = "red" if problem.severity is Severity.ERROR else "yellow"
            shown = problem.model_copy(update={"file": f"{display}{problem.file or ''}"})
            err_console.print(f"[{colour}]{escape(shown.render())}[/]", highlight=False)
        summary = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
        if failed:
            err_console.print(f"[bold red]✗[/] {escape(str(root))}: {summary}", highlight=False)
        else:
            project = result.project
            counts = ", ".join(
                (
                    plural(len(project.systems), "system"),
                    plural(sum(1 for _ in project.interfaces()), "interface"),
                    plural(len(project.flows), "flow"),
                )
            )
            console.print(
                f"[bold green]✓[/] {escape(str(root))}: {counts}; {summary}", highlight=False
            )
    if failed:
        raise typer.Exit(1)


def _display_root(root: Path) -> str:
    """The project directory as a prefix that makes problem paths clickable from here."""
    try:
        relative = root.relative_to(Path.cwd())
    except ValueError:
        return f"{root}/"
    return "" if str(relative) == "." else f"{relative.as_posix()}/"


@app.command()
def schema(
    kind: Annotated[
        FileKind | None, typer.Argument(help="File kind: project, system, flow or plan.")
    ] = None,
    all_kinds: Annotated[bool, typer.Option("--all", help="Every file kind.")] = False,
    write: Annotated[
        Path | None, typer.Option(help="Write KIND.schema.json files into this directory.")
    ] = None,
) -> None:
    """Print the JSON Schema of a project file kind (for editors' autocompletion)."""
    kinds = list(FileKind) if all_kinds or (kind is None and write) else [kind] if kind else []
    if not kinds:
        raise typer.BadParameter("name a file kind, or pass --all", param_hint="KIND")
    if write is None:
        if len(kinds) > 1:
            print_json({k.value: file_kind_schema(k) for k in kinds})
        else:
            print_json(file_kind_schema(kinds[0]))
        return
    write.mkdir(parents=True, exist_ok=True)
    for k in kinds:
        target = write / f"{k.value}.schema.json"
        target.write_text(json.dumps(file_kind_schema(k), indent=2) + "\n", "utf-8")
        console.print(f"  wrote {escape(str(target))}", highlight=False)


@app.command()
def openapi(
    write: Annotated[Path | None, typer.Option(help="Write the document to this file.")] = None,
) -> None:
    """Print the management API's OpenAPI document."""
    document = openapi_document()
    if write is None:
        print_json(document)
        return
    write.parent.mkdir(parents=True, exist_ok=True)
    write.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    console.print(f"  wrote {escape(str(write))}", highlight=False)


@app.command()
def errors(
    write: Annotated[Path | None, typer.Option(help="Write the catalogue to this file.")] = None,
) -> None:
    """Print the catalogue of error and problem codes (Markdown)."""
    text = error_catalog_markdown()
    if write is None:
        console.print(text, markup=False, highlight=False)
        return
    write.write_text(text, "utf-8")
    console.print(f"  wrote {escape(str(write))}", highlight=False)
