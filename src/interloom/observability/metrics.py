"""Prometheus metrics of the data plane: latency histograms and retry counts, per process.

Message counts (received, delivered, dead-lettered, in flight…) are not kept here: they are
read at scrape time from the flows' counters and, for durable flows, from the message store,
which counts across processes and restarts. What only a process can see — how long a step, a
sink call or a whole message took, and how often a try failed — is observed here, with
labels bound once per flow and step so that an observation costs one histogram update.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

# From 1 ms to 30 s: a mapping step takes microseconds, a slow sink seconds.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

MESSAGE_SECONDS = Histogram(
    "interloom_message_duration_seconds",
    "Time from a message's arrival to its answer (sync) or its persistence (durable), and "
    "from a worker's lease to its settlement (delivery).",
    ["flow", "stage"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
STEP_SECONDS = Histogram(
    "interloom_step_duration_seconds",
    "Time one step or sink took for one message.",
    ["flow", "step"],
    buckets=_BUCKETS,
    registry=REGISTRY,
)
RETRIES = Counter(
    "interloom_retries",
    "Failed tries that will be tried again, by flow and failing step.",
    ["flow", "step"],
    registry=REGISTRY,
)


@lru_cache(maxsize=4096)
def message_histogram(flow: str, stage: str) -> Any:
    """The bound histogram child of one flow and stage (sync, durable, delivery)."""
    return MESSAGE_SECONDS.labels(flow, stage)


@lru_cache(maxsize=16384)
def step_histogram(flow: str, step: str) -> Any:
    """The bound histogram child of one flow's step or sink."""
    return STEP_SECONDS.labels(flow, step)
