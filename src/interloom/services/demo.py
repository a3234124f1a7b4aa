"""The demo: the retail example project, and the self-check ``interloom demo --once`` runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


CHECKS: list[tuple[str, Check]] = [
    ("server is live and ready", _live),
    ("systems are served", _systems),
    ("interfaces are served", _interfaces),
    ("a change is recorded and audited", _audited_change),
    ("errors use the error model", _errors),
]


async def run_self_check(base_url: str) -> list[CheckResult]:
    """Exercise the served demo over HTTP, as a user's client would."""
    results = []
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        for name, check in CHECKS:
            try:
                results.append(CheckResult(name, True, await check(client)))
            except (CheckFailedError, httpx.HTTPError, ValueError, KeyError) as error:
                results.append(CheckResult(name, False, f"{type(error).__name__}: {error}"))
    return results
