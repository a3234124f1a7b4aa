"""The delivery-management API: sprints, earned value, RACI, risks and signals, changes, reports."""

from __future__ import annotations

from fastapi.testclient import TestClient

ERROR_KEYS = {"code", "message", "status"}


def test_sprints_and_a_sprint_chart(client: TestClient) -> None:
    sprints = client.get("/api/v1/plan/sprints", params={"status_date": "2027-01-08"})
    sprint = client.get("/api/v1/plan/sprints/S-1", params={"status_date": "2027-01-08"})
    chart = client.get("/api/v1/plan/sprints/S-1/chart", params={"kind": "burnup"})

    assert sprints.status_code == 200
    assert [s["id"] for s in sprints.json()["sprints"]] == ["S-1", "S-2"]
    assert sprint.json()["scope"] == 40
    assert chart.headers["content-type"] == "image/svg+xml"
    assert chart.text.startswith("<svg")
    missing = client.get("/api/v1/plan/sprints/S-9")
    assert missing.status_code == 404
    assert missing.json()["code"] == "E-NOTFOUND-001"


def test_earned_value_and_raci(client: TestClient) -> None:
    evm = client.get("/api/v1/plan/evm", params={"rule": "50/50"})
    raci = client.get("/api/v1/plan/raci")
    csv = client.get("/api/v1/plan/raci", params={"format": "csv"})

    assert evm.status_code == 200
    assert evm.json()["earned_value"]["rule"] == "50/50"
    assert evm.json()["earned_value"]["performance"]["bac"] == 6_800
    assert raci.json()["deliverables"] == ["milestone:M-1", "flow:order-sync"]
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.startswith("deliverable,name,ann,bob,carla\n")
    bad = client.get("/api/v1/plan/evm", params={"rule": "guess"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "E-REQUEST-002"


def test_a_signal_raises_a_risk_seen_in_the_register(client: TestClient) -> None:
    sent = client.post(
        "/api/v1/signals",
        json={
            "kind": "contract-test-failing",
            "ref": "interface:crm.customers.update",
            "severity": "critical",
            "evidence": {"failed": ["PUT /customers/{id} 204"]},
            "source": "ci",
        },
    )

    assert sent.status_code == 200, sent.text
    outcome = sent.json()
    assert outcome["action"] == "created"
    risk_id = outcome["risk"]["id"]
    assert outcome["risk"]["tasks"] == ["T-2", "T-3"]
    register = client.get("/api/v1/risks", params={"automatic": "true"}).json()
    assert [r["id"] for r in register] == [risk_id]
    detail = client.get(f"/api/v1/risks/{risk_id}").json()
    assert detail["automatic"]["evidence"] == {"failed": ["PUT /customers/{id} 204"]}
    heat = client.get("/api/v1/risks/heatmap").json()
    assert sum(len(c["risks"]) for row in heat["rows"] for c in row) == 3
    svg = client.get("/api/v1/risks/heatmap", params={"format": "svg"})
    assert svg.headers["content-type"] == "image/svg+xml"
    audit = client.get("/api/v1/audit", params={"entity": f"risk:{risk_id}"}).json()
    assert audit["items"][0]["actor"] == "anonymous"
    signals = client.get("/api/v1/risks/signals").json()
    assert [s["risk"] for s in signals] == [risk_id]


def test_a_malformed_signal_is_a_located_422(client: TestClient) -> None:
    response = client.post("/api/v1/signals", json={"kind": "slo-burning", "ref": "crm"})

    assert response.status_code == 422
    body = response.json()
    assert set(body) >= ERROR_KEYS
    assert body["code"] == "E-REQUEST-002"
    assert any(d["pointer"] == "/ref" for d in body["details"])


def test_check_interfaces_raises_risks_for_mocked_interfaces(client: TestClient) -> None:
    response = client.post("/api/v1/risks/check-interfaces", params={"within_days": 3})

    assert response.status_code == 200
    refs = sorted(o["risk"]["ref"] for o in response.json())
    assert refs == ["interface:crm.customers.update", "interface:shop.orders.created"]


def test_a_change_request_through_the_api(client: TestClient) -> None:
    assert client.get("/api/v1/changes").json()[0]["state"] == "draft"
    impact = client.get("/api/v1/changes/CR-1/impact")
    assert impact.json()["finish_delta_days"] == 2

    submitted = client.post("/api/v1/changes/CR-1/actions/submit", json={"note": "peak"})
    assessed = client.post("/api/v1/changes/CR-1/actions/assess")
    illegal = client.post("/api/v1/changes/CR-1/actions/implement")

    assert submitted.json()["state"] == "submitted"
    assert assessed.json()["assessment"]["cost_delta"] == 1_100
    assert illegal.status_code == 409
    assert illegal.json()["code"] == "E-CHANGE-001"
    assert client.get("/api/v1/changes/CR-1").json()["state"] == "assessed"
    unknown = client.post("/api/v1/changes/CR-1/actions/forget")
    assert unknown.status_code == 422
    reject = client.post("/api/v1/changes/CR-2/actions/reject", json={})
    assert reject.status_code == 409  # a draft cannot be rejected


def test_weekly_report_in_three_formats_and_the_standup(client: TestClient) -> None:
    data = client.get("/api/v1/reports/weekly")
    markdown = client.get("/api/v1/reports/weekly", params={"format": "markdown"})
    html = client.get("/api/v1/reports/weekly", params={"format": "html", "week": "2027-01-13"})
    standup = client.get("/api/v1/reports/standup", params={"format": "markdown"})

    assert data.status_code == 200
    assert data.json()["project"] == "Small delivery"
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Weekly report — Small delivery")
    assert html.headers["content-type"].startswith("text/html")
    assert "<h2>Milestones</h2>" in html.text
    assert standup.text.startswith("# Stand-up — Small delivery")
    bad = client.get("/api/v1/reports/weekly", params={"week": "last week"})
    assert bad.status_code == 422
