"""The landscape graph: every definition a node, every declared relation an edge."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from interloom.core.catalog import Lifecycle, System
from interloom.core.flows.definition import Flow
from interloom.core.landscape import (
    EdgeKind,
    Landscape,
    NodeKind,
    build_landscape,
    consumers_by_interface,
)
from interloom.core.project import Loaded, Project, ProjectSettings, SourceMap
from interloom.services.project import load_project

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "retail"


def system(
    ident: str, interfaces: Sequence[str] = (), consumes: Sequence[str] = (), **more: Any
) -> Loaded[System]:
    model = System.model_validate(
        {
            "id": ident,
            "name": ident.upper(),
            "kind": "other",
            "owner": {"team": f"{ident} team"},
            "interfaces": [
                {"id": i, "name": i, "style": "rest", "contract": "contracts/x.yaml"}
                for i in interfaces
            ],
            "consumes": list(consumes),
            **more,
        }
    )
    return Loaded(model, SourceMap(f"systems/{ident}.yaml"))


def flow(
    ident: str,
    source: str | None = None,
    sinks: Sequence[str | None] = (None,),
    steps: Sequence[tuple[str, str | None]] = (),
) -> Loaded[Flow]:
    model = Flow.model_validate(
        {
            "id": ident,
            "name": ident.title(),
            "source": {"connector": "http", "interface": source},
            "steps": [{"id": s, "kind": "enrich", "interface": ref} for s, ref in steps],
            "sinks": [{"connector": "http", "interface": ref} for ref in sinks],
        }
    )
    return Loaded(model, SourceMap(f"flows/{ident}.yaml"))


def project(systems: Sequence[Loaded[System]], flows: Sequence[Loaded[Flow]] = ()) -> Project:
    settings_model = ProjectSettings.model_validate({"name": "shop", "environments": {"dev": {}}})
    return Project(
        settings=Loaded(settings_model, SourceMap("interloom.yaml")),
        systems=tuple(systems),
        flows=tuple(flows),
    )


def edges(landscape: Landscape, kind: EdgeKind) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in landscape.edges_of(kind)}


# --- the example project ---------------------------------------------------------------------


def test_every_system_interface_and_flow_of_the_example_is_a_node() -> None:
    example = load_project(EXAMPLE).project

    landscape = build_landscape(example)

    assert landscape.project == "retail"
    assert [n.id for n in landscape.nodes_of(NodeKind.SYSTEM)] == [
        f"system:{s.model.id}" for s in example.systems
    ]
    assert [n.id for n in landscape.nodes_of(NodeKind.INTERFACE)] == [
        f"interface:{s.id}.{i.id}" for s, i in example.interfaces()
    ]
    assert [n.id for n in landscape.nodes_of(NodeKind.FLOW)] == [
        f"flow:{f.model.id}" for f in example.flows
    ]
    assert len({n.id for n in landscape.nodes}) == len(landscape.nodes)


def test_the_example_edges_are_the_declared_relations() -> None:
    example = load_project(EXAMPLE).project

    landscape = build_landscape(example)

    assert edges(landscape, EdgeKind.PROVIDES) == {
        (f"system:{s.id}", f"interface:{s.id}.{i.id}") for s, i in example.interfaces()
    }
    assert edges(landscape, EdgeKind.CONSUMES) == {
        (f"system:{s.model.id}", ref) for s in example.systems for ref in s.model.consumes
    }
    assert edges(landscape, EdgeKind.READS) == {
        ("flow:invoice-on-payment", "interface:payments.intents.captured"),
        ("flow:order-to-wms", "interface:erp.orders.created"),
        ("flow:shipment-to-crm", "interface:wms.shipments.dispatched"),
        ("flow:stock-to-erp", "interface:wms.stock.file"),
    }
    assert edges(landscape, EdgeKind.WRITES) == {
        ("flow:invoice-on-payment", "interface:erp.invoices.create"),
        ("flow:order-to-wms", "interface:wms.shipments.create"),
        ("flow:shipment-to-crm", "interface:crm.activities.create"),
        ("flow:shipment-to-crm", "interface:erp.orders.status.update"),
        ("flow:stock-to-erp", "interface:erp.stock.levels.update"),
    }
    # Enrichment calls; validate steps check what the flow already reads.
    assert edges(landscape, EdgeKind.CALLS) == {
        ("flow:invoice-on-payment", "interface:erp.orders.get"),
        ("flow:order-to-wms", "interface:crm.customers.get"),
        ("flow:shipment-to-crm", "interface:erp.orders.get"),
    }


def test_the_consumers_of_an_example_interface_are_systems_then_flows() -> None:
    landscape = build_landscape(load_project(EXAMPLE).project)

    assert landscape.consumers("interface:crm.customers.get") == [
        "system:erp",
        "flow:order-to-wms",
    ]
    assert landscape.consumers("interface:erp.orders.get") == [
        "system:wms",
        "flow:invoice-on-payment",
        "flow:shipment-to-crm",
    ]
    assert landscape.consumers("interface:crm.customers.update") == []


def test_interface_nodes_carry_owner_style_lifecycle_and_contract() -> None:
    landscape = build_landscape(load_project(EXAMPLE).project)

    node = landscape.node("interface:wms.stock.list")

    assert node is not None
    assert (node.kind, node.system, node.owner) == (NodeKind.INTERFACE, "wms", "Logistics IT")
    assert (node.style, node.lifecycle) == ("rest", Lifecycle.DEPRECATED)
    assert (node.contract, node.operation) == ("contracts/wms.openapi.yaml", "listStock")


# --- rules -----------------------------------------------------------------------------------


def test_recorded_lifecycles_override_the_declared_ones() -> None:
    shop = project([system("crm", ["customers.get"])])

    landscape = build_landscape(shop, {"interface:crm.customers.get": Lifecycle.RETIRED})

    node = landscape.node("interface:crm.customers.get")
    assert node is not None
    assert node.lifecycle is Lifecycle.RETIRED
    assert build_landscape(shop).nodes[1].lifecycle is Lifecycle.DRAFT


def test_an_interface_owner_overrides_the_system_owner() -> None:
    crm = System.model_validate(
        {
            "id": "crm",
            "name": "CRM",
            "kind": "crm",
            "owner": {"team": "Sales IT"},
            "interfaces": [
                {
                    "id": "customers.get",
                    "name": "Get",
                    "style": "rest",
                    "contract": "contracts/x.yaml",
                    "owner": {"team": "Customer API team", "person": "Ana"},
                },
                {"id": "customers.list", "name": "List", "style": "rest", "contract": "c.yaml"},
            ],
        }
    )
    landscape = build_landscape(project([Loaded(crm, SourceMap("systems/crm.yaml"))]))

    owners = [n.owner for n in landscape.nodes_of(NodeKind.INTERFACE)]
    assert owners == ["Customer API team", "Sales IT"]


def test_a_step_on_an_interface_the_flow_reads_joins_the_read_edge() -> None:
    shop = project(
        [system("erp", ["orders.created", "orders.get"]), system("wms", ["shipments.create"])],
        [
            flow(
                "sync",
                source="interface:erp.orders.created",
                sinks=["interface:wms.shipments.create"],
                steps=[
                    ("check", "interface:erp.orders.created"),
                    ("order", "interface:erp.orders.get"),
                    ("again", "interface:erp.orders.get"),
                    ("body", "interface:wms.shipments.create"),
                ],
            )
        ],
    )

    landscape = build_landscape(shop)

    by_kind = {e.kind: (e.target, e.steps) for e in landscape.edges if e.source == "flow:sync"}
    assert by_kind == {
        EdgeKind.READS: ("interface:erp.orders.created", ["check"]),
        EdgeKind.WRITES: ("interface:wms.shipments.create", ["body"]),
        EdgeKind.CALLS: ("interface:erp.orders.get", ["order", "again"]),
    }


def test_references_to_nothing_add_no_edge() -> None:
    shop = project(
        [system("crm", ["customers.get"], consumes=["interface:erp.orders.gone"])],
        [flow("sync", source="interface:erp.nothing", sinks=["interface:crm.customers.get"])],
    )

    landscape = build_landscape(shop)

    assert edges(landscape, EdgeKind.CONSUMES) == set()
    assert edges(landscape, EdgeKind.READS) == set()
    assert edges(landscape, EdgeKind.WRITES) == {("flow:sync", "interface:crm.customers.get")}


def test_a_system_without_interfaces_or_a_flow_without_interfaces_is_still_a_node() -> None:
    landscape = build_landscape(project([system("legacy")], [flow("tick")]))

    assert [n.id for n in landscape.nodes] == ["system:legacy", "flow:tick"]
    assert landscape.edges == []


# --- properties ------------------------------------------------------------------------------

SYSTEM_IDS = ["crm", "erp", "wms"]
INTERFACE_IDS = ["a.get", "a.list", "b.created"]
REFS = [f"interface:{s}.{i}" for s in SYSTEM_IDS for i in INTERFACE_IDS] + ["interface:zz.none"]


@st.composite
def projects(draw: st.DrawFn) -> Project:
    systems = []
    for ident in draw(st.lists(st.sampled_from(SYSTEM_IDS), unique=True)):
        interfaces = draw(st.lists(st.sampled_from(INTERFACE_IDS), unique=True))
        others = [r for r in REFS if not r.startswith(f"interface:{ident}.")]
        consumes = draw(st.lists(st.sampled_from(others), max_size=4))
        systems.append(system(ident, interfaces, consumes))
    optional_ref = st.none() | st.sampled_from(REFS)
    flows = [
        flow(
            f"flow-{n}",
            source=draw(optional_ref),
            sinks=draw(st.lists(optional_ref, min_size=1, max_size=3)),
            steps=[
                (f"s{k}", ref) for k, ref in enumerate(draw(st.lists(optional_ref, max_size=4)))
            ],
        )
        for n in range(draw(st.integers(0, 3)))
    ]
    return project(systems, flows)


@settings(max_examples=150, deadline=None)
@given(projects())
def test_the_graph_holds_every_definition_and_only_edges_to_its_interfaces(shop: Project) -> None:
    landscape = build_landscape(shop)

    interfaces = {f"interface:{s.id}.{i.id}" for s, i in shop.interfaces()}
    node_ids = [n.id for n in landscape.nodes]
    assert len(node_ids) == len(set(node_ids))
    assert set(node_ids) == (
        {f"system:{s.model.id}" for s in shop.systems}
        | interfaces
        | {f"flow:{f.model.id}" for f in shop.flows}
    )
    keys = [(e.source, e.target, e.kind) for e in landscape.edges]
    assert len(keys) == len(set(keys))
    assert {e.target for e in landscape.edges} <= interfaces
    # Each interface is provided by its own system, once.
    provided = sorted(e.target for e in landscape.edges_of(EdgeKind.PROVIDES))
    assert provided == sorted(interfaces)
    for edge in landscape.edges_of(EdgeKind.PROVIDES):
        assert edge.target.startswith(f"interface:{edge.source.removeprefix('system:')}.")
    # A flow never "calls" what it already reads or writes.
    data = {
        (e.source, e.target) for e in landscape.edges if e.kind in (EdgeKind.READS, EdgeKind.WRITES)
    }
    assert not {(e.source, e.target) for e in landscape.edges_of(EdgeKind.CALLS)} & data


@settings(max_examples=150, deadline=None)
@given(projects())
def test_consumers_are_exactly_the_declaring_systems_and_the_referencing_flows(
    shop: Project,
) -> None:
    landscape = build_landscape(shop)
    consumers = consumers_by_interface(landscape)

    for system_, interface in shop.interfaces():
        ref = f"interface:{system_.id}.{interface.id}"
        systems = [f"system:{s.model.id}" for s in shop.systems if ref in s.model.consumes]
        flows = [
            f"flow:{f.model.id}"
            for f in shop.flows
            if ref
            in {
                f.model.source.interface,
                *(s.interface for s in f.model.sinks),
                *(s.interface for s in f.model.steps),
            }
        ]
        assert consumers.get(ref, []) == systems + flows
        assert landscape.consumers(ref) == systems + flows
