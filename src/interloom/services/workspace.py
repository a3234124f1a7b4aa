"""The open project: its definitions, its database, and reloading when files change."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from interloom.core.problems import Problem
from interloom.core.project import Project, expand_variables
from interloom.services.flow_runtime import FlowRuntime
from interloom.services.project import ProjectLoad, load_project, open_project
from interloom.storage.database import Database

DATABASE_URL_ENV_VAR = "INTERLOOM_DATABASE_URL"

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class Workspace:
    """A project opened for serving: the last valid definitions and the records database."""

    root: Path
    load: ProjectLoad
    database: Database
    rejected: list[Problem] = field(default_factory=list)
    flows: FlowRuntime = field(default_factory=FlowRuntime)

    @property
    def project(self) -> Project:
        """The definitions in force (the last version of the files that had no error)."""
        return self.load.project

    def reload(self) -> bool:
        """Read the files again; keep the previous definitions when the new ones have errors."""
        candidate = load_project(self.root)
        if not candidate.ok:
            self.rejected = candidate.errors
            log.warning(
                "project.reload.rejected",
                project=str(self.root),
                errors=len(candidate.errors),
                first=candidate.errors[0].render(),
            )
            return False
        self.load = candidate
        self.rejected = []
        self.flows.load(candidate.project, self.root)
        log.info("project.reloaded", project=str(self.root), systems=len(candidate.project.systems))
        return True

    async def close(self) -> None:
        """Stop the flows and release the database connections."""
        await self.flows.close()
        await self.database.dispose()


def database_url(load: ProjectLoad, override: str | None = None) -> str:
    """The database URL: the override, else ``$INTERLOOM_DATABASE_URL``, else the project's."""
    if override:
        return override
    from_env = os.environ.get(DATABASE_URL_ENV_VAR)
    if from_env:
        return from_env
    settings = load.project.settings
    assert settings is not None  # an open project has valid settings
    return expand_variables(settings.model.database.url, os.environ)


async def open_workspace(root: Path, *, database_url_override: str | None = None) -> Workspace:
    """Open the project at ``root``, connect to its database and bring the schema up to date."""
    load = open_project(root)
    database = Database.from_url(database_url(load, database_url_override), base_dir=root)
    try:
        await database.migrate()
    except BaseException:
        await database.dispose()
        raise
    log.info(
        "project.opened",
        project=load.project.name,
        root=str(root),
        database=database.url,
        systems=len(load.project.systems),
    )
    return Workspace(root=root, load=load, database=database)


@contextlib.asynccontextmanager
async def workspace_session(
    root: Path, *, database_url_override: str | None = None
) -> AsyncIterator[Workspace]:
    """An open workspace for one command, closed when the command is done."""
    workspace = await open_workspace(root, database_url_override=database_url_override)
    try:
        yield workspace
    finally:
        await workspace.close()
