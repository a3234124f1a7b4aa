"""Failures outside the routes' own: unknown routes, wrong methods, bodies that are not JSON."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .support import assert_error

LIFECYCLE = "/api/v1/interfaces/crm.customers.get/lifecycle"


@pytest.mark.parametrize(
    "path", ["/nothing", "/api/v1/nothing", "/api/v2/systems", "/api/v1/systems/crm/extra"]
)
def test_an_unknown_route_is_404_in_the_error_model(
    scaffolded_client: TestClient, path: str
) -> None:
    assert_error(scaffolded_client.get(path), 404, "E-NOTFOUND-002", message="no such route")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/systems", "GET"),
        ("POST", "/api/v1/systems/crm", "GET"),
        ("PUT", "/healthz", "GET"),
        ("GET", LIFECYCLE, "PUT"),
        ("POST", LIFECYCLE, "PUT"),
    ],
)
def test_a_wrong_method_is_405_with_the_allowed_ones(
    scaffolded_client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = scaffolded_client.request(method, path)

    assert_error(response, 405, "E-REQUEST-003")
    assert response.headers["allow"] == allowed


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"lifecycle=mocked", "application/json"),
        (b'{"lifecycle": "mocked"', "application/json"),
        (b"lifecycle=mocked", "application/x-www-form-urlencoded"),
        (b"mocked", "text/plain"),
        (b"", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_422_in_the_error_model(
    scaffolded_client: TestClient, content: bytes, content_type: str
) -> None:
    response = scaffolded_client.put(
        LIFECYCLE, content=content, headers={"content-type": content_type}
    )

    body = assert_error(response, 422, "E-REQUEST-002")
    assert body["details"], body
    for detail in body["details"]:
        assert detail["pointer"].startswith("/"), detail
        assert detail["message"]
    # Nothing was recorded.
    assert scaffolded_client.get("/api/v1/audit").json()["total"] == 0


def test_invalid_json_is_reported_as_such(scaffolded_client: TestClient) -> None:
    response = scaffolded_client.put(
        LIFECYCLE, content=b"{not json", headers={"content-type": "application/json"}
    )

    body = assert_error(response, 422, "E-REQUEST-002")
    [detail] = body["details"]
    assert detail["pointer"] == "/"  # the body as a whole, not a character offset
    assert detail["message"].startswith("the body is not valid JSON: Expecting property name")


def test_a_body_that_is_not_utf8_is_400_in_the_error_model(scaffolded_client: TestClient) -> None:
    # FastAPI answers 400 (not 422) when it cannot decode the body at all.
    response = scaffolded_client.put(
        LIFECYCLE, content=b"\xff\xfe\x00", headers={"content-type": "application/json"}
    )

    assert_error(response, 400, "E-REQUEST-001")
    assert scaffolded_client.get("/api/v1/audit").json()["total"] == 0
