"""Stand-ins for the retail example's ERP, CRM and WMS: somewhere for the demo's flows to go.

Each is a small aiohttp application answering the operations the example's flows call as the
example's contracts say (:mod:`interloom.services.demo_systems`). A repeated
``Idempotency-Key`` gets the first answer again, with no second effect. Every request is
recorded; ``GET /_received`` lists them, for the demo's self-check and for a person trying
the flows. They are simple on purpose: the contract-driven mock server takes their place.

``running_upstreams`` serves them in the caller's event loop (``demo --once``);
``UpstreamsProcess`` in a process of their own, beside a server that forks its workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from aiohttp import web

from interloom.core.errors import ConfigError
from interloom.core.project import Project
from interloom.services.demo_systems import (
    JSON,
    ROUTES,
    Answer,
    ContractBook,
    Handler,
    Routes,
    problem,
)
from interloom.services.project import load_project

SYSTEMS = ("erp", "crm", "wms")
"""The systems stood in for, by their ids in the example project."""

RECEIVED_PATH = "/_received"
XML_TYPES = frozenset({"text/xml", "application/soap+xml", "application/xml"})


@dataclass(frozen=True, slots=True)
class Received:
    """One request a stand-in got, and what it answered."""

    method: str
    path: str
    status: int
    body: Any = None
    idempotency_key: str | None = None
    replayed: bool = False  # a repeated Idempotency-Key: answered again, no second effect

    def as_json(self) -> dict[str, Any]:
        """The record as ``GET /_received`` lists it."""
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "body": self.body,
            "idempotency_key": self.idempotency_key,
            "replayed": self.replayed,
        }


@dataclass(slots=True)
class StandIn:
    """One system's stand-in: its routes and what it received."""

    system: str
    received: list[Received] = field(default_factory=list)
    answered: dict[str, Answer] = field(default_factory=dict)  # by Idempotency-Key

    def application(self, routes: Routes) -> web.Application:
        """The aiohttp application serving ``routes`` (method, path, handler) and /_received."""
        app = web.Application()
        for method, path, handler in routes:
            app.router.add_route(method, path, self._recorded(handler))
        app.router.add_get(RECEIVED_PATH, self._list_received)
        return app

    def _recorded(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            raw = await request.read()
            body: Any = None
            if raw and request.content_type in XML_TYPES:  # a SOAP call: its text
                body = raw.decode("utf-8", "replace")
            elif raw:
                try:
                    body = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    answer = problem(400, "BAD_REQUEST", "the body is not JSON")
                    self._record(request, answer, raw.decode("utf-8", "replace"), None)
                    return _json(answer)
            key = request.headers.get("Idempotency-Key")
            if key is not None and key in self.answered:
                answer = self.answered[key]
                self._record(request, answer, body, key, replayed=True)
                return _json(answer)
            answer = await handler(request, body)
            if key is not None and answer.status < 500:
                self.answered[key] = answer
            self._record(request, answer, body, key)
            return _json(answer)

        return handle

    def _record(
        self,
        request: web.Request,
        answer: Answer,
        body: Any,
        key: str | None,
        *,
        replayed: bool = False,
    ) -> None:
        self.received.append(
            Received(request.method, request.path, answer.status, body, key, replayed)
        )

    async def _list_received(self, request: web.Request) -> web.Response:
        return _json(Answer(200, [r.as_json() for r in self.received]))


def _json(answer: Answer) -> web.Response:
    if answer.content_type != JSON:
        return web.Response(
            status=answer.status,
            text=str(answer.body or ""),
            content_type=answer.content_type,
            charset="utf-8",
        )
    return web.Response(
        status=answer.status,
        body=orjson.dumps(answer.body) if answer.body is not None else b"",
        content_type=JSON,
    )


def dev_ports(project: Project, environment: str = "dev") -> dict[str, int]:
    """The port of each stood-in system's base URL in ``environment`` (when it names one)."""
    ports = {}
    for system in SYSTEMS:
        found = project.system(system)
        url = found.base_urls.get(environment) if found is not None else None
        if url is not None and (port := urlsplit(url).port) is not None:
            ports[system] = port
    return ports


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``port``, or to a free port when that one is taken (or 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in (port, 0) if port else (0,):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError:
            sock.close()
            continue
        sock.listen(128)
        sock.setblocking(False)
        return sock
    raise ConfigError(f"cannot listen on {host}: no free port")


@dataclass(slots=True)
class Upstreams:
    """The running stand-ins: each system's base URL and what it received."""

    urls: dict[str, str]
    stand_ins: dict[str, StandIn]

    def received(self, system: str) -> list[Received]:
        """What the stand-in of ``system`` received, in order."""
        return list(self.stand_ins[system].received)


@contextlib.asynccontextmanager
async def running_upstreams(
    root: Path, *, host: str = "127.0.0.1", ports: Mapping[str, int] | None = None
) -> AsyncIterator[Upstreams]:
    """Serve the stand-ins of the project at ``root``, until the block ends.

    ``ports`` gives a port per system; a system without one, or whose port is taken, gets a
    free port. Read the URLs from the result.
    """
    loaded = load_project(root)
    book = ContractBook(root, loaded.project)
    runners: list[web.AppRunner] = []
    urls: dict[str, str] = {}
    stand_ins: dict[str, StandIn] = {}
    shown = f"[{host}]" if ":" in host else host
    try:
        for system in SYSTEMS:
            stand_in = StandIn(system)
            app = stand_in.application(ROUTES[system](book))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            runners.append(runner)
            sock = _listening_socket(host, (ports or {}).get(system, 0))
            await web.SockSite(runner, sock).start()
            urls[system] = f"http://{shown}:{sock.getsockname()[1]}"
            stand_ins[system] = stand_in
        yield Upstreams(urls, stand_ins)
    finally:
        for runner in reversed(runners):
            await runner.cleanup()


async def _serve_until_stdin_closes(root: Path, host: str, ports: dict[str, int]) -> None:
    """Serve, print the URLs as one JSON line, and stop when the parent closes our stdin."""
    loop = asyncio.get_running_loop()
    closed = asyncio.Event()

    def watch_stdin() -> None:  # EOF: the parent stopped us, or died
        sys.stdin.read()
        loop.call_soon_threadsafe(closed.set)

    try:
        async with running_upstreams(root, host=host, ports=ports) as upstreams:
            print(json.dumps({"urls": upstreams.urls}), flush=True)
            threading.Thread(target=watch_stdin, daemon=True).start()
            await closed.wait()
    except ConfigError as error:
        print(json.dumps({"error": error.message}), flush=True)


class UpstreamsProcess:
    """The stand-ins served by a process of their own, for a server that forks its workers.

    The process is a fresh interpreter (``python -m interloom.services.demo_upstreams``), so
    it holds nothing of its parent's; it stops when :meth:`stop` closes its stdin, or when
    the parent dies.
    """

    def __init__(self, process: subprocess.Popen[str], urls: dict[str, str]) -> None:
        self.process = process
        self.urls = urls

    @classmethod
    def start(
        cls,
        root: Path,
        *,
        host: str = "127.0.0.1",
        ports: Mapping[str, int] | None = None,
        timeout: float = 60.0,
    ) -> UpstreamsProcess:
        """Start the process; return once the stand-ins listen (:class:`ConfigError` if not)."""
        command = [sys.executable, "-m", __name__, str(root), host, json.dumps(dict(ports or {}))]
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8"
        )
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        line = process.stdout.readline() if ready else ""
        try:
            said = json.loads(line) if line else {}
        except ValueError:
            said = {"error": line.strip()}
        if "urls" in said:
            return cls(process, said["urls"])
        upstreams = cls(process, {})
        upstreams.stop()
        reason = said.get("error") or (
            f"their process ended with code {process.returncode}"
            if process.returncode is not None
            else f"they did not start within {timeout:g} s"
        )
        raise ConfigError(f"cannot start the demo's stand-in systems: {reason}")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the process (it has nothing to save)."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
        if self.process.stdout is not None:
            self.process.stdout.close()


if __name__ == "__main__":  # UpstreamsProcess runs this
    # Ctrl-C in a terminal reaches the whole process group: the parent stops us, not the key.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    asyncio.run(_serve_until_stdin_closes(Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])))
