"""The delivery plan over HTTP: /api/v1/plan, its Gantt chart, task updates and baselines.

The project is the valid-minimal fixture with the small plan of ``tests/data/plans/small``
(two files; March 2027, status date Wednesday 3; Wednesday 10 is a holiday).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from .conftest import Serve
from .support import assert_error

DATA = Path(__file__).resolve().parents[2] / "data"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def plan_project(tmp_path: Path) -> Path:
    """valid-minimal with the small plan instead of its own."""
    root = tmp_path / "project"
    shutil.copytree(DATA / "projects" / "valid-minimal", root)
    (root / "expected.yaml").unlink()
    # The plan is what these tests are about: without flows, the rules of flows stay apart.
    shutil.rmtree(root / "flows")
    shutil.rmtree(root / "plan")
    (root / "plan").mkdir()
    for source in (DATA / "plans" / "small").glob("*.yaml"):
        shutil.copy(source, root / "plan" / source.name)
    return root


@pytest.fixture
def client(serve: Serve, plan_project: Path, database_url: str) -> Iterator[TestClient]:
    with serve(plan_project, database_url) as client:
        yield client


def plan_of(client: TestClient, **params: str) -> dict[str, object]:
    response = client.get("/api/v1/plan", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def task_of(plan: dict[str, object], ident: str) -> dict[str, object]:
    tasks = plan["tasks"]
    assert isinstance(tasks, list)
    return next(t for t in tasks if t["id"] == ident)


def test_the_plan_is_scheduled_in_wbs_order_with_its_critical_path(client: TestClient) -> None:
    plan = plan_of(client)

    assert plan["name"] == "Customer sync"
    assert plan["status_date"] == "2027-03-04T00:00:00"
    assert [(t["wbs"], t["id"]) for t in plan["tasks"]] == [  # type: ignore[union-attr]
        ("1", "P-1"),
        ("1.1", "T-1"),
        ("1.2", "T-2"),
        ("1.3", "M-1"),
        ("2", "P-2"),
        ("2.1", "T-3"),
        ("2.2", "T-4"),
        ("2.3", "T-5"),
        ("2.4", "T-6"),
        ("2.5", "M-2"),
    ]
    assert plan["critical_path"] == ["T-2", "M-1", "T-3", "T-5", "M-2"]
    t3 = task_of(plan, "T-3")
    assert (t3["start"], t3["finish"]) == ("2027-03-05T13:00:00", "2027-03-12T12:00:00")
    assert t3["cost"] == 100 + 4 * 8 * 80
    assert task_of(plan, "T-2")["deadline_missed"] is True
    assert task_of(plan, "P-1")["percent_complete"] == 70.0
    assert plan["project_finish"] == "2027-03-18T12:00:00"
    assert {(link["predecessor"], link["type"]) for link in plan["links"]} >= {  # type: ignore[union-attr]
        ("T-1", "SS"),
        ("T-3", "FF"),
        ("T-5", "SF"),
    }


def test_a_later_status_date_moves_the_work_not_done(client: TestClient) -> None:
    plan = plan_of(client, status_date="2027-03-08")

    # T-2 keeps its actual start; its day and a half left resume after Monday 8, and
    # Wednesday 10 is a holiday.
    t2 = task_of(plan, "T-2")
    assert (t2["start"], t2["finish"]) == ("2027-03-02T00:00:00", "2027-03-11T12:00:00")
    assert task_of(plan, "T-3")["start"] == "2027-03-11T13:00:00"


def test_an_update_is_recorded_audited_and_moves_the_schedule(client: TestClient) -> None:
    before = plan_of(client)

    response = client.post(
        "/api/v1/plan/tasks/T-2/updates",
        json={"percent_complete": 100, "actual_finish": "2027-03-03", "note": "done early"},
    )

    assert response.status_code == 201, response.text
    recorded = response.json()
    assert recorded["task"] == "T-2"
    assert recorded["percent_complete"] == 100
    assert recorded["actual_finish"] == "2027-03-03"
    assert recorded["author"] == "anonymous"
    after = plan_of(client)
    assert task_of(after, "T-2")["percent_complete"] == 100
    assert task_of(after, "T-2")["critical"] is False
    assert after["project_finish"] < before["project_finish"]  # type: ignore[operator]
    history = client.get("/api/v1/plan/tasks/T-2/updates").json()
    assert [u["id"] for u in history] == [recorded["id"]]
    assert client.get("/api/v1/plan/updates").json() == history
    audit = client.get("/api/v1/audit", params={"entity": "task:T-2"}).json()
    entry = audit["items"][0]
    assert entry["action"] == "plan.task.updated"
    assert entry["before"]["percent_complete"] == 50
    assert entry["after"]["percent_complete"] == 100
    assert entry["after"]["note"] == "done early"


@pytest.mark.parametrize(
    ("task", "body", "status", "code", "pointer"),
    [
        ("T-9", {"percent_complete": 10}, 404, "E-NOTFOUND-001", None),
        ("T-2", {"percent_complete": 150}, 422, "E-REQUEST-002", "/percent_complete"),
        ("T-2", {"actual_finish": "2027-03-01"}, 422, "E-PLAN-014", "/actual_finish"),
        ("T-3", {"actual_finish": "2027-03-09"}, 422, "E-PLAN-014", "/actual_finish"),
        ("P-1", {"percent_complete": 10}, 422, "E-REQUEST-002", None),
        ("T-2", {"note": "nothing else"}, 422, "E-REQUEST-002", None),
        ("T-2", {"status": "finished"}, 422, "E-REQUEST-002", "/status"),
        ("T-2", {"remaining_duration": "soon"}, 422, "E-REQUEST-002", "/remaining_duration"),
        ("T-2", {"percent_complete": False}, 422, "E-REQUEST-002", "/percent_complete"),
        ("T-2", {"remaining_duration": "50%"}, 422, "E-REQUEST-002", "/remaining_duration"),
        ("T-2", {"remaining_duration": -1}, 422, "E-REQUEST-002", "/remaining_duration"),
        ("T-2", {"actual_finish": "2027-03-03T17:00:00Z"}, 422, "E-REQUEST-002", "/actual_finish"),
        ("T-2", {"actual_finish": "6077-03-03"}, 422, "E-REQUEST-002", "/actual_finish"),
    ],
)
def test_a_bad_update_is_refused_with_a_located_error_and_nothing_is_kept(
    client: TestClient,
    task: str,
    body: dict[str, object],
    status: int,
    code: str,
    pointer: str | None,
) -> None:
    response = client.post(f"/api/v1/plan/tasks/{task}/updates", json=body)

    error = assert_error(response, status, code)
    if pointer is not None:
        located = error.get("location", {}).get("pointer") or [
            d["pointer"] for d in error.get("details", [])
        ]
        assert pointer in located
    assert client.get("/api/v1/plan/updates").json() == []


def test_baselines_are_saved_listed_refused_twice_and_compared(client: TestClient) -> None:
    saved = client.post("/api/v1/plan/baselines", json={"name": "approved"})
    again = client.post("/api/v1/plan/baselines", json={"name": "approved"})
    client.post(
        "/api/v1/plan/tasks/T-2/updates", json={"remaining_duration": "4d", "note": "harder"}
    )
    replaced = client.post("/api/v1/plan/baselines", json={"name": "later"})

    assert saved.status_code == 201, saved.text
    assert saved.json()["task_count"] == 10
    assert_error(again, 409, "E-CONFLICT-001")
    assert replaced.status_code == 201
    listed = client.get("/api/v1/plan/baselines").json()
    assert [b["name"] for b in listed] == ["approved", "later"]
    comparison = client.get("/api/v1/plan/baselines/approved/comparison").json()
    assert comparison["baseline"] == "approved"
    assert "T-2" in comparison["slipped"]
    assert "T-3" in comparison["slipped"]
    assert comparison["finish_variance_days"] > 0
    row = next(t for t in comparison["tasks"] if t["id"] == "T-2")
    assert row["finish_variance_days"] == 2.5
    unchanged = client.get("/api/v1/plan/baselines/later/comparison").json()
    assert unchanged["slipped"] == []
    assert_error(client.get("/api/v1/plan/baselines/nope/comparison"), 404, "E-NOTFOUND-001")


def test_plan_dates_are_wall_clock_times_as_the_document_declares(client: TestClient) -> None:
    plan = plan_of(client)
    document = client.get("/openapi.json").json()["components"]["schemas"]

    wall_clock = re.compile(document["PlanView"]["properties"]["project_start"]["pattern"])
    assert document["PlanView"]["properties"]["project_start"]["format"] == "date-time-local"
    assert document["PlannedTask"]["properties"]["finish"]["format"] == "date-time-local"
    assert wall_clock.match(str(plan["project_start"]))
    assert all(wall_clock.match(t["finish"]) for t in plan["tasks"])  # type: ignore[attr-defined]
    assert plan["status_date"] == "2027-03-04T00:00:00"  # no offset: the calendars' own time


@pytest.mark.parametrize("status_date", ["0", "true", "1.5", "2027-3-8", "6077-03-08", ""])
def test_a_status_date_that_is_not_a_day_of_the_plan_is_refused(
    client: TestClient, status_date: str
) -> None:
    for path in ("/api/v1/plan", "/api/v1/plan/resources", "/api/v1/plan/sprints"):
        response = client.get(path, params={"status_date": status_date})

        error = assert_error(response, 422, "E-REQUEST-002")
        assert [d["pointer"] for d in error["details"]] == ["query:/status_date"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"name": "approved", "replace": 0}, "/replace"),
        ({"name": "approved", "status_date": 0}, "/status_date"),
        ({"name": "approved", "status_date": "2027-03-08T00:00:00"}, "/status_date"),
    ],
)
def test_a_baseline_request_is_read_strictly(
    client: TestClient, body: dict[str, object], pointer: str
) -> None:
    response = client.post("/api/v1/plan/baselines", json=body)

    error = assert_error(response, 422, "E-REQUEST-002")
    assert [d["pointer"] for d in error["details"]] == [pointer]
    assert client.get("/api/v1/plan/baselines").json() == []


def test_a_method_a_path_does_not_serve_lists_every_method_it_does(client: TestClient) -> None:
    for path in ("/api/v1/plan/baselines", "/api/v1/plan/tasks/T-2/updates"):
        response = client.request("OPTIONS", path)

        assert_error(response, 405, "E-REQUEST-003")
        assert response.headers["allow"] == "GET, POST"


def test_the_gantt_chart_is_svg_or_html(client: TestClient) -> None:
    client.post("/api/v1/plan/baselines", json={"name": "approved"})

    svg = client.get("/api/v1/plan/gantt")
    page = client.get("/api/v1/plan/gantt", params={"format": "html", "baseline": "approved"})

    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = etree.fromstring(svg.content)
    bars = [e.get("data-task") for e in root.iter(f"{SVG}rect") if "bar" in e.get("class", "")]
    assert sorted(bars) == ["T-1", "T-2", "T-3", "T-4", "T-5", "T-6"]
    assert root.find(f".//{SVG}rect[@class='baseline-bar']") is None
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.count('class="baseline-bar"') == 10
    assert_error(
        client.get("/api/v1/plan/gantt", params={"baseline": "nope"}), 404, "E-NOTFOUND-001"
    )
    assert_error(client.get("/api/v1/plan/gantt", params={"format": "pdf"}), 422, "E-REQUEST-002")


def test_resources_show_their_work_and_over_allocations(client: TestClient) -> None:
    resources = client.get("/api/v1/plan/resources").json()

    by_id = {r["id"]: r for r in resources}
    assert set(by_id) == {"ana", "ben"}
    assert by_id["ana"]["tasks"] == ["T-1", "T-3", "T-6"]
    assert by_id["ana"]["assigned_hours"] == 7 * 8
    over = by_id["ana"]["overallocations"]
    assert [(o["activities"], o["units"]) for o in over] == [(["T-3", "T-6"], 2.0)]
    assert by_id["ben"]["overallocations"] == []


def test_a_plan_that_cannot_be_scheduled_answers_with_the_file_at_fault(
    serve: Serve, plan_project: Path, database_url: str
) -> None:
    build = plan_project / "plan" / "2-build.yaml"
    text = build.read_text("utf-8")
    build.write_text(text.replace("    depends_on: [M-1]\n", "    depends_on: [M-1, T-5]\n"))

    with serve(plan_project, database_url) as client:
        response = client.get("/api/v1/plan")

    error = assert_error(response, 422, "E-PLAN-001")
    assert error["location"]["file"] == "plan/2-build.yaml"
    assert error["location"]["line"] > 1
    assert "T-3" in error["message"]
    assert "T-5" in error["message"]


def test_an_unknown_calendar_is_located_in_its_file(
    serve: Serve, plan_project: Path, database_url: str
) -> None:
    build = plan_project / "plan" / "2-build.yaml"
    text = build.read_text("utf-8")
    task = "    assignee: ben\n    depends_on: [T-3"
    build.write_text(text.replace(task, task.replace("ben\n", "ben\n    calendar: night\n"), 1))

    with serve(plan_project, database_url) as client:
        response = client.get("/api/v1/plan/gantt")

    error = assert_error(response, 422, "E-PLAN-012")
    assert error["location"]["file"] == "plan/2-build.yaml"
    assert error["location"]["path"] == "tasks[3].calendar"
    assert "office" in error["hint"]


def test_two_project_sections_are_located_in_the_second_file(
    serve: Serve, plan_project: Path, database_url: str
) -> None:
    build = plan_project / "plan" / "2-build.yaml"
    build.write_text("project: {name: Other, start: 2027-04-05}\n" + build.read_text("utf-8"))

    with serve(plan_project, database_url) as client:
        response = client.get("/api/v1/plan")

    error = assert_error(response, 422, "E-PLAN-011")
    assert error["location"] == {
        "file": "plan/2-build.yaml",
        "line": 1,
        "column": 1,
        "path": "project",
    }
    assert "both declare project:" in error["message"]
