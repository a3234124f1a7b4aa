"""The dead-letter queue over the API (/api/v1/dead-letters) and the CLI (interloom dlq)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from interloom.cli.main import app as cli
from interloom.core.errors import InvalidRequestError
from interloom.storage.message_store import open_message_store

from .conftest import Serve
from .support import assert_error

LETTERS = [
    ("m-1", "orders", {"orderId": 1}, "HTTP 500 from the warehouse", "sinks[0]"),
    ("m-2", "orders", {"orderId": 2}, "timeout after 10 s", "sinks[0]"),
    ("m-3", "stock", {"sku": "A"}, "bad row: quantity 'x'", "cleanse"),
]


async def _seed(database_url: str) -> None:
    store = await open_message_store(database_url)
    try:
        for message_id, flow, body, error, step in LETTERS:
            await store.put(flow, message_id, json.dumps(body).encode())
            leased = await store.lease(flow, "test-worker", 10, 30)
            assert [m.id for m in leased] == [message_id]
            await store.retry(message_id, "first try failed", step, 0, worker="test-worker")
            await store.lease(flow, "test-worker", 10, 30)
            await store.dead_letter(message_id, error, step, worker="test-worker")
    finally:
        await store.close()


@pytest.fixture
def dlq_client(serve: Serve, scaffolded_project: Path, database_url: str) -> TestClient:
    asyncio.run(_seed(database_url))
    with serve(scaffolded_project, database_url) as client:
        yield client  # type: ignore[misc]


def test_dead_letters_list_with_their_step_and_error(dlq_client: TestClient) -> None:
    page = dlq_client.get("/api/v1/dead-letters").json()

    assert page["total"] == 3
    assert [(x["id"], x["flow"], x["step"]) for x in page["items"]] == [
        ("m-1", "orders", "sinks[0]"),
        ("m-2", "orders", "sinks[0]"),
        ("m-3", "stock", "cleanse"),
    ]
    assert all(x["body"] is None for x in page["items"])


def test_dead_letters_filter_by_flow_step_and_error_text(dlq_client: TestClient) -> None:
    by_flow = dlq_client.get("/api/v1/dead-letters", params={"flow": "stock"}).json()
    by_error = dlq_client.get("/api/v1/dead-letters", params={"error": "TIMEOUT"}).json()
    by_step = dlq_client.get("/api/v1/dead-letters", params={"step": "sinks[0]"}).json()

    assert [x["id"] for x in by_flow["items"]] == ["m-3"]
    assert [x["id"] for x in by_error["items"]] == ["m-2"]
    assert by_step["total"] == 2


def test_one_dead_letter_shows_its_body_and_every_try(dlq_client: TestClient) -> None:
    letter = dlq_client.get("/api/v1/dead-letters/m-3").json()

    assert letter["body"] == {"sku": "A"}
    assert letter["error"] == "bad row: quantity 'x'"
    assert [h["error"] for h in letter["history"]] == ["first try failed", "bad row: quantity 'x'"]


def test_an_unknown_dead_letter_is_a_404(dlq_client: TestClient) -> None:
    assert_error(dlq_client.get("/api/v1/dead-letters/nope"), 404, "E-NOTFOUND-001")


def test_a_replay_by_filter_requeues_those_and_is_audited(dlq_client: TestClient) -> None:
    result = dlq_client.post("/api/v1/dead-letters/replay", json={"flow": "orders"}).json()

    assert result == {"action": "replay", "count": 2, "ids": ["m-1", "m-2"]}
    left = dlq_client.get("/api/v1/dead-letters").json()
    assert [x["id"] for x in left["items"]] == ["m-3"]
    audit = dlq_client.get("/api/v1/audit", params={"entity": "flow:orders"}).json()
    assert audit["items"][0]["action"] == "dead_letters.replay"
    assert audit["items"][0]["after"]["count"] == 2


def test_a_bulk_operation_without_a_selection_is_refused(dlq_client: TestClient) -> None:
    response = dlq_client.post("/api/v1/dead-letters/discard", json={})

    assert response.status_code == 422
    assert dlq_client.get("/api/v1/dead-letters").json()["total"] == 3


@pytest.mark.parametrize(
    ("selection", "pointer"),
    [
        ({"all": 1}, "/all"),
        ({"all": "true"}, "/all"),
        ({"since": 0}, "/since"),
        ({"until": True}, "/until"),
        ({"since": "2027-01-04T08:00:00"}, "/since"),  # no offset: which 08:00?
        ({"flow": None}, "/"),
    ],
)
def test_a_bulk_selection_is_read_strictly(
    dlq_client: TestClient, selection: dict[str, object], pointer: str
) -> None:
    response = dlq_client.post("/api/v1/dead-letters/replay", json=selection)

    error = assert_error(response, 422, "E-REQUEST-002")
    assert [d["pointer"] for d in error["details"]] == [pointer]
    assert dlq_client.get("/api/v1/dead-letters").json()["total"] == 3


@pytest.mark.parametrize("since", ["0", "true", "0.5", "2000-01-01", "2000-01-01T00:00:00"])
def test_a_time_filter_that_is_not_an_rfc_3339_date_time_is_refused(
    dlq_client: TestClient, since: str
) -> None:
    response = dlq_client.get("/api/v1/dead-letters", params={"since": since})

    error = assert_error(response, 422, "E-REQUEST-002")
    assert [d["pointer"] for d in error["details"]] == ["query:/since"]


def test_a_time_filter_with_its_offset_selects_by_failure_time(dlq_client: TestClient) -> None:
    since = dlq_client.get("/api/v1/dead-letters", params={"since": "2000-01-01T00:00:00Z"})
    until = dlq_client.get("/api/v1/dead-letters", params={"until": "2000-01-01T01:00:00+01:00"})

    assert since.json()["total"] == 3
    assert until.json()["total"] == 0


def test_discard_all_empties_the_queue(dlq_client: TestClient) -> None:
    result = dlq_client.post("/api/v1/dead-letters/discard", json={"all": True}).json()

    assert result["count"] == 3
    assert dlq_client.get("/api/v1/dead-letters").json()["total"] == 0


def test_the_cli_lists_shows_replays_and_discards(
    scaffolded_project: Path, database_url: str
) -> None:
    asyncio.run(_seed(database_url))
    runner = CliRunner()
    base = ["--project", str(scaffolded_project), "--database-url", database_url, "dlq"]

    listed = runner.invoke(cli, [*base, "list", "--output", "json"])
    shown = runner.invoke(cli, [*base, "show", "m-1"])
    refused = runner.invoke(cli, [*base, "replay"])
    replayed = runner.invoke(cli, [*base, "replay", "m-1", "--output", "json"])
    discarded = runner.invoke(cli, [*base, "discard", "--error", "bad row", "--yes"])
    after = runner.invoke(cli, [*base, "list", "--output", "json"])

    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["total"] == 3
    assert shown.exit_code == 0
    assert "HTTP 500 from the warehouse" in shown.stdout
    assert isinstance(refused.exception, InvalidRequestError)
    assert refused.exception.hint is not None
    assert "--all" in refused.exception.hint
    assert json.loads(replayed.stdout)["ids"] == ["m-1"]
    assert discarded.exit_code == 0
    assert "1 dead letter discarded" in discarded.stdout
    assert [x["id"] for x in json.loads(after.stdout)["items"]] == ["m-2"]
