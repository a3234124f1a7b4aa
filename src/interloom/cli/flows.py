"""``flows``: the project's flows — their field lineage, and pausing or resuming them."""

from __future__ import annotations

from typing import Annotated

import typer

from interloom.cli.output import OutputFormat, OutputOption, console, print_json, print_table
from interloom.services import flow_control
from interloom.services.flow_lineage import FlowLineage, lineage_of
from interloom.services.workspace import Workspace

flows_app = typer.Typer(help="The flows: lineage, pause, resume.", no_args_is_help=True)

FlowId = Annotated[str, typer.Argument(metavar="FLOW", help="Flow id.")]
Reason = Annotated[str | None, typer.Option("--reason", help="Why (kept in the audit log).")]
ACTOR = "cli"


@flows_app.command("lineage")
def lineage(
    ctx: typer.Context,
    flow_id: FlowId,
    per_step: Annotated[bool, typer.Option("--steps", help="Each step's own lineage.")] = False,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Each output field and the input fields it comes from."""

    async def run(ws: Workspace) -> FlowLineage:
        return lineage_of(ws.project, flow_id)

    result = ctx.obj.with_workspace(run)
    if output is OutputFormat.JSON:
        print_json(result)
        return
    if per_step:
        for step in result.steps:
            print_table(
                f"step {step.step} ({step.kind})",
                ["field", "from"],
                [
                    (target, ", ".join(sources) or "(a literal)")
                    for target, sources in step.fields.items()
                ],
            )
    print_table(
        f"flow {result.flow} v{result.version}: output field ← source fields",
        ["output field", "source fields"],
        [(target, ", ".join(s) or "(a literal)") for target, s in result.end_to_end.items()],
    )
    if result.passes_through:
        console.print("Fields no step writes reach the sinks as they came in.", highlight=False)


@flows_app.command("pause")
def pause(ctx: typer.Context, flow_id: FlowId, reason: Reason = None) -> None:
    """Pause a flow in every server of the project (its sources refuse, workers wait)."""
    ctx.obj.with_workspace(
        lambda ws: flow_control.pause_flow(ws, flow_id, actor=ACTOR, reason=reason)
    )
    console.print(f"flow {flow_id} paused", highlight=False)


@flows_app.command("resume")
def resume(ctx: typer.Context, flow_id: FlowId, reason: Reason = None) -> None:
    """Resume a paused flow."""
    ctx.obj.with_workspace(
        lambda ws: flow_control.resume_flow(ws, flow_id, actor=ACTOR, reason=reason)
    )
    console.print(f"flow {flow_id} resumed", highlight=False)


@flows_app.command("paused")
def paused(ctx: typer.Context, output: OutputOption = OutputFormat.TEXT) -> None:
    """The flows paused now, with the reason given."""
    result = ctx.obj.with_workspace(flow_control.paused_flows)
    if output is OutputFormat.JSON:
        print_json(result)
        return
    print_table(None, ["flow", "reason"], sorted(result.items()))
