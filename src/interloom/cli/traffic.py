"""Traffic commands: ``contracts infer``, ``contracts drift`` and ``observe``."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from interloom.cli.contracts import contracts_app
from interloom.cli.output import (
    OutputFormat,
    OutputOption,
    console,
    err_console,
    plural,
    print_json,
    print_table,
)
from interloom.core.contracts.drift import DriftKind, DriftReport
from interloom.core.contracts.traffic import Exchange
from interloom.formats.traffic.drift_markdown import drift_markdown, finding_place
from interloom.services.observe import (
    ObserveSettings,
    ObserveSummary,
    TrafficObserver,
    observe_until,
)
from interloom.services.traffic import (
    Advance,
    drift_from_traffic,
    infer_contract_from_traffic,
    traffic_size,
)

app = typer.Typer()

PROGRESS_THRESHOLD = 1024 * 1024
"""Inputs from this many bytes on show a progress bar (on a terminal)."""

TrafficArgument = Annotated[
    list[Path],
    typer.Argument(metavar="TRAFFIC...", help="HAR files (.har) or Interloom recordings (.jsonl)."),
]


class ReportFormat(StrEnum):
    """How ``contracts drift`` prints its report."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


@contextmanager
def _progress(total: int, label: str) -> Iterator[Advance | None]:
    """A progress bar on stderr over ``total`` bytes, when they are many and stderr a terminal."""
    if total < PROGRESS_THRESHOLD or not err_console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


