"""``interloom observe`` run as a person runs it: a process, stopped with Ctrl-C (SIGINT)."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

ENV = {**os.environ, "COLUMNS": "400", "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
for variable in ("INTERLOOM_PROJECT", "INTERLOOM_DATABASE_URL"):
    ENV.pop(variable, None)
URL = re.compile(r"Observing (http://127\.0\.0\.1:\d+)")
STARTUP_TIMEOUT = 60.0
pytestmark = pytest.mark.slow  # a cold start of the command imports a lot
CONTRACT = """
openapi: 3.1.0
info: {title: Stock, version: '1'}
paths:
  /stock/{sku}:
    get:
      operationId: getStock
      parameters: [{name: sku, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties: {sku: {type: string}, quantity: {type: integer}}
"""


@pytest.fixture
def upstream() -> Iterator[str]:
    """A tiny stock service on 127.0.0.1, served from a thread of its own."""

    async def stock(request: web.Request) -> web.Response:
        return web.json_response({"sku": request.match_info["sku"], "quantity": "7"})

    app = web.Application()
    app.router.add_get("/stock/{sku}", stock)
    ready: queue.Queue[tuple[str, asyncio.AbstractEventLoop, asyncio.Event]] = queue.Queue()

    async def serve() -> None:
        stop = asyncio.Event()
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ready.put((f"http://127.0.0.1:{runner.addresses[0][1]}", asyncio.get_running_loop(), stop))
        await stop.wait()
        await runner.cleanup()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    url, loop, stop = ready.get(timeout=10)
    yield url
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=10)


def test_observe_forwards_records_and_summarises_on_ctrl_c(upstream: str, tmp_path: Path) -> None:
    recording = tmp_path / "stock.jsonl"
    contract = tmp_path / "stock.yaml"
    contract.write_text(CONTRACT, "utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "interloom",
            "observe",
            "--upstream",
            upstream,
            "--port",
            "0",
            "--record",
            str(recording),
            "--contract",
            str(contract),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=ENV,
        cwd=tmp_path,
    )
    try:
        assert process.stderr is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: lines.put(process.stderr.readline() if process.stderr else ""),
            daemon=True,
        ).start()
        banner = lines.get(timeout=STARTUP_TIMEOUT)
        match = URL.search(banner)
        assert match, banner
        proxy = match.group(1)

        for sku in ("A-100", "B-200"):
            answer = httpx.get(f"{proxy}/stock/{sku}", timeout=10)
            assert answer.status_code == 200
            assert answer.json() == {"sku": sku, "quantity": "7"}

        process.send_signal(signal.SIGINT)
        stdout, rest = process.communicate(timeout=20)
        stderr = banner + rest
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, stderr
    assert "GET /stock/A-100 → 200" in stdout
    assert "2 exchanges forwarded to " + upstream in stdout
    assert re.search(r"GET\s+│ /stock/\{stockId\}\s+│ 2\s+│ 200", stdout), stdout
    assert (
        "wrong-type GET /stock/{sku} (getStock) response 200 application/json /quantity ×2"
        in stdout
    )
    lines = recording.read_text("utf-8").splitlines()
    assert [json.loads(line)["request"]["url"] for line in lines] == [
        f"{upstream}/stock/A-100",
        f"{upstream}/stock/B-200",
    ]
