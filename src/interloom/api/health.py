"""Liveness, readiness and version."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from interloom.api.dependencies import WorkspaceDep
from interloom.services.health import Readiness, VersionInfo, readiness, version_info

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    """The process is up."""

    status: str = "ok"


@router.get("/healthz", response_model=Liveness, summary="Liveness")
async def healthz() -> Liveness:
    """Answers as long as the process serves requests."""
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness",
    responses={503: {"model": Readiness, "description": "Not ready"}},
)
async def readyz(workspace: WorkspaceDep) -> JSONResponse:
    """Ready when the database answers and the project is loaded."""
    result = await readiness(workspace)
    return JSONResponse(result.model_dump(), status_code=200 if result.ready else 503)


@router.get("/api/v1/version", response_model=VersionInfo, summary="Version")
async def version() -> VersionInfo:
    """The running version of Interloom."""
    return version_info()
