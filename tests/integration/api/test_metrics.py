"""GET /metrics: the flows' counters and the latency histograms in Prometheus text format."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from interloom.api.app import create_server_app
from interloom.services.server import ServerConfig


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_every_flow_has_its_up_and_counters(scaffolded_client: TestClient) -> None:
    samples = _samples(scaffolded_client)

    flow = (("flow", "customer-lookup"),)
    assert samples[("interloom_flow_up", flow)] == 1.0
    assert samples[("interloom_flow_received_total", flow)] == 0.0
    assert samples[("interloom_flow_in_flight", flow)] == 0.0
    outcomes = {
        dict(labels)["outcome"]
        for name, labels in samples
        if name == "interloom_flow_messages_total"
    }
    assert outcomes == {"delivered", "rejected", "filtered", "failed", "dead_lettered"}


def test_a_rejected_message_is_counted(scaffolded_project: Path, database_url: str) -> None:
    app = create_server_app(ServerConfig(root=scaffolded_project, database_url=database_url))
    with TestClient(app) as client:
        response = client.post("/customers/lookup", json={"customerId": "nope"})
        assert response.status_code == 422
        samples = _samples(client)

    flow = (("flow", "customer-lookup"),)
    assert samples[("interloom_flow_received_total", flow)] == 1.0
    rejected = (("flow", "customer-lookup"), ("outcome", "rejected"))
    assert samples[("interloom_flow_messages_total", rejected)] == 1.0
