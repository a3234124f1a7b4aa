"""The landscape graph and system readiness over the API, on each database backend."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient

from interloom.core.catalog import Lifecycle
from interloom.core.landscape import EdgeKind, Landscape, build_landscape
from interloom.core.project import Project
from interloom.core.readiness import CriterionId, SystemReadiness
from interloom.services.landscape import dot_digest, dot_text, svg_stamp
from interloom.services.project import load_project

from .support import EXAMPLE_SYSTEMS, assert_error


@pytest.fixture(scope="session")
def model(valid_example: Path) -> Project:
    return load_project(valid_example).project


# --- graph -----------------------------------------------------------------------------------


def test_the_graph_is_every_definition_and_relation_of_the_files(
    example_client: TestClient, model: Project
) -> None:
    response = example_client.get("/api/v1/catalog/graph")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    served = Landscape.model_validate(response.json())
    assert served == build_landscape(model)
    assert {n.id for n in served.nodes if n.kind == "system"} == {
        f"system:{s}" for s in EXAMPLE_SYSTEMS
    }
    assert {e.kind for e in served.edges} == set(EdgeKind)


def test_the_graph_shows_lifecycle_states_recorded_since(example_client: TestClient) -> None:
    changed = example_client.put(
        "/api/v1/interfaces/wms.stock.list/lifecycle", json={"lifecycle": "retired"}
    )
    assert changed.status_code == 200, changed.text

    served = Landscape.model_validate(example_client.get("/api/v1/catalog/graph").json())

    node = served.node("interface:wms.stock.list")
    assert node is not None
    assert node.lifecycle is Lifecycle.RETIRED


def test_the_graph_as_dot_is_graphviz_text(example_client: TestClient, model: Project) -> None:
    response = example_client.get("/api/v1/catalog/graph", params={"format": "dot"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/vnd.graphviz")
    assert response.text == dot_text(build_landscape(model))


def test_the_graph_as_svg_is_drawn_by_graphviz(example_client: TestClient, model: Project) -> None:
    if shutil.which("dot") is None:
        pytest.fail("Graphviz dot is missing: run scripts/system-packages.sh", pytrace=False)

    response = example_client.get("/api/v1/catalog/graph", params={"format": "svg"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert svg_stamp(response.text) == dot_digest(dot_text(build_landscape(model)))
    titles = {
        t.text
        for t in ElementTree.fromstring(response.content).iter("{http://www.w3.org/2000/svg}title")
    }
    assert {n.id for n in build_landscape(model).nodes} <= titles


def test_the_graph_without_graphviz_is_a_503_with_a_hint(
    example_client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("INTERLOOM_GRAPHVIZ_DOT", raising=False)

    response = example_client.get("/api/v1/catalog/graph", params={"format": "svg"})

    body = assert_error(response, 503, "E-GRAPHVIZ-002")
    assert "graphviz" in body["hint"]


def test_an_unknown_graph_format_is_422(example_client: TestClient) -> None:
    response = example_client.get("/api/v1/catalog/graph", params={"format": "png"})

    body = assert_error(response, 422, "E-REQUEST-002")
    assert body["details"][0]["pointer"] == "query:/format"


# --- readiness -------------------------------------------------------------------------------


@pytest.mark.parametrize("system_id", sorted(EXAMPLE_SYSTEMS))
def test_each_example_system_has_a_readiness_report(
    example_client: TestClient, model: Project, system_id: str
) -> None:
    response = example_client.get(f"/api/v1/systems/{system_id}/readiness")

    assert response.status_code == 200, response.text
    report = SystemReadiness.model_validate(response.json())
    system = model.system(system_id)
    assert system is not None
    assert report.system == f"system:{system_id}"
    assert [i.ref for i in report.interfaces] == [
        f"interface:{system_id}.{i.id}" for i in system.interfaces
    ]
    assert report.score is not None
    scores = [i.score for i in report.interfaces if i.score is not None]
    assert report.score == pytest.approx(sum(scores) / len(scores), abs=0.06)
    for item in report.interfaces:
        latency = item.criterion(CriterionId.LATENCY)
        assert (latency.status, latency.explanation) == ("n/a", "not measured")


def test_readiness_follows_the_recorded_lifecycle(example_client: TestClient) -> None:
    def lifecycle_status() -> str:
        body = example_client.get("/api/v1/systems/crm/readiness").json()
        item = next(i for i in body["interfaces"] if i["ref"] == "interface:crm.customers.update")
        return next(c["status"] for c in item["criteria"] if c["id"] == "lifecycle")

    before = lifecycle_status()
    example_client.put(
        "/api/v1/interfaces/crm.customers.update/lifecycle", json={"lifecycle": "published"}
    )

    assert (before, lifecycle_status()) == ("fail", "pass")


def test_readiness_of_an_unknown_system_is_404_with_a_did_you_mean_hint(
    example_client: TestClient,
) -> None:
    body = assert_error(example_client.get("/api/v1/systems/pay/readiness"), 404, "E-NOTFOUND-001")

    assert body["hint"] == "did you mean 'payments'?"


# --- catalog completeness --------------------------------------------------------------------


def test_an_interface_shows_its_owner_and_its_consumers(example_client: TestClient) -> None:
    response = example_client.get("/api/v1/interfaces/crm.customers.get")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["owner"] == {
        "team": "Sales IT",
        "person": "Priya Natarajan",
        "email": "priya.natarajan@example.com",
    }
    assert body["consumed_by"] == ["system:erp", "flow:order-to-wms"]
