"""The committed OpenAPI document, docs/openapi.json, is the one the API serves."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from interloom.api.app import create_app, openapi_document
from interloom.services.server import ServerConfig

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
REGENERATE = "run `make docs` (interloom openapi --write docs/openapi.json) and commit the result"


def test_the_committed_document_is_up_to_date() -> None:
    assert COMMITTED.is_file(), f"{COMMITTED} is missing: {REGENERATE}"
    committed = json.loads(COMMITTED.read_text("utf-8"))

    current = openapi_document()

    if committed != current:
        stale = sorted(
            set(committed.get("paths", {})).symmetric_difference(current.get("paths", {}))
        )
        raise AssertionError(
            f"{COMMITTED.relative_to(COMMITTED.parents[1])} is stale"
            + (f" (paths added or removed: {', '.join(stale)})" if stale else "")
            + f": {REGENERATE}"
        )


def test_a_running_server_serves_the_same_document(
    scaffolded_project: Path, tmp_path: Path
) -> None:
    app = create_app(
        ServerConfig(root=scaffolded_project, database_url=f"sqlite:///{tmp_path / 'i.db'}")
    )
    with TestClient(app) as client:
        response = client.get("/openapi.json")

    assert response.status_code == 200
    assert response.json() == openapi_document()


def test_every_api_operation_documents_the_error_model() -> None:
    document = openapi_document()
    error_ref = "#/components/schemas/ErrorBody"

    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/") or path == "/api/v1/version":
            continue
        for method, operation in operations.items():
            for status in ("404", "422", "500"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": error_ref}, (method, path, status)
