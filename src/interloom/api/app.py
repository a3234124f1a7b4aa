"""The management API application: routes, error model and the workspace's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from interloom import __version__
from interloom.api import audit, catalog, health, project
from interloom.api.errors import install_error_handlers
from interloom.services.principal import Authenticator, OpenAccess
from interloom.services.server import ServerConfig, serving

DESCRIPTION = (
    "Manage an Interloom project: its systems, interfaces and records. "
    "Every failure answers with the same error body (code, message, status, location, hint)."
)


def create_app(config: ServerConfig, *, authenticator: Authenticator | None = None) -> FastAPI:
    """A FastAPI app serving the project named by ``config``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with serving(config) as workspace:
            app.state.workspace = workspace
            yield

    app = FastAPI(
        title="Interloom management API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.authenticator = authenticator or OpenAccess()
    install_error_handlers(app)
    for module in (health, project, catalog, audit):
        app.include_router(module.router)
    return app


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, built without opening a project."""
    app = create_app(ServerConfig(root=Path(".")))  # the lifespan, which opens it, never runs
    return app.openapi()