@contracts_app.command("infer")
def infer(
    traffic: TrafficArgument,
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file", "-f", help="Write the OpenAPI 3.1 YAML here (default: stdout)."
        ),
    ] = None,
    title: Annotated[str | None, typer.Option(help="The contract's title.")] = None,
    path: Annotated[
        list[str] | None,
        typer.Option(
            "--path",
            help="A path template to use where it matches, e.g. /customers/{key} (repeatable).",
        ),
    ] = None,
    base_path: Annotated[
        str | None,
        typer.Option(help="Leave out this prefix (e.g. /api/v1): it goes to the server URL."),
    ] = None,
    min_variants: Annotated[
        int,
        typer.Option(
            min=2, help="Distinct words at one position under a collection that make a parameter."
        ),
    ] = 3,
    examples: Annotated[
        bool, typer.Option(help="Keep the first body of each kind as an example (may hold data).")
    ] = False,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Infer a draft OpenAPI 3.1 contract from recorded traffic."""
    with _progress(traffic_size(traffic), "inferring") as advance:
        result = infer_contract_from_traffic(
            traffic,
            title=title,
            templates=path or (),
            base_path=base_path,
            min_variants=min_variants,
            examples=examples,
            output_file=output_file,
            advance=advance,
        )
    if output is OutputFormat.JSON:
        print_json(result.summary(with_document=output_file is None))
        return
    if output_file is None:
        sys.stdout.write(result.yaml)
        sys.stdout.flush()
        return
    inference = result.inference
    console.print(
        f"Wrote [bold]{escape(str(output_file))}[/]: "
        f"{plural(len(inference.operations), 'operation')} on "
        f"{plural(len(inference.contract.paths), 'path')} from "
        f"{plural(inference.exchanges, 'exchange')}"
        + (f" ({inference.skipped} left out)" if inference.skipped else ""),
        highlight=False,
    )
    print_table(
        None,
        ["operation", "method", "path", "calls", "statuses"],
        [
            (op.id, op.method, op.path, op.calls, " ".join(str(s) for s in op.statuses))
            for op in inference.operations
        ],
    )


@contracts_app.command("drift")
def drift(
    contract: Annotated[Path, typer.Argument(help="The documented contract (OpenAPI, Swagger…).")],
    traffic: TrafficArgument,
    output: Annotated[
        ReportFormat,
        typer.Option("--output", "-o", help="text, json or markdown.", case_sensitive=False),
    ] = ReportFormat.TEXT,
    fail_on_drift: Annotated[
        bool, typer.Option(help="Exit 1 when the traffic departs from the contract.")
    ] = False,
    ignore: Annotated[
        list[DriftKind] | None,
        typer.Option(
            metavar="KIND",
            help="Leave out findings of this kind (repeatable): "
            + ", ".join(kind.value for kind in DriftKind)
            + ".",
            case_sensitive=False,
        ),
    ] = None,
    root: Annotated[
        Path | None,
        typer.Option(help="Files the contract references must lie under this directory."),
    ] = None,
) -> None:
    """Compare recorded traffic with a contract: what it does that the contract does not say."""
    with _progress(traffic_size(traffic), "comparing") as advance:
        report = drift_from_traffic(
            contract, traffic, root=root, ignore=ignore or (), advance=advance
        )
    if output is ReportFormat.JSON:
        print_json(
            {**report.model_dump(mode="json"), "counts": report.counts(), "drift": report.has_drift}
        )
    elif output is ReportFormat.MARKDOWN:
        sys.stdout.write(drift_markdown(report))
        sys.stdout.flush()
    else:
        print_drift(report)
    if fail_on_drift and report.has_drift:
        raise typer.Exit(1)


def print_drift(report: DriftReport) -> None:
    """The drift report: two lines per finding (what and where; why and an example), then a
    summary line. Lines never wrap, so they stay greppable in CI logs."""
    for finding in report.findings:
        colour = "yellow" if finding.category == "coverage" else "red"
        place = finding_place(finding)
        count = f" ×{finding.count}" if finding.count else ""
        console.print(
            f"[{colour}]{finding.kind.value}[/] {escape(finding.operation_label)}"
            + (f" {escape(place)}" if place else "")
            + count,
            highlight=False,
        )
        example = f" (e.g. {escape(finding.example)})" if finding.example else ""
        console.print(f"    {escape(finding.message)}{example}", highlight=False)
    drift = [f for f in report.findings if f.category == "drift"]
    unused = len(report.findings) - len(drift)
    verdict = (
        f"[bold red]{plural(len(drift), 'finding')} of drift[/] "
        f"({plural(sum(f.count for f in drift), 'occurrence')})"
        if drift
        else "[bold green]no drift[/]"
    )
    console.print(
        f"{plural(report.exchanges, 'exchange')}, {report.matched} matched "
        f"{report.operations_seen} of "
        f"{plural(report.documented_operations, 'documented operation')} ({unused} unused): "
        f"{verdict}",
        highlight=False,
    )


@app.command("observe")
def observe(
    upstream: Annotated[
        str, typer.Option(help="The base URL to forward to, e.g. http://127.0.0.1:9202.")
    ],
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free).")
    ] = 8080,
    host: Annotated[
        str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it on this machine.")
    ] = "127.0.0.1",
    record: Annotated[
        Path | None, typer.Option(help="Append every exchange to this recording (.jsonl).")
    ] = None,
    contract: Annotated[
        Path | None, typer.Option(help="Compare the traffic with this contract when stopped.")
    ] = None,
    max_body: Annotated[
        int, typer.Option(min=0, help="Record at most this many bytes of each body.")
    ] = 1024 * 1024,
    quiet: Annotated[bool, typer.Option(help="Do not print a line per exchange.")] = False,
    output: OutputOption = OutputFormat.TEXT,
) -> None:
    """Proxy to an upstream and record the traffic; Ctrl-C prints what was seen."""
    settings = ObserveSettings(
        upstream=upstream, host=host, port=port, record=record, contract=contract, max_body=max_body
    )
    text = output is OutputFormat.TEXT

    def ready(observer: TrafficObserver) -> None:
        where = f", recording to {escape(str(record))}" if record else ""
        err_console.print(
            f"Observing [bold]{observer.url}[/] → {escape(upstream)}{where}. Ctrl-C to stop.",
            highlight=False,
        )

    def seen(exchange: Exchange) -> None:
        if text and not quiet:
            took = f" {exchange.duration_ms:.0f} ms" if exchange.duration_ms is not None else ""
            console.print(escape(exchange.describe()) + took, highlight=False)

    summary = asyncio.run(_observe(settings, ready, seen))
    if output is OutputFormat.JSON:
        print_json(summary.to_dict())
        return
    _print_summary(summary)


async def _observe(
    settings: ObserveSettings,
    ready: Callable[[TrafficObserver], None],
    seen: Callable[[Exchange], None],
) -> ObserveSummary:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):  # not on every platform
            loop.add_signal_handler(sig, stop.set)
    try:
        return await observe_until(settings, stop, on_ready=ready, on_exchange=seen)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def _print_summary(summary: ObserveSummary) -> None:
    errors = f", {summary.upstream_errors} upstream errors" if summary.upstream_errors else ""
    console.print(
        f"\n{plural(summary.exchanges, 'exchange')} forwarded to {escape(summary.upstream)}"
        f"{errors}; {plural(len(summary.operations), 'operation')} seen"
        + (f"; recorded in {escape(str(summary.record))}" if summary.record else ""),
        highlight=False,
    )
    if summary.operations:
        print_table(
            None,
            ["method", "path", "count", "statuses"],
            [
                (o.method, o.path, o.count, " ".join(str(s) for s in o.statuses))
                for o in summary.operations
            ],
        )
    if summary.drift is not None:
        print_drift(summary.drift)
