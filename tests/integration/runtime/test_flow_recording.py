"""Recording a running flow's inputs (API, serve --record, interloom record), then replaying.

A real server app (management API and data plane) serves examples/bench and relays to a real
downstream HTTP server; the recording is a real file.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from interloom.api.app import create_server_app
from interloom.cli.main import app as cli
from interloom.formats.flow_recording import REDACTED, read_flow_recording
from interloom.formats.traffic.recording import read_recording
from interloom.services.server import ServerConfig

from .conftest import RecordingSink

W1 = Path(__file__).resolve().parents[2] / "data" / "w1"
JSON = {"content-type": "application/json"}


@pytest.fixture
def config(
    bench_project: Path, sink: RecordingSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ServerConfig:
    monkeypatch.setenv("SINK_URL", sink.url)
    return ServerConfig(
        root=bench_project, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", watch=False
    )


@pytest.fixture
def client(config: ServerConfig) -> Iterator[TestClient]:
    with TestClient(create_server_app(config)) as running:
        yield running


def order(name: str = "order.json") -> bytes:
    return (W1 / name).read_bytes()


def test_recording_appends_each_input_with_its_answer_and_the_flow_version(
    client: TestClient, bench_project: Path
) -> None:
    switched = client.post(
        "/api/v1/flows/w1/recording", json={"on": True, "file": "recordings/w1.jsonl"}
    )
    accepted = client.post(
        "/orders", content=order(), headers={**JSON, "Authorization": "Bearer s3cret"}
    )
    rejected = client.post("/orders", content=order("order-invalid.json"), headers=JSON)
    not_json = client.post("/orders", content=b"{", headers=JSON)
    status = client.get("/api/v1/flows/w1/recording").json()

    assert switched.status_code == 200, switched.text
    assert switched.json()["on"] is True
    assert switched.json()["file"] == "recordings/w1.jsonl"
    assert (accepted.status_code, rejected.status_code, not_json.status_code) == (202, 422, 400)
    assert (status["on"], status["recorded"]) == (True, 2)
    data = (bench_project / "recordings" / "w1.jsonl").read_bytes()
    first, second = read_flow_recording(data, "w1.jsonl")
    assert first.body == json.loads(order())
    assert second.body == json.loads(order("order-invalid.json"))
    assert (first.flow, first.version, first.status, second.status) == ("w1", 1, 202, 422)
    assert ("authorization", REDACTED) in first.headers
    exchanges = read_recording(data, "w1.jsonl")  # a traffic recording, as contracts infer reads
    assert exchanges[0].request.url.endswith("/orders")
    answer = exchanges[1].response.body
    assert answer is not None
    assert answer.text is not None
    assert json.loads(answer.text)["code"] == "E-MSG-001"


def test_a_limit_stops_the_recording_and_switching_off_keeps_the_count(
    client: TestClient, bench_project: Path
) -> None:
    client.post("/api/v1/flows/w1/recording", json={"on": True, "file": "r.jsonl", "limit": 1})
    for _ in range(3):
        assert client.post("/orders", content=order(), headers=JSON).status_code == 202

    finished = client.get("/api/v1/flows/w1/recording").json()
    off = client.post("/api/v1/flows/w1/recording", json={"on": False}).json()

    assert (finished["on"], finished["recorded"]) == (False, 1)
    assert (off["on"], off["recorded"]) == (False, 1)
    assert len((bench_project / "r.jsonl").read_bytes().splitlines()) == 1


def test_switching_is_audited(client: TestClient) -> None:
    client.post("/api/v1/flows/w1/recording", json={"on": True, "file": "r.jsonl"})
    client.post("/api/v1/flows/w1/recording", json={"on": False})

    page = client.get("/api/v1/audit", params={"entity": "flow:w1"}).json()

    actions = sorted(entry["action"] for entry in page["items"])
    assert actions == ["flows.recording.start", "flows.recording.stop"]


@pytest.mark.parametrize(
    ("flow", "body", "status", "code"),
    [
        ("w1", {"on": True, "file": "../outside.jsonl"}, 400, "E-RECORD-002"),
        ("w1", {"on": True, "file": "/tmp/anywhere.jsonl"}, 400, "E-RECORD-002"),
        ("w2", {"on": True}, 404, "E-NOTFOUND-001"),
        ("w1", {"on": True, "limit": 0}, 422, "E-REQUEST-002"),
    ],
)
def test_what_cannot_be_recorded_is_refused(
    client: TestClient, flow: str, body: dict[str, Any], status: int, code: str
) -> None:
    answer = client.post(f"/api/v1/flows/{flow}/recording", json=body)

    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code


def test_serve_record_records_from_the_start(config: ServerConfig, tmp_path: Path) -> None:
    target = tmp_path / "from-start.jsonl"
    recording = ServerConfig(
        root=config.root,
        database_url=config.database_url,
        watch=False,
        record=(f"w1-durable={target}",),
    )
    with TestClient(create_server_app(recording)) as running:
        answer = running.post("/orders/durable", content=order(), headers=JSON)

    assert answer.status_code == 202
    [item] = read_flow_recording(target.read_bytes(), str(target))
    assert (item.flow, item.status) == ("w1-durable", 202)


@pytest.fixture
def live_server(config: ServerConfig) -> Iterator[str]:
    """The server app listening on a free port in a thread of its own."""
    server = uvicorn.Server(
        uvicorn.Config(create_server_app(config), host="127.0.0.1", port=0, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_record_command_records_until_its_limit_then_replay_finds_a_change(
    live_server: str, bench_project: Path, tmp_path: Path
) -> None:
    outcome: dict[str, Any] = {}

    def record() -> None:
        outcome["result"] = CliRunner().invoke(
            cli,
            [
                "--project",
                str(bench_project),
                "record",
                "w1",
                "--limit",
                "2",
                "--server",
                live_server,
                "-f",
                str(bench_project / "rec.jsonl"),
                "-o",
                "json",
            ],
        )

    recorder = threading.Thread(target=record)
    recorder.start()
    deadline = time.monotonic() + 60
    while not (bench_project / "rec.jsonl").exists():
        assert time.monotonic() < deadline, "recording did not start"
        time.sleep(0.05)
    with httpx.Client(base_url=live_server) as http:
        for name in ("order.json", "order-minimal.json", "order.json"):
            assert http.post("/orders", content=order(name), headers=JSON).status_code == 202
    recorder.join(timeout=60)

    result = outcome["result"]
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["recorded"] == 2
    assert len((bench_project / "rec.jsonl").read_bytes().splitlines()) == 2

    old = tmp_path / "old-w1.yaml"
    flow = bench_project / "flows" / "w1.yaml"
    old.write_text(flow.read_text("utf-8"), "utf-8")
    flow.write_text(
        flow.read_text("utf-8").replace(
            '"source": channel ? channel : "unknown"', '"source": "web"'
        ),
        "utf-8",
    )
    replayed = CliRunner().invoke(
        cli,
        [
            "--project",
            str(bench_project),
            "replay",
            str(bench_project / "rec.jsonl"),
            "--against",
            str(old),
            "-o",
            "json",
        ],
    )

    assert replayed.exit_code == 1
    report = json.loads(replayed.stdout)
    assert (report["messages"], report["different"]) == (2, 1)  # the minimal order has no channel
    assert report["comparisons"][0]["line"] == 2
    assert report["comparisons"][0]["differences"][0] == {
        "pointer": "/outputs/0/source",
        "kind": "changed",
        "old": "unknown",
        "new": "web",
    }


def test_record_command_reports_a_server_that_is_not_there(bench_project: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--project", str(bench_project), "record", "w1", "--server", "http://127.0.0.1:9"]
    )

    assert result.exit_code == 1
    assert "cannot reach the Interloom server at http://127.0.0.1:9" in str(result.exception)
