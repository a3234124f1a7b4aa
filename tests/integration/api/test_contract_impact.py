"""POST /api/v1/contracts/impact on each database backend: paths, uploads, risks, errors."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from .conftest import Serve
from .support import assert_error

SHOP = Path(__file__).resolve().parents[2] / "data" / "impact" / "shop"
CRM = "contracts/crm.openapi.yaml"
CRM_2 = "contracts/changes/crm.openapi.yaml"
URL = "/api/v1/contracts/impact"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    return root


@pytest.fixture
def client(serve: Serve, shop: Path, database_url: str) -> Iterator[TestClient]:
    with serve(shop, database_url) as served:
        yield served


def test_two_project_files_give_every_finding_with_its_impact(client: TestClient) -> None:
    response = client.post(URL, json={"old": {"path": CRM}, "new": {"path": CRM_2}})

    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["findings", "summary"]
    required = next(f for f in body["findings"] if f["id"] == "new-required-request-property")
    assert [(h["flow"], h["step"], h["field"], h["how"]) for h in required["impact"]["flows"]] == [
        ("flow:register", "to-customer", "countryCode", "not-written")
    ]
    assert [t["task"] for t in required["impact"]["tasks"]] == ["T-3"]
    assert body["summary"]["rework"] == ["T-1", "T-6"]
    assert body["summary"]["status_date"] == "2027-01-21T00:00:00"


def test_an_uploaded_proposal_is_named_as_it_was_sent(client: TestClient, shop: Path) -> None:
    proposal = (shop / CRM_2).read_text("utf-8")

    response = client.post(
        URL,
        json={"old": {"path": CRM}, "new": {"content": proposal, "name": "crm-v2.yaml"}},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["summary"]["contract"], body["summary"]["new_file"]) == (CRM, "crm-v2.yaml")
    assert {f["location"]["file"] for f in body["findings"]} <= {"crm-v2.yaml", CRM}
    assert len(body["findings"]) == 3


def test_raise_risks_opens_an_automatic_risk_per_affected_interface(client: TestClient) -> None:
    response = client.post(
        URL, json={"old": {"path": CRM}, "new": {"path": CRM_2}, "raise_risks": True}
    )

    assert response.status_code == 200, response.text
    raised = response.json()["summary"]["risks"]
    assert [(r["interface"], r["action"]) for r in raised] == [
        ("interface:crm.customers.get", "created"),
        ("interface:crm.customers.create", "created"),
        ("interface:crm.customers.delete", "created"),
    ]
    risks = client.get("/api/v1/risks", params={"automatic": True}).json()
    delete = next(r for r in risks if r["refs"] == ["interface:crm.customers.delete"])
    assert (delete["category"], delete["level"]) == ("interface-compatibility", "high")
    assert "T-4" in delete["tasks"]
    audit = client.get("/api/v1/audit", params={"entity": f"risk:{delete['id']}"})
    assert audit.json()["items"][0]["actor"] == "anonymous"


def test_a_path_outside_the_project_is_refused(client: TestClient) -> None:
    response = client.post(URL, json={"old": {"path": "../../etc/passwd"}, "new": {"path": CRM}})

    body = assert_error(response, 422, "E-REQUEST-002", message="lies outside the project")
    assert body["location"] == {"pointer": "/old/path"}


def test_a_document_is_a_path_or_a_content_not_both(client: TestClient) -> None:
    response = client.post(URL, json={"old": {"path": CRM, "content": "x"}, "new": {"path": CRM_2}})

    assert_error(response, 422, "E-REQUEST-002", message="old: give either 'path'")


def test_a_malformed_upload_is_located_in_it(client: TestClient) -> None:
    response = client.post(
        URL, json={"old": {"path": CRM}, "new": {"content": "openapi: [\n", "name": "v2.yaml"}}
    )

    body = assert_error(response, 422, "E-CONTRACT-001")
    assert body["location"]["file"] == "v2.yaml"


def test_a_contract_the_project_does_not_use_is_refused(client: TestClient, shop: Path) -> None:
    proposal = (shop / CRM_2).read_text("utf-8")

    response = client.post(
        URL,
        json={
            "old": {"content": proposal, "name": "billing.yaml"},
            "new": {"content": proposal, "name": "billing-2.yaml"},
        },
    )

    body = assert_error(response, 422, "E-IMPACT-001")
    assert CRM in body["hint"]


def test_unknown_fields_are_refused(client: TestClient) -> None:
    response = client.post(URL, json={"old": {"path": CRM}, "new": {"path": CRM_2}, "x": 1})

    body = assert_error(response, 422, "E-REQUEST-002")
    assert [d["pointer"] for d in body["details"]] == ["/x"]


def test_a_missing_project_file_is_not_found(client: TestClient) -> None:
    response = client.post(
        URL, json={"old": {"path": CRM}, "new": {"path": "contracts/changes/crm-3.yaml"}}
    )

    body = assert_error(response, 404, "E-NOTFOUND-001")
    assert body["location"] == {"file": "contracts/changes/crm-3.yaml"}
