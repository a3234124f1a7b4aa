"""Serving a project: open its workspace, watch its files, close it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import structlog
from watchfiles import awatch

from interloom.core.project import SETTINGS_FILE, RuntimeSettings
from interloom.observability.tracing import configure_tracing, shutdown_tracing
from interloom.services.flow_control import follow_flow_controls, paused_flows
from interloom.services.flow_counters import SharedFlowCounters
from interloom.services.flow_recording import follow_recording_switches, start_recordings
from interloom.services.metrics import shared_metrics_folder
from interloom.services.workspace import Workspace, database_url, open_workspace
from interloom.storage.message_store import open_message_store
from interloom.storage.processor_state import ProcessorState

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """What ``interloom serve`` was asked to serve."""

    root: Path
    database_url: str | None = None
    watch: bool = True
    record: tuple[str, ...] = ()  # FLOW=FILE: record these flows' inputs from the start
    # When the run began, before its worker processes: recording switches made since apply.
    started_at: datetime | None = None


_DEFINITION_FOLDERS = ("systems/", "flows/", "plan/", "contracts/")


def _is_definition(path: str, root: Path) -> bool:
    """Whether a changed path is one the project is read from (not its database, say)."""
    relative = Path(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix()
    return relative == SETTINGS_FILE or relative.startswith(_DEFINITION_FOLDERS)


async def _watch(workspace: Workspace, stop: asyncio.Event) -> None:
    """Reload the project whenever one of its definition files changes."""
    async for changes in awatch(workspace.root, stop_event=stop, debounce=300, recursive=True):
        if not any(_is_definition(path, workspace.root) for _, path in changes):
            continue
        try:
            # Reading the files is blocking work: keep the event loop serving meanwhile.
            await asyncio.to_thread(workspace.reload)
        except Exception:  # a reload must never stop the watching
            log.exception("project.reload.failed", project=str(workspace.root))


def _share_flow_counters(workspace: Workspace, stop: asyncio.Event) -> asyncio.Task[None] | None:
    """With several worker processes, count the flows' messages across all of them."""
    folder = shared_metrics_folder()
    if folder is None:
        return None
    shared = SharedFlowCounters(folder, workspace.flows)
    workspace.flows.counters_of = shared.counters_of
    return asyncio.create_task(shared.follow(stop))


@contextlib.asynccontextmanager
async def serving(config: ServerConfig) -> AsyncIterator[Workspace]:
    """The open workspace for the lifetime of a server, reloaded when files change."""
    started_at = config.started_at or datetime.now(UTC)
    workspace = await open_workspace(config.root, database_url_override=config.database_url)
    _start_tracing(workspace)  # before the flows compile: their steps get spans if it is on
    workspace.flows.load(workspace.project, workspace.root)
    if config.record:
        start_recordings(workspace.flows, workspace.root, config.record)
    settings = workspace.load.project.settings
    runtime = settings.model.runtime if settings is not None else RuntimeSettings()
    store = await open_message_store(
        database_url(workspace.load, config.database_url),
        base_dir=workspace.root,
        migrate=False,
        retention_seconds=runtime.key_retention_seconds,
    )
    await workspace.flows.start_delivery(
        store,
        lease_seconds=runtime.lease_seconds,
        concurrency=runtime.delivery_concurrency,
        idle_wait=runtime.poll_seconds,
        state=ProcessorState(workspace.database),  # aggregator groups, dedupe keys
    )
    # Paused flows stay paused across restarts, before any source reads.
    workspace.flows.set_paused(await paused_flows(workspace))
    # Schedules, polls, folders and queries: run by one server process at a time (a lease).
    await workspace.flows.start_sources(workspace.database, lease_seconds=runtime.lease_seconds)
    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch(workspace, stop)) if config.watch else None
    controls = asyncio.create_task(follow_flow_controls(workspace, stop))
    recordings = asyncio.create_task(follow_recording_switches(workspace, stop, since=started_at))
    counting = _share_flow_counters(workspace, stop)
    try:
        yield workspace
    finally:
        stop.set()
        await controls
        await recordings
        if counting is not None:
            await counting
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        workspace.flows.data_plane.recorders.close()
        await workspace.close()
        shutdown_tracing()  # the spans still batched are exported now
        log.info("project.closed", project=workspace.project.name)


def _start_tracing(workspace: Workspace) -> None:
    """Turn tracing on if the environment or ``runtime.otlp_endpoint`` names an exporter."""
    settings = workspace.load.project.settings
    endpoint = settings.model.runtime.otlp_endpoint if settings is not None else None
    if configure_tracing(endpoint=endpoint):
        log.info("tracing.enabled", service=os.environ.get("OTEL_SERVICE_NAME", "interloom"))
