"""The management API application: routes, error model and the workspace's lifespan."""

from __future__ import annotations

import gc
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from interloom import __version__
from interloom.api import (
    audit,
    catalog,
    connectors,
    contract_impact,
    dead_letters,
    flow_recording,
    flows,
    health,
    landscape,
    metrics,
    plan,
    plan_management,
    project,
    readiness,
)
from interloom.api.errors import install_error_handlers
from interloom.observability.logging import LogFormat, configure_logging
from interloom.services.metrics import count_metrics
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
            app.state.data_plane = workspace.flows.data_plane
            yield

    app = FastAPI(
        title="Interloom management API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.authenticator = authenticator or OpenAccess()
    install_error_handlers(app)
    for module in (
        health,
        project,
        catalog,
        landscape,
        readiness,
        contract_impact,
        flows,
        flow_recording,
        dead_letters,
        connectors,
        audit,
        metrics,
    ):
        app.include_router(module.router)
    app.include_router(plan.router)
    app.include_router(plan_management.router)
    return app


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, built without opening a project."""
    app = create_app(ServerConfig(root=Path(".")))  # the lifespan, which opens it, never runs
    return app.openapi()


MANAGEMENT_PREFIXES = (
    "/api/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/docs",
    "/redoc",
    "/openapi.json",
)


class ServerApp:
    """One server for both planes: management paths go to the API, the rest to the flows."""

    def __init__(self, management: FastAPI, *, settle_memory: bool = False) -> None:
        self.management = management
        self.settle_memory = settle_memory

    def fast_route(self, method: str, path: str) -> tuple[Any, Any] | None:
        """The data plane and flow answering this request without an ASGI cycle, or None.

        Asked by the HTTP protocol (``api.http_protocol``) once a request's headers are in.
        """
        plane = getattr(self.management.state, "data_plane", None)
        if plane is None or path.startswith(MANAGEMENT_PREFIXES):
            return None
        flow = plane.fast_route(method, path)
        return None if flow is None else (plane, flow)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Dispatch on the path, without any framework in the data plane's way."""
        if scope["type"] == "http" and not scope["path"].startswith(MANAGEMENT_PREFIXES):
            await self.management.state.data_plane(scope, receive, send)
        elif scope["type"] == "lifespan" and self.settle_memory:
            await self.management(scope, receive, _settling_after_startup(send))
        else:
            await self.management(scope, receive, send)


# A relayed message allocates a few dozen short-lived containers; at the default threshold
# (700) the collector ran every ~20 messages and its older generations, holding the whole
# loaded project, took up to 4 ms a pass (tail latency). Raised, and with what startup built
# frozen out of the collector's way, a pass runs every few hundred messages over young
# objects only. (Frozen objects are still freed when their last reference goes; only cycles
# among them, e.g. flows replaced by a reload, wait for the process to end.)
_GC_THRESHOLDS = (10_000, 20, 100)


def _settling_after_startup(send: Any) -> Any:
    async def settling(message: Any) -> None:
        await send(message)
        if message.get("type") == "lifespan.startup.complete":
            gc.collect()
            gc.freeze()
            gc.set_threshold(*_GC_THRESHOLDS)

    return settling


def create_server_app(
    config: ServerConfig, *, authenticator: Authenticator | None = None
) -> ServerApp:
    """The app ``interloom serve`` runs: management API and data plane."""
    return ServerApp(create_app(config, authenticator=authenticator))


SERVE_CONFIG_ENV_VAR = "INTERLOOM_SERVE_CONFIG"


def app_from_environment() -> ServerApp:
    """The server app of a worker process, configured by ``$INTERLOOM_SERVE_CONFIG`` (JSON).

    ``interloom serve`` runs uvicorn with this factory: each worker process builds its own
    app from the same settings; with several, they count metrics in one shared folder.
    """
    settings = json.loads(os.environ[SERVE_CONFIG_ENV_VAR])
    configure_logging(LogFormat(settings["log_format"]), settings["log_level"])
    folder = settings.get("metrics_folder")
    count_metrics(Path(folder) if folder else None)  # before anything is observed
    started = settings.get("started_at")
    config = ServerConfig(
        root=Path(settings["root"]),
        database_url=settings.get("database_url"),
        watch=bool(settings.get("watch", True)),
        record=tuple(settings.get("record") or ()),
        started_at=datetime.fromisoformat(started) if started else None,
    )
    return ServerApp(create_app(config), settle_memory=True)
