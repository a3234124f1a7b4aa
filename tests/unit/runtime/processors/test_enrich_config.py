"""enrich, compiled: URL templates, environment variables and config errors (no call made)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from interloom.runtime.processors import (
    BuildContext,
    MessageRejectedError,
    Mode,
    StepConfigError,
    build_processor,
)
from interloom.runtime.processors.enrichment import Enricher

CONTEXT = BuildContext(
    root=Path("."), step="customer", environ={"CRM_URL": "http://crm.test:8080/api"}
)


def enricher(config: dict[str, Any]) -> Enricher:
    processor = build_processor("enrich", {"target": "customer", **config}, CONTEXT)
    assert processor.mode is Mode.ASYNC
    assert processor.close is not None
    assert isinstance(processor.handle, Enricher)
    return processor.handle


@pytest.mark.parametrize(
    ("template", "body", "url"),
    [
        (
            "${CRM_URL}/customers/{customer.id}",
            {"customer": {"id": "C 7/8"}},
            "http://crm.test:8080/api/customers/C%207%2F8",
        ),
        (
            "${CRM_URL}/c/{n}?active={flag}",
            {"n": 12.0, "flag": True},
            "http://crm.test:8080/api/c/12?active=true",
        ),
        ("http://x/{ {'a': 1}.a }", {}, "http://x/1"),
        ("${MISSING:-http://fallback}/{id}", {"id": 3}, "http://fallback/3"),
    ],
)
def test_the_url_template_is_filled_from_the_message_and_url_encoded(
    template: str, body: Any, url: str
) -> None:
    assert enricher({"url": template}).url_for(body) == url


@pytest.mark.parametrize("body", [{}, {"customer": {"id": {"deep": 1}}}])
def test_a_url_part_without_a_usable_value_rejects_the_message(body: Any) -> None:
    with pytest.raises(MessageRejectedError, match=r"the URL part \{customer.id\} gives"):
        enricher({"url": "http://crm/{customer.id}"}).url_for(body)


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"url": "http://crm/{customer.id"}, ("url",), "is not closed"),
        ({"url": "http://crm/}"}, ("url",), "unbalanced"),
        ({"url": "http://crm/{customer.}"}, ("url",), "JSONata syntax error"),
        ({"url": "http://crm", "merge": "$"}, (), "either 'target'"),
        ({"url": "http://crm", "method": "TRACE"}, ("method",), "should match"),
        ({"url": "http://crm", "on_missing": "retry"}, ("on_missing",), "Input should be"),
        ({"url": "http://crm", "target": "a..b"}, ("target",), "is not a field path"),
    ],
)
def test_a_bad_enrich_config_names_the_field(
    config: dict[str, Any], field: tuple[str, ...], message: str
) -> None:
    with pytest.raises(StepConfigError, match=message) as raised:
        build_processor("enrich", {"target": "customer", **config}, CONTEXT)

    assert raised.value.field == field


def test_a_bare_yaml_null_for_on_missing_means_null() -> None:
    # YAML reads `on_missing: null` as nothing at all, not as the text "null".
    processor = build_processor(
        "enrich", {"url": "http://crm/{id}", "target": "c", "on_missing": None}, CONTEXT
    )

    assert processor.handle.config.on_missing == "null"
