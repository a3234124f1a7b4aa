"""The demo's stand-ins listen where the example's systems say, or on a free port."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from interloom.services.demo_upstreams import (
    SYSTEMS,
    UpstreamsProcess,
    dev_ports,
    running_upstreams,
)
from interloom.services.project import load_project

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"


def test_the_ports_are_those_of_the_systems_dev_base_urls() -> None:
    assert dev_ports(load_project(RETAIL).project) == {"erp": 9201, "crm": 9202, "wms": 9203}


async def test_a_taken_port_is_replaced_by_a_free_one() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        async with running_upstreams(RETAIL, ports={"crm": busy}) as upstreams:
            assert sorted(upstreams.urls) == sorted(SYSTEMS)
            assert upstreams.urls["crm"] != f"http://127.0.0.1:{busy}"
            async with httpx.AsyncClient() as client:
                answer = await client.get(f"{upstreams.urls['crm']}/customers/C-100042")
            assert answer.status_code == 200
            [got] = upstreams.received("crm")
            assert (got.method, got.path, got.status) == ("GET", "/customers/C-100042", 200)


def test_a_process_of_stand_ins_answers_until_it_is_stopped() -> None:
    upstreams = UpstreamsProcess.start(RETAIL)
    try:
        answer = httpx.get(f"{upstreams.urls['erp']}/orders/SO-2027-000123", timeout=10)
        assert answer.json()["customerId"] == "C-100042"
    finally:
        upstreams.stop()

    assert upstreams.process.returncode == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{upstreams.urls['erp']}/_received", timeout=2)
