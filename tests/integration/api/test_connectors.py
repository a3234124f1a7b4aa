"""GET /api/v1/connectors and /api/v1/connectors/{name}."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .conftest import Serve
from .support import assert_error


@pytest.fixture
def client(serve: Serve, tmp_path: Path) -> Iterator[TestClient]:
    """The API of a project with no definitions but its settings (connectors need none)."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "interloom.yaml").write_text("name: bare\nenvironments:\n  dev: {}\n", "utf-8")
    with serve(root, f"sqlite:///{tmp_path / 'db' / 'interloom.db'}") as client:
        yield client


def test_the_list_names_every_connector_with_its_kinds(client: TestClient) -> None:
    response = client.get("/api/v1/connectors")

    assert response.status_code == 200
    listed = {c["name"]: (c["kinds"], c["origin"]) for c in response.json()}
    assert listed["sql"] == (["both"], "interloom")
    assert listed["webhook"] == (["source"], "interloom")
    assert set(listed) == {"file", "http", "poll-http", "schedule", "sql", "webhook"}


def test_a_connector_is_described_with_its_config_schema(client: TestClient) -> None:
    response = client.get("/api/v1/connectors/webhook")

    assert response.status_code == 200
    [role] = response.json()["roles"]
    assert role["kind"] == "source"
    schema = role["config_schema"]
    assert schema["properties"]["secret"]["format"] == "password"
    assert set(schema["required"]) == {"path", "secret"}
    fields = {f["name"]: f for f in role["fields"]}
    assert fields["signature_header"]["default"] == "X-Hub-Signature-256"
    assert fields["secret"]["type"] == "string (secret)"
    assert role["examples"][0]["path"] == "/hooks/github"


def test_an_unknown_connector_is_404_with_a_suggestion(client: TestClient) -> None:
    body = assert_error(client.get("/api/v1/connectors/poll"), 404, "E-CONNECTOR-001")

    assert body["hint"] == "did you mean 'poll-http'?"


TICKS = """\
id: ticks
name: Ticks into files
source:
  connector: schedule
  config: {interval_seconds: 0.1, body: {job: refresh}}
sinks:
  - connector: file
    config: {path: out, name: "tick-{id}.json"}
"""


def test_the_server_runs_a_background_source_and_reports_it(serve: Serve, tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "flows").mkdir(parents=True)
    (root / "interloom.yaml").write_text("name: ticking\nenvironments:\n  dev: {}\n", "utf-8")
    (root / "flows" / "ticks.yaml").write_text(TICKS, "utf-8")

    with serve(root, f"sqlite:///{tmp_path / 'db' / 'interloom.db'}") as client:
        deadline = time.monotonic() + 15
        while len(list((root / "out").glob("tick-*.json"))) < 3:
            assert time.monotonic() < deadline, "no ticks written"
            time.sleep(0.05)
        status = client.get("/api/v1/flows/ticks").json()

    assert (status["state"], status["source"], status["route"]) == ("running", "schedule", None)
    assert status["source_state"] == "running"
    assert status["received"] >= 3
    written = json.loads(next((root / "out").glob("tick-*.json")).read_text("utf-8"))
    assert written["job"] == "refresh"
    assert written["tick"].endswith("Z")
