"""Liveness and readiness of a served project."""

from __future__ import annotations

import platform

from pydantic import BaseModel

from interloom import __version__
from interloom.core.errors import InterloomError
from interloom.services.workspace import Workspace


class VersionInfo(BaseModel):
    """What is running."""

    version: str
    api: str = "v1"
    python: str


class Readiness(BaseModel):
    """Whether the server can do its work, check by check."""

    ready: bool
    checks: dict[str, str]


def version_info() -> VersionInfo:
    """The running Interloom's version."""
    return VersionInfo(version=__version__, python=platform.python_version())


async def readiness(workspace: Workspace) -> Readiness:
    """Ready when the database answers and the project's definitions are loaded."""
    checks = {"project": "ok" if workspace.load.ok else "invalid"}
    try:
        await workspace.database.ping()
        checks["database"] = "ok"
    except InterloomError as error:
        checks["database"] = f"{error.code}: {error.message}"
    return Readiness(ready=all(v == "ok" for v in checks.values()), checks=checks)
