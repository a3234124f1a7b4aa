"""Prometheus metrics of the data plane: latency histograms and retry counts, per process.

Message counts (received, delivered, dead-lettered, in flight…) are not kept here: they are
read at scrape time from the flows' counters and, for durable flows, from the message store,
which counts across processes and restarts. What only a process can see — how long a step, a
sink call or a whole message took, and how often a try failed — is observed here, with
labels bound once per flow and step so that an observation costs one histogram update.

A server with one process keeps these values in memory. A server with several worker
processes (``interloom serve --workers N``) has each of them keep its values in a file of one
shared folder (:func:`count_in_files`), so that a scrape answered by any worker adds up every
worker's observations (:func:`collect_processes`).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess, values

from interloom import __version__

REGISTRY = CollectorRegistry(auto_describe=True)

# prometheus_client finds the folder of the process files in this variable.
PROCESS_FILES_ENV_VAR = "PROMETHEUS_MULTIPROC_DIR"

# From 1 ms to 30 s: a mapping step takes microseconds, a slow sink seconds.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

MESSAGE_SECONDS = Histogram(
    "interloom_message_duration_seconds",
    "Time from a message's arrival to its answer (sync) or its persistence (durable), and "
    "from a worker's lease to its settlement (delivery).",
    ["flow", "stage"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
STEP_SECONDS = Histogram(
    "interloom_step_duration_seconds",
    "Time one step or sink took for one message.",
    ["flow", "step"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
RETRIES = Counter(
    "interloom_retries",
    "Failed tries that will be tried again, by flow and failing step.",
    ["flow", "step"],
    registry=REGISTRY,
)
# livesum: the processes alive now; a dead worker's file is dropped at the next scrape.
PROCESSES = Gauge(
    "interloom_server_processes",
    "Server processes alive and counting, by Interloom version.",
    ["version"],
    multiprocess_mode="livesum",
    registry=REGISTRY,
)

_METRICS = (MESSAGE_SECONDS, STEP_SECONDS, RETRIES, PROCESSES)
_files: Path | None = None  # the shared folder of this process's values; None: in memory


PROCESSES.labels(__version__).set(1)


@lru_cache(maxsize=4096)
def message_histogram(flow: str, stage: str) -> Any:
    """The bound histogram child of one flow and stage (sync, durable, delivery)."""
    return MESSAGE_SECONDS.labels(flow, stage)


@lru_cache(maxsize=16384)
def step_histogram(flow: str, step: str) -> Any:
    """The bound histogram child of one flow's step or sink."""
    return STEP_SECONDS.labels(flow, step)


def _start_counting(files: Path | None) -> None:
    """Drop the values counted so far and count anew, in ``files`` or in memory.

    prometheus_client picks where a labelled child keeps its value when the child is made,
    from ``values.ValueClass``: set it, then forget the children made before.
    """
    global _files
    os.environ.pop(PROCESS_FILES_ENV_VAR, None)  # else clear() warns it keeps the files
    for metric in _METRICS:
        metric.clear()
    message_histogram.cache_clear()
    step_histogram.cache_clear()
    if files is None:
        values.ValueClass = values.MutexValue
    else:
        os.environ[PROCESS_FILES_ENV_VAR] = str(files)
        values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    _files = files
    PROCESSES.labels(__version__).set(1)


def count_in_files(folder: Path) -> None:
    """Keep this process's values in ``folder``, shared with the server's other processes.

    Called once in each worker process, before it observes anything. The folder is made
    (and wiped) by whoever starts the workers.
    """
    if _files != folder:
        _start_counting(folder)


def count_in_memory() -> None:
    """Keep this process's values in memory (one server process: no file on the hot path)."""
    # $PROMETHEUS_MULTIPROC_DIR set before prometheus_client was imported means files too.
    if _files is not None or values.ValueClass is not values.MutexValue:
        _start_counting(None)


def process_files() -> Path | None:
    """The shared folder this process counts in; None when it counts in memory."""
    return _files


_LIVE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def forget_dead_processes(folder: Path) -> list[int]:
    """Drop the live gauges of processes that have ended; their pids.

    The server's process manager does not report a worker's end, so a scrape looks for
    itself. Counters and histograms of an ended worker stay: what it counted happened.
    """
    dead = set()
    for entry in os.scandir(folder):
        match = _LIVE_FILE.fullmatch(entry.name)
        if match is not None and not process_alive(pid := int(match.group(1))):
            dead.add(pid)
    for pid in dead:
        multiprocess.mark_process_dead(pid, str(folder))  # type: ignore[no-untyped-call]
    return sorted(dead)


def collect_processes() -> CollectorRegistry:
    """A registry of the histograms, counters and gauges of every process counting alike."""
    if _files is None:
        return REGISTRY
    forget_dead_processes(_files)
    registry = CollectorRegistry(auto_describe=False)
    multiprocess.MultiProcessCollector(registry, path=str(_files))  # type: ignore[no-untyped-call]
    return registry
