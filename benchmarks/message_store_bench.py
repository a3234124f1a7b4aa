"""Throughput of the durable message store alone: messages put, leased and completed per second.

    .venv/bin/python benchmarks/message_store_bench.py --backend sqlite [--messages 200000]
    .venv/bin/python benchmarks/message_store_bench.py --backend postgresql --json out.json

Producers put ~1 KB messages concurrently (each `put` returns once the message is durable)
while consumers lease them in batches and complete them. The figure is messages fully
through (put, leased, completed) divided by the wall time from the first put to the last
completion. The counters are checked at the end: every message received was delivered.
Beside it, the CPU time spent per message: by this process and, on PostgreSQL, by the server
processes serving its connections (read from /proc, so only for a server on this machine).
On a busy machine the wall-time figure follows the load; the CPU time much less.

SQLite runs on a file in a temporary directory; PostgreSQL on INTERLOOM_TEST_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/test) in a schema of its own, dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import platform
import pstats
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from interloom.storage.message_store import MessageStore, NewMessage, open_message_store

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
FLOW = "bench"


def message_id(kind: str) -> str:
    """A random UUID 4 (what the runtime makes on Python 3.11) or a time-ordered UUID 7."""
    if kind == "uuid4":
        return str(uuid.uuid4())
    # UUID 7: 48 bits of milliseconds, then random bits with the version and variant set.
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76
    value = value & ~(0x3 << 62) | 0x2 << 62
    return str(uuid.UUID(int=value))


@contextlib.asynccontextmanager
async def database_url(backend: str) -> AsyncIterator[str]:
    """A URL to an empty database for the run, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="interloom-bench-") as directory:
            yield f"sqlite:///{Path(directory) / 'bench.db'}"
        return
    server = os.environ.get("INTERLOOM_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    server = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        options = f"-csearch_path={schema}"
        yield (
            make_url(server)
            .update_query_dict({"options": options, "application_name": schema})
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def produce(
    store: MessageStore,
    ids: list[str],
    body: bytes,
    chunk: int,
    stats: dict[str, float],
    remember: bool,
) -> None:
    """Put the messages one by one (chunk 1, as concurrent requests would) or in chunks."""
    if chunk <= 1:
        for message_id in ids:
            await store.put(FLOW, message_id, body, remember=remember)
    else:
        for start in range(0, len(ids), chunk):
            batch = [
                NewMessage(message_id, body, remember=remember)
                for message_id in ids[start : start + chunk]
            ]
            await store.put_many(FLOW, batch)
    stats["produced_at"] = max(stats.get("produced_at", 0.0), time.perf_counter())


async def consume(
    store: MessageStore, worker: str, limit: int, total: int, done: list[int]
) -> None:
    """Lease up to limit messages at a time and complete them, until all are delivered.

    An empty lease backs off (0.5 ms, doubling up to 8 ms), as a worker polling a queue would.
    """
    idle = 0.0005
    while done[0] < total:
        leased = await store.lease(FLOW, worker, limit, 30.0)
        if not leased:
            await asyncio.sleep(idle)
            idle = min(idle * 2, 0.008)
            continue
        idle = 0.0005
        # Not `done[0] += await …`: that reads done[0] before the await, losing updates.
        completed = await store.complete([message.id for message in leased])
        done[0] += completed


def cpu_seconds() -> float:
    """The CPU time this process has used so far, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_cpu_seconds(url: str) -> float | None:
    """The CPU time of the PostgreSQL processes serving this run's connections (None: unknown).

    They are found by the application name the run's URL sets; their /proc entries must be
    readable (a server on this machine, read as its owner or root).
    """
    application = make_url(url).query.get("application_name")
    server = make_url(url).difference_update_query(["options", "application_name"])
    ticks = os.sysconf("SC_CLK_TCK")
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as c:
        pids = [
            row[0]
            for row in c.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (application,)
            )
        ]
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total if pids else None


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """One measured run; returns its figures."""
    body = (b'{"order": "' + b"x" * (args.body_size - 13) + b'"}')[: args.body_size]
    ids = [message_id(args.ids) for _ in range(args.messages)]
    shares = [ids[i :: args.producers] for i in range(args.producers)]
    async with database_url(args.backend) as url:
        options: dict[str, Any] = {}
        if args.backend == "postgresql":
            options["connections"] = args.connections
        if args.retention is not None:
            options["retention_seconds"] = args.retention
        store = await open_message_store(url, **options)
        try:
            done = [0]
            stats: dict[str, float] = {}
            server_before = server_cpu_seconds(url) if args.backend == "postgresql" else None
            client_before = cpu_seconds()
            started = time.perf_counter()
            producers = [
                produce(store, share, body, args.put_many, stats, args.remember) for share in shares
            ]
            consumers = [
                consume(store, f"worker-{n}", args.lease, args.messages, done)
                for n in range(args.consumers)
            ]
            await asyncio.gather(*producers, *consumers)
            elapsed = time.perf_counter() - started
            client_cpu = cpu_seconds() - client_before
            server_after = server_cpu_seconds(url) if args.backend == "postgresql" else None
            server_cpu = (
                server_after - server_before
                if server_before is not None and server_after is not None
                else None
            )
            counts = await store.counts(FLOW)
            store_stats = store.stats
        finally:
            await store.close()
    if not counts.received == counts.delivered == args.messages or counts.in_flight:
        raise SystemExit(f"the counters do not add up: {counts.as_dict()}")
    return {
        "backend": args.backend,
        "messages": args.messages,
        "body_bytes": len(body),
        "producers": args.producers,
        "put_many": args.put_many,
        "consumers": args.consumers,
        "lease_limit": args.lease,
        "ids": args.ids,
        "remember": args.remember,
        "loop": args.loop,
        "seconds": round(elapsed, 3),
        "msgs_per_s": round(args.messages / elapsed),
        "produce_msgs_per_s": round(args.messages / (stats["produced_at"] - started)),
        "transactions": store_stats.transactions,
        "operations": store_stats.operations,
        "largest_batch": store_stats.largest_batch,
        "counts": counts.as_dict(),
        "client_cpu_us_per_msg": round(client_cpu / args.messages * 1e6, 1),
        "server_cpu_us_per_msg": (
            None if server_cpu is None else round(server_cpu / args.messages * 1e6, 1)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--body-size", type=int, default=1024)
    parser.add_argument(
        "--producers", type=int, default=256, help="concurrent producers (as in-flight requests)"
    )
    parser.add_argument(
        "--put-many",
        type=int,
        default=1,
        metavar="N",
        help="each producer puts N messages per call (1: one put per message)",
    )
    parser.add_argument(
        "--ids", choices=["uuid4", "uuid7"], default="uuid4", help="message ids: random or ordered"
    )
    parser.add_argument("--consumers", type=int, default=4)
    parser.add_argument("--lease", type=int, default=256, help="messages per lease")
    parser.add_argument("--connections", type=int, default=2, help="PostgreSQL connections")
    parser.add_argument(
        "--remember",
        action="store_true",
        help="put every message to be remembered once delivered, as an Idempotency-Key "
        "makes it (default: ids made up on arrival, forgotten once delivered, as without)",
    )
    parser.add_argument(
        "--retention",
        type=float,
        metavar="SECONDS",
        help="how long finished messages' ids are remembered (default: the store's, 24 h)",
    )
    parser.add_argument("--loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument("--runs", type=int, default=1, help="repeat and report each run")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the runs here")
    args = parser.parse_args()

    runner: Any = asyncio.run
    if args.loop == "uvloop":
        import uvloop

        runner = uvloop.run
    profiler = cProfile.Profile() if args.profile else None
    results = []
    for _ in range(args.runs):
        if profiler:
            profiler.enable()
        result = runner(run(args))
        if profiler:
            profiler.disable()
        results.append(result)
        print(
            f"{result['backend']}: {result['msgs_per_s']:,} msgs/s through "
            f"({result['messages']:,} × {result['body_bytes']} B in {result['seconds']} s; "
            f"puts done at {result['produce_msgs_per_s']:,} msgs/s; "
            f"{result['transactions']:,} transactions for {result['operations']:,} operations; "
            f"CPU per message: {result['client_cpu_us_per_msg']} µs here"
            + (
                f", {result['server_cpu_us_per_msg']} µs in the server)"
                if result["server_cpu_us_per_msg"] is not None
                else ")"
            ),
            flush=True,
        )
    if profiler and args.profile:
        profiler.dump_stats(args.profile)
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(25)
    if args.json:
        environment = {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
        }
        args.json.write_text(json.dumps({"environment": environment, "runs": results}, indent=2))
    sys.exit(0)


if __name__ == "__main__":
    main()
