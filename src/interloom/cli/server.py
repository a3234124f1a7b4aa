"""``serve`` and ``demo``: the management API (and later the runtime) in one process."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from rich.markup import escape

from interloom.api.app import SERVE_CONFIG_ENV_VAR, create_server_app
from interloom.cli.context import CliState
from interloom.cli.output import console, err_console
from interloom.core.errors import ConfigError
from interloom.services.demo import example_project_dir, run_self_check
from interloom.services.demo_flows import FlowScene, driving_hints, flow_checks, scene_environment
from interloom.services.demo_upstreams import UpstreamsProcess, dev_ports, running_upstreams
from interloom.services.flow_recording import check_record_options
from interloom.services.metrics import close_process_files, open_process_files
from interloom.services.project import open_project
from interloom.services.server import ServerConfig

app = typer.Typer()

Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on (0: any free port).", min=0, max=65535)]


T = TypeVar("T")


def _run_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run the server on uvloop where it is installed: the event loop is the hot path."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency except on Windows
        return asyncio.run(main)
    return uvloop.run(main)


def _check_port_free(host: str, port: int) -> None:
    if port == 0:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ConfigError(
                f"cannot listen on {host}:{port}: {error.strerror}",
                hint="another server holds the port; choose another with --port",
            ) from None


# Flows' requests are answered straight from the HTTP parser (api.http_protocol, ADR 0030);
# the logging is Interloom's own; no proxy in front is trusted unless configured.
UVICORN_OPTIONS: dict[str, Any] = {
    "http": "interloom.api.http_protocol:InterloomHttpProtocol",
    "ws": "none",
    "lifespan": "on",
    "log_config": None,
    "access_log": False,
    "proxy_headers": False,
    "server_header": False,
}


def _uvicorn_server(config: ServerConfig, host: str, port: int) -> uvicorn.Server:
    app_ = create_server_app(config)
    return uvicorn.Server(uvicorn.Config(app_, host=host, port=port, **UVICORN_OPTIONS))


def _bound_url(server: uvicorn.Server, host: str) -> str:
    port = server.servers[0].sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


async def _start(server: uvicorn.Server) -> asyncio.Task[None]:
    """Start ``server``; return once it listens or has given up."""
    task = asyncio.create_task(server.serve())
    # uvicorn reports start-up only through this flag.
    while not server.started and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    return task


@app.command()
def serve(
    ctx: typer.Context,
    host: Host = "127.0.0.1",
    port: Port = 8000,
    watch: Annotated[bool, typer.Option(help="Reload definitions when files change.")] = True,
    workers: Annotated[
        int, typer.Option(help="Worker processes sharing the port.", min=1, max=64)
    ] = 1,
    record: Annotated[
        list[str] | None,
        typer.Option(
            "--record",
            metavar="FLOW=FILE",
            help="Append each input of FLOW to FILE (repeatable); see 'interloom replay'.",
        ),
    ] = None,
) -> None:
    """Serve the project: management API and the flows' data plane."""
    root = ctx.obj.root
    loaded = open_project(root)  # fail fast, with every error, before binding a port
    check_record_options(loaded, record or ())
    _check_port_free(host, port)
    config = ServerConfig(
        root=root, database_url=ctx.obj.database_url, watch=watch, record=tuple(record or ())
    )
    _serve(ctx.obj, config, host, port, workers, label=str(root))


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _announce_when_up(host: str, port: int, banner: str) -> None:
    """Print the banner once the server answers, so that whoever reads the URL can use it.

    Runs in a thread while the server starts its workers: it must import nothing (a module lock
    held across a fork deadlocks the child), hence a raw socket and a banner rendered before.
    """
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1) as connection:
                connection.sendall(b"GET /healthz HTTP/1.0\r\nHost: interloom\r\n\r\n")
                if b" 200 " in connection.recv(64).split(b"\r\n", 1)[0] + b" ":
                    sys.stdout.write(banner)
                    sys.stdout.flush()  # a pipe is block-buffered: the reader gets it now
                    return
        except OSError:
            pass
        time.sleep(0.05)


