"""The flow harness: a flow's own steps and sink code, with fakes instead of the network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interloom.core.flows.definition import Flow
from interloom.core.flows.testcase import (
    FakeAnswer,
    FakeKeyError,
    MessageStatus,
    UnfakedCallError,
)
from interloom.runtime.harness import FlowHarness, run_flow

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "examples" / "bench"
W1 = ROOT / "tests" / "data" / "w1"


def load(name: str) -> Any:
    return json.loads((W1 / name).read_text("utf-8"))


def flow(**fields: Any) -> Flow:
    data: dict[str, Any] = {
        "id": "orders",
        "name": "Orders",
        "source": {"connector": "http", "config": {"path": "/orders", "reply": "sync"}},
        "sinks": [{"connector": "http", "config": {"url": "http://wms.invalid/in"}}],
        **fields,
    }
    return Flow.model_validate(data)


def durable(**fields: Any) -> Flow:
    source = {"connector": "http", "config": {"path": "/orders", "reply": "durable"}}
    return flow(source=source, **fields)


def bench(flow_id: str) -> Flow:
    from interloom.services.project import load_project

    loaded = load_project(BENCH).project
    return next(f.model for f in loaded.flows if f.model.id == flow_id)


def answers(*items: dict[str, Any]) -> list[FakeAnswer]:
    return [FakeAnswer.model_validate(item) for item in items]


@pytest.mark.parametrize("flow_id", ["w1", "w1-durable"])
async def test_w1_maps_the_order_the_sink_gets_it_with_its_idempotency_key(flow_id: str) -> None:
    result = await run_flow(bench(flow_id), BENCH, [load("order.json")])

    assert [run.status for run in result.messages] == [MessageStatus.DELIVERED]
    assert result.outputs == [load("order.mapped.json")]
    assert result.sinks == {"sink-0": [load("order.mapped.json")]}
    [call] = result.calls["sink-0"]
    assert call.headers["Idempotency-Key"] == f"{flow_id}:test-1"
    assert call.method == "POST"


@pytest.mark.parametrize("flow_id", ["w1", "w1-durable"])
async def test_an_invalid_order_is_rejected_at_its_pointer_and_nothing_is_sent(
    flow_id: str,
) -> None:
    result = await run_flow(bench(flow_id), BENCH, [load("order-invalid.json")])

    [run] = result.messages
    assert run.status is MessageStatus.REJECTED
    assert run.error is not None
    assert run.error.step == "check"
    assert run.error.code == "E-MSG-001"
    assert "/lines/2/qty" in run.error.pointers
    assert result.sinks == {"sink-0": []}


async def test_a_sync_flow_answers_a_sink_failure_as_failed_without_retrying() -> None:
    result = await run_flow(
        bench("w1"), BENCH, [load("order.json")], fakes={"sink-0": answers({"status": 503})}
    )

    [run] = result.messages
    assert (run.status, run.attempts, run.error and run.error.code) == (
        MessageStatus.FAILED,
        1,
        "E-SINK-001",
    )


async def test_a_durable_flow_retries_a_503_and_the_sink_receives_each_try() -> None:
    fakes = {"sink-0": answers({"status": 503}, {"error": "timeout"}, {"status": 201})}

    result = await run_flow(bench("w1-durable"), BENCH, [load("order.json")], fakes=fakes)

    [run] = result.messages
    assert (run.status, run.attempts) == (MessageStatus.DELIVERED, 3)
    assert len(result.sinks["sink-0"]) == 3
    assert [c.status for c in result.calls["sink-0"]] == [503, None, 201]
    assert result.calls["sink-0"][1].failure == "timeout"


async def test_a_durable_flow_dead_letters_when_its_tries_are_used_up() -> None:
    policy = {"max_attempts": 2}
    result = await run_flow(
        durable(error_policy=policy),
        ROOT,
        [{"a": 1}],
        fakes={"sink-0": answers({"error": "connection"})},
    )

    [run] = result.messages
    assert (run.status, run.attempts) == (MessageStatus.DEAD_LETTERED, 2)
    assert "could not be reached" in (run.error.message if run.error else "")


async def test_without_dead_letters_a_failing_message_is_failed_after_max_attempts() -> None:
    policy = {"max_attempts": 3, "dead_letter": False}
    result = await run_flow(
        durable(error_policy=policy), ROOT, [{"a": 1}], fakes={"sink-0": answers({"status": 500})}
    )

    assert [(r.status, r.attempts) for r in result.messages] == [(MessageStatus.FAILED, 3)]


async def test_a_4xx_from_the_sink_dead_letters_at_once() -> None:
    result = await run_flow(durable(), ROOT, [{"a": 1}], fakes={"sink-0": answers({"status": 400})})

    assert [(r.status, r.attempts) for r in result.messages] == [(MessageStatus.DEAD_LETTERED, 1)]


async def test_success_statuses_of_the_http_sink_are_its_own() -> None:
    sinks = [{"connector": "http", "config": {"url": "http://x/y", "success_statuses": [409]}}]

    result = await run_flow(
        flow(sinks=sinks), ROOT, [{"a": 1}], fakes={"sink-0": answers({"status": 409})}
    )

    assert result.messages[0].status is MessageStatus.DELIVERED


async def test_a_filter_drops_and_a_router_chooses_the_sinks() -> None:
    steps = [
        {"id": "paid", "kind": "filter", "config": {"expression": "paid = true"}},
        {
            "id": "by-country",
            "kind": "route",
            "config": {"routes": [{"when": "country = 'NL'", "to": ["nl"]}], "otherwise": ["rest"]},
        },
    ]
    sinks = [
        {"id": "nl", "connector": "http", "config": {"url": "http://nl/in"}},
        {"id": "rest", "connector": "http", "config": {"url": "http://rest/in"}},
    ]
    messages = [
        {"paid": True, "country": "NL"},
        {"paid": False, "country": "NL"},
        {"paid": True, "country": "BE"},
    ]

    result = await run_flow(flow(steps=steps, sinks=sinks), ROOT, messages)

    statuses = [r.status for r in result.messages]
    assert statuses == [MessageStatus.DELIVERED, MessageStatus.FILTERED, MessageStatus.DELIVERED]
    assert result.sinks == {"nl": [messages[0]], "rest": [messages[2]]}


async def test_a_split_message_delivers_each_item_with_a_derived_id() -> None:
    steps = [{"id": "lines", "kind": "split", "config": {"expression": "lines"}}]

    result = await run_flow(flow(steps=steps), ROOT, [{"lines": [{"n": 1}, {"n": 2}]}])

    assert result.outputs == [{"n": 1}, {"n": 2}]
    keys = [c.headers["Idempotency-Key"] for c in result.calls["sink-0"]]
    assert keys == ["orders:test-1/0", "orders:test-1/1"]


ENRICH = {
    "id": "customer",
    "kind": "enrich",
    "config": {"url": "http://crm.invalid/customers/{customerId}", "target": "customer"},
}


async def test_an_enrich_call_answers_from_its_fake_and_is_merged() -> None:
    fakes = {"customer": answers({"status": 200, "body": {"email": "ada@x"}})}

    result = await run_flow(flow(steps=[ENRICH]), ROOT, [{"customerId": "C 1"}], fakes=fakes)

    assert result.outputs == [{"customerId": "C 1", "customer": {"email": "ada@x"}}]
    [call] = result.calls["customer"]
    assert (call.method, call.url) == ("GET", "http://crm.invalid/customers/C%201")


async def test_an_enrich_call_records_its_json_body_and_a_get_records_none() -> None:
    lookup = {
        "id": "lookup",
        "kind": "enrich",
        "config": {
            "url": "http://crm.invalid/customers/search",
            "method": "POST",
            "body": "{'id': customerId}",
            "target": "found",
        },
    }
    fakes = {
        "customer": answers({"status": 200, "body": {"email": "ada@x"}}),
        "lookup": answers({"status": 200, "body": {"tier": "gold"}}),
    }

    result = await run_flow(flow(steps=[ENRICH, lookup]), ROOT, [{"customerId": "C1"}], fakes=fakes)

    [got] = result.calls["customer"]
    [searched] = result.calls["lookup"]
    assert (got.method, got.body) == ("GET", None)
    assert (searched.method, searched.body) == ("POST", {"id": "C1"})
    assert searched.headers["Content-Type"] == "application/json"
    assert result.outputs[0]["found"] == {"tier": "gold"}


async def test_a_durable_flow_retries_an_enrich_call_that_times_out() -> None:
    fakes = {"customer": answers({"error": "timeout"}, {"status": 200, "body": {"email": "ada@x"}})}

    result = await run_flow(durable(steps=[ENRICH]), ROOT, [{"customerId": "C1"}], fakes=fakes)

    [run] = result.messages
    assert (run.status, run.attempts) == (MessageStatus.DELIVERED, 2)
    assert [c.failure for c in result.calls["customer"]] == ["timeout", None]
    assert result.outputs == [{"customerId": "C1", "customer": {"email": "ada@x"}}]


async def test_a_sync_flow_answers_an_unreachable_enrich_call_as_failed() -> None:
    fakes = {"customer": answers({"error": "connection"})}

    result = await run_flow(flow(steps=[ENRICH]), ROOT, [{"customerId": "C1"}], fakes=fakes)

    [run] = result.messages
    assert run.status is MessageStatus.FAILED
    assert run.error is not None
    assert (run.error.code, run.error.step) == ("E-STEP-002", "customer")
    assert "could not be reached" in run.error.message
    assert result.sinks == {"sink-0": []}


async def test_a_404_of_an_enrich_call_rejects_by_default() -> None:
    fakes = {"customer": answers({"status": 404})}

    result = await run_flow(flow(steps=[ENRICH]), ROOT, [{"customerId": "C1"}], fakes=fakes)

    [run] = result.messages
    assert run.status is MessageStatus.REJECTED
    assert run.error is not None
    assert run.error.step == "customer"


async def test_an_enrich_call_without_a_fake_fails_the_test_not_the_flow() -> None:
    with pytest.raises(UnfakedCallError) as raised:
        await run_flow(flow(steps=[ENRICH]), ROOT, [{"customerId": "C1"}])

    assert (
        raised.value.hint == "add an answer under fakes.customer, e.g. {status: 200, body: {...}}"
    )


def test_a_fake_for_something_the_flow_lacks_names_the_closest() -> None:
    with pytest.raises(FakeKeyError) as raised:
        FlowHarness.build(flow(steps=[ENRICH]), ROOT, fakes={"custmer": []})

    assert raised.value.key == "custmer"
    assert raised.value.hint == "did you mean 'customer'?"


async def test_a_file_sink_is_recorded_not_written(tmp_path: Path) -> None:
    sinks = [{"connector": "file", "config": {"path": str(tmp_path / "out")}}]

    result = await run_flow(flow(sinks=sinks), ROOT, [{"a": 1}])

    assert result.sinks == {"sink-0": [{"a": 1}]}
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


async def test_dedupe_drops_a_repeat_within_its_window() -> None:
    steps = [{"id": "once", "kind": "dedupe", "config": {"key": "id", "window_seconds": 60}}]

    result = await run_flow(flow(steps=steps), ROOT, [{"id": 1}, {"id": 2}, {"id": 1}])

    statuses = [r.status for r in result.messages]
    assert statuses == [MessageStatus.DELIVERED, MessageStatus.DELIVERED, MessageStatus.FILTERED]


async def test_an_aggregator_emits_a_complete_group_then_the_rest_when_time_passes() -> None:
    steps = [
        {
            "id": "batch",
            "kind": "aggregate",
            "config": {"key": "store", "item": "sku", "count": 2, "window_seconds": 60},
        }
    ]
    messages = [{"store": "A", "sku": 1}, {"store": "A", "sku": 2}, {"store": "B", "sku": 3}]

    async with FlowHarness.build(flow(steps=steps), ROOT) as harness:
        for body in messages:
            await harness.send(body)
        complete = [r.outputs for r in harness.messages if r.origin == "aggregate"]
        result = await harness.finish()

    assert [r.status for r in result.inputs] == [MessageStatus.AGGREGATED] * 3
    assert complete == [[[1, 2]]]
    assert result.outputs == [[1, 2], [3]]
