"""Recording a flow's inputs: switch it on or off, see how far it got."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from interloom.api.dependencies import PrincipalDep, WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES
from interloom.services.flow_recording import (
    RecordingRequest,
    RecordingStatus,
    recording_status,
    switch_recording,
)

router = APIRouter(prefix="/api/v1", tags=["flows"], responses=ERROR_RESPONSES)

FlowId = Annotated[str, Path(max_length=200)]


@router.post(
    "/flows/{flow_id}/recording", response_model=RecordingStatus, summary="Record a flow's inputs"
)
async def set_flow_recording(
    workspace: WorkspaceDep, principal: PrincipalDep, flow_id: FlowId, request: RecordingRequest
) -> RecordingStatus:
    """Append each input the flow takes in to a recording file (`on: true`), or stop.

    The file (default `.interloom/recordings/FLOW-TIME.jsonl`) must be inside the project
    directory. A server with several worker processes records in every one of them (each
    follows the switch within a second), all to the one file.
    """
    return await switch_recording(workspace, flow_id, request, actor=principal.id)


@router.get(
    "/flows/{flow_id}/recording",
    response_model=RecordingStatus,
    summary="Get a flow's recording",
)
async def get_flow_recording(workspace: WorkspaceDep, flow_id: FlowId) -> RecordingStatus:
    """Whether the flow is being recorded, where to, and how many inputs so far."""
    return recording_status(workspace.flows, workspace.root, flow_id)
