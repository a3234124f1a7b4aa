"""``interloom record`` and ``interloom replay``: real inputs of a flow, run again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from interloom.cli.output import (
    OutputFormat,
    OutputOption,
    console,
    err_console,
    plural,
    print_json,
    print_table,
)
from interloom.services.flow_recording import (
    SERVER_URL_ENV_VAR,
    RecordingClient,
    RecordingStatus,
)
from interloom.services.flow_replay import ReplayReport, load_fakes, replay_recording_sync

app = typer.Typer()

DEFAULT_SERVER = "http://127.0.0.1:8000"
_SHOWN_MESSAGES = 50


def _file_for_server(file: Path | None, root: Path) -> str | None:
    """The file as the server (serving ``root``) should read its name: relative to it."""
    if file is None:
        return None
    absolute = file.expanduser().resolve()
    if absolute.is_relative_to(root.resolve()):
        return absolute.relative_to(root.resolve()).as_posix()
    return str(absolute)


@app.command("record")
def record(
    ctx: typer.Context,
    flow: Annotated[str, typer.Argument(help="The flow whose inputs to record.")],
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file",
            "-f",
            help="The recording (JSON Lines), inside the project directory; default "
            ".interloom/recordings/FLOW-TIME.jsonl.",
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many inputs (default: Ctrl-C).")
    ] = None,
    server: Annotated[
        str, typer.Option(envvar=SERVER_URL_ENV_VAR, help="The running Interloom server.")
    ] = DEFAULT_SERVER,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Record the real inputs a running flow receives, until --limit or Ctrl-C."""
    file = _file_for_server(output_file, ctx.obj.root)
    with RecordingClient(server) as client:
        status = client.start(flow, file, limit)
        if output is OutputFormat.TEXT:
            console.print(
                f"recording the inputs of flow [bold]{escape(flow)}[/] to "
                f"{escape(status.file or '')} (Ctrl-C to stop)",
                highlight=False,
            )
        try:
            with _recording_progress(limit, output is OutputFormat.TEXT) as show:
                status = client.wait(flow, on_status=show)
        except KeyboardInterrupt:
            status = client.stop(flow)
    if output is OutputFormat.JSON:
        print_json(status)
        return
    console.print(
        f"recorded {plural(status.recorded, 'input')} of flow {escape(flow)} to "
        f"{escape(status.file or '')}",
        highlight=False,
    )


@contextmanager
def _recording_progress(limit: int | None, enabled: bool) -> Iterator[Any]:
    if not enabled or not err_console.is_terminal:
        yield None
        return
    columns: list[Any] = [SpinnerColumn(), TextColumn("recording")]
    if limit is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    else:
        columns += [TextColumn("{task.completed} inputs")]
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task("", total=limit)

        def show(status: RecordingStatus) -> None:
            progress.update(task, completed=status.recorded)

        yield show


@contextmanager
def _replay_progress(enabled: bool) -> Iterator[Any]:
    if not enabled or not err_console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _print_replay(report: ReplayReport) -> None:
    console.print(
        f"flow [bold]{escape(report.flow)}[/]: version {report.old_version} "
        f"({escape(report.against)}) against version {report.new_version} (the working tree)",
        highlight=False,
    )
    for comparison in report.comparisons[:_SHOWN_MESSAGES]:
        line = comparison["line"]
        where = f"line {line}" if line else "groups emitted at the end"
        head = f"\n[bold]{where}[/]"
        if comparison["old_status"] != comparison["new_status"]:
            head += f"  status {comparison['old_status']} → {comparison['new_status']}"
        console.print(head, highlight=False)
        for difference in comparison["differences"]:
            old = _shown(difference["old"]) if "old" in difference else "(absent)"
            new = _shown(difference["new"]) if "new" in difference else "(absent)"
            console.print(
                f"  {escape(difference['pointer'] or '/')}  [red]{escape(old)}[/] → "
                f"[green]{escape(new)}[/]",
                highlight=False,
            )
    hidden = len(report.comparisons) - _SHOWN_MESSAGES
    if hidden > 0:
        console.print(f"\n… and {plural(hidden, 'more message')} (see --output json)")
    if report.places:
        console.print()
        print_table(
            "where they differ",
            ["pointer", "messages"],
            [(p["pointer"] or "/", p["messages"]) for p in report.places[:20]],
        )
    colour = "green" if report.ok else "red"
    skipped = f", {report.skipped} of other flows skipped" if report.skipped else ""
    console.print(
        f"\n[bold {colour}]{plural(report.messages, 'message')}: {report.same} the same, "
        f"{report.different} different[/]{skipped}",
        highlight=False,
    )


@app.command("replay")
def replay(
    ctx: typer.Context,
    recording: Annotated[
        Path, typer.Argument(help="A recording (interloom record, or observe --record).")
    ],
    against: Annotated[
        str,
        typer.Option(
            "--against",
            help="The other version: a flow file, or git:REV (the flow's file at revision REV).",
        ),
    ],
    flow: Annotated[
        str | None,
        typer.Option(help="The flow (default: the one the recording names)."),
    ] = None,
    fakes: Annotated[
        Path | None,
        typer.Option(
            help="YAML or JSON: sink or step id -> answer(s), as under fakes in a test file."
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(help="A JSON pointer to leave out, e.g. /outputs/*/sentAt (repeatable)."),
    ] = None,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Run recorded inputs through the current flow and another version; show what differs."""
    answers = load_fakes(fakes) if fakes is not None else None
    other = against
    if not against.startswith("git:"):
        other = str(Path(against).expanduser().resolve())
    with _replay_progress(output is OutputFormat.TEXT) as advance:
        report = replay_recording_sync(
            ctx.obj.root,
            recording,
            other,
            flow=flow,
            fakes=answers,
            ignore=list(ignore or ()),
            on_message=advance,
        )
    if output is OutputFormat.JSON:
        print_json({"ok": report.ok, **report.model_dump(mode="json")})
    else:
        _print_replay(report)
    if not report.ok:
        raise typer.Exit(1)
