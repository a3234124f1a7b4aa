"""Where a stored message resumes in its flow: at a step, or after an aggregator."""

from __future__ import annotations

from pathlib import Path

import pytest

from interloom.core.flows.definition import Flow
from interloom.runtime.execution import ResumeError, resumption
from interloom.runtime.pipeline import CompiledFlow, compile_flow
from interloom.runtime.processors import Aggregation

FLOW = {
    "id": "orders",
    "name": "Orders",
    "source": {"connector": "http", "config": {"path": "/orders"}},
    "steps": [
        {"id": "clean", "kind": "cleanse", "config": {"trim": True}},
        {"id": "batch", "kind": "aggregate", "config": {"count": 2}},
        {"id": "stamp", "kind": "set", "config": {"values": {"batched": True}}},
    ],
    "sinks": [
        {"id": "wms", "connector": "http", "config": {"url": "http://127.0.0.1:1/wms"}},
        {"id": "erp", "connector": "http", "config": {"url": "http://127.0.0.1:1/erp"}},
    ],
}


@pytest.fixture
def flow() -> CompiledFlow:
    return compile_flow(Flow.model_validate(FLOW), Path("."), {})


def test_a_parked_item_resumes_at_the_step_that_refused_it_with_its_sinks(
    flow: CompiledFlow,
) -> None:
    resumed = resumption(flow, {"at": "clean", "sinks": ["erp"]})

    assert [step.id for step in resumed.steps] == ["clean", "batch", "stamp"]
    assert resumed.sinks == (1,)
    assert resumed.aggregation is None


def test_a_group_resumes_after_its_aggregator_which_builds_the_aggregate(
    flow: CompiledFlow,
) -> None:
    resumed = resumption(flow, {"emit": "batch"})

    assert [step.id for step in resumed.steps] == ["stamp"]
    assert resumed.sinks is None
    assert isinstance(resumed.aggregation, Aggregation)
    assert resumed.aggregation.emit({"key": "k", "items": [1, 2]}) == [1, 2]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"at": "gone"}, "resumes at step 'gone', which flow 'orders' no longer has"),
        ({"emit": "clean"}, "aggregator 'clean', which is no aggregator now"),
        ({}, "resumes at step 'None'"),
    ],
)
def test_a_step_the_flow_no_longer_has_is_an_error(
    flow: CompiledFlow, header: dict[str, str], message: str
) -> None:
    with pytest.raises(ResumeError, match=message):
        resumption(flow, header)


def test_the_flow_knows_it_needs_the_general_executor(flow: CompiledFlow) -> None:
    assert not flow.simple
    assert flow.sink_ids == ("wms", "erp")
