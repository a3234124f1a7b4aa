"""Fixtures of the delivery-management tests: the small project on a database of each backend."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from interloom.api.app import create_app
from interloom.core.delivery.plan_progress import TaskUpdate
from interloom.services.project import open_project
from interloom.services.server import ServerConfig
from interloom.services.workspace import Workspace
from interloom.storage import plan_records
from interloom.storage.database import Database

SMALL_PROJECT = Path(__file__).resolve().parents[2] / "data" / "delivery" / "small-project"

Record = Callable[..., Awaitable[None]]


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A copy of the small project, which a test may edit."""
    root = tmp_path / "small-project"
    shutil.copytree(SMALL_PROJECT, root)
    return root


@pytest.fixture
async def workspace(project_dir: Path, database: Database) -> Workspace:
    """The small project opened on a migrated database (SQLite, then PostgreSQL)."""
    return Workspace(root=project_dir, load=open_project(project_dir), database=database)


@pytest.fixture
def record(workspace: Workspace) -> Record:
    """``await record(task, "2027-01-06T17:00", percent_complete=50, …)``: store an update."""

    async def add(task: str, at: str, **fields: Any) -> None:
        moment = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
        update = TaskUpdate(task=task, at=moment, author=fields.pop("author", "test"), **fields)
        async with workspace.database.transaction() as session:
            await plan_records.add_task_update(session, update)

    return add


@pytest.fixture
def client(project_dir: Path, database_url: str) -> Iterator[TestClient]:
    """A client of the management API serving the small project, on each backend."""
    app = create_app(ServerConfig(root=project_dir, database_url=database_url, watch=False))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
