"""A downstream system to deliver to: a real HTTP server on 127.0.0.1 that records requests."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class RecordingSink:
    """What the downstream system received, and how it should answer."""

    url: str
    received: list[tuple[dict[str, str], Any]] = field(default_factory=list)
    status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[Any]:
        with self.lock:
            return [body for _, body in self.received]


@pytest.fixture
def sink() -> Iterator[RecordingSink]:
    with recording_sink() as state:
        yield state


@contextlib.contextmanager
def recording_sink() -> Iterator[RecordingSink]:
    """A recording downstream system on its own port, for as long as the block runs."""
    state = RecordingSink(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            with state.lock:
                state.received.append((dict(self.headers.items()), body))
            payload = b'{"ok": true}'
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/ingest"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def bench_project(tmp_path: Path) -> Path:
    """A copy of examples/bench, free to edit."""
    target = tmp_path / "bench"
    shutil.copytree(
        ROOT / "examples" / "bench", target, ignore=shutil.ignore_patterns(".interloom")
    )
    return target
