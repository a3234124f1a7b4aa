"""The delivery-management routes keep to their OpenAPI document under generated requests.

Schemathesis generates valid and invalid requests for every sprint, earned-value, RACI, risk,
signal, change and report operation and checks each response: no 5xx, a declared status code,
content type and body schema (plan moments, local working time, are documented as
``date-time-local``), invalid requests refused. The app serves the small project on SQLite.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from interloom.api.app import create_app, openapi_document
from interloom.services.server import ServerConfig

from .conftest import SMALL_PROJECT

# Examples per operation; raise it for a deeper run (INTERLOOM_TEST_SCHEMATHESIS_EXAMPLES=200).
MAX_EXAMPLES = int(os.environ.get("INTERLOOM_TEST_SCHEMATHESIS_EXAMPLES", "15"))
ROUTES = r"^/api/v1/(plan/(sprints|evm|raci)|risks|signals|changes|reports)"

schema = schemathesis.openapi.from_dict(openapi_document()).include(path_regex=ROUTES)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The app serving a copy of the small project on a SQLite file."""
    tmp = tmp_path_factory.mktemp("delivery-schemathesis")
    root = tmp / "small-project"
    shutil.copytree(SMALL_PROJECT, root)
    return create_app(
        ServerConfig(root=root, database_url=f"sqlite:///{tmp / 'interloom.db'}", watch=False)
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_delivery_routes_keep_to_the_document(app: FastAPI, case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(app=app)
