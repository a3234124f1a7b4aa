"""The flows of the project and their counters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from interloom.api.dependencies import PrincipalDep, WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES
from interloom.services import flow_control
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


class FlowControl(BaseModel):
    """Why a flow is paused or resumed (kept in the audit log)."""

    reason: str | None = Field(default=None, max_length=1000)


@router.post("/flows/{flow_id}/pause", response_model=FlowStatus, summary="Pause a flow")
async def pause_flow(
    workspace: WorkspaceDep,
    principal: PrincipalDep,
    flow_id: Annotated[str, Path(max_length=200)],
    control: FlowControl | None = None,
) -> FlowStatus:
    """Pause a flow in every server of the project: its HTTP source answers 503 with
    Retry-After, its other sources stop reading, its persisted messages wait (no try counted).
    409 if it is paused already."""
    reason = control.reason if control is not None else None
    await flow_control.pause_flow(workspace, flow_id, actor=principal.id, reason=reason)
    return await workspace.flows.status(flow_id)


@router.post("/flows/{flow_id}/resume", response_model=FlowStatus, summary="Resume a flow")
async def resume_flow(
    workspace: WorkspaceDep,
    principal: PrincipalDep,
    flow_id: Annotated[str, Path(max_length=200)],
    control: FlowControl | None = None,
) -> FlowStatus:
    """Resume a paused flow; what waited in the store is delivered. 409 if it runs."""
    reason = control.reason if control is not None else None
    await flow_control.resume_flow(workspace, flow_id, actor=principal.id, reason=reason)
    return await workspace.flows.status(flow_id)
