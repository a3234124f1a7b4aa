"""What the top-level options give every command."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from interloom.services.project import resolve_project_dir
from interloom.services.workspace import Workspace, workspace_session

T = TypeVar("T")


@dataclass(slots=True)
class CliState:
    """Options given before the command name."""

    project: Path | None = None
    database_url: str | None = None
    log_format: str = "console"
    log_level: str = "warning"

    @property
    def root(self) -> Path:
        """The project directory the command works on."""
        return resolve_project_dir(self.project)

    def with_workspace(self, action: Callable[[Workspace], Awaitable[T]]) -> T:
        """Open the project, run ``action`` on it, close it."""

        async def run() -> T:
            async with workspace_session(self.root, database_url_override=self.database_url) as ws:
                return await action(ws)

        return asyncio.run(run())
