"""Throughput of the durable message store alone: messages put, leased and completed per second.

    .venv/bin/python benchmarks/message_store_bench.py --backend sqlite [--messages 200000]
    .venv/bin/python benchmarks/message_store_bench.py --backend postgresql --json out.json

Producers put ~1 KB messages concurrently (each `put` returns once the message is durable)
while consumers lease them in batches and complete them. The figure is messages fully
through (put, leased, completed) divided by the wall time from the first put to the last
completion. The counters are checked at the end: every message received was delivered.

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
            .update_query_dict({"options": options})
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def produce(
    store: MessageStore, ids: list[str], body: bytes, chunk: int, stats: dict[str, float]
) -> None:
    """Put the messages one by one (chunk 1, as concurrent requests would) or in chunks."""
    if chunk <= 1:
        for message_id in ids:
            await store.put(FLOW, message_id, body)
    else:
        for start in range(0, len(ids), chunk):
            batch = [NewMessage(message_id, body) for message_id in ids[start : start + chunk]]
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


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """One measured run; returns its figures."""
    body = (b'{"order": "' + b"x" * (args.body_size - 13) + b'"}')[: args.body_size]
    ids = [message_id(args.ids) for _ in range(args.messages)]
    shares = [ids[i :: args.producers] for i in range(args.producers)]
    async with database_url(args.backend) as url:
        options: dict[str, Any] = {}
        if args.backend == "postgresql":
            options["connections"] = args.connections
        store = await open_message_store(url, **options)
        try:
            done = [0]
            stats: dict[str, float] = {}
            started = time.perf_counter()
            producers = [produce(store, share, body, args.put_many, stats) for share in shares]
            consumers = [
                consume(store, f"worker-{n}", args.lease, args.messages, done)
                for n in range(args.consumers)
            ]
            await asyncio.gather(*producers, *consumers)
            elapsed = time.perf_counter() - started
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
        "loop": args.loop,
        "seconds": round(elapsed, 3),
        "msgs_per_s": round(args.messages / elapsed),
        "produce_msgs_per_s": round(args.messages / (stats["produced_at"] - started)),
        "transactions": store_stats.transactions,
        "operations": store_stats.operations,
        "largest_batch": store_stats.largest_batch,
        "counts": counts.as_dict(),
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
            f"{result['transactions']:,} transactions for {result['operations']:,} operations)",
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
