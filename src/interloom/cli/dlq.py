"""``dlq``: the dead-letter queue — list, show, replay and discard, one by one or in bulk."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape

from interloom.cli.output import (
    OutputFormat,
    OutputOption,
    console,
    plural,
    print_json,
    print_table,
)
from interloom.services import dead_letters

dlq_app = typer.Typer(
    help="Messages that ran out of tries: inspect, replay, discard.", no_args_is_help=True
)

Ids = Annotated[list[str] | None, typer.Argument(metavar="[ID]...", help="Message ids.")]
FlowOption = Annotated[str | None, typer.Option("--flow", help="Of this flow.")]
StepOption = Annotated[str | None, typer.Option("--step", help="Failed in this step or sink.")]
ErrorOption = Annotated[str | None, typer.Option("--error", help="The error contains this.")]
SinceOption = Annotated[
    dt.datetime | None, typer.Option("--since", help="Failed at or after (ISO 8601).")
]
UntilOption = Annotated[dt.datetime | None, typer.Option("--until", help="Failed before.")]
AllOption = Annotated[bool, typer.Option("--all", help="Every dead letter.")]
ACTOR = "cli"


def _selection(**fields: Any) -> dead_letters.DeadLetterFilter:
    return dead_letters.selection_of(**fields)


@dlq_app.command("list")
def list_dead(
    ctx: typer.Context,
    flow: FlowOption = None,
    step: StepOption = None,
    error: ErrorOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """List dead letters, oldest first."""
    selection = _selection(flow=flow, step=step, error=error, since=since, until=until, all=True)
    page = ctx.obj.with_workspace(
        lambda ws: dead_letters.list_dead_letters(ws, selection, limit=limit, offset=offset)
    )
    if output is OutputFormat.JSON:
        print_json(page)
        return
    print_table(
        f"{plural(page.total, 'dead letter')}",
        ["id", "flow", "step", "tries", "failed at", "error"],
        [
            (x.id, x.flow, x.step, x.attempts, f"{x.failed_at:%Y-%m-%d %H:%M:%S}", x.error[:80])
            for x in page.items
        ],
    )


@dlq_app.command("show")
def show_dead(
    ctx: typer.Context,
    message_id: Annotated[str, typer.Argument(metavar="ID", help="Message id.")],
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Show one dead letter: its body, its error and every try."""
    letter = ctx.obj.with_workspace(lambda ws: dead_letters.get_dead_letter(ws, message_id))
    if output is OutputFormat.JSON:
        print_json(letter)
        return
    console.print(f"[bold]{escape(letter.id)}[/] (flow {escape(letter.flow)})", highlight=False)
    console.print(f"failed in: {escape(letter.step or '?')} after {letter.attempts} tries")
    console.print(f"error: {escape(letter.error)}", highlight=False)
    print_table(
        "tries",
        ["at", "step", "error"],
        [(f"{f.at:%Y-%m-%d %H:%M:%S}", f.step, f.error) for f in letter.history],
    )
    body = orjson.dumps(letter.body, option=orjson.OPT_INDENT_2).decode()
    console.print(escape(body), highlight=False)


def _bulk(ctx: typer.Context, action: str, output: OutputFormat, **fields: Any) -> None:
    selection = _selection(**fields)
    run = (
        dead_letters.replay_dead_letters
        if action == "replay"
        else dead_letters.discard_dead_letters
    )
    result = ctx.obj.with_workspace(lambda ws: run(ws, selection, actor=ACTOR))
    if output is OutputFormat.JSON:
        print_json(result)
        return
    done = "replayed" if action == "replay" else "discarded"
    console.print(f"{plural(result.count, 'dead letter')} {done}", highlight=False)


@dlq_app.command("replay")
def replay_dead(
    ctx: typer.Context,
    ids: Ids = None,
    flow: FlowOption = None,
    step: StepOption = None,
    error: ErrorOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    every: AllOption = False,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Put dead letters back in the queue (by ids or filter); their tries start again."""
    _bulk(
        ctx,
        "replay",
        output,
        ids=ids or None,
        flow=flow,
        step=step,
        error=error,
        since=since,
        until=until,
        all=every,
    )


@dlq_app.command("discard")
def discard_dead(
    ctx: typer.Context,
    ids: Ids = None,
    flow: FlowOption = None,
    step: StepOption = None,
    error: ErrorOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    every: AllOption = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Delete dead letters for good (by ids or filter); asks first unless --yes."""
    if not yes and not typer.confirm("Discard the selected dead letters for good?"):
        raise typer.Exit(1)
    _bulk(
        ctx,
        "discard",
        output,
        ids=ids or None,
        flow=flow,
        step=step,
        error=error,
        since=since,
        until=until,
        all=every,
    )
