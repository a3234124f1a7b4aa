"""Serving with ``watch=True``: edited definitions show in the API; invalid ones are rejected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .conftest import Serve
from .support import eventually

CRM_NAME = "name: Customer relationship management"


@pytest.fixture
def watched(serve: Serve, scaffolded_project: Path, database_url: str) -> Iterator[TestClient]:
    """A client of a server that watches the scaffolded project's files."""
    with serve(scaffolded_project, database_url, watch=True) as client:
        # A first request lets the watcher start before the test edits anything.
        assert client.get("/api/v1/systems/crm").status_code == 200
        yield client


def crm_file(root: Path) -> Path:
    path = root / "systems" / "crm.yaml"
    assert CRM_NAME in path.read_text("utf-8"), "the scaffolded crm.yaml changed its name line"
    return path


def system_name(client: TestClient, system_id: str = "crm") -> str:
    response = client.get(f"/api/v1/systems/{system_id}")
    assert response.status_code == 200, response.text
    name: str = response.json()["name"]
    return name


def test_an_edited_system_file_shows_in_the_api(
    watched: TestClient, scaffolded_project: Path
) -> None:
    path = crm_file(scaffolded_project)
    path.write_text(path.read_text("utf-8").replace(CRM_NAME, "name: Customer hub"), "utf-8")

    def renamed() -> bool:
        """the system's new name is served"""
        return system_name(watched) == "Customer hub"

    eventually(renamed)
    assert [s["name"] for s in watched.get("/api/v1/systems").json()] == ["Customer hub"]
    assert watched.get("/api/v1/project").json()["rejected_changes"] == []


def test_a_new_system_file_shows_in_the_api(watched: TestClient, scaffolded_project: Path) -> None:
    text = crm_file(scaffolded_project).read_text("utf-8")
    (scaffolded_project / "systems" / "billing.yaml").write_text(
        text.replace("id: crm", "id: billing").replace("kind: crm", "kind: erp"), "utf-8"
    )

    def added() -> bool:
        """the new system is listed"""
        return {s["id"] for s in watched.get("/api/v1/systems").json()} == {"crm", "billing"}

    eventually(added)
    assert watched.get("/api/v1/interfaces/billing.customers.get").status_code == 200


def test_an_invalid_file_is_rejected_and_the_previous_definitions_stay(
    watched: TestClient, scaffolded_project: Path
) -> None:
    path = crm_file(scaffolded_project)
    good = path.read_text("utf-8")
    before = watched.get("/api/v1/systems/crm").json()
    path.write_text(
        good.replace(CRM_NAME, "name: Broken CRM").replace("kind: crm", "kind: spaceship"),
        "utf-8",
    )

    def rejected() -> list[dict[str, object]]:
        """the project lists the rejected change"""
        changes: list[dict[str, object]] = watched.get("/api/v1/project").json()["rejected_changes"]
        return changes

    problems = eventually(rejected)
    assert all(p["severity"] == "error" for p in problems), problems
    assert any(p["file"] == "systems/crm.yaml" and p["path"] == "kind" for p in problems), problems
    assert all(isinstance(p["code"], str) and p["message"] for p in problems)
    # The previous definitions are still served, and the server is still ready.
    assert watched.get("/api/v1/systems/crm").json() == before
    assert watched.get("/readyz").json() == {
        "ready": True,
        "checks": {"project": "ok", "database": "ok"},
    }

    # Fixing the file takes the fix, and the rejected changes are gone.
    path.write_text(good.replace(CRM_NAME, "name: Fixed CRM"), "utf-8")

    def fixed() -> bool:
        """the fixed file is served"""
        return system_name(watched) == "Fixed CRM"

    eventually(fixed)
    assert watched.get("/api/v1/project").json()["rejected_changes"] == []


def test_a_file_that_is_not_yaml_is_rejected_with_its_position(
    watched: TestClient, scaffolded_project: Path
) -> None:
    path = crm_file(scaffolded_project)
    path.write_text("id: crm\nname: [unclosed\n", "utf-8")

    def rejected() -> list[dict[str, object]]:
        """the project lists the rejected change"""
        changes: list[dict[str, object]] = watched.get("/api/v1/project").json()["rejected_changes"]
        return changes

    problems = eventually(rejected)
    assert any(p["file"] == "systems/crm.yaml" and p["line"] for p in problems), problems
    assert system_name(watched) == "Customer relationship management"
