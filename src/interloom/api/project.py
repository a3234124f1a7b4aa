"""The open project."""

from __future__ import annotations

from fastapi import APIRouter

from interloom.api.dependencies import WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES
from interloom.services.project_info import ProjectInfo, project_info

router = APIRouter(prefix="/api/v1", tags=["project"], responses=ERROR_RESPONSES)


@router.get("/project", response_model=ProjectInfo, summary="The open project")
async def get_project(workspace: WorkspaceDep) -> ProjectInfo:
    """Identity, environments, counts, warnings and rejected changes of the project."""
    return project_info(workspace)
