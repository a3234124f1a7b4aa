"""Serving a project: open its workspace, watch its files, close it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import structlog
from watchfiles import awatch

from interloom.core.project import SETTINGS_FILE, RuntimeSettings
from interloom.services.flow_control import follow_flow_controls, paused_flows
from interloom.services.flow_recording import start_recordings
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


@contextlib.asynccontextmanager
async def serving(config: ServerConfig) -> AsyncIterator[Workspace]:
    """The open workspace for the lifetime of a server, reloaded when files change."""
    workspace = await open_workspace(config.root, database_url_override=config.database_url)
    workspace.flows.load(workspace.project, workspace.root)
    if config.record:
        start_recordings(workspace.flows, workspace.root, config.record)
    store = await open_message_store(
        database_url(workspace.load, config.database_url), base_dir=workspace.root, migrate=False
    )
    settings = workspace.load.project.settings
    runtime = settings.model.runtime if settings is not None else RuntimeSettings()
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
    try:
        yield workspace
    finally:
        stop.set()
        await controls
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        workspace.flows.data_plane.recorders.close()
        await workspace.close()
        log.info("project.closed", project=workspace.project.name)
