"""A durable flow's sink behind a circuit breaker and a throttle, against a real HTTP server.

While the circuit is open, the delivery worker leases none of the flow's messages: they wait
in the store without spending their tries, and go once a probe finds the sink back.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from interloom.runtime.sink_guard import GuardedSink

from .conftest import RecordingSink
from .processor_projects import eventually, post, running, status, write_project

GUARDED_FLOW = """\
id: orders
name: Orders
source:
  connector: http
  config: {{path: /orders, method: POST, reply: durable}}
sinks:
  - connector: http
    id: erp
    config: {{url: "{url}"}}
    throttle: {{concurrency: 2}}
    circuit_breaker:
      failure_rate: 0.5
      minimum_calls: 3
      window_seconds: 30
      open_seconds: 3
      half_open_calls: 1
error_policy:
  max_attempts: 6
  backoff_initial_seconds: 0.05
  backoff_max_seconds: 0.1
"""


async def test_an_open_circuit_holds_messages_in_the_store_without_spending_tries(
    tmp_path: Path, sink: RecordingSink, database_url: str
) -> None:
    root = write_project(tmp_path, {"orders": GUARDED_FLOW.format(url=sink.url)})
    sink.status = 503
    async with running(root, database_url) as runtime:
        guard = runtime.compiled["orders"].sinks[0]
        assert isinstance(guard, GuardedSink)
        for number in range(10):
            assert (await post(runtime, "/orders", {"n": number})).status_code == 202

        async def opened() -> bool:
            return guard.circuit_open

        await eventually(opened)
        await asyncio.sleep(0.3)  # a call sent before it opened may still be answered
        calls_when_opened = len(sink.received)
        await asyncio.sleep(1.5)  # open: nothing is leased, nothing is sent
        assert len(sink.received) == calls_when_opened
        held = await status(runtime, "orders")
        assert (held.in_flight, held.dead_lettered) == (10, 0)

        sink.status = 200  # the ERP is back: the next probe closes the circuit

        async def delivered() -> bool:
            found = await status(runtime, "orders")
            return (found.delivered, found.in_flight) == (10, 0)

        await eventually(delivered)

    assert calls_when_opened < 10  # far fewer calls than 10 messages × 6 tries
    bodies = sink.bodies()
    assert sorted(body["n"] for body in bodies[calls_when_opened:]) == list(range(10))
