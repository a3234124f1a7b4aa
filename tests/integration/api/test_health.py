"""Liveness, readiness and version: /healthz, /readyz, /api/v1/version."""

from __future__ import annotations

import platform
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import interloom

from .conftest import Serve
from .support import (
    assert_error,
    create_postgres_database,
    drop_postgres_database,
    postgres_admin,
    postgres_server_url,
)


def test_healthz_answers_ok(scaffolded_client: TestClient) -> None:
    response = scaffolded_client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_the_database_answers_and_the_project_is_loaded(
    scaffolded_client: TestClient,
) -> None:
    response = scaffolded_client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"ready": True, "checks": {"project": "ok", "database": "ok"}}


def test_version_names_the_running_interloom(scaffolded_client: TestClient) -> None:
    response = scaffolded_client.get("/api/v1/version")

    assert response.status_code == 200
    assert response.json() == {
        "version": interloom.__version__,
        "api": "v1",
        "python": platform.python_version(),
    }


# --- a database that goes away under a running server -------------------------------------


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def doomed_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, Callable[[], None]]]:
    """A database URL of its own, and a function that takes that database away for good."""
    if request.param == "sqlite":
        directory = tmp_path / "doomed"
        yield f"sqlite:///{directory / 'interloom.db'}", lambda: shutil.rmtree(directory)
        return
    name = create_postgres_database("doomed")

    def drop() -> None:
        with postgres_admin() as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

    try:
        yield postgres_server_url(name), drop
    finally:
        drop_postgres_database(name)


def test_readyz_answers_503_when_the_database_is_gone(
    serve: Serve,
    scaffolded_project: Path,
    doomed_database: tuple[str, Callable[[], None]],
) -> None:
    url, take_away = doomed_database
    with serve(scaffolded_project, url) as client:
        assert client.get("/readyz").status_code == 200

        take_away()

        response = client.get("/readyz")
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["ready"] is False
        assert body["checks"]["project"] == "ok"
        assert body["checks"]["database"].startswith("E-STORAGE-001"), body
        # Liveness does not depend on the database; a request that needs it fails in the model.
        assert client.get("/healthz").status_code == 200
        assert_error(client.get("/api/v1/systems/crm"), 503, "E-STORAGE-001")
