"""``systems`` and ``interfaces``: the landscape of the project."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from interloom.cli.output import OutputFormat, OutputOption, console, print_json, print_table
from interloom.core.catalog import InterfaceStyle, Lifecycle
from interloom.services import catalog

systems_app = typer.Typer(help="The systems of the project.", no_args_is_help=True)
interfaces_app = typer.Typer(help="The interfaces the systems expose.", no_args_is_help=True)


@systems_app.command("list")
def list_systems(ctx: typer.Context, output: OutputOption = OutputFormat.TEXT) -> None:
    """List the systems."""
    systems = ctx.obj.with_workspace(catalog.list_systems)
    if output is OutputFormat.JSON:
        print_json(systems)
        return
    print_table(
        None,
        ["id", "name", "kind", "owner", "auth", "interfaces", "environments"],
        [
            (
                s.id,
                s.name,
                s.kind,
                s.owner.team,
                s.auth,
                s.interface_count,
                ", ".join(s.environments),
            )
            for s in systems
        ],
    )


@systems_app.command("show")
def show_system(
    ctx: typer.Context,
    system_id: Annotated[str, typer.Argument(metavar="ID", help="System id.")],
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Show one system with its interfaces."""
    detail = ctx.obj.with_workspace(lambda ws: catalog.get_system(ws, system_id))
    if output is OutputFormat.JSON:
        print_json(detail)
        return
    console.print(f"[bold]{escape(detail.name)}[/] ({detail.ref}, {detail.kind})", highlight=False)
    if detail.description:
        console.print(escape(detail.description), highlight=False)
    owner = ", ".join(x for x in (detail.owner.team, detail.owner.person, detail.owner.email) if x)
    console.print(f"owner: {escape(owner)}", highlight=False)
    auth = f"{detail.auth}" + (f" — {detail.auth_description}" if detail.auth_description else "")
    console.print(f"auth: {escape(auth)}", highlight=False)
    for env, url in detail.base_urls.items():
        console.print(f"  {env}: {escape(url)}", highlight=False)
    if detail.consumes:
        console.print(f"consumes: {', '.join(detail.consumes)}", highlight=False)
    _interface_table(detail.interfaces)


def _interface_table(interfaces: list[catalog.InterfaceView]) -> None:
    print_table(
        None,
        ["interface", "name", "style", "lifecycle", "operation", "contract"],
        [
            (
                i.ref.removeprefix("interface:"),
                i.name,
                i.style,
                i.lifecycle,
                i.operation,
                i.contract,
            )
            for i in interfaces
        ],
    )


@interfaces_app.command("list")
def list_interfaces(
    ctx: typer.Context,
    system: Annotated[str | None, typer.Option(help="Only this system's.")] = None,
    style: Annotated[InterfaceStyle | None, typer.Option(help="Only this style.")] = None,
    lifecycle: Annotated[Lifecycle | None, typer.Option(help="Only in this state.")] = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """List interfaces, optionally filtered."""
    found = ctx.obj.with_workspace(
        lambda ws: catalog.list_interfaces(ws, system=system, style=style, lifecycle=lifecycle)
    )
    if output is OutputFormat.JSON:
        print_json(found)
        return
    _interface_table(found)


@interfaces_app.command("show")
def show_interface(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="SYSTEM.ID", help="e.g. crm.customers.get")],
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Show one interface."""
    view = ctx.obj.with_workspace(lambda ws: catalog.get_interface(ws, ref))
    if output is OutputFormat.JSON:
        print_json(view)
        return
    for label, value in view.model_dump().items():
        if isinstance(value, dict):  # the owner: team, person, email
            value = [str(v) for v in value.values() if v]
        shown = ", ".join(value) if isinstance(value, list) else value
        console.print(f"[bold]{label}[/]: {escape(str(shown))}", highlight=False)


@interfaces_app.command("set-lifecycle")
def set_lifecycle(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="SYSTEM.ID")],
    lifecycle: Annotated[Lifecycle, typer.Argument(help="The new state.")],
    actor: Annotated[str, typer.Option(help="Who makes the change (audit log).")] = "cli",
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Record a new lifecycle state for an interface (audited)."""
    view = ctx.obj.with_workspace(
        lambda ws: catalog.set_interface_lifecycle(ws, ref, lifecycle, actor=actor)
    )
    if output is OutputFormat.JSON:
        print_json(view)
        return
    console.print(f"{view.ref}: lifecycle is now [bold]{view.lifecycle}[/]", highlight=False)
