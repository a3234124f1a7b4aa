"""cleanse: trim and normalise fields; an invalid message is dropped or rejected, with reasons."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from interloom.runtime.processors import (
    DROP,
    BuildContext,
    MessageRejectedError,
    StepConfigError,
    build_processor,
)

CONTEXT = BuildContext(root=Path("."), flow="customers", step="clean")


def cleanse(rules: list[dict[str, Any]], body: Any, **config: Any) -> Any:
    return build_processor("cleanse", {"rules": rules, **config}, CONTEXT).process(body)


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ({"rule": "trim"}, "  Ann  ", "Ann"),
        ({"rule": "lower"}, "Ann@Example.COM", "ann@example.com"),
        ({"rule": "upper"}, "nl", "NL"),
        ({"rule": "title"}, "ann smith", "Ann Smith"),
        ({"rule": "date"}, "2024-03-05", "2024-03-05"),
        ({"rule": "date", "formats": ["%d/%m/%Y"]}, "05/03/2024", "2024-03-05"),
        ({"rule": "date", "dayfirst": True}, "5.3.2024", "2024-03-05"),
        ({"rule": "date"}, "March 5, 2024", "2024-03-05"),
        ({"rule": "datetime"}, "2024-03-05T14:30:00+01:00", "2024-03-05T14:30:00+01:00"),
        (
            {"rule": "datetime", "formats": ["%d.%m.%Y %H:%M"], "timezone": "Europe/Amsterdam"},
            "05.07.2024 14:30",
            "2024-07-05T14:30:00+02:00",
        ),
        ({"rule": "phone", "region": "FR"}, "01 23 45 67 89", "+33123456789"),
        ({"rule": "phone", "region": "NL"}, "+31 20 123 4567", "+31201234567"),
        ({"rule": "phone"}, "+1 (650) 253-0000", "+16502530000"),
        ({"rule": "country"}, "Netherlands", "NL"),
        ({"rule": "country"}, "deu", "DE"),
        ({"rule": "country"}, "be", "BE"),
    ],
)
def test_a_rule_normalises_its_field(rule: dict[str, Any], value: str, expected: str) -> None:
    assert cleanse([{"field": "v", **rule}], {"v": value}) == {"v": expected}


@pytest.mark.parametrize(
    ("rule", "value", "reason"),
    [
        ({"rule": "date"}, "someday", "not a date"),
        ({"rule": "date", "formats": ["%d/%m/%Y"], "strict": True}, "2024-03-05", "none of"),
        ({"rule": "phone", "region": "FR"}, "12", "not a valid phone number for region FR"),
        ({"rule": "phone"}, "0612345678", "not a phone number"),
        ({"rule": "country"}, "Atlantis", "no such country"),
        ({"rule": "lower"}, 42, "a number, not a text"),
        ({"rule": "required"}, "", "required, but empty"),
    ],
)
def test_a_value_that_will_not_clean_rejects_the_message_with_field_value_and_rule(
    rule: dict[str, Any], value: Any, reason: str
) -> None:
    with pytest.raises(MessageRejectedError) as raised:
        cleanse([{"field": "customer.v", **rule}], {"customer": {"v": value}})

    (detail,) = raised.value.details
    assert detail["pointer"] == "/customer/v"
    assert detail["field"] == "customer.v"
    assert detail["value"] == value
    assert detail["rule"] == rule["rule"]
    assert reason in detail["message"]
    assert f"customer.v = {value!r} fails '{rule['rule']}'" in raised.value.message


def test_every_failing_field_is_reported_at_once() -> None:
    rules = [{"field": "a", "rule": "country"}, {"field": "b", "rule": "date"}]

    with pytest.raises(MessageRejectedError) as raised:
        cleanse(rules, {"a": "Nowhere", "b": "never"})

    assert [d["field"] for d in raised.value.details] == ["a", "b"]


def test_drop_drops_the_message_and_logs_the_reason() -> None:
    with structlog.testing.capture_logs() as logs:
        result = cleanse(
            [{"field": "phone", "rule": "phone", "region": "DE"}],
            {"phone": "nope"},
            on_invalid="drop",
        )

    assert result is DROP
    (entry,) = [e for e in logs if e["event"] == "step.invalid.dropped"]
    assert entry["flow"] == "customers"
    assert entry["step"] == "clean"
    assert "phone = 'nope' fails 'phone'" in entry["reasons"]


def test_missing_and_null_fields_pass_unless_required() -> None:
    rules = [{"field": "a.b", "rule": "date"}, {"field": "c", "rule": "upper"}]

    assert cleanse(rules, {"c": None}) == {"c": None}
    with pytest.raises(MessageRejectedError) as raised:
        cleanse([{"field": "a.b", "rule": "date", "required": True}], {"c": None})
    assert raised.value.details[0]["pointer"] == "/a/b"
    assert raised.value.details[0]["value"] is None


def test_a_rule_on_each_item_of_an_array_points_at_the_item() -> None:
    body = {"lines": [{"sku": " ab "}, {"sku": 7}]}

    with pytest.raises(MessageRejectedError) as raised:
        cleanse([{"field": "lines[].sku", "rule": "trim"}], body)
    assert raised.value.details[0]["pointer"] == "/lines/1/sku"

    body["lines"][1]["sku"] = "cd"
    assert cleanse([{"field": "lines[].sku", "rule": "upper"}], body) == {
        "lines": [{"sku": " AB "}, {"sku": "CD"}]
    }


def test_trim_trims_every_text_of_the_message_first() -> None:
    body = {"a": " x ", "b": [" y", {"c": "z "}], "n": 1}

    assert cleanse([], body, trim=True) == {"a": "x", "b": ["y", {"c": "z"}], "n": 1}


def test_a_message_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(MessageRejectedError, match="cleanse works on objects"):
        cleanse([{"field": "a", "rule": "trim"}], ["a"])


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        ({"rule": "phone", "region": "XX"}, ("rules", 0, "region"), "unknown phone region 'XX'"),
        (
            {"rule": "datetime", "timezone": "Mars/Olympus"},
            ("rules", 0, "timezone"),
            "unknown time zone",
        ),
        ({"rule": "date", "region": "FR"}, ("rules", 0), "region is for the phone rule"),
        ({"rule": "trim", "formats": ["%Y"]}, ("rules", 0), "formats, strict and dayfirst"),
        ({"rule": "date", "strict": True}, ("rules", 0), "strict needs 'formats'"),
        ({"rule": "soundex"}, ("rules", 0, "rule"), "Input should be"),
    ],
)
def test_a_bad_rule_is_a_config_error_at_the_rule(
    rule: dict[str, Any], field: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(StepConfigError, match=message) as raised:
        build_processor("cleanse", {"rules": [{"field": "v", **rule}]}, CONTEXT)

    assert raised.value.field == field


def test_cleanse_needs_something_to_do() -> None:
    with pytest.raises(StepConfigError, match="give 'rules'"):
        build_processor("cleanse", {}, CONTEXT)


@given(st.dates(min_value=date(1000, 1, 1)))
def test_any_date_in_the_given_format_normalises_to_iso(day: date) -> None:
    written = day.strftime("%d/%m/%Y")
    body = {"d": written}
    original = copy.deepcopy(body)

    result = cleanse([{"field": "d", "rule": "date", "formats": ["%d/%m/%Y"]}], body)

    assert result == {"d": day.isoformat()}
    assert body == original
