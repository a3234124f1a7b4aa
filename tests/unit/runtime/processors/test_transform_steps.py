"""map, set and remove: compiled once, never changing the message they are given."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.runtime.processors import (
    BuildContext,
    MessageRejectedError,
    Mode,
    StepConfigError,
    build_processor,
)
from interloom.runtime.processors.paths import MISSING, get_path

CONTEXT = BuildContext(root=Path("."))
ORDER = {
    "id": "O-1",
    "customer": {"id": "C-7", "name": "Ann"},
    "lines": [{"sku": "A", "qty": 2, "price": 3.5}, {"sku": "B", "qty": 1, "price": 10}],
}


def run(kind: str, config: dict[str, Any], body: Any) -> Any:
    processor = build_processor(kind, config, CONTEXT)
    assert processor.mode is Mode.SIMPLE
    return processor.process(body)


def test_set_computes_fields_from_the_incoming_message_and_leaves_it_unchanged() -> None:
    original = copy.deepcopy(ORDER)

    result = run(
        "set",
        {
            "fields": {
                "total": "$sum(lines.(qty * price))",
                "customer.label": "customer.id & ' ' & customer.name",
            },
            "values": {"source": "web", "flags.checked": True},
        },
        ORDER,
    )

    assert result["total"] == 17
    assert result["customer"] == {"id": "C-7", "name": "Ann", "label": "C-7 Ann"}
    assert result["source"] == "web"
    assert result["flags"] == {"checked": True}
    assert result["lines"] == ORDER["lines"]
    assert original == ORDER


def test_every_set_expression_sees_the_message_as_it_came_in() -> None:
    result = run("set", {"fields": {"a": "b", "b": "'new'"}}, {"b": "old"})

    assert result == {"a": "old", "b": "new"}


def test_an_undefined_result_leaves_the_field_as_it_is() -> None:
    result = run("set", {"fields": {"note": "missing.field"}}, {"note": "kept"})

    assert result == {"note": "kept"}


def test_set_through_a_field_that_is_not_an_object_is_rejected_with_its_pointer() -> None:
    with pytest.raises(MessageRejectedError) as raised:
        run("set", {"values": {"customer.name.first": "Ann"}}, ORDER)

    assert raised.value.details == [
        {"pointer": "/customer/name", "message": "'name' is a string, not an object"}
    ]


def test_set_on_a_message_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(MessageRejectedError, match="an array, not an object"):
        run("set", {"values": {"a": 1}}, [1, 2])


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({}, (), "give 'fields' (expressions) or 'values' (literals)"),
        ({"fields": {"a": "1"}, "values": {"a": 2}}, (), "'a' is in both"),
        ({"fields": {"a": "1 +"}}, ("fields", "a"), "JSONata syntax error"),
        ({"values": {"a..b": 1}}, ("values", "a..b"), "'a..b' is not a field path"),
        ({"values": {"a": 1, "a.b": 2}}, ("fields",), "'a' is set whole and 'a.b' inside it"),
        ({"fields": {"a": "1"}, "extra": 1}, ("extra",), "Extra inputs are not permitted"),
    ],
)
def test_a_bad_set_config_names_the_field(
    config: dict[str, Any], field: tuple[str, ...], message: str
) -> None:
    with pytest.raises(StepConfigError, match=re.escape(message)) as raised:
        build_processor("set", config, CONTEXT)

    assert raised.value.field == field


def test_remove_drops_nested_fields_and_ignores_missing_ones() -> None:
    original = copy.deepcopy(ORDER)

    result = run("remove", {"fields": ["customer.name", "lines", "nowhere.at.all"]}, ORDER)

    assert result == {"id": "O-1", "customer": {"id": "C-7"}}
    assert original == ORDER


def test_remove_with_nothing_to_remove_returns_the_message_itself() -> None:
    body = {"a": 1}

    assert run("remove", {"fields": ["b.c"]}, body) is body


def test_remove_refuses_an_empty_list() -> None:
    with pytest.raises(StepConfigError, match="fields"):
        build_processor("remove", {"fields": []}, CONTEXT)


def test_map_with_fields_builds_a_new_message() -> None:
    result = run("map", {"fields": {"ref": "id", "buyer.no": "customer.id"}}, ORDER)

    assert result == {"ref": "O-1", "buyer": {"no": "C-7"}}


def test_map_selecting_nothing_rejects_the_message() -> None:
    with pytest.raises(MessageRejectedError, match="selects nothing"):
        run("map", {"expression": "nothing.here"}, ORDER)


def test_a_map_target_error_names_the_target_field() -> None:
    with pytest.raises(StepConfigError) as raised:
        build_processor("map", {"fields": {"a": "1", "a.b": "2"}}, CONTEXT)

    assert raised.value.field == ("fields", "a.b")


# --- properties ---------------------------------------------------------------------------

names = st.text(alphabet="abcxyz", min_size=1, max_size=3)
paths = st.lists(names, min_size=1, max_size=3).map(".".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)
objects = st.dictionaries(names, json_values, max_size=4)


@given(body=objects, path=paths, value=json_values)
def test_a_value_set_reads_back_at_its_path_and_the_input_is_untouched(
    body: dict[str, Any], path: str, value: Any
) -> None:
    original = copy.deepcopy(body)
    try:
        result = run("set", {"values": {path: value}}, body)
    except MessageRejectedError:
        # Only when the path runs through a value that is not an object.
        segments = path.split(".")
        assert any(
            not isinstance(get_path(body, tuple(segments[:n])), dict | type(None))
            and get_path(body, tuple(segments[:n])) is not MISSING
            for n in range(1, len(segments))
        )
    else:
        assert get_path(result, tuple(path.split("."))) == value
    assert body == original


@given(body=objects, path=paths)
def test_a_removed_field_is_gone_and_every_other_top_level_field_stays(
    body: dict[str, Any], path: str
) -> None:
    original = copy.deepcopy(body)

    result = run("remove", {"fields": [path]}, body)

    segments = tuple(path.split("."))
    assert get_path(result, segments) is MISSING
    assert {k: v for k, v in result.items() if k != segments[0]} == {
        k: v for k, v in original.items() if k != segments[0]
    }
    assert body == original
