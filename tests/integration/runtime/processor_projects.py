"""Projects of flows with processors, run by a FlowRuntime on a real message store."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from interloom.services.flow_runtime import FlowRuntime, FlowStatus
from interloom.services.project import open_project
from interloom.storage.message_store import open_message_store
from interloom.storage.processor_state import ProcessorState

FAST_RETRIES = """\
error_policy:
  max_attempts: 3
  backoff_initial_seconds: 0.05
  backoff_max_seconds: 0.1
  jitter: 0
"""


def write_project(root: Path, flows: dict[str, str]) -> Path:
    """A project directory holding these flows (flow id -> YAML)."""
    (root / "flows").mkdir(parents=True, exist_ok=True)
    (root / "interloom.yaml").write_text("name: processors\nenvironments:\n  dev: {}\n", "utf-8")
    for name, text in flows.items():
        (root / "flows" / f"{name}.yaml").write_text(textwrap.dedent(text), "utf-8")
    return root


@asynccontextmanager
async def running(root: Path, database_url: str | None = None) -> AsyncIterator[FlowRuntime]:
    """The project's flows, served and delivered; the store and state in one database."""
    url = database_url or f"sqlite:///{root / 'records.db'}"
    runtime = FlowRuntime()
    runtime.load(open_project(root).project, root)
    store = await open_message_store(url)
    state = await ProcessorState.open(url)
    await runtime.start_delivery(store, state=state, lease_seconds=5, idle_wait=0.05)
    try:
        yield runtime
    finally:
        await runtime.close()
        await state.close()


async def post(runtime: FlowRuntime, path: str, body: Any) -> httpx.Response:
    """POST a JSON body to the data plane."""
    transport = httpx.ASGITransport(app=runtime.data_plane)
    async with httpx.AsyncClient(transport=transport, base_url="http://relay") as client:
        return await client.post(path, json=body)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    """Wait until ``check`` holds."""
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


async def status(runtime: FlowRuntime, flow: str) -> FlowStatus:
    """The flow's status, whose counters must balance."""
    found = await runtime.status(flow)
    done = found.delivered + found.rejected + found.filtered + found.failed + found.dead_lettered
    assert found.received == done + found.in_flight, found
    return found
