"""``interloom catalog graph``: the landscape as JSON, DOT and SVG (drawn by the real dot)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree
from typer.testing import CliRunner

from interloom.cli.main import app
from interloom.core.landscape import EdgeKind, build_landscape
from interloom.core.project import Project
from interloom.services.landscape import DOT_ENV_VAR, dot_digest, dot_text, svg_stamp
from interloom.services.project import load_project

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "retail"
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def retail(tmp_path: Path) -> Path:
    """A copy of examples/retail, with its database outside the project."""
    root = tmp_path / "retail"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".interloom", ".git*"))
    return root


@pytest.fixture
def model(retail: Path) -> Project:
    return load_project(retail).project


@pytest.fixture
def graph(runner: CliRunner, retail: Path, tmp_path: Path) -> Callable[..., Any]:
    """``graph(*args)``: run ``interloom catalog graph`` on the copy; the result."""
    database = f"sqlite:///{tmp_path / 'interloom.db'}"

    def run(*args: str, env: dict[str, str] | None = None) -> Any:
        base = ["--project", str(retail), "--database-url", database]
        return runner.invoke(app, [*base, *args], env=env)

    return run


@pytest.fixture(scope="module")
def dot_binary() -> str:
    found = shutil.which("dot")
    if found is None:
        pytest.fail("Graphviz dot is missing: run scripts/system-packages.sh", pytrace=False)
    return found


def svg_titles(svg: str) -> set[str]:
    root = ElementTree.fromstring(svg.encode("utf-8"))
    return {t.text or "" for t in root.iter(f"{SVG_NS}title")}


def test_json_lists_every_definition_and_every_declared_relation(
    graph: Callable[..., Any], model: Project
) -> None:
    result = graph("catalog", "graph")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    kinds = {node["id"]: node["kind"] for node in data["nodes"]}
    assert {i for i, k in kinds.items() if k == "system"} == {
        f"system:{s.model.id}" for s in model.systems
    }
    assert {i for i, k in kinds.items() if k == "interface"} == {
        f"interface:{s.id}.{i.id}" for s, i in model.interfaces()
    }
    assert {i for i, k in kinds.items() if k == "flow"} == {
        f"flow:{f.model.id}" for f in model.flows
    }
    consumes = {(e["source"], e["target"]) for e in data["edges"] if e["kind"] == "consumes"}
    assert consumes == {
        (f"system:{s.model.id}", ref) for s in model.systems for ref in s.model.consumes
    }
    assert {e["kind"] for e in data["edges"]} == {k.value for k in EdgeKind}
    assert data == json.loads(json.dumps(build_landscape(model).model_dump(mode="json")))


def test_dot_shows_the_state_now_and_declared_shows_the_files(
    graph: Callable[..., Any], model: Project
) -> None:
    changed = graph("interfaces", "set-lifecycle", "crm.customers.get", "retired")
    assert changed.exit_code == 0, changed.output

    now = graph("catalog", "graph", "--format", "dot")
    declared = graph("catalog", "graph", "--format", "dot", "--declared")

    assert now.exit_code == 0, now.output
    assert declared.stdout == dot_text(build_landscape(model))
    line = '"interface:crm.customers.get" [label="customers.get\\nGet a customer\\nrest · '
    assert f"{line}retired" in now.stdout
    assert f"{line}published" in declared.stdout


def test_svg_is_drawn_by_graphviz_and_names_every_node(
    graph: Callable[..., Any], model: Project, tmp_path: Path, dot_binary: str
) -> None:
    target = tmp_path / "out" / "landscape.svg"

    result = graph("catalog", "graph", "--format", "svg", "--output-file", str(target))

    assert result.exit_code == 0, result.output
    assert f"wrote {target} (4 systems, 30 interfaces, 4 flows, " in result.stdout
    svg = target.read_text("utf-8")
    assert svg_stamp(svg) == dot_digest(dot_text(build_landscape(model)))
    titles = svg_titles(svg)
    landscape = build_landscape(model)
    assert {n.id for n in landscape.nodes} <= titles
    drawn = [e for e in landscape.edges if e.kind is not EdgeKind.PROVIDES]
    for edge in drawn:
        tail, head = (
            (edge.target, edge.source)
            if edge.kind is EdgeKind.READS
            else (edge.source, edge.target)
        )
        assert f"{tail}->{head}" in titles


def test_without_graphviz_svg_is_a_coded_error_with_a_hint(
    console_script: Callable[..., Any],
    retail: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv(DOT_ENV_VAR, raising=False)

    result = console_script(
        "--project", str(retail), "--database-url", f"sqlite:///{tmp_path / 'i.db'}",
        "catalog", "graph", "--format", "svg",
    )  # fmt: skip

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error E-GRAPHVIZ-002 drawing SVG needs the Graphviz 'dot'")
    assert "apt-get install graphviz" in result.stderr
    assert "--format dot" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_configured_dot_that_does_not_exist_is_named_in_the_error(
    graph: Callable[..., Any], tmp_path: Path
) -> None:
    missing = str(tmp_path / "no-dot")

    result = graph("catalog", "graph", "--format", "svg", env={DOT_ENV_VAR: missing})

    assert result.exit_code == 1
    assert f"{DOT_ENV_VAR}='{missing}' names no program" in str(result.exception)


def test_dot_and_json_need_no_graphviz(
    graph: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    assert graph("catalog", "graph", "--format", "dot").exit_code == 0
    assert graph("catalog", "graph", "--format", "json").exit_code == 0


def test_an_unknown_format_is_refused(graph: Callable[..., Any]) -> None:
    result = graph("catalog", "graph", "--format", "png")

    assert result.exit_code == 2
    assert "png" in result.stderr
