"""Counting in memory or in files shared by several processes, and what a scrape then adds up."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from interloom import __version__
from interloom.observability import metrics

# Another server process: counts in FOLDER, observes, then exits or waits for its stdin.
OTHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from interloom.observability import metrics
    metrics.count_in_files(Path(sys.argv[1]))
    for _ in range(3):
        metrics.message_histogram("orders", "sync").observe(0.002)
    metrics.RETRIES.labels("orders", "sinks[0]").inc()
    print("ready", flush=True)
    if sys.argv[2] == "wait":
        sys.stdin.read()
    """
)


@pytest.fixture(autouse=True)
def in_memory_afterwards() -> Iterator[None]:
    yield
    metrics.count_in_memory()


def _other(folder: Path, mode: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", OTHER, str(folder), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


def _scrape() -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = generate_latest(metrics.collect_processes()).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


SYNC_COUNT = (
    "interloom_message_duration_seconds_count",
    frozenset({("flow", "orders"), ("stage", "sync")}),
)
RETRIES = ("interloom_retries_total", frozenset({("flow", "orders"), ("step", "sinks[0]")}))
PROCESSES = ("interloom_server_processes", frozenset({("version", __version__)}))


def test_a_scrape_adds_up_the_processes_counting_in_one_folder(tmp_path: Path) -> None:
    other = _other(tmp_path, "wait")
    metrics.count_in_files(tmp_path)
    metrics.message_histogram("orders", "sync").observe(0.002)
    metrics.message_histogram("orders", "sync").observe(0.2)

    both = _scrape()
    other.communicate("")  # it ends
    after = _scrape()

    assert (both[SYNC_COUNT], both[RETRIES], both[PROCESSES]) == (5, 1, 2)
    # What the ended process counted stays; it is no longer a live process.
    assert (after[SYNC_COUNT], after[RETRIES], after[PROCESSES]) == (5, 1, 1)
    assert not list(tmp_path.glob(f"gauge_livesum_{other.pid}.db"))


def test_an_ended_process_is_forgotten_even_if_it_ended_before_this_one_started(
    tmp_path: Path,
) -> None:
    ended = _other(tmp_path, "exit")
    ended.wait(10)

    assert metrics.forget_dead_processes(tmp_path) == [ended.pid]
    assert metrics.forget_dead_processes(tmp_path) == []


def test_counting_in_memory_writes_no_file_and_starts_anew(tmp_path: Path) -> None:
    metrics.count_in_files(tmp_path)
    metrics.message_histogram("orders", "sync").observe(0.002)
    files = sorted(tmp_path.iterdir())

    metrics.count_in_memory()
    metrics.message_histogram("orders", "sync").observe(0.002)
    scrape = _scrape()

    assert metrics.process_files() is None
    assert sorted(tmp_path.iterdir()) == files
    assert (scrape[SYNC_COUNT], scrape[PROCESSES]) == (1, 1)
