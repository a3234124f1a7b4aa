"""The readiness of a system's interfaces (the feasibility review)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from interloom.api.dependencies import WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES
from interloom.core.readiness import SystemReadiness
from interloom.services.readiness import assess_system_readiness

router = APIRouter(prefix="/api/v1", tags=["catalog"], responses=ERROR_RESPONSES)

SystemId = Annotated[str, Path(description="System id", examples=["crm"], max_length=200)]


@router.get(
    "/systems/{system_id}/readiness",
    response_model=SystemReadiness,
    summary="Assess a system's readiness",
)
async def get_readiness(workspace: WorkspaceDep, system_id: SystemId) -> SystemReadiness:
    """Every interface of the system scored per criterion, the system's score, grade and gaps."""
    return await assess_system_readiness(workspace, system_id)
