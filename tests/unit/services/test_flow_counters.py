"""Flow counters added up across the worker processes of one server."""

from __future__ import annotations

from pathlib import Path

from interloom.runtime.pipeline import CompiledFlow, FlowCounters
from interloom.services.flow_counters import SharedFlowCounters
from interloom.services.flow_runtime import FlowRuntime


def _worker(folder: Path, pid: int, **counts: int) -> tuple[FlowRuntime, SharedFlowCounters]:
    runtime = FlowRuntime()
    runtime.compiled = {"orders": CompiledFlow("orders", 1, None, (), (), counters=FlowCounters())}
    for name, value in counts.items():
        setattr(runtime.compiled["orders"].counters, name, value)
    shared = SharedFlowCounters(folder, runtime, pid=pid, read_seconds=0)
    runtime.counters_of = shared.counters_of
    return runtime, shared


async def test_a_status_adds_the_other_workers_published_counts_to_its_own(
    tmp_path: Path,
) -> None:
    first, first_shared = _worker(tmp_path, 1001, received=3, delivered=2)
    second, second_shared = _worker(tmp_path, 1002, received=5, delivered=3, failed=1)
    first_shared.publish()
    second_shared.publish()

    both = await first.status("orders")
    first.compiled["orders"].counters.received += 1  # live in its own process
    first.compiled["orders"].counters.rejected += 1
    live = await first.status("orders")
    unpublished = await second.status("orders")  # the first has not published since

    assert (both.received, both.delivered, both.failed, both.in_flight) == (8, 5, 1, 2)
    assert (live.received, live.rejected, live.in_flight) == (9, 1, 2)
    assert (unpublished.received, unpublished.rejected) == (8, 0)


async def test_an_ended_workers_counts_stay_and_alone_it_counts_its_own(tmp_path: Path) -> None:
    alone, _ = _worker(tmp_path, 2001, received=4, delivered=4)
    assert (await alone.status("orders")).received == 4  # no other file yet

    _, ended_shared = _worker(tmp_path, 2002, received=7, delivered=7)
    ended_shared.publish()

    assert (await alone.status("orders")).delivered == 11
