"""Flows built from connectors: compile errors located in the flow file, a webhook flow, and a
file source delivering through the durable store into a SQL table, exactly once."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from interloom.core.errors import InterloomError
from interloom.core.problems import Code
from interloom.runtime.pipeline import compile_flow
from interloom.services.flow_runtime import FlowRuntime, FlowState
from interloom.services.project import load_project, open_project
from interloom.storage.database import Database
from interloom.storage.message_store import open_message_store

from .conftest import RecordingSink

SECRET = "s3cr3t-for-tests"


def _project(root: Path, flows: dict[str, str]) -> Path:
    (root / "flows").mkdir(parents=True)
    (root / "interloom.yaml").write_text("name: connectors\nenvironments:\n  dev: {}\n", "utf-8")
    for name, text in flows.items():
        (root / "flows" / f"{name}.yaml").write_text(textwrap.dedent(text), "utf-8")
    return root


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


# --- compile errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message", "line", "hint"),
    [
        (
            "  connector: shedule\n  config: {interval_seconds: 5}\n",
            "flow 'f' source.connector: no source connector 'shedule'",
            4,
            "did you mean 'schedule'?",
        ),
        (
            "  connector: schedule\n  config:\n    interval_second: 5\n",
            "flow 'f' source.config.interval_second: Extra inputs are not permitted",
            6,
            "did you mean 'interval_seconds'?",
        ),
        (
            "  connector: schedule\n  config:\n    cron: every day\n",
            "flow 'f' source.config.cron: Value error, 'every day' is not a cron expression",
            6,
            None,
        ),
    ],
)
def test_a_connector_error_names_the_flow_file_line_and_field(
    tmp_path: Path, source: str, message: str, line: int, hint: str | None
) -> None:
    text = f"id: f\nname: F\nsource:\n{source}sinks:\n  - connector: http\n    config: {{url: http://x}}\n"
    root = _project(tmp_path, {"f": text})
    load = load_project(root)
    [loaded] = load.project.flows

    with pytest.raises(InterloomError) as raised:
        compile_flow(loaded.model, root, {}, source_map=loaded.source)

    error = raised.value
    assert error.code == "E-FLOW-002"
    assert error.message.startswith(message)
    assert error.location is not None
    assert (error.location.file, error.location.line) == ("flows/f.yaml", line)
    assert error.hint == hint
    # interloom validate reports the same, as a problem of the file.
    [problem] = load.problems
    assert problem.code in (Code.UNKNOWN_CONNECTOR, Code.CONNECTOR_CONFIG)
    assert (problem.file, problem.line, problem.hint) == ("flows/f.yaml", line, hint)
    assert error.message == f"flow 'f' {problem.path}: {problem.message}"


def test_a_source_connector_used_as_a_sink_is_reported(tmp_path: Path) -> None:
    text = """\
        id: f
        name: F
        source: {connector: schedule, config: {interval_seconds: 5}}
        sinks:
          - connector: webhook
        """
    root = _project(tmp_path, {"f": text})
    [loaded] = load_project(root).project.flows

    with pytest.raises(InterloomError, match="no sink connector 'webhook'") as raised:
        compile_flow(loaded.model, root, {}, source_map=loaded.source)

    assert raised.value.hint is not None
    assert raised.value.hint.startswith("'webhook' is a source only; sinks: file, http, sql")


def test_validate_checks_settings_as_written_without_the_environment(tmp_path: Path) -> None:
    text = """\
        id: f
        name: F
        source: {connector: webhook, config: {path: /hooks, secret: "${SECRET_OF_PROD}"}}
        sinks:
          - connector: sql
            config: {url: "${WMS_DB}", table: stock, mode: upsert}
          - connector: smtp
        """
    root = _project(tmp_path, {"f": text})

    problems = [(p.code, p.line, p.path, p.message) for p in load_project(root).problems]

    assert problems == [
        (
            Code.CONNECTOR_CONFIG,
            6,
            "sinks[0].config",
            "Value error, mode upsert needs 'key': the columns of the table's unique key",
        ),
        (Code.UNKNOWN_CONNECTOR, 7, "sinks[1].connector", "no sink connector 'smtp'"),
    ]


def test_a_flow_that_cannot_be_built_is_unavailable_with_the_reason(tmp_path: Path) -> None:
    text = """\
        id: f
        name: F
        source: {connector: webhook, config: {path: /hooks, secret: "${NO_SUCH_SECRET}"}}
        sinks: [{connector: http, config: {url: "http://x"}}]
        """
    root = _project(tmp_path, {"f": text})
    runtime = FlowRuntime()

    runtime.load(open_project(root).project, root)

    assert runtime.unavailable["f"][1].startswith(
        "flow 'f' source.config.secret: Value error, the secret is empty: if it is written "
        "${VAR}, set that environment variable"
    )


# --- a webhook flow on the data plane ---------------------------------------------------------


WEBHOOK_FLOW = """\
    id: hooks
    name: Signed hooks
    source:
      connector: webhook
      config:
        path: /hooks/erp
        secret: ${ERP_HOOK_SECRET}
        signature_header: X-Signature
        signature_prefix: "sha256="
    sinks:
      - connector: http
        config: {url: "${SINK_URL}"}
    """


async def test_a_webhook_flow_refuses_a_bad_signature_with_401_and_relays_a_good_one(
    tmp_path: Path, sink: RecordingSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERP_HOOK_SECRET", SECRET)
    monkeypatch.setenv("SINK_URL", sink.url)
    root = _project(tmp_path, {"hooks": WEBHOOK_FLOW})
    runtime = FlowRuntime()
    runtime.load(open_project(root).project, root)
    body = b'{"event": "order.created", "id": "SO-1"}'
    good = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    transport = httpx.ASGITransport(app=runtime.data_plane)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://relay") as client:
            headers = {"content-type": "application/json"}
            forged = await client.post(
                "/hooks/erp", content=body, headers={**headers, "X-Signature": "sha256=00"}
            )
            unsigned = await client.post("/hooks/erp", content=body, headers=headers)
            accepted = await client.post(
                "/hooks/erp", content=body, headers={**headers, "X-Signature": good}
            )
    finally:
        await runtime.close()

    assert forged.status_code == 401
    assert forged.json() == {
        "error": "unauthorized",
        "code": "E-WEBHOOK-001",
        "message": "the X-Signature header does not match the body",
        "hint": "sign the exact body with HMAC-SHA256 and the shared secret",
    }
    assert unsigned.status_code == 401
    assert unsigned.json()["message"] == "the request has no X-Signature header"
    assert accepted.status_code == 202
    assert sink.bodies() == [{"event": "order.created", "id": "SO-1"}]


# --- file source -> durable store -> SQL sink -------------------------------------------------


FILE_TO_SQL = """\
    id: stock-import
    name: Stock files into the warehouse database
    source:
      connector: file
      config:
        path: inbox
        pattern: "*.csv"
        interval_seconds: 0.05
        min_age_seconds: 0
    steps:
      - id: typed
        kind: map
        config:
          fields:
            sku: sku
            qty: $number(qty)
    sinks:
      - connector: sql
        config:
          url: ${WMS_DB}
          table: stock
    error_policy:
      max_attempts: 2
      backoff_initial_seconds: 0.05
      jitter: 0
    """


@pytest.fixture
async def wms(database_url: str) -> AsyncIterator[Database]:
    """The warehouse database the flow writes to (on each backend)."""
    async with Database.from_url(database_url) as database:
        await database.migrate()  # Interloom's own tables live beside the stock table here
        async with database.engine.begin() as connection:
            await connection.execute(
                sa.text("CREATE TABLE stock (sku VARCHAR(20) PRIMARY KEY, qty INTEGER NOT NULL)")
            )
        yield database


async def _stock(wms: Database) -> list[tuple[str, int]]:
    async with wms.engine.connect() as connection:
        rows = await connection.execute(sa.text("SELECT sku, qty FROM stock ORDER BY sku"))
        return [(row[0], row[1]) for row in rows]


async def test_files_flow_through_the_durable_store_into_sql_once_and_bad_files_fail(
    tmp_path: Path, wms: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WMS_DB", database_url)
    root = _project(tmp_path / "project", {"stock-import": FILE_TO_SQL})
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "stock-1.csv").write_text("sku,qty\nA-1,5\nB-2,7\n", "utf-8")
    (inbox / "stock-2.csv").write_text("sku,qty\nC-3,1,extra\n", "utf-8")

    runtime = FlowRuntime()
    runtime.load(open_project(root).project, root)
    store = await open_message_store(database_url)
    await runtime.start_delivery(store, lease_seconds=5, idle_wait=0.05)
    await runtime.start_sources(wms, lease_seconds=5)
    try:

        async def imported() -> bool:
            return await _stock(wms) == [("A-1", 5), ("B-2", 7)]

        await _eventually(imported)
        assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["stock-1.csv"]
        assert (
            (inbox / "failed" / "stock-2.csv.error")
            .read_text("utf-8")
            .startswith("stock-2.csv:2: 3 fields where the header has 2")
        )

        # The same file again (a crash before it was moved, say): same ids, no second effect.
        (inbox / "stock-1.csv").write_text("sku,qty\nA-1,5\nB-2,7\n", "utf-8")

        async def processed_again() -> bool:
            return len(list((inbox / "processed").iterdir())) == 2

        await _eventually(processed_again)

        async def settled() -> bool:
            status = await runtime.status("stock-import")
            return status.in_flight == 0 and status.received >= 2

        await _eventually(settled)
        status = await runtime.status("stock-import")
        assert status.state is FlowState.RUNNING
        assert (status.source, status.route, status.source_state) == ("file", None, "running")
        assert status.delivered == status.received
        assert await _stock(wms) == [("A-1", 5), ("B-2", 7)]
        async with wms.engine.connect() as connection:
            keys = await connection.execute(sa.text("SELECT count(*) FROM interloom_sink_effects"))
            assert keys.scalar_one() == 2
    finally:
        await runtime.close()


# --- reloading the project ---------------------------------------------------------------------


TICKS = """\
    id: ticks
    name: Ticks
    source:
      connector: schedule
      config: {interval_seconds: INTERVAL, body: {job: refresh}}
    sinks:
      - connector: file
        config: {path: out}
    """


async def test_a_reload_restarts_a_changed_source_and_keeps_an_unchanged_one(
    tmp_path: Path, database: Database, database_url: str
) -> None:
    root = _project(tmp_path / "project", {"ticks": TICKS.replace("INTERVAL", "0.05")})
    runtime = FlowRuntime()
    runtime.load(open_project(root).project, root)
    await runtime.start_delivery(await open_message_store(database_url), idle_wait=0.05)
    await runtime.start_sources(database, lease_seconds=5)
    try:
        assert runtime.sources is not None
        sources = runtime.sources
        [(_, before)] = sources.runners.values()

        async def written() -> bool:
            return len(list((root / "out").glob("*.json"))) >= 2

        await _eventually(written)
        # The server reloads from its file watcher's thread.
        await asyncio.to_thread(runtime.load, open_project(root).project, root)
        await asyncio.sleep(0.2)
        assert sources.runners["ticks"][1] is before  # same settings: it goes on

        flow_file = root / "flows" / "ticks.yaml"
        flow_file.write_text(textwrap.dedent(TICKS.replace("INTERVAL", "3600")), "utf-8")
        await asyncio.to_thread(runtime.load, open_project(root).project, root)

        async def replaced() -> bool:
            runner = sources.runners["ticks"][1]
            return runner is not before and runner.status.state.value == "running"

        await _eventually(replaced)
        assert before.status.state.value == "stopped"
    finally:
        await runtime.close()
