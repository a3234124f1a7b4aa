"""The demo: the retail example project, and the self-check ``interloom demo --once`` runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import httpx

import interloom
from interloom.core.errors import ProjectNotFoundError
from interloom.core.project import SETTINGS_FILE

EXAMPLE = "retail"


def example_project_dir(name: str = EXAMPLE) -> Path:
    """The example project: ``examples/NAME`` of a source checkout, else the installed copy."""
    checkout = Path(interloom.__file__).resolve().parents[2] / "examples" / name
    if (checkout / SETTINGS_FILE).is_file():
        return checkout
    packaged = files("interloom") / "_examples" / name
    with as_file(packaged) as path:
        if (path / SETTINGS_FILE).is_file():
            return path
    raise ProjectNotFoundError(
        f"the example project '{name}' is not installed",
        hint="run from a source checkout, or reinstall interloom",
    )


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One step of the self-check."""

    name: str
    ok: bool
    detail: str


Check = Callable[[httpx.AsyncClient], Awaitable[str]]


class CheckFailedError(Exception):
    """A self-check step saw something other than what it expects."""


def _expect(condition: bool, detail: str) -> None:
    if not condition:
        raise CheckFailedError(detail)


async def _json(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> Any:
    response = await client.request(method, url, **kwargs)
    _expect(response.status_code < 400, f"{method} {url} answered {response.status_code}")
    return response.json()


async def _live(client: httpx.AsyncClient) -> str:
    await _json(client, "GET", "/healthz")
    ready = await _json(client, "GET", "/readyz")
    return f"healthy, ready ({', '.join(f'{k} {v}' for k, v in ready['checks'].items())})"


async def _systems(client: httpx.AsyncClient) -> str:
    systems = await _json(client, "GET", "/api/v1/systems")
    ids = sorted(s["id"] for s in systems)
    _expect(len(ids) == 4, f"expected the example's 4 systems, got {ids}")
    return f"{len(ids)} systems: {', '.join(ids)}"


async def _interfaces(client: httpx.AsyncClient) -> str:
    interfaces = await _json(client, "GET", "/api/v1/interfaces")
    _expect(len(interfaces) > 0, "the example declares no interface")
    styles = sorted({i["style"] for i in interfaces})
    first = interfaces[0]["ref"].removeprefix("interface:")
    detail = await _json(client, "GET", f"/api/v1/interfaces/{first}")
    _expect(detail["ref"] == interfaces[0]["ref"], f"interface {first} did not round-trip")
    return f"{len(interfaces)} interfaces ({', '.join(styles)})"


async def _audited_change(client: httpx.AsyncClient) -> str:
    interfaces = await _json(client, "GET", "/api/v1/interfaces")
    target = interfaces[0]
    ident = target["ref"].removeprefix("interface:")
    new = "mocked" if target["lifecycle"] != "mocked" else "conformant"
    changed = await _json(
        client, "PUT", f"/api/v1/interfaces/{ident}/lifecycle", json={"lifecycle": new}
    )
    _expect(changed["lifecycle"] == new, f"lifecycle of {ident} is {changed['lifecycle']}")
    audit = await _json(client, "GET", "/api/v1/audit", params={"entity": target["ref"]})
    _expect(audit["total"] >= 1, f"no audit entry for {target['ref']}")
    entry = audit["items"][0]
    _expect(entry["after"] == {"lifecycle": new}, f"audit entry shows {entry['after']}")
    return f"{ident}: {target['lifecycle']} → {new}, audited as {entry['actor']}"


async def _errors(client: httpx.AsyncClient) -> str:
    response = await client.get("/api/v1/systems/no-such-system")
    body = response.json()
    _expect(response.status_code == 404, f"unknown system answered {response.status_code}")
    _expect(body.get("code") == "E-NOTFOUND-001", f"unknown system answered {body}")
    return "unknown system → 404 E-NOTFOUND-001"


async def _plan(client: httpx.AsyncClient) -> str:
    plan = await _json(client, "GET", "/api/v1/plan")
    tasks = plan["tasks"]
    _expect(len(tasks) >= 40, f"expected the example's plan of 40 tasks or more, got {len(tasks)}")
    _expect(bool(plan["critical_path"]), "the plan has no critical path")
    return (
        f"{len(tasks)} tasks, {plan['project_start'][:10]} → {plan['project_finish'][:10]}, "
        f"{len(plan['critical_path'])} critical"
    )


async def _plan_update(client: httpx.AsyncClient) -> str:
    plan = await _json(client, "GET", "/api/v1/plan")
    started = [t for t in plan["tasks"] if not t["summary"] and 0 < t["percent_complete"] < 100]
    _expect(bool(started), "no task of the plan is in progress")
    task = started[0]
    percent = min(99.0, task["percent_complete"] + 10)
    url = f"/api/v1/plan/tasks/{task['id']}/updates"
    await _json(client, "POST", url, json={"percent_complete": percent, "note": "demo check"})
    after = await _json(client, "GET", "/api/v1/plan")
    now = next(t for t in after["tasks"] if t["id"] == task["id"])
    _expect(now["percent_complete"] == percent, f"{task['id']} shows {now['percent_complete']}%")
    audit = await _json(client, "GET", "/api/v1/audit", params={"entity": f"task:{task['id']}"})
    _expect(audit["total"] >= 1, f"no audit entry for task:{task['id']}")
    return f"{task['id']}: {task['percent_complete']:g}% → {percent:g}%, audited"


async def _gantt(client: httpx.AsyncClient) -> str:
    response = await client.get("/api/v1/plan/gantt")
    _expect(response.status_code == 200, f"the Gantt chart answered {response.status_code}")
    kind = response.headers.get("content-type", "")
    _expect(kind.startswith("image/svg+xml"), f"the Gantt chart came as {kind}")
    bars = response.text.count('class="bar ')
    _expect(bars > 0 and "<svg" in response.text, "the Gantt chart has no task bar")
    page = await client.get("/api/v1/plan/gantt", params={"format": "html"})
    _expect(page.status_code == 200 and "<table" in page.text, "the HTML Gantt page is wrong")
    return f"SVG with {bars} task bars ({len(response.content):,} bytes), HTML page"


async def _weekly_report(client: httpx.AsyncClient) -> str:
    response = await client.get("/api/v1/reports/weekly", params={"format": "markdown"})
    _expect(response.status_code == 200, f"the weekly report answered {response.status_code}")
    text = response.text
    sections = ["## Milestones", "## Critical path", "## Earned value", "## Risks"]
    missing = [s for s in sections if s not in text]
    _expect(text.startswith("# Weekly report") and not missing, f"the report lacks {missing}")
    page = await client.get("/api/v1/reports/weekly", params={"format": "html"})
    _expect(page.status_code == 200 and "<svg" in page.text, "the HTML weekly report is wrong")
    risks = await _json(client, "GET", "/api/v1/risks")
    changes = await _json(client, "GET", "/api/v1/changes")
    return (
        f"Markdown ({len(text.splitlines())} lines) and HTML; {len(risks)} risks, "
        f"{len(changes)} change requests"
    )


async def _contract_impact(client: httpx.AsyncClient) -> str:
    """The proposed contracts under contracts/changes/: what they break, for whom, in which task."""
    seen: list[str] = []
    reaching = 0
    for name in ("crm.openapi.yaml", "wms-events.asyncapi.yaml"):
        body = {"old": {"path": f"contracts/{name}"}, "new": {"path": f"contracts/changes/{name}"}}
        impact = await _json(client, "POST", "/api/v1/contracts/impact", json=body)
        breaking = [
            f
            for f in impact["findings"]
            if f["level"] == "ERR"
            and (f["impact"]["flows"] or f["impact"]["consumers"])
            and f["impact"]["tasks"]
        ]
        reaching += len(breaking)
        summary = impact["summary"]
        seen.append(
            f"{name}: {summary['counts']['ERR']} ERR, {len(summary['affected_interfaces'])} "
            f"interfaces, {len(summary['consumers'])} consumers, {len(summary['tasks'])} tasks "
            f"({len(summary['rework'])} rework)"
        )
    _expect(reaching > 0, "no breaking change reaches a flow or consumer and a task")
    return f"{reaching} breaking findings reach consumers and tasks; " + "; ".join(seen)


CHECKS: list[tuple[str, Check]] = [
    ("server is live and ready", _live),
    ("systems are served", _systems),
    ("interfaces are served", _interfaces),
    ("a change is recorded and audited", _audited_change),
    ("errors use the error model", _errors),
    ("the plan schedules", _plan),
    ("progress on a task is recorded", _plan_update),
    ("the Gantt chart renders", _gantt),
    ("the weekly report renders", _weekly_report),
    ("a contract change shows its impact", _contract_impact),
]


async def run_self_check(
    base_url: str, extra: Sequence[tuple[str, Check]] = ()
) -> list[CheckResult]:
    """Exercise the served demo over HTTP, as a user's client would: ``CHECKS``, then ``extra``.

    ``extra`` are checks that need more than the server, such as the flow checks of
    ``services.demo_flows``, which drive messages to the systems' stand-ins.
    """
    results = []
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        for name, check in [*CHECKS, *extra]:
            try:
                results.append(CheckResult(name, True, await check(client)))
            except (CheckFailedError, httpx.HTTPError, ValueError, KeyError) as error:
                results.append(CheckResult(name, False, f"{type(error).__name__}: {error}"))
    return results
