"""validate and filter: the message as a whole is accepted, rejected or dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interloom.runtime.processors import (
    DROP,
    BuildContext,
    MessageRejectedError,
    StepConfigError,
    build_processor,
)

SCHEMA = {
    "type": "object",
    "required": ["id", "qty"],
    "properties": {"id": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
}


@pytest.fixture
def context(tmp_path: Path) -> BuildContext:
    (tmp_path / "order.schema.json").write_text(json.dumps(SCHEMA), "utf-8")
    return BuildContext(root=tmp_path)


def test_a_valid_message_passes_unchanged(context: BuildContext) -> None:
    validate = build_processor("validate", {"schema": "order.schema.json"}, context).process
    body = {"id": "a", "qty": 2}

    assert validate(body) is body


def test_an_invalid_message_is_rejected_with_a_pointer_per_error(context: BuildContext) -> None:
    validate = build_processor("validate", {"schema": "order.schema.json"}, context).process

    with pytest.raises(MessageRejectedError) as raised:
        validate({"id": 3, "qty": 0})

    assert sorted(d["pointer"] for d in raised.value.details) == ["/id", "/qty"]


def test_max_errors_caps_the_details(context: BuildContext) -> None:
    validate = build_processor(
        "validate", {"schema": "order.schema.json", "max_errors": 1}, context
    ).process

    with pytest.raises(MessageRejectedError) as raised:
        validate({"id": 3, "qty": 0})

    assert len(raised.value.details) == 1


def test_a_missing_schema_file_is_a_config_error_at_the_schema_field(
    context: BuildContext,
) -> None:
    with pytest.raises(StepConfigError, match=r"cannot read the schema nope\.json") as raised:
        build_processor("validate", {"schema": "nope.json"}, context)

    assert raised.value.field == ("schema",)


def test_a_schema_that_is_not_json_is_a_config_error(context: BuildContext) -> None:
    (context.root / "bad.json").write_text("{", "utf-8")

    with pytest.raises(StepConfigError, match=r"cannot read the schema bad\.json"):
        build_processor("validate", {"schema": "bad.json"}, context)


def test_filter_keeps_a_truthy_message_and_drops_the_rest(context: BuildContext) -> None:
    keep = build_processor("filter", {"expression": "qty > 1"}, context).process

    assert keep({"qty": 2}) == {"qty": 2}
    assert keep({"qty": 1}) is DROP
    assert keep({}) is DROP


def test_a_filter_expression_that_does_not_parse_names_the_field(context: BuildContext) -> None:
    with pytest.raises(StepConfigError) as raised:
        build_processor("filter", {"expression": "qty >"}, context)

    assert raised.value.field == ("expression",)
    assert "JSONata syntax error" in raised.value.message
