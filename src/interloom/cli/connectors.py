"""``connectors``: the sources and sinks a flow can use, and how to configure each."""

from __future__ import annotations

import io
import json
from typing import Annotated

import typer
from rich.markup import escape
from ruamel.yaml import YAML

from interloom.cli.output import (
    OutputFormat,
    OutputOption,
    console,
    err_console,
    print_json,
    print_table,
)
from interloom.services import connectors

connectors_app = typer.Typer(
    help="The connectors flows read from and write to.", no_args_is_help=True
)


@connectors_app.command("list")
def list_connectors(output: OutputOption = OutputFormat.TEXT) -> None:
    """List the installed connectors (built-in and from packages)."""
    found = connectors.list_connectors()
    problems = connectors.connector_problems()
    if output is OutputFormat.JSON:
        print_json(found)
    else:
        print_table(
            None,
            ["name", "kind", "origin", "description"],
            [(c.name, ", ".join(k.value for k in c.kinds), c.origin, c.summary) for c in found],
        )
    for problem in problems:
        err_console.print(
            f"[yellow]warning[/] {escape(problem.origin)}: {escape(problem.message)}",
            highlight=False,
        )


def _yaml(data: object) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue().rstrip()


def _default(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "":
        return "''"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


@connectors_app.command("describe")
def describe_connector(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Connector name, e.g. sql.")],
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Show a connector: what it does, what it guarantees, its settings and examples."""
    detail = connectors.describe_connector(name)
    if output is OutputFormat.JSON:
        print_json(detail)
        return
    for index, role in enumerate(detail.roles):
        if index:
            console.print()
        console.print(
            f"[bold]{escape(detail.name)}[/] — {role.kind.value} ({escape(detail.origin)})",
            highlight=False,
        )
        console.print(escape(role.description), highlight=False)
        console.print(f"[bold]guarantees[/]: {escape(role.guarantees)}", highlight=False)
        print_table(
            None,
            ["setting", "type", "required", "default", "description"],
            [
                (
                    f.name,
                    f.type,
                    "yes" if f.required else "",
                    _default(f.default),
                    f.description or "",
                )
                for f in role.fields
            ],
        )
        for number, example in enumerate(role.examples, start=1):
            console.print(f"[bold]example {number}[/]:", highlight=False)
            block = {"connector": detail.name, "config": example}
            console.print(escape(_yaml(block)), highlight=False)
