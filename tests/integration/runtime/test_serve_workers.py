"""``interloom serve --workers 2``: /metrics and the recording switch reach every worker.

A real server with two worker processes serves a tiny project (one sync HTTP flow to a
real downstream server) on a free port. Requests land on whichever worker accepts them; every
scrape, whichever worker answers it, must add up both workers' histograms and flow counters
(a sync flow's are counted in each process), and a recording switched on through one worker
must record the inputs both take in.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from interloom.formats.flow_recording import read_flow_recording
from interloom.services.flow_counters import PUBLISH_SECONDS

from .conftest import RecordingSink

INTERLOOM = Path(sys.executable).parent / "interloom"
COUNT = "interloom_message_duration_seconds_count"
RECEIVED = ("interloom_flow_received_total", frozenset({("flow", "orders")}))
DELIVERED = (
    "interloom_flow_messages_total",
    frozenset({("flow", "orders"), ("outcome", "delivered")}),
)
BATCH = 16

pytestmark = pytest.mark.slow

SETTINGS = """\
name: workers
environments:
  test: {}
"""

FLOW = """\
id: orders
name: Orders relayed
source:
  connector: http
  config: {path: /orders, method: POST, reply: sync}
steps:
  - id: to-downstream
    kind: map
    config:
      expression: '{"ref": orderId}'
sinks:
  - connector: http
    config: {url: "${SINK_URL}"}
"""


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "workers"
    (root / "flows").mkdir(parents=True)
    (root / "interloom.yaml").write_text(SETTINGS)
    (root / "flows" / "orders.yaml").write_text(FLOW)
    return root


@pytest.fixture
def server(
    project: Path, database_url: str, sink: RecordingSink
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``interloom serve --workers 2`` on a free port, until it answers; SIGINT at the end."""
    port = _free_port()
    log = project / "serve.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [
                *(str(INTERLOOM), "--project", str(project), "--database-url", database_url),
                *("serve", "--port", str(port), "--workers", "2", "--no-watch"),
            ],
            env={**os.environ, "SINK_URL": sink.url},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not start\n" + log.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/v1/flows/orders", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def _post_orders(url: str, first: int, count: int) -> None:
    """Post ``count`` orders at once, each on a connection of its own."""

    def one(number: int) -> int:
        body = json.dumps({"orderId": f"ORD-{number:05d}"})
        headers = {"content-type": "application/json", "connection": "close"}
        return httpx.post(f"{url}/orders", content=body, headers=headers, timeout=10).status_code

    with concurrent.futures.ThreadPoolExecutor(BATCH) as pool:
        statuses = list(pool.map(one, range(first, first + count)))
    assert statuses == [202] * count


def _scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = httpx.get(f"{url}/metrics", headers={"connection": "close"}, timeout=10).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _sync_count(samples: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> float:
    return samples.get((COUNT, frozenset({("flow", "orders"), ("stage", "sync")})), 0.0)


def _counts_by_worker(folder: Path) -> dict[int, float]:
    """Each worker's own count of sync messages, read from its histogram file."""
    counts: dict[int, float] = {}
    for file in folder.glob("histogram_*.db"):
        pid = int(file.stem.removeprefix("histogram_"))
        merged = MultiProcessCollector.merge([str(file)])  # type: ignore[no-untyped-call]
        for metric in merged:
            for sample in metric.samples:
                if sample.name == COUNT and sample.labels == {"flow": "orders", "stage": "sync"}:
                    counts[pid] = sample.value
    return counts


def _status(url: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/api/v1/flows/orders/recording", headers={"connection": "close"})
    result: dict[str, Any] = response.json()
    return result


def test_two_workers_share_metrics_and_the_recording_switch(
    server: tuple[str, subprocess.Popen[bytes]], project: Path
) -> None:
    url, process = server
    folder = project / ".interloom" / "run" / f"metrics-{process.pid}"
    assert folder.is_dir()

    # Until both workers have taken some (the kernel picks the worker of each connection).
    sent = 0
    while sent < 20 * BATCH and len(_counts_by_worker(folder)) < 2:
        _post_orders(url, sent, BATCH)
        sent += BATCH
    assert len(_counts_by_worker(folder)) == 2, "one worker took every request"
    # Each worker publishes its flow counters every PUBLISH_SECONDS: wait for both to have.
    time.sleep(PUBLISH_SECONDS)
    deadline = time.monotonic() + 4 * PUBLISH_SECONDS
    while time.monotonic() < deadline and {_scrape(url).get(RECEIVED) for _ in range(4)} != {sent}:
        time.sleep(0.2)
    scrapes = [_scrape(url) for _ in range(4)]  # each on a new connection: either worker
    processes = frozenset({("version", next(iter(_version_labels(scrapes[0]))))})

    assert [_sync_count(samples) for samples in scrapes] == [sent] * 4
    assert sum(_counts_by_worker(folder).values()) == sent
    assert [samples[RECEIVED] for samples in scrapes] == [sent] * 4
    assert [samples[DELIVERED] for samples in scrapes] == [sent] * 4
    assert all(samples[("interloom_server_processes", processes)] == 2 for samples in scrapes)

    switched = httpx.post(
        f"{url}/api/v1/flows/orders/recording", json={"on": True, "file": "rec.jsonl"}
    )
    assert switched.status_code == 200, switched.text
    time.sleep(1.5)  # each worker follows the switch within a second
    before = _counts_by_worker(folder)
    recorded = 0
    while recorded < 20 * BATCH and any(
        _counts_by_worker(folder)[pid] == n for pid, n in before.items()
    ):
        _post_orders(url, 10_000 + recorded, BATCH)
        recorded += BATCH
    after = _counts_by_worker(folder)
    items = read_flow_recording((project / "rec.jsonl").read_bytes(), "rec.jsonl")
    refs = sorted(item.body["orderId"] for item in items)

    assert all(after[pid] > n for pid, n in before.items()), "one worker took every request"
    assert refs == [f"ORD-{n:05d}" for n in range(10_000, 10_000 + recorded)]
    assert {_status(url)["recorded"] for _ in range(4)} == {recorded}

    off = httpx.post(f"{url}/api/v1/flows/orders/recording", json={"on": False})
    assert off.status_code == 200, off.text
    time.sleep(1.5)
    _post_orders(url, 20_000, BATCH)

    assert len((project / "rec.jsonl").read_bytes().splitlines()) == recorded
    assert {_status(url)["on"] for _ in range(4)} == {False}

    process.send_signal(signal.SIGINT)
    process.wait(20)
    assert not folder.exists()  # removed at stop


def _version_labels(samples: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> set[str]:
    return {
        dict(labels)["version"] for name, labels in samples if name == "interloom_server_processes"
    }
