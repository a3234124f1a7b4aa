"""split: one message per item of an array, with fields of the message kept in each."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.runtime.processors import (
    BuildContext,
    MessageRejectedError,
    Mode,
    Split,
    StepConfigError,
    build_processor,
)

CONTEXT = BuildContext(root=Path("."))
ORDER = {"id": "O-1", "customer": {"id": "C-7"}, "lines": [{"sku": "A"}, {"sku": "B"}]}


def split(config: dict[str, Any], body: Any) -> list[Any]:
    processor = build_processor("split", config, CONTEXT)
    assert processor.mode is Mode.SYNC
    result = processor.process(body)
    assert isinstance(result, Split)
    return list(result.items)


def test_each_item_of_the_array_is_a_message() -> None:
    assert split({"expression": "lines"}, ORDER) == [{"sku": "A"}, {"sku": "B"}]


def test_keep_copies_fields_of_the_message_into_each_item_without_changing_it() -> None:
    original = copy.deepcopy(ORDER)

    items = split(
        {"expression": "lines", "keep": {"orderId": "id", "buyer.id": "customer.id"}}, ORDER
    )

    assert items == [
        {"sku": "A", "orderId": "O-1", "buyer": {"id": "C-7"}},
        {"sku": "B", "orderId": "O-1", "buyer": {"id": "C-7"}},
    ]
    assert original == ORDER


def test_a_single_value_is_one_item_and_nothing_is_no_item() -> None:
    assert split({"expression": "customer"}, ORDER) == [{"id": "C-7"}]
    assert split({"expression": "missing"}, ORDER) == []


def test_keep_on_items_that_are_not_objects_rejects_the_message() -> None:
    with pytest.raises(MessageRejectedError, match="item 0 is a number") as raised:
        split({"expression": "[1, 2]", "keep": {"orderId": "id"}}, ORDER)

    assert raised.value.details[0]["pointer"] == "/0"


def test_a_split_expression_that_does_not_parse_names_the_field() -> None:
    with pytest.raises(StepConfigError) as raised:
        build_processor("split", {"expression": "lines[", "keep": {}}, CONTEXT)

    assert raised.value.field == ("expression",)


def test_a_keep_expression_that_does_not_parse_names_its_target() -> None:
    with pytest.raises(StepConfigError) as raised:
        build_processor("split", {"expression": "lines", "keep": {"a": "+"}}, CONTEXT)

    assert raised.value.field == ("keep", "a")


@given(st.lists(st.dictionaries(st.sampled_from("abc"), st.integers(), max_size=3), max_size=8))
def test_splitting_yields_the_items_in_order(lines: list[dict[str, int]]) -> None:
    assert split({"expression": "lines"}, {"lines": lines}) == lines
