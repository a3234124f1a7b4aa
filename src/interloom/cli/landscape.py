"""``catalog graph``: the landscape as JSON, Graphviz DOT or SVG."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.markup import escape

from interloom.cli.output import console, err_console, plural, to_data
from interloom.core.landscape import Landscape, NodeKind
from interloom.services.landscape import (
    GraphFormat,
    current_landscape,
    declared_landscape,
    dot_text,
    render_svg,
)

catalog_app = typer.Typer(
    help="The landscape: systems, interfaces, flows and who consumes what.", no_args_is_help=True
)


def _graph_text(landscape: Landscape, graph_format: GraphFormat) -> str:
    if graph_format is GraphFormat.JSON:
        return orjson.dumps(to_data(landscape), option=orjson.OPT_INDENT_2).decode() + "\n"
    dot = dot_text(landscape)
    if graph_format is GraphFormat.DOT:
        return dot
    if err_console.is_terminal:
        with err_console.status("drawing the landscape with Graphviz dot…"):
            return render_svg(dot)
    return render_svg(dot)


@catalog_app.command("graph")
def graph(
    ctx: typer.Context,
    graph_format: Annotated[
        GraphFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="json (nodes and edges), dot (Graphviz) or svg (drawn by Graphviz dot).",
        ),
    ] = GraphFormat.JSON,
    output_file: Annotated[
        Path | None, typer.Option("--output-file", help="Write here instead of to stdout.")
    ] = None,
    declared: Annotated[
        bool,
        typer.Option(
            help="Lifecycle states as the files declare them, without the database "
            "(for generated docs); default: the states now."
        ),
    ] = False,
) -> None:
    """Draw the landscape: systems with their interfaces, flows, and consumers."""
    if declared:
        landscape = declared_landscape(ctx.obj.root)
    else:
        landscape = ctx.obj.with_workspace(current_landscape)
    text = _graph_text(landscape, graph_format)
    if output_file is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output_file.parent.mkdir(parents=True, exist_ok=True)
    output_file.write_text(text, "utf-8")
    counts = ", ".join(
        (
            plural(len(landscape.nodes_of(NodeKind.SYSTEM)), "system"),
            plural(len(landscape.nodes_of(NodeKind.INTERFACE)), "interface"),
            plural(len(landscape.nodes_of(NodeKind.FLOW)), "flow"),
            plural(len(landscape.edges), "edge"),
        )
    )
    console.print(f"  wrote {escape(str(output_file))} ({counts})", highlight=False)
