"""The landscape as Graphviz DOT: clusters per system, lifecycle colours, legend, escaping."""

from __future__ import annotations

import re
from pathlib import Path

from interloom.core.catalog import InterfaceStyle, Lifecycle, SystemKind
from interloom.core.landscape import Edge, EdgeKind, Landscape, Node, NodeKind, build_landscape
from interloom.formats.landscape_dot import LIFECYCLE_STYLES, landscape_dot, quote
from interloom.services.project import load_project

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "retail"


def small() -> Landscape:
    return Landscape(
        project="shop",
        nodes=[
            Node(
                id="system:crm",
                kind=NodeKind.SYSTEM,
                name='CRM "classic"',
                owner="Sales\\IT",
                system_kind=SystemKind.CRM,
            ),
            Node(
                id="interface:crm.customers.get",
                kind=NodeKind.INTERFACE,
                name="Get",
                system="crm",
                style=InterfaceStyle.REST,
                lifecycle=Lifecycle.RETIRED,
            ),
            Node(
                id="system:erp",
                kind=NodeKind.SYSTEM,
                name="ERP",
                owner="Finance",
                system_kind=SystemKind.ERP,
            ),
            Node(id="flow:sync", kind=NodeKind.FLOW, name="Sync", version=2),
        ],
        edges=[
            Edge(source="system:crm", target="interface:crm.customers.get", kind=EdgeKind.PROVIDES),
            Edge(source="system:erp", target="interface:crm.customers.get", kind=EdgeKind.CONSUMES),
            Edge(
                source="flow:sync",
                target="interface:crm.customers.get",
                kind=EdgeKind.READS,
                steps=["check"],
            ),
        ],
    )


def test_quote_escapes_quotes_backslashes_and_newlines() -> None:
    assert quote('a "b" \\c\nd') == '"a \\"b\\" \\\\c\\nd"'


def test_each_system_is_a_cluster_holding_its_interfaces() -> None:
    dot = landscape_dot(small())

    crm = dot[dot.index('subgraph "cluster_crm"') : dot.index('subgraph "cluster_erp"')]
    assert '"interface:crm.customers.get" [' in crm
    assert '"system:crm" [' in crm
    assert 'label="CRM \\"classic\\"\\ncrm · owner Sales\\\\IT"' in crm
    assert '"system:erp" [' in dot[dot.index('subgraph "cluster_erp"') :]


def test_lifecycle_shows_as_fill_style_and_label() -> None:
    dot = landscape_dot(small())

    fill, extra, border, _ = LIFECYCLE_STYLES[Lifecycle.RETIRED]
    line = next(
        row for row in dot.splitlines() if row.strip().startswith('"interface:crm.customers.get" [')
    )
    assert f'fillcolor="{fill}"' in line
    assert f'style="rounded,filled,{extra}"' in line
    assert f'color="{border}"' in line
    assert "rest · retired" in line


def test_edges_run_the_way_data_goes_and_provides_is_drawn_by_the_cluster() -> None:
    dot = landscape_dot(small())
    edges = re.findall(r'^\s*("[^"]+") -> ("[^"]+") \[.*class="(\w+)"', dot, re.M)

    assert edges == [
        ('"system:erp"', '"interface:crm.customers.get"', "consumes"),
        ('"interface:crm.customers.get"', '"flow:sync"', "reads"),
    ]
    assert 'tooltip="reads; steps: check"' in dot


def test_the_legend_shows_every_state_and_edge_kind() -> None:
    dot = landscape_dot(small())
    legend = dot[dot.index('subgraph "cluster_legend"') :]

    for state in Lifecycle:
        assert f'"legend:{state}"' in legend
    for kind in ("reads", "writes", "calls", "consumes"):
        assert f'"legend:{kind}:from" -> "legend:{kind}:to"' in legend


def test_the_output_is_deterministic() -> None:
    example = build_landscape(load_project(EXAMPLE).project)

    assert landscape_dot(example) == landscape_dot(example)
