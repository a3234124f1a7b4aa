"""Systems and interfaces of the project."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from interloom.api.dependencies import PrincipalDep, WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES
from interloom.core.catalog import InterfaceStyle, Lifecycle
from interloom.services import catalog
from interloom.services.catalog import InterfaceView, SystemDetail, SystemSummary

router = APIRouter(prefix="/api/v1", tags=["catalog"], responses=ERROR_RESPONSES)

SystemId = Annotated[str, Path(description="System id", examples=["crm"], max_length=200)]
InterfaceRefPath = Annotated[
    str,
    Path(description="SYSTEM.INTERFACE, e.g. crm.customers.get", max_length=400),
]


class LifecycleChange(BaseModel):
    """A new lifecycle state for an interface."""

    model_config = ConfigDict(extra="forbid")

    lifecycle: Lifecycle


@router.get("/systems", response_model=list[SystemSummary], summary="List systems")
async def list_systems(workspace: WorkspaceDep) -> list[SystemSummary]:
    """Every system of the project."""
    return await catalog.list_systems(workspace)


@router.get("/systems/{system_id}", response_model=SystemDetail, summary="Get a system")
async def get_system(workspace: WorkspaceDep, system_id: SystemId) -> SystemDetail:
    """One system with its interfaces."""
    return await catalog.get_system(workspace, system_id)


@router.get("/interfaces", response_model=list[InterfaceView], summary="List interfaces")
async def list_interfaces(
    workspace: WorkspaceDep,
    system: Annotated[str | None, Query(description="Only this system's", max_length=200)] = None,
    style: InterfaceStyle | None = None,
    lifecycle: Lifecycle | None = None,
) -> list[InterfaceView]:
    """Interfaces, filtered by system, style and current lifecycle state."""
    return await catalog.list_interfaces(workspace, system=system, style=style, lifecycle=lifecycle)


@router.get("/interfaces/{ref}", response_model=InterfaceView, summary="Get an interface")
async def get_interface(workspace: WorkspaceDep, ref: InterfaceRefPath) -> InterfaceView:
    """One interface, by SYSTEM.INTERFACE."""
    return await catalog.get_interface(workspace, ref)


@router.put(
    "/interfaces/{ref}/lifecycle",
    response_model=InterfaceView,
    summary="Set an interface's lifecycle state",
)
async def set_lifecycle(
    workspace: WorkspaceDep, principal: PrincipalDep, ref: InterfaceRefPath, change: LifecycleChange
) -> InterfaceView:
    """Record a new lifecycle state (audited)."""
    return await catalog.set_interface_lifecycle(
        workspace, ref, change.lifecycle, actor=principal.id
    )
