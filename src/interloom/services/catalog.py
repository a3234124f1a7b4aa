"""Reading the landscape (systems, interfaces) and recording interface lifecycle changes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.catalog import (
    AuthKind,
    Interface,
    InterfaceStyle,
    Lifecycle,
    Owner,
    System,
    SystemKind,
)
from interloom.core.errors import NotFoundError
from interloom.core.landscape import build_landscape, consumers_by_interface
from interloom.core.project import Project
from interloom.core.refs import Ref, RefKind
from interloom.core.suggestions import did_you_mean
from interloom.services.workspace import Workspace
from interloom.storage.audit import add_audit_entry
from interloom.storage.interface_states import (
    get_interface_state,
    list_interface_states,
    set_interface_state,
)


class View(BaseModel):
    """Base of the read models the services hand to the API and the CLI."""

    model_config = ConfigDict(frozen=True)


class OwnerView(View):
    """Who answers for a system."""

    team: str
    person: str | None = None
    email: str | None = None


class InterfaceView(View):
    """An interface as callers see it, with its lifecycle state now."""

    ref: str = Field(examples=["interface:crm.customers.get"])
    id: str
    system: str
    name: str
    style: InterfaceStyle
    contract: str
    operation: str | None
    lifecycle: Lifecycle = Field(description="The state now: the latest recorded, else declared.")
    declared_lifecycle: Lifecycle = Field(description="The state written in the system's file.")
    owner: OwnerView = Field(description="Its own owner, else the system's.")
    description: str | None
    tags: list[str]
    consumed_by: list[str] = Field(description="References of the systems and flows calling it.")


class SystemSummary(View):
    """One line of the systems list."""

    ref: str = Field(examples=["system:crm"])
    id: str
    name: str
    kind: SystemKind
    owner: OwnerView
    auth: AuthKind
    environments: list[str]
    interface_count: int


class SystemDetail(SystemSummary):
    """A system with everything declared about it."""

    description: str | None
    base_urls: dict[str, str]
    auth_description: str | None
    tags: list[str]
    interfaces: list[InterfaceView]
    consumes: list[str]


def _consumers(project: Project) -> dict[str, list[str]]:
    """Interface reference to the references of whoever consumes it."""
    return consumers_by_interface(build_landscape(project))


def _owner_view(owner: Owner) -> OwnerView:
    return OwnerView(team=owner.team, person=owner.person, email=owner.email)


def _interface_view(
    system: System,
    interface: Interface,
    states: dict[str, Lifecycle],
    consumers: dict[str, list[str]],
) -> InterfaceView:
    ref = str(Ref.interface(system.id, interface.id))
    return InterfaceView(
        ref=ref,
        id=interface.id,
        system=system.id,
        name=interface.name,
        style=interface.style,
        contract=interface.contract,
        operation=interface.operation,
        lifecycle=states.get(ref, interface.lifecycle),
        declared_lifecycle=interface.lifecycle,
        owner=_owner_view(system.owner_of(interface)),
        description=interface.description,
        tags=list(interface.tags),
        consumed_by=consumers.get(ref, []),
    )


def _summary_fields(system: System) -> dict[str, object]:
    return {
        "ref": str(Ref(RefKind.SYSTEM, system.id)),
        "id": system.id,
        "name": system.name,
        "kind": system.kind,
        "owner": _owner_view(system.owner),
        "auth": system.auth.kind,
        "environments": list(system.base_urls),
        "interface_count": len(system.interfaces),
    }


async def recorded_lifecycles(workspace: Workspace) -> dict[str, Lifecycle]:
    """Interface reference to its latest recorded lifecycle state (only those ever changed)."""
    async with workspace.database.session() as session:
        return {
            s.interface_ref: Lifecycle(s.lifecycle) for s in await list_interface_states(session)
        }


async def list_systems(workspace: Workspace) -> list[SystemSummary]:
    """Every system of the project, in file order."""
    return [
        SystemSummary.model_validate(_summary_fields(s.model)) for s in workspace.project.systems
    ]


def find_system(project: Project, system_id: str) -> System:
    """The system with this id; :class:`NotFoundError` naming the closest id otherwise."""
    system = project.system(system_id)
    if system is None:
        known = [s.model.id for s in project.systems]
        raise NotFoundError(f"no system '{system_id}'", hint=did_you_mean(system_id, known))
    return system


async def get_system(workspace: Workspace, system_id: str) -> SystemDetail:
    """One system with its interfaces; :class:`NotFoundError` names the closest id."""
    project = workspace.project
    system = find_system(project, system_id)
    states = await recorded_lifecycles(workspace)
    consumers = _consumers(project)
    return SystemDetail.model_validate(
        {
            **_summary_fields(system),
            "description": system.description,
            "base_urls": dict(system.base_urls),
            "auth_description": system.auth.description,
            "tags": list(system.tags),
            "interfaces": [
                _interface_view(system, i, states, consumers) for i in system.interfaces
            ],
            "consumes": list(system.consumes),
        }
    )


async def list_interfaces(
    workspace: Workspace,
    *,
    system: str | None = None,
    style: InterfaceStyle | None = None,
    lifecycle: Lifecycle | None = None,
) -> list[InterfaceView]:
    """Interfaces of the project, filtered by system, style and current lifecycle state."""
    project = workspace.project
    if system is not None:
        find_system(project, system)
    states = await recorded_lifecycles(workspace)
    consumers = _consumers(project)
    views = [
        _interface_view(s, i, states, consumers)
        for s, i in project.interfaces()
        if system is None or s.id == system
    ]
    return [
        v
        for v in views
        if (style is None or v.style is style) and (lifecycle is None or v.lifecycle is lifecycle)
    ]


def _find_interface(project: Project, ref: str) -> tuple[System, Interface]:
    ident = ref.removeprefix(f"{RefKind.INTERFACE}:")
    found = project.interface(ident)
    if found is None:
        known = [f"{s.id}.{i.id}" for s, i in project.interfaces()]
        match = did_you_mean(ident, known)
        raise NotFoundError(f"no interface '{ident}'", hint=match)
    return found


async def get_interface(workspace: Workspace, ref: str) -> InterfaceView:
    """One interface by ``SYSTEM.ID`` or ``interface:SYSTEM.ID``."""
    project = workspace.project
    system, interface = _find_interface(project, ref)
    states = await recorded_lifecycles(workspace)
    return _interface_view(system, interface, states, _consumers(project))


async def set_interface_lifecycle(
    workspace: Workspace, ref: str, lifecycle: Lifecycle, *, actor: str
) -> InterfaceView:
    """Record a new lifecycle state for an interface, with its audit entry, in one transaction."""
    project = workspace.project
    system, interface = _find_interface(project, ref)
    full_ref = str(Ref.interface(system.id, interface.id))
    async with workspace.database.transaction() as session:
        previous = await get_interface_state(session, full_ref)
        before = previous.lifecycle if previous is not None else interface.lifecycle.value
        if before == lifecycle.value:  # nothing changes, so nothing is recorded
            return await get_interface(workspace, full_ref)
        await set_interface_state(session, full_ref, lifecycle.value, actor)
        await add_audit_entry(
            session,
            actor=actor,
            action="interface.lifecycle.set",
            entity=full_ref,
            before={"lifecycle": before},
            after={"lifecycle": lifecycle.value},
        )
    return await get_interface(workspace, full_ref)
