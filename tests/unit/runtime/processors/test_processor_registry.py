"""The processor registry: every kind with a config model; errors with hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from interloom.runtime.processors import (
    PROCESSORS,
    BuildContext,
    StepConfigError,
    build_processor,
    config_errors,
)

KINDS = {
    "validate",
    "filter",
    "map",
    "set",
    "remove",
    "route",
    "split",
    "aggregate",
    "enrich",
    "dedupe",
    "xml-to-json",
    "json-to-xml",
    "csv-parse",
    "csv-emit",
    "cleanse",
}


def test_every_processor_is_registered_with_a_described_config_model() -> None:
    assert set(PROCESSORS) == KINDS
    for spec in PROCESSORS.values():
        assert spec.description, spec.kind
        assert spec.config.model_config.get("extra") == "forbid", spec.kind


def test_an_unknown_kind_suggests_the_closest_one() -> None:
    with pytest.raises(StepConfigError, match="no processor 'enrichh'") as raised:
        build_processor("enrichh", {}, BuildContext(root=Path(".")))

    assert raised.value.hint == "did you mean 'enrich'?"


def test_config_errors_lists_every_field_error_with_a_hint_for_unknown_keys() -> None:
    errors = config_errors("filter", {"expr": "a", "mode": 1})

    assert [(loc, hint) for loc, _, hint in errors] == [
        (("expression",), None),
        (("expr",), "did you mean 'expression'?"),
        (("mode",), "known fields: expression"),
    ]


def test_a_valid_config_has_no_errors() -> None:
    assert config_errors("filter", {"expression": "a"}) == []


def test_the_first_field_error_names_its_field() -> None:
    with pytest.raises(StepConfigError) as raised:
        build_processor("dedupe", {"key": "id", "window_keys": 0}, BuildContext(root=Path(".")))

    assert raised.value.field == ("window_keys",)
    assert raised.value.message.startswith("dedupe config: window_keys:")
