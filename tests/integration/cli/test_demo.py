"""``interloom demo --once`` and ``interloom serve``, run as a user runs them: in a process."""

from __future__ import annotations

import hashlib
import hmac
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from interloom.services.demo import CHECKS
from interloom.services.demo_flows import FLOW_CHECKS
from interloom.services.scaffold import init_project

# Wide enough that Rich never wraps a line; unbuffered so that lines arrive as printed.
ENV = {
    **os.environ,
    "COLUMNS": "400",
    "PYTHONUNBUFFERED": "1",
    "PYTHONIOENCODING": "utf-8",
    "NO_COLOR": "1",
}
for variable in (
    "INTERLOOM_PROJECT",
    "INTERLOOM_DATABASE_URL",
    # what the example's flows read: the demo sets the URLs, the secrets keep their defaults
    "ERP_URL",
    "CRM_URL",
    "WMS_URL",
    "STOCK_INBOX",
    "ERP_WEBHOOK_SECRET",
    "WMS_WEBHOOK_SECRET",
):
    ENV.pop(variable, None)

INTERLOOM = [sys.executable, "-m", "interloom"]
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "retail"
URL = re.compile(r"http://127\.0\.0\.1:(\d+)")
STARTUP_TIMEOUT = 60.0  # a cold start imports a lot; CI machines can be slow
STOP_TIMEOUT = 10.0

pytestmark = pytest.mark.slow


def test_demo_once_runs_its_self_check_and_passes(tmp_path: Path) -> None:
    result = subprocess.run(
        [*INTERLOOM, "demo", "--once"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=ENV,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    lines = result.stdout.splitlines()
    for name, _ in [*CHECKS, *FLOW_CHECKS]:
        assert any(line.startswith(f"✓ {name}: ") for line in lines), (name, output)
    assert (
        "✓ the flows' counters balance: order-to-wms 6 = 2 + 2 + 1 + 1; "
        "shipment-to-crm 1 = 1 + 0 + 0 + 0; stock-to-erp 4 = 3 + 0 + 0 + 1; "
        "invoice-on-payment 2 = 1 + 1 + 0 + 0 "
    ) in output
    assert "✗" not in output
    assert "✓ systems are served: 4 systems: crm, erp, payments, wms" in lines
    assert lines[-1] == "demo self-check passed"
    assert "Traceback" not in output


@dataclass
class Served:
    """A running ``interloom serve`` and what it printed (stdout and stderr)."""

    process: subprocess.Popen[str]
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)
    reader: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.reader = threading.Thread(target=self.pump, daemon=True)
        self.reader.start()

    @property
    def output(self) -> str:
        return "".join(self.seen)

    def pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.seen.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for_url(self) -> str:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                pytest.fail(f"serve exited ({self.process.wait()}) first:\n{self.output}")
            if match := URL.search(line):
                return match.group(0)
        pytest.fail(f"serve printed no URL within {STARTUP_TIMEOUT} s:\n{self.output}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``interloom serve`` of a scaffolded project, on any free port."""
    root = tmp_path / "project"
    init_project(root)
    process = subprocess.Popen(
        [*INTERLOOM, "--project", str(root), "serve", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        env=ENV,
        cwd=tmp_path,
    )
    running = Served(process)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
        running.reader.join(timeout=STOP_TIMEOUT)


def test_serve_answers_and_stops_cleanly_on_sigint(served: Served) -> None:
    url = served.wait_for_url()

    response = httpx.get(f"{url}/api/v1/systems", timeout=10)
    assert response.status_code == 200, response.text
    assert [s["id"] for s in response.json()] == ["crm"]

    served.process.send_signal(signal.SIGINT)
    try:
        code = served.process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve did not stop within {STOP_TIMEOUT} s of SIGINT:\n{served.output}")
    served.reader.join(timeout=STOP_TIMEOUT)  # the rest of its output
    assert code in (0, 130), served.output
    assert "Traceback" not in served.output, served.output
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/healthz", timeout=2)


def _stand_ins(served: Served) -> tuple[str, dict[str, str]]:
    """The server's URL and the stand-ins' URLs that ``interloom demo`` printed before it."""
    deadline = time.monotonic() + STARTUP_TIMEOUT * 2  # the stand-ins start first
    stand_ins: dict[str, str] = {}
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = served.lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            pytest.fail(f"demo exited ({served.process.wait()}) first:\n{served.output}")
        if found := re.match(r"^  (erp|crm|wms)  (http://\S+)$", line.rstrip("\n")):
            stand_ins[found.group(1)] = found.group(2)
        if line.startswith("Interloom is serving") and (match := URL.search(line)):
            return match.group(0), stand_ins
    pytest.fail(f"demo printed no URL in time:\n{served.output}")


def test_demo_serves_the_flows_beside_stand_ins_of_the_systems(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*INTERLOOM, "demo", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        env=ENV,
        cwd=tmp_path,
    )
    served = Served(process)
    try:
        url, stand_ins = _stand_ins(served)
        assert sorted(stand_ins) == ["crm", "erp", "wms"], served.output
        assert (
            "order-to-wms: POST /hooks/erp/orders/created with X-Erp-Signature: " in served.output
        )
        assert (
            "invoice-on-payment: POST /hooks/payments/captured with Payments-Signature: t=<t>,v1="
            in served.output
        )

        body = (EXAMPLE / "samples" / "erp-order-created.json").read_bytes()
        signature = "sha256=" + hmac.new(b"demo-secret", body, hashlib.sha256).hexdigest()
        answer = httpx.post(
            f"{url}/hooks/erp/orders/created",
            content=body,
            headers={"Content-Type": "application/json", "X-Erp-Signature": signature},
            timeout=10,
        )
        assert answer.status_code == 202, answer.text
        deadline = time.monotonic() + 60
        while (flow := httpx.get(f"{url}/api/v1/flows/order-to-wms", timeout=10).json())[
            "delivered"
        ] < 1:
            assert time.monotonic() < deadline, flow
            time.sleep(0.2)
        received = httpx.get(f"{stand_ins['wms']}/_received", timeout=10).json()
        assert [(r["path"], r["status"], r["body"]["orderId"]) for r in received] == [
            ("/shipments", 201, "SO-2027-000123")
        ]

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=STOP_TIMEOUT) in (0, 130), served.output
        served.reader.join(timeout=STOP_TIMEOUT)
        assert "Traceback" not in served.output, served.output
        with pytest.raises(httpx.ConnectError):  # the stand-ins stopped with the demo
            httpx.get(f"{stand_ins['wms']}/_received", timeout=2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
        served.reader.join(timeout=STOP_TIMEOUT)
