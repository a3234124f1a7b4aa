"""The ``interloom`` command: global options, command groups, and error reporting."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from interloom import __version__
from interloom.cli import (
    catalog,
    connectors,
    contract_impact,  # noqa: F401  (adds contracts impact)
    contracts,
    dlq,
    flow_recording,
    flow_testing,
    flows,
    landscape,
    plan,
    plan_interchange,  # noqa: F401  (adds plan import, export and check)
    plan_management,
    project,
    readiness,
    server,
    traffic,
)
from interloom.cli.context import CliState
from interloom.cli.output import OutputFormat, fail
from interloom.core.errors import InterloomError
from interloom.observability.logging import LogFormat, configure_logging

app = typer.Typer(
    name="interloom",
    help="Deliver integrations between business systems: flows, contracts, plan — one model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"interloom {__version__}")
        raise typer.Exit


@app.callback()
def main(
    ctx: typer.Context,
    project_dir: Annotated[
        Path | None,
        typer.Option(
            "--project",
            "-p",
            envvar="INTERLOOM_PROJECT",
            help="Project directory (default: the current one).",
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(envvar="INTERLOOM_DATABASE_URL", help="Override the project's database URL."),
    ] = None,
    log_format: Annotated[
        LogFormat, typer.Option(help="console for people, json (ECS) for ELK and Loki.")
    ] = LogFormat.CONSOLE,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "warning",
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Interloom."""
    configure_logging(log_format, log_level)
    ctx.obj = CliState(
        project=project_dir,
        database_url=database_url,
        log_format=log_format.value,
        log_level=log_level,
    )


app.add_typer(project.app)
app.add_typer(server.app)
app.add_typer(catalog.systems_app, name="systems")
app.add_typer(catalog.interfaces_app, name="interfaces")
app.add_typer(landscape.catalog_app, name="catalog")
app.add_typer(readiness.app)
app.add_typer(contracts.contracts_app, name="contracts")
app.add_typer(traffic.app)
app.add_typer(plan.plan_app, name="plan")
app.add_typer(plan_management.risks_app, name="risks")
app.add_typer(plan_management.changes_app, name="changes")
app.add_typer(plan_management.report_app, name="report")
app.add_typer(connectors.connectors_app, name="connectors")
app.add_typer(dlq.dlq_app, name="dlq")
app.add_typer(flows.flows_app, name="flows")
app.add_typer(flow_testing.app)
app.add_typer(flow_recording.app)


def _output_of(argv: list[str]) -> OutputFormat:
    for index, arg in enumerate(argv):
        if arg in ("--output", "-o") and index + 1 < len(argv):
            return OutputFormat.JSON if argv[index + 1].lower() == "json" else OutputFormat.TEXT
        if arg.startswith("--output="):
            return (
                OutputFormat.JSON if arg.split("=", 1)[1].lower() == "json" else OutputFormat.TEXT
            )
    return OutputFormat.TEXT


def run() -> None:
    """Entry point of the console script: errors are reported, never shown as tracebacks."""
    try:
        app(standalone_mode=True)
    except InterloomError as error:
        fail(error, _output_of(sys.argv[1:]))
