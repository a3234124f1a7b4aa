"""``contracts``: what a contract file holds, as Interloom reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from interloom.cli.output import OutputFormat, OutputOption, console, print_json, print_table
from interloom.services.contracts import inspect_contract

contracts_app = typer.Typer(help="Contracts: import and inspect them.", no_args_is_help=True)


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
