"""The open project: /api/v1/project."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from interloom.services.project import load_project

from .conftest import Serve


def test_the_project_is_described_with_its_counts(
    example_client: TestClient, example_project: Path
) -> None:
    project = load_project(example_project).project
    assert project.settings is not None
    settings = project.settings.model

    response = example_client.get("/api/v1/project")

    assert response.status_code == 200
    info = response.json()
    assert info["name"] == settings.name == "retail"
    assert info["title"] == settings.title
    assert info["description"] == settings.description
    assert info["root"] == str(example_project)
    assert [e["id"] for e in info["environments"]] == list(settings.environments)
    assert info["default_environment"] == settings.environment
    plans = [p.model for p in project.plans]
    assert info["counts"] == {
        "systems": 4,
        "interfaces": sum(1 for _ in project.interfaces()),
        "flows": len(project.flows),
        "tasks": sum(len(p.tasks) for p in plans),
        "milestones": sum(len(p.milestones) for p in plans),
        "contracts": len(project.contract_files),
    }
    assert info["counts"]["interfaces"] > 0
    assert info["warnings"] == []
    assert info["rejected_changes"] == []


def test_a_scaffolded_project_is_described(
    scaffolded_client: TestClient, scaffolded_project: Path
) -> None:
    response = scaffolded_client.get("/api/v1/project")

    assert response.status_code == 200
    info = response.json()
    assert info["name"] == "scaffolded"
    assert info["root"] == str(scaffolded_project)
    assert info["counts"]["systems"] == 1
    assert info["counts"]["interfaces"] == 1
    assert info["rejected_changes"] == []


def test_warnings_of_the_files_are_listed(
    serve: Serve, scaffolded_project: Path, database_url: str
) -> None:
    (scaffolded_project / "systems" / "notes.txt").write_text("not a definition\n", "utf-8")

    with serve(scaffolded_project, database_url) as client:
        info = client.get("/api/v1/project").json()

    assert [(w["code"], w["severity"], w["file"]) for w in info["warnings"]] == [
        ("W-FILE-004", "warning", "systems/notes.txt")
    ]
