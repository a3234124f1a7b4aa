"""The flows of the project and their counters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from interloom.api.dependencies import WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES
from interloom.services.flow_runtime import FlowStatus

router = APIRouter(prefix="/api/v1", tags=["flows"], responses=ERROR_RESPONSES)


@router.get("/flows", response_model=list[FlowStatus], summary="List flows")
async def list_flows(workspace: WorkspaceDep) -> list[FlowStatus]:
    """Every flow, whether it runs, and its counters."""
    return await workspace.flows.statuses()


@router.get("/flows/{flow_id}", response_model=FlowStatus, summary="Get a flow")
async def get_flow(
    workspace: WorkspaceDep, flow_id: Annotated[str, Path(max_length=200)]
) -> FlowStatus:
    """One flow's state and counters."""
    return await workspace.flows.status(flow_id)
