"""The landscape as a graph: systems, the interfaces they provide, and who consumes them.

Nodes are systems, interfaces and flows, identified by their references (``system:crm``,
``interface:crm.customers.get``, ``flow:order-to-wms``). Edges always run from the actor to the
interface it acts on:

- ``provides``: a system exposes the interface (declared under ``interfaces:``);
- ``consumes``: a system calls an interface of another system (declared under ``consumes:``);
- ``reads``: a flow's source receives from the interface;
- ``writes``: a flow's sink delivers to the interface;
- ``calls``: a step of a flow calls or checks against the interface (enrich, validate…), when
  the flow does not already read or write it.

The consumers of an interface are the systems that consume it and the flows that read, write or
call it. References that name nothing (a project with errors) add no edge.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.catalog import InterfaceStyle, Lifecycle, SystemKind
from interloom.core.flows.definition import Flow
from interloom.core.project import Project
from interloom.core.refs import Ref, RefKind


class NodeKind(StrEnum):
    """What a node of the landscape stands for."""

    SYSTEM = "system"
    INTERFACE = "interface"
    FLOW = "flow"


class EdgeKind(StrEnum):
    """How an actor (system or flow) relates to an interface."""

    PROVIDES = "provides"
    CONSUMES = "consumes"
    READS = "reads"
    WRITES = "writes"
    CALLS = "calls"


CONSUMING_EDGES = frozenset({EdgeKind.CONSUMES, EdgeKind.READS, EdgeKind.WRITES, EdgeKind.CALLS})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Node(_Model):
    """A system, interface or flow; fields that do not apply to its kind are null."""

    id: str = Field(description="Its reference.", examples=["interface:crm.customers.get"])
    kind: NodeKind
    name: str
    owner: str | None = Field(default=None, description="The team that answers for it.")
    system: str | None = Field(default=None, description="Interfaces: the providing system.")
    system_kind: SystemKind | None = Field(default=None, description="Systems: what it is for.")
    style: InterfaceStyle | None = None
    lifecycle: Lifecycle | None = Field(
        default=None, description="Interfaces: the state now (the latest recorded, else declared)."
    )
    operation: str | None = None
    contract: str | None = None
    version: int | None = Field(default=None, description="Flows: the flow's version.")
    tags: list[str] = Field(default_factory=list)


class Edge(_Model):
    """An actor's relation to an interface."""

    source: str = Field(description="The system or flow.", examples=["flow:order-to-wms"])
    target: str = Field(description="The interface.", examples=["interface:crm.customers.get"])
    kind: EdgeKind
    steps: list[str] = Field(
        default_factory=list, description="Flows: ids of the steps that use the interface."
    )


class Landscape(_Model):
    """Every system, interface and flow of a project, and the edges between them."""

    project: str
    nodes: list[Node]
    edges: list[Edge]

    def node(self, ident: str) -> Node | None:
        """The node with this reference, if any."""
        return next((n for n in self.nodes if n.id == ident), None)

    def nodes_of(self, kind: NodeKind) -> list[Node]:
        """The nodes of one kind, in file order."""
        return [n for n in self.nodes if n.kind is kind]

    def edges_of(self, kind: EdgeKind) -> list[Edge]:
        """The edges of one kind."""
        return [e for e in self.edges if e.kind is kind]

    def interfaces_of(self, system_ref: str) -> list[Node]:
        """The interfaces a system provides, in file order."""
        provided = {e.target for e in self.edges if e.kind is EdgeKind.PROVIDES}
        system_id = Ref.parse(system_ref).id
        return [
            n
            for n in self.nodes
            if n.kind is NodeKind.INTERFACE and n.system == system_id and n.id in provided
        ]

    def consumers(self, interface_ref: str) -> list[str]:
        """References of the systems, then the flows, that consume an interface."""
        return consumers_by_interface(self).get(interface_ref, [])


def consumers_by_interface(landscape: Landscape) -> dict[str, list[str]]:
    """Interface reference to its consumers: systems first, then flows, each in file order."""
    found: dict[str, list[str]] = {}
    for wanted in (NodeKind.SYSTEM, NodeKind.FLOW):
        for edge in landscape.edges:
            if edge.kind in CONSUMING_EDGES and edge.source.startswith(f"{wanted}:"):
                consumers = found.setdefault(edge.target, [])
                if edge.source not in consumers:
                    consumers.append(edge.source)
    return found


def _flow_edges(flow: Flow, known: set[str]) -> Iterator[Edge]:
    source = str(Ref(RefKind.FLOW, flow.id))
    uses: dict[tuple[str, EdgeKind], list[str]] = {}
    if flow.source.interface is not None:
        uses[(flow.source.interface, EdgeKind.READS)] = []
    for sink in flow.sinks:
        if sink.interface is not None:
            uses.setdefault((sink.interface, EdgeKind.WRITES), [])
    for step in flow.steps:
        if step.interface is None:
            continue
        same = [key for key in uses if key[0] == step.interface and key[1] is not EdgeKind.CALLS]
        for key in same or [(step.interface, EdgeKind.CALLS)]:
            uses.setdefault(key, []).append(step.id)
    for (target, kind), steps in uses.items():
        if target in known:
            yield Edge(source=source, target=target, kind=kind, steps=steps)


def build_landscape(
    project: Project, lifecycles: Mapping[str, Lifecycle] | None = None
) -> Landscape:
    """The landscape of ``project``; ``lifecycles`` (interface ref → state) override the files."""
    states = lifecycles or {}
    nodes: list[Node] = []
    edges: list[Edge] = []
    for loaded in project.systems:
        system = loaded.model
        system_ref = str(Ref(RefKind.SYSTEM, system.id))
        nodes.append(
            Node(
                id=system_ref,
                kind=NodeKind.SYSTEM,
                name=system.name,
                owner=system.owner.team,
                system_kind=system.kind,
                tags=list(system.tags),
            )
        )
        for interface in system.interfaces:
            ref = str(Ref.interface(system.id, interface.id))
            nodes.append(
                Node(
                    id=ref,
                    kind=NodeKind.INTERFACE,
                    name=interface.name,
                    owner=system.owner_of(interface).team,
                    system=system.id,
                    style=interface.style,
                    lifecycle=states.get(ref, interface.lifecycle),
                    operation=interface.operation,
                    contract=interface.contract,
                    tags=list(interface.tags),
                )
            )
            edges.append(Edge(source=system_ref, target=ref, kind=EdgeKind.PROVIDES))
    known = {n.id for n in nodes if n.kind is NodeKind.INTERFACE}
    for loaded in project.systems:
        system_ref = str(Ref(RefKind.SYSTEM, loaded.model.id))
        for target in dict.fromkeys(loaded.model.consumes):
            if target in known:
                edges.append(Edge(source=system_ref, target=target, kind=EdgeKind.CONSUMES))
    for loaded_flow in project.flows:
        flow = loaded_flow.model
        nodes.append(
            Node(
                id=str(Ref(RefKind.FLOW, flow.id)),
                kind=NodeKind.FLOW,
                name=flow.name,
                owner=flow.owner.team if flow.owner else None,
                version=flow.version,
            )
        )
        edges.extend(_flow_edges(flow, known))
    return Landscape(project=project.name, nodes=nodes, edges=edges)
