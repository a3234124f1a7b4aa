"""Systems and interfaces: /api/v1/systems, /api/v1/interfaces and lifecycle changes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from interloom.core.project import Project
from interloom.services.project import load_project

from .conftest import Serve
from .support import EXAMPLE_SYSTEMS, assert_error


@pytest.fixture(scope="session")
def model(valid_example: Path) -> Project:
    """The example project as the core model reads it: what the API should serve."""
    return load_project(valid_example).project


def interface_refs(project: Project, system_id: str | None = None) -> list[str]:
    return [
        f"interface:{s.id}.{i.id}"
        for s, i in project.interfaces()
        if system_id is None or s.id == system_id
    ]


def lifecycle_of(client: TestClient, ident: str) -> str:
    response = client.get(f"/api/v1/interfaces/{ident}")
    assert response.status_code == 200, response.text
    lifecycle: str = response.json()["lifecycle"]
    return lifecycle


# --- systems ---------------------------------------------------------------------------------


def test_systems_lists_the_example_systems_in_file_order(
    example_client: TestClient, model: Project
) -> None:
    response = example_client.get("/api/v1/systems")

    assert response.status_code == 200
    systems = response.json()
    assert {s["id"] for s in systems} == EXAMPLE_SYSTEMS
    assert [s["id"] for s in systems] == [s.model.id for s in model.systems]
    for summary in systems:
        declared = model.system(summary["id"])
        assert declared is not None
        assert summary["ref"] == f"system:{declared.id}"
        assert summary["name"] == declared.name
        assert summary["kind"] == declared.kind.value
        assert summary["owner"]["team"] == declared.owner.team
        assert summary["auth"] == declared.auth.kind.value
        assert summary["environments"] == list(declared.base_urls)
        assert summary["interface_count"] == len(declared.interfaces)
        assert "interfaces" not in summary  # the list is a summary


def test_a_system_is_served_with_its_interfaces(example_client: TestClient, model: Project) -> None:
    for system_id in sorted(EXAMPLE_SYSTEMS):
        response = example_client.get(f"/api/v1/systems/{system_id}")

        assert response.status_code == 200, response.text
        detail = response.json()
        declared = model.system(system_id)
        assert declared is not None
        assert detail["id"] == system_id
        assert detail["description"] == declared.description
        assert detail["base_urls"] == dict(declared.base_urls)
        assert detail["consumes"] == list(declared.consumes)
        assert detail["interface_count"] == len(detail["interfaces"]) > 0
        assert [i["ref"] for i in detail["interfaces"]] == interface_refs(model, system_id)
        for interface in detail["interfaces"]:
            assert interface["system"] == system_id
            # Nothing recorded yet: the state now is the one declared in the file.
            assert interface["lifecycle"] == interface["declared_lifecycle"]


def test_an_unknown_system_is_404_with_a_did_you_mean_hint(example_client: TestClient) -> None:
    body = assert_error(
        example_client.get("/api/v1/systems/cmr"), 404, "E-NOTFOUND-001", message="'cmr'"
    )

    assert body["hint"] == "did you mean 'crm'?"


def test_an_unknown_system_far_from_any_id_is_404_without_a_hint(
    example_client: TestClient,
) -> None:
    body = assert_error(example_client.get("/api/v1/systems/zzzzzz"), 404, "E-NOTFOUND-001")

    assert "hint" not in body


# --- interfaces ------------------------------------------------------------------------------


def test_interfaces_lists_every_interface_of_the_project(
    example_client: TestClient, model: Project
) -> None:
    response = example_client.get("/api/v1/interfaces")

    assert response.status_code == 200
    assert [i["ref"] for i in response.json()] == interface_refs(model)


def test_interfaces_filter_by_system(example_client: TestClient, model: Project) -> None:
    response = example_client.get("/api/v1/interfaces", params={"system": "crm"})

    assert response.status_code == 200
    assert [i["ref"] for i in response.json()] == interface_refs(model, "crm")


def test_interfaces_filter_by_an_unknown_system_is_404_with_a_hint(
    example_client: TestClient,
) -> None:
    body = assert_error(
        example_client.get("/api/v1/interfaces", params={"system": "wsm"}), 404, "E-NOTFOUND-001"
    )

    assert body["hint"] == "did you mean 'wms'?"


@pytest.mark.parametrize("style", ["rest", "soap", "event"])
def test_interfaces_filter_by_style(example_client: TestClient, model: Project, style: str) -> None:
    expected = [f"interface:{s.id}.{i.id}" for s, i in model.interfaces() if i.style == style]
    assert expected, f"the example declares no {style} interface"

    response = example_client.get("/api/v1/interfaces", params={"style": style})

    assert response.status_code == 200
    assert [i["ref"] for i in response.json()] == expected


def test_interfaces_filter_by_a_style_nothing_has_is_an_empty_list(
    example_client: TestClient, model: Project
) -> None:
    assert not any(i.style == "graphql" for _, i in model.interfaces())

    response = example_client.get("/api/v1/interfaces", params={"style": "graphql"})

    assert response.status_code == 200
    assert response.json() == []


def test_interfaces_filter_by_lifecycle_and_combined_filters(
    example_client: TestClient, model: Project
) -> None:
    counts = Counter(i.lifecycle.value for _, i in model.interfaces())
    for lifecycle, count in counts.items():
        response = example_client.get("/api/v1/interfaces", params={"lifecycle": lifecycle})
        assert response.status_code == 200
        assert len(response.json()) == count, lifecycle
        assert {i["lifecycle"] for i in response.json()} == {lifecycle}

    expected = [
        f"interface:{s.id}.{i.id}"
        for s, i in model.interfaces()
        if s.id == "erp" and i.style == "rest" and i.lifecycle == "mocked"
    ]
    response = example_client.get(
        "/api/v1/interfaces", params={"system": "erp", "style": "rest", "lifecycle": "mocked"}
    )
    assert response.status_code == 200
    assert [i["ref"] for i in response.json()] == expected


def test_an_invalid_filter_value_is_422_with_a_pointer_per_fault(
    example_client: TestClient,
) -> None:
    response = example_client.get(
        "/api/v1/interfaces", params={"style": "carrier-pigeon", "lifecycle": "alive"}
    )

    body = assert_error(response, 422, "E-REQUEST-002")
    assert [d["pointer"] for d in body["details"]] == ["query:/style", "query:/lifecycle"]
    assert "rest" in body["details"][0]["message"]
    assert "draft" in body["details"][1]["message"]
    assert body["hint"]


def test_an_interface_is_served_by_its_reference_with_or_without_the_kind(
    example_client: TestClient,
) -> None:
    listed = {i["ref"]: i for i in example_client.get("/api/v1/interfaces").json()}

    for ref, view in listed.items():
        ident = ref.removeprefix("interface:")
        by_ident = example_client.get(f"/api/v1/interfaces/{ident}")
        by_ref = example_client.get(f"/api/v1/interfaces/{ref}")
        assert by_ident.status_code == by_ref.status_code == 200
        assert by_ident.json() == by_ref.json() == view


def test_an_interface_names_the_systems_that_consume_it(
    example_client: TestClient, model: Project
) -> None:
    consumed = [(s.model.id, ref) for s in model.systems for ref in s.model.consumes]
    assert consumed, "the example declares no consumes"

    for system_id, ref in consumed:
        view = example_client.get(f"/api/v1/interfaces/{ref}").json()
        assert f"system:{system_id}" in view["consumed_by"], view


def test_an_unknown_interface_is_404_with_a_did_you_mean_hint(example_client: TestClient) -> None:
    body = assert_error(
        example_client.get("/api/v1/interfaces/crm.customer.get"), 404, "E-NOTFOUND-001"
    )

    assert body["hint"] == "did you mean 'crm.customers.get'?"


def test_an_over_long_interface_reference_is_422(example_client: TestClient) -> None:
    body = assert_error(example_client.get(f"/api/v1/interfaces/{'x' * 401}"), 422, "E-REQUEST-002")

    assert [d["pointer"] for d in body["details"]] == ["path:/ref"]


# --- lifecycle changes -----------------------------------------------------------------------


def test_setting_the_lifecycle_shows_in_every_read(example_client: TestClient) -> None:
    before = example_client.get("/api/v1/interfaces/crm.customers.get").json()
    new = "deprecated" if before["lifecycle"] != "deprecated" else "retired"

    response = example_client.put(
        "/api/v1/interfaces/crm.customers.get/lifecycle", json={"lifecycle": new}
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed == {**before, "lifecycle": new}
    assert changed["declared_lifecycle"] == before["declared_lifecycle"]
    assert lifecycle_of(example_client, "crm.customers.get") == new
    detail = example_client.get("/api/v1/systems/crm").json()
    in_detail = next(i for i in detail["interfaces"] if i["id"] == "customers.get")
    assert in_detail == changed
    filtered = example_client.get("/api/v1/interfaces", params={"lifecycle": new}).json()
    assert "interface:crm.customers.get" in [i["ref"] for i in filtered]
    declared = example_client.get(
        "/api/v1/interfaces", params={"lifecycle": before["lifecycle"]}
    ).json()
    assert "interface:crm.customers.get" not in [i["ref"] for i in declared]


def test_the_latest_lifecycle_change_wins(example_client: TestClient) -> None:
    for lifecycle in ("mocked", "conformant", "published"):
        response = example_client.put(
            "/api/v1/interfaces/interface:wms.stock.get/lifecycle", json={"lifecycle": lifecycle}
        )
        assert response.status_code == 200, response.text

    assert lifecycle_of(example_client, "wms.stock.get") == "published"


def test_a_lifecycle_change_is_kept_across_a_server_restart(
    serve: Serve, example_project: Path, database_url: str
) -> None:
    with serve(example_project, database_url) as client:
        response = client.put(
            "/api/v1/interfaces/erp.orders.get/lifecycle", json={"lifecycle": "retired"}
        )
        assert response.status_code == 200, response.text

    with serve(example_project, database_url) as client:
        assert lifecycle_of(client, "erp.orders.get") == "retired"
        audit = client.get("/api/v1/audit", params={"entity": "interface:erp.orders.get"}).json()
        assert audit["total"] == 1
        assert audit["items"][0]["after"] == {"lifecycle": "retired"}


def test_setting_the_lifecycle_of_an_unknown_interface_is_404_and_changes_nothing(
    example_client: TestClient,
) -> None:
    response = example_client.put(
        "/api/v1/interfaces/crm.customers.gte/lifecycle", json={"lifecycle": "mocked"}
    )

    body = assert_error(response, 404, "E-NOTFOUND-001")
    assert body["hint"] == "did you mean 'crm.customers.get'?"
    assert example_client.get("/api/v1/audit").json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"lifecycle": "alive"}, "/lifecycle"),
        ({}, "/lifecycle"),
        ({"lifecycle": None}, "/lifecycle"),
        (["mocked"], "/"),
    ],
)
def test_an_invalid_lifecycle_change_is_422_and_changes_nothing(
    example_client: TestClient, body: object, pointer: str
) -> None:
    response = example_client.put("/api/v1/interfaces/crm.customers.get/lifecycle", json=body)

    error = assert_error(response, 422, "E-REQUEST-002")
    assert [d["pointer"] for d in error["details"]] == [pointer]
    assert example_client.get("/api/v1/audit").json()["total"] == 0
