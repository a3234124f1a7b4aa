"""Property-based tests of the API against its own OpenAPI document (Schemathesis).

For every operation, Schemathesis generates requests (valid and invalid) from the document and
checks each response: no 5xx, a status code the document declares, a content type and a body
that match it. The app serves a copy of the example project on a SQLite file (one backend is
enough here: the storage-touching behaviour is tested on both by the other modules).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from interloom.api.app import create_app, openapi_document
from interloom.services.server import ServerConfig

# Examples per operation; raise it for a deeper run, e.g. INTERLOOM_TEST_SCHEMATHESIS_EXAMPLES=500.
MAX_EXAMPLES = int(os.environ.get("INTERLOOM_TEST_SCHEMATHESIS_EXAMPLES", "25"))


# The document the app serves at /openapi.json (test_openapi_document checks they are the same);
# loaded at import, so that each operation is a test of its own. Requests go to the app fixture.
schema = schemathesis.openapi.from_dict(openapi_document())

# Operations whose bodies carry what the schema cannot judge, so that a schema-valid request
# may still be refused with a located 4xx; every other check applies to them.
_SEMANTIC = frozenset(
    {
        # A contract's text, or a path to one: refused when the document is not a contract.
        "POST /api/v1/contracts/impact",
        # Actual dates checked against each other and the task's recorded ones (a finish
        # before its start), a duration's unit against the plan's: JSON Schema cannot compare.
        "POST /api/v1/plan/tasks/{task_id}/updates",
    }
)


@pytest.fixture(scope="module")
def app(valid_example: Path, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The app serving a copy of the example project on a SQLite file."""
    tmp = tmp_path_factory.mktemp("schemathesis")
    root = tmp / "retail"
    shutil.copytree(valid_example, root, ignore=shutil.ignore_patterns(".interloom", ".git*"))
    return create_app(
        ServerConfig(root=root, database_url=f"sqlite:///{tmp / 'interloom.db'}", watch=False)
    )


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_the_api_keeps_to_its_openapi_document(app: FastAPI, case: schemathesis.Case[Any]) -> None:
    # Schemathesis runs the app's lifespan around the requests of each test.
    operation = f"{case.method.upper()} {case.operation.path}"
    excluded = [positive_data_acceptance] if operation in _SEMANTIC else []
    case.call_and_validate(app=app, excluded_checks=excluded)
