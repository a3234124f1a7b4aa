"""run_steps: splits, routes, drops, holds and awaited steps, for one source message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.runtime.execution import (
    StepRaisedError,
    resumable,
    resumable_group,
    run_steps,
    split_resumable,
)
from interloom.runtime.processors import (
    HELD,
    BuildContext,
    MessageRejectedError,
    Mode,
    StepContext,
    StepFailedError,
    build_processor,
)
from interloom.runtime.steps import CompiledStep

CONTEXT = BuildContext(root=Path("."), flow="orders", sinks=("erp", "wms", "audit"))


def step(step_id: str, kind: str, config: dict[str, Any]) -> CompiledStep:
    processor = build_processor(kind, config, CONTEXT)
    return CompiledStep(step_id, kind, processor.process, processor.mode, processor)


ORDER = {
    "id": "O-1",
    "country": "NL",
    "lines": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 0}, {"sku": "C", "qty": 5}],
}


async def test_simple_steps_deliver_one_message_under_its_own_id() -> None:
    steps = [step("add", "set", {"values": {"seen": True}})]

    outcome = await run_steps(steps, {"a": 1}, "m-1", flow="orders")

    assert [(d.id, d.body, d.sinks) for d in outcome.deliveries] == [
        ("m-1", {"a": 1, "seen": True}, None)
    ]


async def test_split_items_go_on_in_order_with_derived_ids() -> None:
    steps = [
        step("lines", "split", {"expression": "lines", "keep": {"orderId": "id"}}),
        step("positive", "filter", {"expression": "qty > 0"}),
    ]

    outcome = await run_steps(steps, ORDER, "m-1", flow="orders")

    assert [(d.id, d.body["sku"], d.body["orderId"]) for d in outcome.deliveries] == [
        ("m-1/0", "A", "O-1"),
        ("m-1/2", "C", "O-1"),
    ]
    assert outcome.dropped == 1


async def test_nested_splits_nest_their_ids() -> None:
    steps = [
        step("outer", "split", {"expression": "groups"}),
        step("inner", "split", {"expression": "items"}),
    ]
    body = {"groups": [{"items": [1, 2]}, {"items": [3]}]}

    outcome = await run_steps(steps, body, "m", flow="orders")

    assert [(d.id, d.body) for d in outcome.deliveries] == [
        ("m/0/0", 1),
        ("m/0/1", 2),
        ("m/1/0", 3),
    ]


async def test_a_route_chooses_the_sinks_and_a_second_route_narrows_them() -> None:
    first = step("r1", "route", {"routes": [{"when": "true", "to": ["erp", "wms"]}]})
    second = step("r2", "route", {"routes": [{"when": "true", "to": ["wms", "audit"]}]})

    one = await run_steps([first], ORDER, "m", flow="orders")
    both = await run_steps([first, second], ORDER, "m", flow="orders")

    assert one.deliveries[0].sinks == (0, 1)
    assert both.deliveries[0].sinks == (1,)


async def test_a_message_routed_nowhere_is_dropped() -> None:
    steps = [step("r", "route", {"routes": [{"when": "false", "to": ["erp"]}]})]

    outcome = await run_steps(steps, ORDER, "m", flow="orders")

    assert outcome.deliveries == []
    assert outcome.dropped == 1


async def test_an_item_a_later_step_rejects_is_parked_and_the_others_go_on() -> None:
    steps = [
        step("lines", "split", {"expression": "lines"}),
        step("route", "route", {"routes": [{"when": "true", "to": ["wms"]}]}),
        step("clean", "cleanse", {"rules": [{"field": "sku", "rule": "country"}]}),
    ]
    body = {"lines": [{"sku": "nl"}, {"sku": "??"}, {"sku": "be"}]}

    outcome = await run_steps(steps, body, "m", flow="orders")

    assert [d.body for d in outcome.deliveries] == [{"sku": "NL"}, {"sku": "BE"}]
    (parked,) = outcome.parked
    assert (parked.id, parked.body, parked.step, parked.sinks) == (
        "m/1",
        {"sku": "??"},
        "clean",
        (1,),
    )
    assert parked.error.details[0]["rule"] == "country"


async def test_a_step_rejecting_the_source_message_raises_with_the_step() -> None:
    steps = [step("must", "cleanse", {"rules": [{"field": "x", "rule": "required"}]})]

    with pytest.raises(StepRaisedError) as raised:
        await run_steps(steps, {}, "m", flow="orders")

    assert raised.value.step == "must"
    assert isinstance(raised.value.error, MessageRejectedError)


async def test_async_steps_are_awaited_with_the_message_context() -> None:
    seen: list[StepContext] = []

    async def hold(body: Any, context: StepContext) -> Any:
        seen.append(context)
        return HELD if body == 2 else {"n": body}

    steps = [
        step("items", "split", {"expression": "items"}),
        CompiledStep("hold", "fake", hold, Mode.ASYNC),
    ]

    outcome = await run_steps(steps, {"items": [1, 2]}, "m", flow="orders", attempt=3)

    assert seen == [StepContext("orders", "m/0", 3), StepContext("orders", "m/1", 3)]
    assert [d.body for d in outcome.deliveries] == [{"n": 1}]
    assert outcome.held == 1


async def test_a_failing_async_step_raises_with_the_step_even_for_an_item() -> None:
    async def down(body: Any, context: StepContext) -> Any:
        raise StepFailedError("the CRM answered 503")

    steps = [
        step("items", "split", {"expression": "items"}),
        CompiledStep("crm", "fake", down, Mode.ASYNC),
    ]

    with pytest.raises(StepRaisedError) as raised:
        await run_steps(steps, {"items": [1]}, "m", flow="orders")

    assert raised.value.step == "crm"
    assert isinstance(raised.value.error, StepFailedError)


async def test_starting_sinks_are_kept_when_no_step_routes() -> None:
    outcome = await run_steps([], {"a": 1}, "m", flow="orders", sinks=(2,))

    assert outcome.deliveries[0].sinks == (2,)


def test_an_ordinary_stored_body_has_no_resume_header() -> None:
    assert split_resumable(b'{"a":1}') == (None, b'{"a":1}')


# Bodies come from orjson, which reads integers beyond 64 bits as floats: none reach here.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(body=json_values, step_id=st.text(min_size=1), sinks=st.lists(st.text(), max_size=3))
def test_a_resumable_body_reads_back_with_its_header(
    body: Any, step_id: str, sinks: list[str]
) -> None:
    header = {"at": step_id, "sinks": sinks}

    read_header, raw = split_resumable(resumable(body, header))

    assert read_header == header
    assert orjson.loads(raw) == body


def test_a_group_is_stored_from_its_items_json_as_is() -> None:
    stored = resumable_group("NL", [b'{"a":1}', b"[2]"], "batch")

    header, raw = split_resumable(stored)

    assert header == {"emit": "batch"}
    assert orjson.loads(raw) == {"key": "NL", "items": [{"a": 1}, [2]]}
