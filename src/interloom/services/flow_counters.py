"""A flow's counters across the worker processes of one server.

What the store does not count — a sync flow's messages, and what a durable flow refused or
answered as failed before persisting — each process counts in memory
(:class:`~interloom.runtime.pipeline.FlowCounters`, plain integer additions on the hot path).
With several worker processes, each writes its counts to a file of the run's metrics folder
every ``PUBLISH_SECONDS`` (``flows-PID.json``, replaced whole), and a status asked of any of
them adds its own live counts to the others' files: at most ``PUBLISH_SECONDS`` behind. The
file of a worker that ended stays: what it counted happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from dataclasses import asdict, fields
from pathlib import Path
from time import monotonic

import structlog

from interloom.runtime.pipeline import CompiledFlow, FlowCounters
from interloom.services.flow_runtime import FlowRuntime

log = structlog.get_logger(__name__)

PUBLISH_SECONDS = 1.0
READ_SECONDS = 0.1  # a scrape asks for every flow: read the files once for all of them
_NAMES = tuple(f.name for f in fields(FlowCounters))


class SharedFlowCounters:
    """This process's flow counters published to ``folder``, the others' read from it."""

    def __init__(
        self,
        folder: Path,
        runtime: FlowRuntime,
        *,
        pid: int | None = None,
        read_seconds: float = READ_SECONDS,
    ) -> None:
        self.folder = folder
        self.runtime = runtime
        self.read_seconds = read_seconds
        self.own = folder / f"flows-{os.getpid() if pid is None else pid}.json"
        self._others: dict[str, FlowCounters] = {}
        self._read_at = float("-inf")

    def publish(self) -> None:
        """Write this process's counts of every flow (a whole new file, then renamed)."""
        counts = {flow_id: asdict(flow.counters) for flow_id, flow in self.runtime.compiled.items()}
        scratch = self.own.with_suffix(".tmp")
        scratch.write_text(json.dumps(counts))
        os.replace(scratch, self.own)

    def _read_others(self) -> dict[str, FlowCounters]:
        if monotonic() - self._read_at < self.read_seconds:
            return self._others
        totals: dict[str, FlowCounters] = {}
        for path in self.folder.glob("flows-*.json"):
            if path == self.own:
                continue
            try:
                counts = json.loads(path.read_text())
            except (OSError, ValueError):  # replaced or removed meanwhile: next time
                continue
            for flow_id, values in counts.items():
                total = totals.setdefault(flow_id, FlowCounters())
                for name in _NAMES:
                    setattr(total, name, getattr(total, name) + int(values.get(name, 0)))
        self._others, self._read_at = totals, monotonic()
        return totals

    def counters_of(self, flow: CompiledFlow) -> FlowCounters:
        """The flow's counts in every process: this one's live, the others' as published."""
        others = self._read_others().get(flow.id)
        if others is None:
            return flow.counters
        return FlowCounters(
            **{name: getattr(flow.counters, name) + getattr(others, name) for name in _NAMES}
        )

    async def follow(self, stop: asyncio.Event) -> None:
        """Publish every ``PUBLISH_SECONDS`` until ``stop`` is set, and once more then."""
        while True:
            try:
                await asyncio.to_thread(self.publish)
            except OSError as error:  # a full disk must not end the serving
                log.error("flows.counters.publish_failed", error=str(error))
            if stop.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PUBLISH_SECONDS)
