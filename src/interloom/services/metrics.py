"""``GET /metrics``: the flows' counters and this process's histograms, for Prometheus."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from interloom.observability.metrics import REGISTRY
from interloom.services.flow_runtime import FlowState, FlowStatus
from interloom.services.workspace import Workspace

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_OUTCOMES = ("delivered", "rejected", "filtered", "failed", "dead_lettered")


class _FlowCollector(Collector):
    """The counters of one scrape's flow statuses as metric families."""

    def __init__(self, statuses: Iterable[FlowStatus]) -> None:
        self.statuses = list(statuses)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "interloom_flow_up", "1 when the flow runs, 0 when it cannot.", labels=["flow"]
        )
        received = CounterMetricFamily(
            "interloom_flow_received", "Messages the flow's source accepted.", labels=["flow"]
        )
        settled = CounterMetricFamily(
            "interloom_flow_messages",
            "Messages by how they ended: delivered, rejected (bad input), filtered, failed "
            "(answered 5xx, sync), dead_lettered.",
            labels=["flow", "outcome"],
        )
        in_flight = GaugeMetricFamily(
            "interloom_flow_in_flight",
            "Accepted and not yet settled: received = settled + in flight.",
            labels=["flow"],
        )
        for status in self.statuses:
            up.add_metric([status.id], 1.0 if status.state is FlowState.RUNNING else 0.0)
            received.add_metric([status.id], status.received)
            for outcome in _OUTCOMES:
                settled.add_metric([status.id, outcome], getattr(status, outcome))
            in_flight.add_metric([status.id], status.in_flight)
        yield from (up, received, settled, in_flight)


async def render_metrics(workspace: Workspace) -> bytes:
    """The Prometheus text exposition of the flows and this process's histograms."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_FlowCollector(await workspace.flows.statuses()))
    return generate_latest(scrape) + generate_latest(REGISTRY)
