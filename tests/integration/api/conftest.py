"""Fixtures of the management API tests: projects, a database on each backend, and clients.

``database_url`` (overriding the storage suite's fixture of the same name) is parametrized over
SQLite (a file under tmp_path, outside the project, so the file watcher never sees it) and
PostgreSQL. For PostgreSQL each test module gets a database of its own,
``interloom_api_module_<time>_<random>``, created on the server of
``INTERLOOM_TEST_POSTGRES_URL`` and dropped after the module (or, if the run is killed, by a
later run once it is an hour old), and each test a fresh schema in it, chosen by the URL's
``options=-csearch_path=...`` (with a session time zone that is not UTC on purpose). An
unreachable PostgreSQL fails its tests; ``INTERLOOM_TEST_SKIP_POSTGRES=1`` skips them instead.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from interloom.api.app import create_app
from interloom.services.project import load_project
from interloom.services.scaffold import init_project
from interloom.services.server import ServerConfig

from .support import (
    EXAMPLE_DIR,
    create_postgres_database,
    drop_postgres_database,
    postgres_admin,
    postgres_server_url,
    with_session_options,
)

Serve = Callable[..., AbstractContextManager[TestClient]]


# --- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_module_database() -> Iterator[str]:
    """The name of a database of this test module's own on the PostgreSQL test server."""
    name = create_postgres_database("module")
    try:
        yield name
    finally:
        drop_postgres_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of the test's own, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'interloom.db'}"
        return
    database = request.getfixturevalue("postgres_module_database")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with postgres_admin(database) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_session_options(postgres_server_url(database), schema)
    finally:
        with postgres_admin(database) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# --- projects --------------------------------------------------------------------------------


@pytest.fixture
def scaffolded_project(tmp_path: Path) -> Path:
    """A fresh project from ``interloom init``: one system, crm, with crm.customers.get."""
    root = tmp_path / "scaffolded"
    init_project(root)
    return root


@pytest.fixture(scope="session")
def valid_example() -> Path:
    """examples/retail, checked once to be a valid project."""
    if not (EXAMPLE_DIR / "interloom.yaml").is_file():
        pytest.fail(f"the example project {EXAMPLE_DIR} is missing", pytrace=False)
    errors = load_project(EXAMPLE_DIR).errors
    if errors:
        shown = "\n".join(p.render() for p in errors[:10])
        pytest.fail(f"the example project {EXAMPLE_DIR} is not valid:\n{shown}", pytrace=False)
    return EXAMPLE_DIR


@pytest.fixture
def example_project(valid_example: Path, tmp_path: Path) -> Path:
    """A copy of examples/retail, which a test may edit."""
    root = tmp_path / "retail"
    shutil.copytree(valid_example, root, ignore=shutil.ignore_patterns(".interloom", ".git*"))
    return root


# --- servers ---------------------------------------------------------------------------------


@pytest.fixture
def serve() -> Serve:
    """``serve(root, database_url, watch=False)``: a TestClient that runs the app's lifespan."""

    @contextmanager
    def running(root: Path, database_url: str, *, watch: bool = False) -> Iterator[TestClient]:
        app = create_app(ServerConfig(root=root, database_url=database_url, watch=watch))
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client

    return running


@pytest.fixture
def example_client(serve: Serve, example_project: Path, database_url: str) -> Iterator[TestClient]:
    """A client of the app serving the example project, on each backend."""
    with serve(example_project, database_url) as client:
        yield client


@pytest.fixture
def scaffolded_client(
    serve: Serve, scaffolded_project: Path, database_url: str
) -> Iterator[TestClient]:
    """A client of the app serving a freshly scaffolded project, on each backend."""
    with serve(scaffolded_project, database_url) as client:
        yield client
