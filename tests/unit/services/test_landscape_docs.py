"""docs/landscape.dot is generated from examples/retail, and docs/landscape.svg drawn from it.

Regenerate both with:

    interloom --project examples/retail catalog graph --declared --format dot \
        --output-file docs/landscape.dot
    interloom --project examples/retail catalog graph --declared --format svg \
        --output-file docs/landscape.svg
"""

from __future__ import annotations

from pathlib import Path

from defusedxml import ElementTree

from interloom.core.landscape import EdgeKind
from interloom.services.landscape import declared_landscape, dot_digest, dot_text, svg_stamp

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "retail"
DOT = ROOT / "docs" / "landscape.dot"
SVG = ROOT / "docs" / "landscape.svg"
REGENERATE = "regenerate docs/landscape.dot and docs/landscape.svg (see this test's docstring)"


def test_the_committed_dot_is_the_example_landscape() -> None:
    assert DOT.read_text("utf-8") == dot_text(declared_landscape(EXAMPLE)), REGENERATE


def test_the_committed_svg_was_drawn_from_the_committed_dot() -> None:
    svg = SVG.read_text("utf-8")

    assert svg_stamp(svg) == dot_digest(DOT.read_text("utf-8")), REGENERATE


def test_the_committed_svg_draws_every_definition_and_relation_of_the_example() -> None:
    root = ElementTree.fromstring(SVG.read_bytes())
    titles = {t.text for t in root.iter("{http://www.w3.org/2000/svg}title")}
    landscape = declared_landscape(EXAMPLE)

    assert {n.id for n in landscape.nodes} <= titles
    for edge in landscape.edges:
        if edge.kind is EdgeKind.PROVIDES:  # drawn as the system's cluster
            assert f"cluster_{edge.source.removeprefix('system:')}" in titles
        elif edge.kind is EdgeKind.READS:  # drawn the way the data goes
            assert f"{edge.target}->{edge.source}" in titles
        else:
            assert f"{edge.source}->{edge.target}" in titles
