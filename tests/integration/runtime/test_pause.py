"""Pausing a flow: its source refuses, persisted messages wait, resume delivers them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from interloom.api.app import create_server_app
from interloom.services.server import ServerConfig

from .conftest import RecordingSink

W1 = Path(__file__).resolve().parents[2] / "data" / "w1"


def _post(client: TestClient, path: str) -> object:
    return client.post(
        path,
        content=(W1 / "order.json").read_bytes(),
        headers={"content-type": "application/json"},
    )


def _eventually(check: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def client(
    bench_project: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> TestClient:
    monkeypatch.setenv("SINK_URL", sink.url)
    (bench_project / "interloom.yaml").write_text(
        (bench_project / "interloom.yaml").read_text() + "runtime:\n  poll_seconds: 0.05\n"
    )
    config = ServerConfig(root=bench_project, database_url=f"sqlite:///{tmp_path / 'p.db'}")
    with TestClient(create_server_app(config)) as test_client:
        yield test_client  # type: ignore[misc]


def test_a_paused_flow_refuses_with_503_and_retry_after(client: TestClient) -> None:
    paused = client.post("/api/v1/flows/w1/pause", json={"reason": "WMS maintenance"})
    refused = _post(client, "/orders")

    assert paused.status_code == 200
    assert paused.json()["state"] == "paused"
    assert paused.json()["reason"] == "WMS maintenance"
    assert refused.status_code == 503  # type: ignore[attr-defined]
    assert refused.headers["retry-after"] == "30"  # type: ignore[attr-defined]
    assert refused.json()["code"] == "E-FLOW-003"  # type: ignore[attr-defined]


def test_pausing_twice_is_a_conflict_and_both_changes_are_audited(client: TestClient) -> None:
    client.post("/api/v1/flows/w1/pause")
    again = client.post("/api/v1/flows/w1/pause")
    resumed = client.post("/api/v1/flows/w1/resume")
    audit = client.get("/api/v1/audit", params={"entity": "flow:w1"}).json()

    assert again.status_code == 409
    assert resumed.json()["state"] == "running"
    assert [e["action"] for e in audit["items"]] == ["flow.resumed", "flow.paused"]


def test_persisted_messages_wait_while_paused_and_go_out_on_resume(
    client: TestClient, sink: RecordingSink
) -> None:
    sink.status = 500  # the first try fails: the message waits in the store for its retry
    assert _post(client, "/orders/durable").status_code == 202  # type: ignore[attr-defined]
    _eventually(lambda: len(sink.bodies()) == 1)
    client.post("/api/v1/flows/w1-durable/pause")
    sink.status = 200

    refused = _post(client, "/orders/durable")
    time.sleep(3)  # longer than the retry's backoff: a running flow would have retried
    waiting = client.get("/api/v1/flows/w1-durable").json()

    assert refused.status_code == 503  # type: ignore[attr-defined]
    assert len(sink.bodies()) == 1
    assert waiting["in_flight"] == 1
    client.post("/api/v1/flows/w1-durable/resume")
    _eventually(lambda: len(sink.bodies()) == 2)
    _eventually(lambda: client.get("/api/v1/flows/w1-durable").json()["in_flight"] == 0)


def test_an_unknown_flow_cannot_be_paused(client: TestClient) -> None:
    response = client.post("/api/v1/flows/w1-durabel/pause")

    assert response.status_code == 404
    assert "w1-durable" in response.json()["hint"]


def test_the_cli_pauses_lists_and_resumes(bench_project: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from interloom.cli.main import app

    base = ["--project", str(bench_project), "--database-url", f"sqlite:///{tmp_path / 'c.db'}"]
    runner = CliRunner()

    paused = runner.invoke(app, [*base, "flows", "pause", "w1", "--reason", "cut-over"])
    listed = runner.invoke(app, [*base, "flows", "paused", "--output", "json"])
    resumed = runner.invoke(app, [*base, "flows", "resume", "w1"])
    after = runner.invoke(app, [*base, "flows", "paused", "--output", "json"])

    assert paused.exit_code == 0, paused.output
    assert listed.stdout.strip().startswith("{")
    assert '"w1": "cut-over"' in listed.stdout
    assert resumed.exit_code == 0, resumed.output
    assert after.stdout.strip() == "{}"