def _serve(
    state: CliState, config: ServerConfig, host: str, port: int, workers: int, *, label: str
) -> None:
    """Serve with uvicorn and Interloom's HTTP protocol on uvloop, in one or more processes.

    Several workers count their metrics in files of one folder for the run, so that a scrape
    answered by any of them shows all; one worker counts in memory.
    """
    metrics_folder = open_process_files(config.root) if workers > 1 else None
    os.environ[SERVE_CONFIG_ENV_VAR] = json.dumps(
        {
            "root": str(config.root),
            "database_url": config.database_url,
            "watch": config.watch,
            "record": list(config.record),
            "log_format": state.log_format,
            "log_level": state.log_level,
            "metrics_folder": str(metrics_folder) if metrics_folder else None,
            "started_at": datetime.now(UTC).isoformat(),
        }
    )
    try:
        _run_server(state, host, port, workers, label=label)
    finally:
        if metrics_folder is not None:
            close_process_files(metrics_folder)


def _run_server(state: CliState, host: str, port: int, workers: int, *, label: str) -> None:
    if port == 0:  # the banner needs the port before the workers have bound it
        port = _free_port(host)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    banner = (
        f"Interloom is serving {label} at {url}\n"
        f"  API: {url}/api/v1/systems   docs: {url}/docs   press Ctrl-C to stop\n"
    )
    host.encode("idna")  # the codec the thread's connect needs, imported before any worker
    threading.Thread(target=_announce_when_up, args=(host, port, banner), daemon=True).start()
    # Several workers share one listening socket, each with its own event loop.
    uvicorn.run(
        "interloom.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        interface="asgi3",
        log_level="debug" if state.log_level == "debug" else "warning",
        backlog=1024,
        timeout_graceful_shutdown=10,
        **UVICORN_OPTIONS,
    )


async def _self_check(config: ServerConfig, host: str, inbox: Path) -> bool:
    async with running_upstreams(config.root, host=host) as upstreams:
        scene = FlowScene(config.root, upstreams.urls, inbox)
        os.environ.update(scene_environment(scene))  # read by the flows as the server loads
        server = _uvicorn_server(config, host, 0)
        task = await _start(server)
        try:
            if not server.started:
                return False
            results = await run_self_check(_bound_url(server, host), flow_checks(scene))
        finally:
            server.should_exit = True
            await task
    for result in results:
        mark = "[green]✓[/]" if result.ok else "[red]✗[/]"
        console.print(f"{mark} {result.name}: {escape(result.detail)}", highlight=False)
    return all(r.ok for r in results)


@app.command()
def demo(
    ctx: typer.Context,
    host: Host = "127.0.0.1",
    port: Port = 8000,
    once: Annotated[
        bool, typer.Option("--once", help="Run the demo's self-check to completion and exit.")
    ] = False,
) -> None:
    """Serve the retail example project on a fresh embedded database, beside stand-ins of its
    systems that its flows deliver to."""
    root = example_project_dir()
    loaded = open_project(root)
    scratch = Path(tempfile.mkdtemp(prefix="interloom-demo-"))
    database_url = f"sqlite:///{scratch / 'demo.db'}"
    inbox = scratch / "inbox" / "stock"
    config = ServerConfig(root=root, database_url=database_url, watch=not once)
    try:
        if once:
            ok = _run_loop(_self_check(config, host, inbox))
            if not ok:
                err_console.print("[bold red]demo self-check failed[/]")
                raise typer.Exit(1)
            console.print("[bold green]demo self-check passed[/]")
            return
        _check_port_free(host, port)
        upstreams = UpstreamsProcess.start(root, host=host, ports=dev_ports(loaded.project))
        try:
            scene = FlowScene(root, upstreams.urls, inbox)
            os.environ.update(scene_environment(scene))  # inherited by the server's workers
            _print_scene(scene)
            _serve(ctx.obj, config, host, port, 1, label=f"the {root.name} example")
        finally:
            upstreams.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _print_scene(scene: FlowScene) -> None:
    console.print("Stand-ins of the example's systems (GET /_received lists what each got):")
    for system, url in scene.upstreams.items():
        console.print(f"  {system}  {url}", highlight=False)
    console.print("Drive the flows (see examples/retail/README.md):")
    for line in driving_hints(scene):
        console.print(f"  {escape(line)}", highlight=False)
