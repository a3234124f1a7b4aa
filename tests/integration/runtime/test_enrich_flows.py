"""Enrich end to end against a real HTTP interface: merged answers, 404 handling, request
bodies, and 5xx, time-outs or an unreachable host retried by the flow's error policy."""

from __future__ import annotations

import asyncio
import socket
import textwrap
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from ..local_server import serving
from .conftest import RecordingSink
from .processor_projects import FAST_RETRIES, eventually, post, running, status, write_project


@dataclass
class Crm:
    """A CRM answering GET /customers/{id}; failures and delays on demand."""

    url: str = ""
    customers: dict[str, Any] = field(default_factory=dict)
    failures: int = 0  # answer 503 this many times first
    delay: float = 0.0
    calls: list[str] = field(default_factory=list)
    searches: list[tuple[dict[str, str], bytes]] = field(default_factory=list)  # headers, body


@pytest.fixture
async def crm() -> AsyncIterator[Crm]:
    state = Crm(customers={"C-7": {"name": "Ann", "tier": "gold"}})

    async def customer(request: web.Request) -> web.Response:
        state.calls.append(request.path_qs)
        if state.delay:
            await asyncio.sleep(state.delay)
        if state.failures:
            state.failures -= 1
            return web.json_response({"error": "busy"}, status=503)
        found = state.customers.get(request.match_info["id"])
        if found is None:
            return web.json_response({"error": "no such customer"}, status=404)
        return web.json_response(found)

    async def search(request: web.Request) -> web.Response:
        state.searches.append((dict(request.headers), await request.read()))
        query = await request.json()
        return web.json_response(state.customers.get(query["id"]))

    app = web.Application()
    app.router.add_get("/customers/{id}", customer)
    app.router.add_post("/customers/search", search)
    async with serving(app) as state.url:
        yield state


def enrich_flow(crm: str, sink: str, reply: str, extra: str) -> str:
    return (
        textwrap.dedent(
            f"""\
            id: orders
            name: Orders with their customer
            source:
              connector: http
              config: {{path: /orders, reply: {reply}}}
            steps:
              - id: customer
                kind: enrich
                config: {{url: "{crm}/customers/{{customerId}}", timeout_seconds: 0.5, {extra}}}
            sinks:
              - connector: http
                config: {{url: "{sink}"}}
            """
        )
        + FAST_RETRIES
    )


async def test_the_answer_is_put_at_the_target(
    tmp_path: Path, crm: Crm, sink: RecordingSink
) -> None:
    root = write_project(
        tmp_path, {"orders": enrich_flow(crm.url, sink.url, "sync", "target: customer")}
    )
    async with running(root) as runtime:
        response = await post(runtime, "/orders", {"id": "O1", "customerId": "C-7"})

        assert response.status_code == 202
        assert sink.bodies() == [
            {"id": "O1", "customerId": "C-7", "customer": {"name": "Ann", "tier": "gold"}}
        ]
        assert crm.calls == ["/customers/C-7"]


async def test_a_merge_expression_builds_the_message_from_it_and_the_answer(
    tmp_path: Path, crm: Crm, sink: RecordingSink
) -> None:
    merge = "merge: \"{'order': id, 'tier': $enrichment.tier}\""
    root = write_project(tmp_path, {"orders": enrich_flow(crm.url, sink.url, "sync", merge)})
    async with running(root) as runtime:
        await post(runtime, "/orders", {"id": "O1", "customerId": "C-7"})

        assert sink.bodies() == [{"order": "O1", "tier": "gold"}]


@pytest.mark.parametrize(
    ("on_missing", "code", "delivered"),
    [
        ("skip", 202, [{"id": "O1", "customerId": "C-0"}]),
        ("null", 202, [{"id": "O1", "customerId": "C-0", "customer": None}]),
        ("reject", 422, []),
    ],
)
async def test_a_404_does_what_on_missing_says(
    tmp_path: Path,
    crm: Crm,
    sink: RecordingSink,
    on_missing: str,
    code: int,
    delivered: list[Any],
) -> None:
    extra = f"target: customer, on_missing: {on_missing}"
    root = write_project(tmp_path, {"orders": enrich_flow(crm.url, sink.url, "sync", extra)})
    async with running(root) as runtime:
        response = await post(runtime, "/orders", {"id": "O1", "customerId": "C-0"})

        assert response.status_code == code
        assert sink.bodies() == delivered
        if code == 422:
            assert response.json()["step"] == "customer"
            assert "found nothing (404)" in response.json()["message"]


async def test_a_5xx_in_sync_mode_is_answered_502_and_counted_failed(
    tmp_path: Path, crm: Crm, sink: RecordingSink
) -> None:
    crm.failures = 1
    root = write_project(
        tmp_path, {"orders": enrich_flow(crm.url, sink.url, "sync", "target: customer")}
    )
    async with running(root) as runtime:
        response = await post(runtime, "/orders", {"id": "O1", "customerId": "C-7"})

        assert response.status_code == 502
        assert response.json()["code"] == "E-STEP-002"
        assert (await status(runtime, "orders")).failed == 1


