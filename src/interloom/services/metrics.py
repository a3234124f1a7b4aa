"""``GET /metrics``: the flows' counters and every server process's histograms, for Prometheus.

With several worker processes (``interloom serve --workers N``) each keeps its histograms,
counters and gauges in a file of a folder made for the run (:func:`open_process_files`), and a
scrape answered by any of them adds up all the files. One process keeps them in memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import structlog
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from interloom.observability.metrics import (
    collect_processes,
    count_in_files,
    count_in_memory,
    process_alive,
    process_files,
)
from interloom.services.flow_runtime import FlowState, FlowStatus
from interloom.services.workspace import Workspace

log = structlog.get_logger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_OUTCOMES = ("delivered", "rejected", "filtered", "failed", "dead_lettered")

RUN_FOLDER = ".interloom/run"
_PREFIX = "metrics-"


class _FlowCollector(Collector):
    """The counters of one scrape's flow statuses as metric families."""

    def __init__(self, statuses: Iterable[FlowStatus]) -> None:
        self.statuses = list(statuses)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "interloom_flow_up", "1 when the flow runs, 0 when it cannot.", labels=["flow"]
        )
        received = CounterMetricFamily(
            "interloom_flow_received", "Messages the flow's source accepted.", labels=["flow"]
        )
        settled = CounterMetricFamily(
            "interloom_flow_messages",
            "Messages by how they ended: delivered, rejected (bad input), filtered, failed "
            "(answered 5xx, sync), dead_lettered.",
            labels=["flow", "outcome"],
        )
        in_flight = GaugeMetricFamily(
            "interloom_flow_in_flight",
            "Accepted and not yet settled: received = settled + in flight.",
            labels=["flow"],
        )
        for status in self.statuses:
            up.add_metric([status.id], 1.0 if status.state is FlowState.RUNNING else 0.0)
            received.add_metric([status.id], status.received)
            for outcome in _OUTCOMES:
                settled.add_metric([status.id, outcome], getattr(status, outcome))
            in_flight.add_metric([status.id], status.in_flight)
        yield from (up, received, settled, in_flight)


async def render_metrics(workspace: Workspace) -> bytes:
    """The Prometheus text exposition of the flows and the server processes' histograms."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_FlowCollector(await workspace.flows.statuses()))
    return generate_latest(scrape) + generate_latest(collect_processes())


def count_metrics(folder: Path | None) -> None:
    """Make this server process count in the run's shared ``folder``, or in memory (None)."""
    if folder is None:
        count_in_memory()
    else:
        count_in_files(folder)


def shared_metrics_folder() -> Path | None:
    """The run's folder this process counts in with the others; None when it counts alone."""
    return process_files()


def open_process_files(root: Path, pid: int | None = None) -> Path:
    """An empty folder for the worker processes' metric files of this run of a server.

    ``.interloom/run/metrics-PID`` in the project (PID: the serving process), wiped; the
    folders of runs whose process has ended without removing theirs go. A project directory
    that cannot be written to (mounted read-only, say) gets a temporary folder instead.
    """
    pid = os.getpid() if pid is None else pid
    run = root.resolve() / RUN_FOLDER
    try:
        run.mkdir(parents=True, exist_ok=True)
        for stale in run.glob(f"{_PREFIX}*"):
            number = stale.name.removeprefix(_PREFIX)
            if number.isdigit() and (int(number) == pid or not process_alive(int(number))):
                shutil.rmtree(stale, ignore_errors=True)
        folder = run / f"{_PREFIX}{pid}"
        folder.mkdir()
    except OSError as error:
        folder = Path(tempfile.mkdtemp(prefix=f"interloom-{_PREFIX}"))
        log.warning("metrics.folder.temporary", folder=str(folder), reason=str(error))
    return folder


def close_process_files(folder: Path) -> None:
    """Remove a run's metric files once its workers have stopped."""
    shutil.rmtree(folder, ignore_errors=True)
