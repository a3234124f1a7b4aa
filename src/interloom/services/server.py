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

from interloom.services.workspace import Workspace, open_workspace

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """What ``interloom serve`` was asked to serve."""

    root: Path
    database_url: str | None = None
    watch: bool = True


def _is_definition(path: str, root: Path) -> bool:
    relative = Path(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix()
    return not relative.startswith((".interloom/", "../", ".git/"))


async def _watch(workspace: Workspace, stop: asyncio.Event) -> None:
    """Reload the project whenever one of its definition files changes."""
    async for changes in awatch(workspace.root, stop_event=stop, debounce=300, recursive=True):
        if any(_is_definition(path, workspace.root) for _, path in changes):
            workspace.reload()


@contextlib.asynccontextmanager
async def serving(config: ServerConfig) -> AsyncIterator[Workspace]:
    """The open workspace for the lifetime of a server, reloaded when files change."""
    workspace = await open_workspace(config.root, database_url_override=config.database_url)
    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch(workspace, stop)) if config.watch else None
    try:
        yield workspace
    finally:
        stop.set()
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await workspace.close()
        log.info("project.closed", project=workspace.project.name)
