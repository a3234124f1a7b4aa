"""The landscape as Graphviz DOT: one cluster per system, flows between, lifecycle as colour.

Each system is a cluster holding a node for the system and one per interface it provides (so
``provides`` edges are drawn by containment, not as lines). Interfaces are filled by lifecycle
state, which their label also names, for readers who do not tell the colours apart. Data runs
left to right: a flow's source interface points at the flow, the flow at its sinks; the
interfaces its steps call, and the interfaces systems consume, hang off dotted and dashed lines.
A legend cluster shows every state and edge style. The output is deterministic (file order), so
a committed ``.dot`` file can be checked for currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from interloom.core.catalog import Lifecycle
from interloom.core.landscape import Edge, EdgeKind, Landscape, Node, NodeKind

FONT = "Helvetica"

# Lifecycle state → fill colour, extra style, border colour, font colour.
LIFECYCLE_STYLES: dict[Lifecycle, tuple[str, str, str, str]] = {
    Lifecycle.DRAFT: ("#ffffff", "dashed", "#666666", "#333333"),
    Lifecycle.MOCKED: ("#fff2cc", "", "#b59a2b", "#000000"),
    Lifecycle.CONFORMANT: ("#dae8fc", "", "#6c8ebf", "#000000"),
    Lifecycle.LOAD_TESTED: ("#d5e8d4", "", "#82b366", "#000000"),
    Lifecycle.PUBLISHED: ("#93c47d", "bold", "#38761d", "#000000"),
    Lifecycle.DEPRECATED: ("#f8cecc", "", "#b85450", "#000000"),
    Lifecycle.RETIRED: ("#eeeeee", "dotted", "#999999", "#888888"),
}

# Edge kind → drawing attributes (``provides`` is drawn by the clusters).
EDGE_STYLES: dict[EdgeKind, dict[str, str]] = {
    EdgeKind.CONSUMES: {"style": "dashed", "color": "#8e44ad", "arrowhead": "open"},
    EdgeKind.READS: {"color": "#1f77b4", "penwidth": "1.6"},
    EdgeKind.WRITES: {"color": "#2ca02c", "penwidth": "1.6"},
    EdgeKind.CALLS: {"style": "dotted", "color": "#e67e22", "penwidth": "1.4"},
}

EDGE_MEANINGS: dict[EdgeKind, str] = {
    EdgeKind.CONSUMES: "system consumes",
    EdgeKind.READS: "flow reads from",
    EdgeKind.WRITES: "flow writes to",
    EdgeKind.CALLS: "flow step calls",
}


def quote(text: str) -> str:
    """A DOT double-quoted string holding ``text`` literally."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r\n", "\n").replace("\n", "\\n") + '"'


class _Quoted(str):
    """DOT text already quoted (a label of several lines)."""

    __slots__ = ()


def _label(*lines: str | None) -> _Quoted:
    """A label of several lines (DOT ``\\n`` between them); empty lines are dropped."""
    kept = [line for line in lines if line]
    return _Quoted('"' + "\\n".join(quote(line)[1:-1] for line in kept) + '"')


def _value(value: str) -> str:
    return value if isinstance(value, _Quoted) else quote(value)


def _attributes(attributes: dict[str, str]) -> str:
    return "[" + ", ".join(f"{key}={_value(value)}" for key, value in attributes.items()) + "]"


def _interface_attributes(node: Node) -> dict[str, str]:
    state = node.lifecycle or Lifecycle.DRAFT
    fill, extra, border, font = LIFECYCLE_STYLES[state]
    local = node.id.removeprefix(f"interface:{node.system}.")
    return {
        "label": _label(local, node.name, f"{node.style} · {state}"),
        "shape": "box",
        "style": ",".join(s for s in ("rounded", "filled", extra) if s),
        "fillcolor": fill,
        "color": border,
        "fontcolor": font,
        "tooltip": _label(node.id, f"operation: {node.operation}" if node.operation else None),
    }


