"""A recording switch reaches every server process of the project through the database.

Two server apps serve the same project on one database, as two worker processes do: a switch
made through one is followed by the other within ``REFRESH_SECONDS``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from interloom.api.app import create_server_app
from interloom.formats.flow_recording import read_flow_recording
from interloom.services.flow_recording import REFRESH_SECONDS
from interloom.services.server import ServerConfig

from .conftest import RecordingSink

ORDER = (Path(__file__).resolve().parents[2] / "data" / "w1" / "order.json").read_bytes()
JSON = {"content-type": "application/json"}
FOLLOWED = REFRESH_SECONDS * 1.5


@pytest.fixture
def config(
    bench_project: Path, sink: RecordingSink, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> ServerConfig:
    monkeypatch.setenv("SINK_URL", sink.url)
    return ServerConfig(root=bench_project, database_url=database_url, watch=False)


@contextlib.contextmanager
def _two_processes(config: ServerConfig) -> Iterator[tuple[TestClient, TestClient]]:
    with (
        TestClient(create_server_app(config)) as first,
        TestClient(create_server_app(config)) as second,
    ):
        yield first, second


def _post(client: TestClient, times: int) -> None:
    for _ in range(times):
        assert client.post("/orders", content=ORDER, headers=JSON).status_code == 202


def _lines(path: Path) -> int:
    return len(read_flow_recording(path.read_bytes(), path.name)) if path.exists() else 0


def test_a_switch_made_through_one_process_reaches_the_other(
    config: ServerConfig, bench_project: Path
) -> None:
    recording = bench_project / "shared.jsonl"
    with _two_processes(config) as (first, second):
        first.post("/api/v1/flows/w1/recording", json={"on": True, "file": "shared.jsonl"})
        time.sleep(FOLLOWED)
        _post(first, 2)
        _post(second, 3)
        status = second.get("/api/v1/flows/w1/recording").json()

        second.post("/api/v1/flows/w1/recording", json={"on": False})
        time.sleep(FOLLOWED)
        _post(first, 1)
        stopped = first.get("/api/v1/flows/w1/recording").json()

    assert (status["on"], status["file"], status["recorded"]) == (True, "shared.jsonl", 5)
    assert (stopped["on"], stopped["recorded"]) == (False, 5)
    assert _lines(recording) == 5


def test_a_limit_counts_what_every_process_recorded(
    config: ServerConfig, bench_project: Path
) -> None:
    recording = bench_project / "limited.jsonl"
    with _two_processes(config) as (first, second):
        first.post(
            "/api/v1/flows/w1/recording", json={"on": True, "file": "limited.jsonl", "limit": 4}
        )
        time.sleep(FOLLOWED)
        _post(first, 2)
        _post(second, 2)  # 4 in all, though each process counted 2
        time.sleep(FOLLOWED)
        _post(first, 1)
        _post(second, 1)
        statuses = [c.get("/api/v1/flows/w1/recording").json() for c in (first, second)]
        audit = first.get("/api/v1/audit", params={"entity": "flow:w1"}).json()["items"]

    assert _lines(recording) == 4
    assert [(s["on"], s["recorded"]) for s in statuses] == [(False, 4), (False, 4)]
    stops = [e for e in audit if e["action"] == "flows.recording.stop"]
    assert stops
    assert {e["actor"] for e in stops} == {"interloom"}


def test_a_switch_of_an_earlier_run_is_not_followed(
    config: ServerConfig, bench_project: Path
) -> None:
    with TestClient(create_server_app(config)) as earlier:
        earlier.post("/api/v1/flows/w1/recording", json={"on": True, "file": "earlier.jsonl"})
        _post(earlier, 1)
    with TestClient(create_server_app(config)) as restarted:
        time.sleep(FOLLOWED)
        _post(restarted, 2)
        status = restarted.get("/api/v1/flows/w1/recording").json()

    assert status["on"] is False
    assert _lines(bench_project / "earlier.jsonl") == 1
