"""Comparing JSON documents: differences at JSON pointers, subset matching, ignored members."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from interloom.core.flows.comparison import (
    DifferenceKind,
    Match,
    differences,
    parse_pointer,
    resolve_pointer,
    unified_diff,
    without_pointers,
)

KEYS = st.text(alphabet="ab/~c", min_size=1, max_size=3)
SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)


@given(JSON)
def test_a_document_has_no_difference_from_itself(document: Any) -> None:
    assert differences(document, document) == []
    assert differences(document, document, match=Match.SUBSET) == []
    assert unified_diff(document, document) == ""


@given(JSON, JSON)
def test_every_difference_points_where_the_documents_disagree(left: Any, right: Any) -> None:
    for difference in differences(left, right):
        found_left, value_left = resolve_pointer(left, difference.pointer)
        found_right, value_right = resolve_pointer(right, difference.pointer)
        if difference.kind is DifferenceKind.MISSING:
            assert found_left
            assert not found_right
            assert value_left == difference.expected
        elif difference.kind is DifferenceKind.UNEXPECTED:
            assert found_right
            assert not found_left
            assert value_right == difference.actual
        else:
            assert found_left
            assert found_right
            assert (value_left, value_right) == (difference.expected, difference.actual)


@given(JSON, JSON)
def test_documents_are_equal_exactly_when_there_is_no_difference(left: Any, right: Any) -> None:
    def normal(value: Any) -> Any:  # JSON equality: booleans are not numbers
        if isinstance(value, dict):
            return {k: normal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [normal(v) for v in value]
        return (type(value).__name__ if isinstance(value, bool) else "", value)

    assert (differences(left, right) == []) == (normal(left) == normal(right))


@given(st.dictionaries(KEYS, JSON, min_size=1, max_size=4), st.data())
def test_a_document_with_members_left_out_is_a_subset_not_an_equal(
    document: dict[str, Any], data: st.DataObject
) -> None:
    dropped = data.draw(st.sampled_from(sorted(document)))
    smaller = {k: v for k, v in document.items() if k != dropped}

    assert differences(smaller, document, match=Match.SUBSET) == []
    found = differences(smaller, document)
    assert [(d.kind, d.pointer) for d in found] == [
        (DifferenceKind.UNEXPECTED, "/" + dropped.replace("~", "~0").replace("/", "~1"))
    ]


@given(st.dictionaries(KEYS, JSON, min_size=1, max_size=4), JSON, st.data())
def test_an_ignored_member_never_differs(
    document: dict[str, Any], other: Any, data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(document)))
    changed = {**document, key: other}
    pointer = "/" + key.replace("~", "~0").replace("/", "~1")

    assert differences(document, changed, ignore=[pointer]) == []


def test_numbers_compare_by_value_but_booleans_are_not_numbers() -> None:
    assert differences({"total": 50}, {"total": 50.0}) == []
    found = differences({"on": True}, {"on": 1})
    assert [(d.pointer, d.kind) for d in found] == [("/on", DifferenceKind.CHANGED)]


def test_an_array_differs_element_by_element_and_by_length() -> None:
    found = differences({"lines": [1, 2, 3]}, {"lines": [1, 5]})

    assert [(d.pointer, d.kind, d.expected, d.actual) for d in found] == [
        ("/lines/1", DifferenceKind.CHANGED, 2, 5),
        ("/lines/2", DifferenceKind.MISSING, 3, None),
    ]


def test_a_wildcard_ignores_a_member_of_every_item() -> None:
    expected = {"lines": [{"sku": "A", "at": 1}, {"sku": "B", "at": 2}]}
    actual = {"lines": [{"sku": "A", "at": 7}, {"sku": "B", "at": 8}]}

    assert differences(expected, actual, ignore=["/lines/*/at"]) == []
    assert without_pointers(actual, ["/lines/*/at"]) == {"lines": [{"sku": "A"}, {"sku": "B"}]}


def test_pointer_tokens_are_unescaped() -> None:
    assert parse_pointer("/a~1b/c~0d/0") == ["a/b", "c~d", "0"]
    assert parse_pointer("") == []


def test_the_unified_diff_shows_the_changed_line_of_pretty_json() -> None:
    diff = unified_diff({"name": "Ada", "id": 1}, {"name": "ADA", "id": 1})

    assert '-  "name": "Ada"' in diff
    assert '+  "name": "ADA"' in diff
    assert diff.startswith("--- expected\n+++ actual\n")


def test_a_subset_diff_leaves_out_what_was_not_compared() -> None:
    diff = unified_diff({"name": "Ada"}, {"name": "ADA", "email": "a@b"}, match=Match.SUBSET)

    assert "email" not in diff
    assert '+  "name": "ADA"' in diff