def _system_lines(landscape: Landscape, system: Node, indent: str) -> Iterator[str]:
    system_id = system.id.removeprefix("system:")
    yield f"{indent}subgraph {quote(f'cluster_{system_id}')} {{"
    inner = indent + "  "
    cluster = {
        "label": _label(system.name, f"{system.system_kind} · owner {system.owner}"),
        "style": "rounded,filled",
        "fillcolor": "#f7f7f7",
        "color": "#9e9e9e",
        "fontsize": "12",
    }
    for key, value in cluster.items():
        yield f"{inner}{key}={_value(value)};"
    header = {
        "label": _label(system.id),
        "shape": "tab",
        "style": "filled",
        "fillcolor": "#e0e0e0",
        "color": "#616161",
    }
    yield f"{inner}{quote(system.id)} {_attributes(header)};"
    for interface in landscape.interfaces_of(system.id):
        yield f"{inner}{quote(interface.id)} {_attributes(_interface_attributes(interface))};"
    yield f"{indent}}}"


def _flow_attributes(flow: Node) -> dict[str, str]:
    return {
        "label": _label(flow.name, f"{flow.id} · v{flow.version}"),
        "shape": "cds",
        "style": "filled",
        "fillcolor": "#cfe2f3",
        "color": "#3d85c6",
        "margin": "0.15,0.05",
    }


def _edge_line(edge: Edge, indent: str) -> str:
    attributes = {**EDGE_STYLES[edge.kind], "class": edge.kind.value}
    if edge.steps:
        attributes["tooltip"] = f"{edge.kind.value}; steps: {', '.join(edge.steps)}"
    else:
        attributes["tooltip"] = edge.kind.value
    # Data runs from a source interface into its flow: draw that edge the way the data goes.
    tail, head = (
        (edge.target, edge.source) if edge.kind is EdgeKind.READS else (edge.source, edge.target)
    )
    return f"{indent}{quote(tail)} -> {quote(head)} {_attributes(attributes)};"


def _legend_lines(indent: str) -> Iterator[str]:
    inner = indent + "  "
    yield f'{indent}subgraph "cluster_legend" {{'
    yield f'{inner}label="Legend"; style="rounded"; color="#bdbdbd"; fontsize="11";'
    previous = None
    for state, (fill, extra, border, font) in LIFECYCLE_STYLES.items():
        name = quote(f"legend:{state}")
        style = ",".join(s for s in ("rounded", "filled", extra) if s)
        attributes = {
            "label": str(state),
            "shape": "box",
            "style": style,
            "fillcolor": fill,
            "color": border,
            "fontcolor": font,
        }
        yield f"{inner}{name} {_attributes(attributes)};"
        if previous is not None:  # invisible edges keep the states in their order
            yield f'{inner}{previous} -> {name} [style="invis"];'
        previous = name
    for kind in (EdgeKind.READS, EdgeKind.WRITES, EdgeKind.CALLS, EdgeKind.CONSUMES):
        tail, head = quote(f"legend:{kind}:from"), quote(f"legend:{kind}:to")
        for point in (tail, head):
            yield f'{inner}{point} [shape="point", width="0.06", color="#616161"];'
        attributes = {**EDGE_STYLES[kind], "label": EDGE_MEANINGS[kind]}
        yield f"{inner}{tail} -> {head} {_attributes(attributes)};"
    yield f"{indent}}}"


def landscape_dot(landscape: Landscape, *, title: str | None = None) -> str:
    """The landscape as a Graphviz ``digraph`` (text ending with a newline)."""
    heading = title or f"Landscape of {landscape.project or 'the project'}"
    lines = [
        f"// {heading}: systems with their interfaces, flows, consumers.",
        "// Generated by Interloom (interloom catalog graph --format dot); do not edit.",
        "digraph landscape {",
    ]
    graph = {
        "label": heading,
        "labelloc": "t",
        "fontname": FONT,
        "fontsize": "16",
        "rankdir": "LR",
        "compound": "true",
        "newrank": "true",
        "nodesep": "0.25",
        "ranksep": "1.1",
    }
    lines.append(f"  graph {_attributes(graph)};")
    lines.append(f'  node [fontname="{FONT}", fontsize="10"];')
    lines.append(f'  edge [fontname="{FONT}", fontsize="9"];')
    for system in landscape.nodes_of(NodeKind.SYSTEM):
        lines.extend(_system_lines(landscape, system, "  "))
    for flow in landscape.nodes_of(NodeKind.FLOW):
        lines.append(f"  {quote(flow.id)} {_attributes(_flow_attributes(flow))};")
    lines.extend(_edge_lines(landscape.edges, "  "))
    lines.extend(_legend_lines("  "))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _edge_lines(edges: Iterable[Edge], indent: str) -> Iterator[str]:
    for edge in edges:
        if edge.kind is not EdgeKind.PROVIDES:
            yield _edge_line(edge, indent)