async def test_durable_5xx_and_timeouts_are_retried_until_the_interface_answers(
    tmp_path: Path, crm: Crm, sink: RecordingSink
) -> None:
    crm.failures = 1
    crm.delay = 1.0  # beyond the step's 0.5 s: the first tries time out
    root = write_project(
        tmp_path, {"orders": enrich_flow(crm.url, sink.url, "durable", "target: customer")}
    )
    async with running(root) as runtime:
        response = await post(runtime, "/orders", {"id": "O1", "customerId": "C-7"})
        assert response.status_code == 202

        async def failed_once() -> bool:
            return len(crm.calls) >= 1

        await eventually(failed_once)
        crm.delay = 0.0

        async def delivered() -> bool:
            return len(sink.bodies()) == 1

        await eventually(delivered)
        assert sink.bodies()[0]["customer"] == {"name": "Ann", "tier": "gold"}
        assert len(crm.calls) >= 2

        async def settled() -> bool:
            final = await status(runtime, "orders")
            return (final.delivered, final.dead_lettered, final.in_flight) == (1, 0, 0)

        await eventually(settled)


async def test_an_interface_down_for_good_dead_letters_the_message_at_the_step(
    tmp_path: Path, crm: Crm, sink: RecordingSink
) -> None:
    crm.failures = 100
    root = write_project(
        tmp_path, {"orders": enrich_flow(crm.url, sink.url, "durable", "target: customer")}
    )
    async with running(root) as runtime:
        await post(runtime, "/orders", {"id": "O1", "customerId": "C-7"})
        assert runtime.store is not None
        store = runtime.store

        async def dead() -> bool:
            return (await store.counts("orders")).dead_lettered == 1

        await eventually(dead)
        (letter,) = await store.list_dead("orders")
        assert letter.step == "customer"
        assert "answered 503" in letter.error
        assert len(crm.calls) == 3  # max_attempts


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_body_expression_is_sent_as_json_with_its_content_type(
    tmp_path: Path, crm: Crm, sink: RecordingSink
) -> None:
    search = (
        f'url: "{crm.url}/customers/search", method: POST, body: "{{\'id\': customerId}}", '
        "target: customer"
    )
    flow = enrich_flow(crm.url, sink.url, "sync", search).replace(
        '{url: "' + crm.url + '/customers/{customerId}", ', "{"
    )
    root = write_project(tmp_path, {"orders": flow})
    async with running(root) as runtime:
        await post(runtime, "/orders", {"id": "O1", "customerId": "C-7"})

        [(headers, raw)] = crm.searches
        assert raw == b'{"id":"C-7"}'
        assert headers["Content-Type"] == "application/json"
        assert headers["Accept"] == "application/json"
        assert sink.bodies() == [
            {"id": "O1", "customerId": "C-7", "customer": {"name": "Ann", "tier": "gold"}}
        ]
        assert crm.calls == []


async def test_a_time_out_in_sync_mode_is_answered_502_with_the_reason(
    tmp_path: Path, crm: Crm, sink: RecordingSink
) -> None:
    crm.delay = 1.0  # beyond the step's 0.5 s
    root = write_project(
        tmp_path, {"orders": enrich_flow(crm.url, sink.url, "sync", "target: customer")}
    )
    async with running(root) as runtime:
        response = await post(runtime, "/orders", {"id": "O1", "customerId": "C-7"})

        assert response.status_code == 502
        answer = response.json()
        assert answer["code"] == "E-STEP-002"
        # the CRM answers after 1 s: without the step's 0.5 s time-out this would be a 202
        assert answer["message"].startswith(
            f"step 'customer': GET {crm.url}/customers/C-7 could not be reached: "
        )
        assert sink.bodies() == []


async def test_an_unreachable_interface_is_retried_then_dead_lettered_with_the_cause(
    tmp_path: Path, sink: RecordingSink
) -> None:
    nowhere = f"http://127.0.0.1:{closed_port()}"
    root = write_project(
        tmp_path, {"orders": enrich_flow(nowhere, sink.url, "durable", "target: customer")}
    )
    async with running(root) as runtime:
        response = await post(runtime, "/orders", {"id": "O1", "customerId": "C-7"})
        assert response.status_code == 202
        assert runtime.store is not None
        store = runtime.store

        async def dead() -> bool:
            return (await store.counts("orders")).dead_lettered == 1

        await eventually(dead)
        (letter,) = await store.list_dead("orders")
        assert letter.step == "customer"
        assert f"GET {nowhere}/customers/C-7 could not be reached" in letter.error
        assert sink.bodies() == []
