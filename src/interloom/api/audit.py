"""The audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from interloom.api.dependencies import WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES
from interloom.services.audit_trail import AuditPage, list_audit

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=ERROR_RESPONSES)


@router.get("/audit", response_model=AuditPage, summary="List audit entries")
async def list_entries(
    workspace: WorkspaceDep,
    entity: Annotated[
        str | None, Query(max_length=400, examples=["interface:crm.customers.get"])
    ] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> AuditPage:
    """Changes made through Interloom, newest first."""
    return await list_audit(workspace, entity=entity, actor=actor, limit=limit, offset=offset)
