"""/metrics after real traffic: latency histograms per flow and stage, retries, outcomes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from interloom.api.app import create_server_app
from interloom.services.server import ServerConfig

from .conftest import RecordingSink

W1 = Path(__file__).resolve().parents[2] / "data" / "w1"


def _sample(client: TestClient, name: str, **labels: str) -> float:
    text = client.get("/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


_COUNT = "interloom_message_duration_seconds_count"
_KEYS = [
    (_COUNT, ("flow", "w1"), ("stage", "sync")),
    (_COUNT, ("flow", "w1-durable"), ("stage", "durable")),
    (_COUNT, ("flow", "w1-durable"), ("stage", "delivery")),
    ("interloom_retries_total", ("flow", "w1-durable"), ("step", "sinks[0]")),
]


def test_delivery_and_retries_show_in_the_histograms(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SINK_URL", sink.url)
    flow = bench_project / "flows" / "w1-durable.yaml"
    flow.write_text(
        flow.read_text() + "error_policy:\n  backoff_initial_seconds: 0.05\n  jitter: 0\n"
    )
    config = ServerConfig(root=bench_project, database_url=f"sqlite:///{tmp_path / 'm.db'}")
    sink.status = 500
    with TestClient(create_server_app(config)) as client:
        # The histograms belong to the process: other tests may have added to them.
        before = {key: _sample(client, *key[:1], **dict(key[1:])) for key in _KEYS}
        for path in ("/orders", "/orders/durable"):
            client.post(
                path,
                content=(W1 / "order.json").read_bytes(),
                headers={"content-type": "application/json"},
            )
        deadline = time.monotonic() + 10
        while len(sink.bodies()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        sink.status = 200
        while time.monotonic() < deadline:
            if (
                _sample(
                    client, "interloom_flow_messages_total", flow="w1-durable", outcome="delivered"
                )
                == 1
            ):
                break
            time.sleep(0.05)

        sync, durable, delivery, retries = (
            _sample(client, *key[:1], **dict(key[1:])) - before[key] for key in _KEYS
        )
        failed = _sample(client, "interloom_flow_messages_total", flow="w1", outcome="failed")

    assert (sync, durable) == (1, 1)
    assert delivery >= 2  # the failed tries and the one that went through
    assert retries >= 1
    assert failed == 1  # the sync order was answered 502 while the sink failed
