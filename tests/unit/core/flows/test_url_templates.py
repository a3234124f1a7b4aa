"""URL templates: parsed once, filled from the message, values percent-encoded."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.core.flows.expressions import CompiledExpression, ExpressionError
from interloom.core.flows.url_templates import (
    UrlTemplateError,
    UrlValueError,
    contract_url_template,
    parse_url_template,
    path_parameters,
)


def test_a_template_without_expressions_is_fixed_and_renders_as_its_text() -> None:
    template = parse_url_template("http://erp:9201/stock-levels")

    assert template.fixed == "http://erp:9201/stock-levels"
    assert template.render({"anything": 1}) == "http://erp:9201/stock-levels"


def test_an_environment_variable_left_in_the_text_is_not_an_expression() -> None:
    template = parse_url_template("${ERP_URL:-http://127.0.0.1:9201}/orders/{order.id}")

    assert template.fixed is None
    assert template.render({"order": {"id": "SO-1"}}) == (
        "${ERP_URL:-http://127.0.0.1:9201}/orders/SO-1"
    )


@pytest.mark.parametrize(
    ("body", "url"),
    [
        ({"id": "SO-2027-000123"}, "http://erp/orders/SO-2027-000123/status"),
        ({"id": "a/b c"}, "http://erp/orders/a%2Fb%20c/status"),
        ({"id": "Zoë?x=1"}, "http://erp/orders/Zo%C3%AB%3Fx%3D1/status"),
        ({"id": 42.0}, "http://erp/orders/42/status"),
        ({"id": 4.5}, "http://erp/orders/4.5/status"),
        ({"id": True}, "http://erp/orders/true/status"),
    ],
)
def test_values_are_percent_encoded_so_they_cannot_change_the_path(body: Any, url: str) -> None:
    assert parse_url_template("http://erp/orders/{id}/status").render(body) == url


def test_an_expression_may_compute_the_value() -> None:
    template = parse_url_template("http://crm/customers/{$uppercase(customer.id)}")

    assert template.render({"customer": {"id": "c-7"}}) == "http://crm/customers/C-7"


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ({}, "nothing"),
        ({"id": {"a": 1}}, "dict"),
        ({"id": [1, 2]}, "list"),
        ({"id": None}, "NoneType"),
    ],
)
def test_a_part_without_a_text_or_number_names_the_part(body: Any, what: str) -> None:
    with pytest.raises(UrlValueError) as caught:
        parse_url_template("http://erp/orders/{id}").render(body)

    assert caught.value.source == "id"
    assert str(caught.value) == f"the URL part {{id}} gives {what}, not a text or a number"


def test_query_parameters_are_encoded_repeated_for_arrays_and_left_out_when_missing() -> None:
    template = parse_url_template(
        "http://erp/orders?page=1",
        {"customer": "customerId", "status": "statuses", "since": "since"},
    )

    url = template.render({"customerId": "C 1", "statuses": ["open", "held"]})

    assert url == "http://erp/orders?page=1&customer=C%201&status=open&status=held"
    assert template.fixed is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http://erp/orders/{id", "the expression at column 19 of the URL template is not closed"),
        ("http://erp/orders/id}", "unbalanced '}' at column 21 of the URL template"),
    ],
)
def test_unbalanced_braces_are_a_template_error(text: str, message: str) -> None:
    with pytest.raises(UrlTemplateError, match="URL template") as caught:
        parse_url_template(text)

    assert caught.value.message == message


def test_an_expression_that_does_not_compile_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError):
        parse_url_template("http://erp/orders/{$sum(lines.qty}")


def test_a_contract_path_becomes_a_template_on_the_given_server() -> None:
    values = {"orderId": CompiledExpression("order.id")}

    template = contract_url_template("http://erp:9201/", "/orders/{orderId}/status", values)

    assert path_parameters("/orders/{orderId}/status") == ["orderId"]
    assert template.render({"order": {"id": "SO-1"}}) == "http://erp:9201/orders/SO-1/status"


@given(st.text(min_size=1, max_size=30))
def test_any_text_value_stays_inside_its_path_segment(value: str) -> None:
    url = parse_url_template("http://erp/orders/{id}/status").render({"id": value})

    assert url.startswith("http://erp/orders/")
    assert url.endswith("/status")
    assert url.count("/") == "http://erp/orders/x/status".count("/")
    assert "?" not in url
    assert "#" not in url
