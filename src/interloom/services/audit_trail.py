"""Reading the audit log: who changed what, when, from what to what."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from interloom.services.workspace import Workspace
from interloom.storage.audit import count_audit_entries, list_audit_entries


class AuditEntryView(BaseModel):
    """One change made through the services."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    occurred_at: dt.datetime
    actor: str
    action: str = Field(examples=["interface.lifecycle.set"])
    entity: str = Field(examples=["interface:crm.customers.get"])
    before: Any = None
    after: Any = None
    request_id: str | None = None


class AuditPage(BaseModel):
    """A page of audit entries, newest first, with the total matching the filter."""

    items: list[AuditEntryView]
    total: int
    limit: int
    offset: int


async def list_audit(
    workspace: Workspace,
    *,
    entity: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> AuditPage:
    """Audit entries matching the filters, newest first."""
    async with workspace.database.session() as session:
        entries = await list_audit_entries(
            session, entity=entity, actor=actor, limit=limit, offset=offset
        )
        total = await count_audit_entries(session, entity=entity, actor=actor)
    items = [AuditEntryView.model_validate(entry) for entry in entries]
    return AuditPage(items=items, total=total, limit=limit, offset=offset)
