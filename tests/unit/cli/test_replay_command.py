"""`interloom replay`: recorded inputs through the current flow and another version of it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from interloom.cli.main import app
from interloom.core.contracts.traffic import Body, Exchange, RecordedRequest, RecordedResponse
from interloom.formats.flow_recording import flow_exchange_line

ConsoleScript = Callable[..., Any]
ROOT = Path(__file__).resolve().parents[3]
W1 = ROOT / "tests" / "data" / "w1"


def recording_line(body: bytes, flow: str | None = "w1") -> bytes:
    exchange = Exchange(
        request=RecordedRequest(
            method="POST",
            url="http://127.0.0.1:8000/orders",
            headers=(("content-type", "application/json"),),
            body=Body.from_bytes(body, "application/json"),
        ),
        response=RecordedResponse(status=202),
        started_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    line = flow_exchange_line(exchange, flow or "w1", 1)
    if flow is None:
        record = json.loads(line)
        del record["flow"]
        line = json.dumps(record).encode() + b"\n"
    return line


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """examples/bench in a git repository of its own, one commit."""
    root = tmp_path / "bench"
    shutil.copytree(ROOT / "examples" / "bench", root, ignore=shutil.ignore_patterns(".interloom"))
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "bench"], check=True)
    return root


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "w1.jsonl"
    lines = [W1 / "order.json", W1 / "order-minimal.json", W1 / "order-invalid.json"]
    path.write_bytes(b"".join(recording_line(p.read_bytes()) for p in lines))
    return path


def change_mapping(root: Path) -> None:
    flow = root / "flows" / "w1.yaml"
    text = flow.read_text("utf-8")
    flow.write_text(text.replace('"fullName": customer.name', '"fullName": customer.id'), "utf-8")


def test_the_same_version_does_the_same(runner: CliRunner, project: Path, recording: Path) -> None:
    result = runner.invoke(
        app, ["--project", str(project), "replay", str(recording), "--against", "git:HEAD"]
    )

    assert result.exit_code == 0, result.output
    assert "3 messages: 3 the same, 0 different" in result.stdout


def test_a_changed_mapping_is_reported_per_message_with_old_and_new(
    runner: CliRunner, project: Path, recording: Path
) -> None:
    change_mapping(project)

    result = runner.invoke(
        app, ["--project", str(project), "replay", str(recording), "--against", "git:HEAD"]
    )

    assert result.exit_code == 1
    out = result.stdout
    assert "line 1" in out
    assert "line 2" in out
    assert "line 3" not in out
    assert '/outputs/0/buyer/fullName  "Ada Lovelace" → "CUST-000981"' in out
    assert "3 messages: 1 the same, 2 different" in out


def test_json_output_counts_the_places_that_differ(
    runner: CliRunner, project: Path, recording: Path
) -> None:
    change_mapping(project)
    old_flow = project.parent / "old-w1.yaml"
    shutil.copy(ROOT / "examples" / "bench" / "flows" / "w1.yaml", old_flow)

    result = runner.invoke(
        app,
        [
            "--project",
            str(project),
            "replay",
            str(recording),
            "--against",
            str(old_flow),
            "-o",
            "json",
        ],
    )

    report = json.loads(result.stdout)
    assert (report["ok"], report["messages"], report["different"]) == (False, 3, 2)
    assert report["places"] == [
        {"pointer": "/outputs/*/buyer/fullName", "messages": 2},
        {"pointer": "/sinks/sink-0/*/buyer/fullName", "messages": 2},
    ]
    first = report["comparisons"][0]["differences"][0]
    assert first == {
        "pointer": "/outputs/0/buyer/fullName",
        "kind": "changed",
        "old": "Ada Lovelace",
        "new": "CUST-000981",
    }


def test_ignored_pointers_hide_a_known_change(
    runner: CliRunner, project: Path, recording: Path
) -> None:
    change_mapping(project)

    result = runner.invoke(
        app,
        [
            "--project",
            str(project),
            "replay",
            str(recording),
            "--against",
            "git:HEAD",
            "--ignore",
            "/outputs/*/buyer/fullName",
            "--ignore",
            "/sinks/*/*/buyer/fullName",
        ],
    )

    assert result.exit_code == 0, result.stdout


def test_a_revision_git_does_not_know_is_an_error(
    console_script: ConsoleScript, project: Path, recording: Path
) -> None:
    outcome = console_script(
        "--project", str(project), "replay", str(recording), "--against", "git:no-such-rev"
    )

    assert outcome.exit_code == 1
    assert "E-RECORD-004" in outcome.stderr
    assert "no-such-rev" in outcome.stderr


def test_a_recording_that_names_no_flow_needs_the_flow_option(
    console_script: ConsoleScript,
    runner: CliRunner,
    project: Path,
    tmp_path: Path,
) -> None:
    traffic = tmp_path / "seen.jsonl"
    traffic.write_bytes(recording_line((W1 / "order.json").read_bytes(), flow=None))

    refused = console_script(
        "--project", str(project), "replay", str(traffic), "--against", "git:HEAD"
    )
    chosen = runner.invoke(
        app,
        [
            "--project",
            str(project),
            "replay",
            str(traffic),
            "--against",
            "git:HEAD",
            "--flow",
            "w1-durable",
        ],
    )

    assert refused.exit_code == 1
    assert "E-RECORD-001" in refused.stderr
    assert "name the flow with --flow" in refused.stderr
    assert chosen.exit_code == 0, chosen.stdout
    assert "flow w1-durable" in chosen.stdout


def test_fakes_answer_the_sinks_of_both_versions(
    runner: CliRunner, project: Path, recording: Path, tmp_path: Path
) -> None:
    change_mapping(project)
    fakes = tmp_path / "fakes.yaml"
    fakes.write_text("sink-0: {status: 400}\n", "utf-8")

    result = runner.invoke(
        app,
        [
            "--project",
            str(project),
            "replay",
            str(recording),
            "--against",
            "git:HEAD",
            "--fakes",
            str(fakes),
            "-o",
            "json",
        ],
    )

    report = json.loads(result.stdout)
    # The sink refuses both versions' requests: nothing is delivered, what was sent differs.
    assert report["places"] == [{"pointer": "/sinks/sink-0/*/buyer/fullName", "messages": 2}]
    assert {c["new_status"] for c in report["comparisons"]} == {"failed"}


def test_a_fake_of_no_sink_is_refused(
    console_script: ConsoleScript,
    project: Path,
    recording: Path,
    tmp_path: Path,
) -> None:
    fakes = tmp_path / "fakes.yaml"
    fakes.write_text("sink-9: {status: 400}\n", "utf-8")

    outcome = console_script(
        "--project",
        str(project),
        "replay",
        str(recording),
        "--against",
        "git:HEAD",
        "--fakes",
        str(fakes),
    )

    assert outcome.exit_code == 1
    assert "E-TEST-004" in outcome.stderr
