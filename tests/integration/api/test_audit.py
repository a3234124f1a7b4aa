"""The audit log: /api/v1/audit, written by every lifecycle change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from .support import assert_error

CUSTOMERS_GET = "interface:crm.customers.get"


def set_lifecycle(client: TestClient, ident: str, lifecycle: str) -> None:
    response = client.put(f"/api/v1/interfaces/{ident}/lifecycle", json={"lifecycle": lifecycle})
    assert response.status_code == 200, response.text


def test_the_audit_log_starts_empty(example_client: TestClient) -> None:
    response = example_client.get("/api/v1/audit")

    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0, "limit": 100, "offset": 0}


def test_a_lifecycle_change_writes_one_audit_entry(example_client: TestClient) -> None:
    declared = example_client.get("/api/v1/interfaces/crm.customers.get").json()["lifecycle"]
    new = "retired" if declared != "retired" else "draft"
    started = dt.datetime.now(dt.UTC)

    set_lifecycle(example_client, "crm.customers.get", new)

    response = example_client.get("/api/v1/audit", params={"entity": CUSTOMERS_GET})
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 1
    assert len(page["items"]) == 1
    entry = page["items"][0]
    assert entry["actor"] == "anonymous"
    assert entry["action"] == "interface.lifecycle.set"
    assert entry["entity"] == CUSTOMERS_GET
    assert entry["before"] == {"lifecycle": declared}
    assert entry["after"] == {"lifecycle": new}
    assert isinstance(entry["id"], int)
    # An aware UTC timestamp, whatever the database session's time zone.
    occurred_at = dt.datetime.fromisoformat(entry["occurred_at"])
    assert occurred_at.utcoffset() == dt.timedelta(0), entry["occurred_at"]
    assert started - dt.timedelta(seconds=1) <= occurred_at <= dt.datetime.now(dt.UTC)
    # The whole log holds that one entry too.
    assert example_client.get("/api/v1/audit").json()["total"] == 1


def test_before_is_the_previously_recorded_state(example_client: TestClient) -> None:
    set_lifecycle(example_client, "crm.customers.get", "conformant")
    set_lifecycle(example_client, "interface:crm.customers.get", "load-tested")

    items = example_client.get("/api/v1/audit", params={"entity": CUSTOMERS_GET}).json()["items"]

    newest = items[0]
    assert newest["before"] == {"lifecycle": "conformant"}
    assert newest["after"] == {"lifecycle": "load-tested"}


def test_the_audit_log_filters_by_entity_and_pages_newest_first(
    example_client: TestClient,
) -> None:
    changes = ["mocked", "conformant", "load-tested", "published", "deprecated"]
    for lifecycle in changes:
        set_lifecycle(example_client, "crm.customers.get", lifecycle)
    set_lifecycle(example_client, "erp.orders.get", "retired")

    def page(**params: object) -> dict[str, Any]:
        response = example_client.get("/api/v1/audit", params={"entity": CUSTOMERS_GET, **params})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    first = page(limit=2)
    second = page(limit=2, offset=2)
    last = page(limit=2, offset=4)
    beyond = page(limit=2, offset=6)

    newest_first = list(reversed(changes))
    seen = [
        entry["after"]["lifecycle"] for body in (first, second, last) for entry in body["items"]
    ]
    assert seen == newest_first
    for body, offset in ((first, 0), (second, 2), (last, 4), (beyond, 6)):
        assert body["total"] == len(changes)
        assert body["limit"] == 2
        assert body["offset"] == offset
    assert beyond["items"] == []
    ids = [e["id"] for b in (first, second, last) for e in b["items"]]
    assert ids == sorted(ids, reverse=True)

    everything = example_client.get("/api/v1/audit").json()
    assert everything["total"] == len(changes) + 1
    assert everything["items"][0]["entity"] == "interface:erp.orders.get"
    other = example_client.get("/api/v1/audit", params={"entity": "interface:erp.orders.get"})
    assert other.json()["total"] == 1


def test_the_audit_log_filters_by_actor(example_client: TestClient) -> None:
    set_lifecycle(example_client, "crm.customers.get", "mocked")

    mine = example_client.get("/api/v1/audit", params={"actor": "anonymous"}).json()
    theirs = example_client.get("/api/v1/audit", params={"actor": "someone-else"}).json()

    assert mine["total"] == 1
    assert theirs == {"items": [], "total": 0, "limit": 100, "offset": 0}


def test_an_unknown_entity_has_no_entries(example_client: TestClient) -> None:
    set_lifecycle(example_client, "crm.customers.get", "mocked")

    response = example_client.get("/api/v1/audit", params={"entity": "interface:nope.nothing"})

    assert response.status_code == 200
    assert response.json()["total"] == 0


def test_invalid_paging_is_422_with_pointers(example_client: TestClient) -> None:
    response = example_client.get("/api/v1/audit", params={"limit": 0, "offset": -1})

    body = assert_error(response, 422, "E-REQUEST-002")
    assert [d["pointer"] for d in body["details"]] == ["query:/limit", "query:/offset"]

    too_many = example_client.get("/api/v1/audit", params={"limit": 1001})
    assert [d["pointer"] for d in assert_error(too_many, 422, "E-REQUEST-002")["details"]] == [
        "query:/limit"
    ]
    not_a_number = example_client.get("/api/v1/audit", params={"limit": "ten"})
    assert_error(not_a_number, 422, "E-REQUEST-002")
