"""Field lineage: which source fields each target field of a mapping reads."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from interloom.core.flows.expressions import compile_expression, compile_mapping
from interloom.core.flows.lineage import expression_lineage, mapping_lineage

W1_MAPPING = (Path(__file__).parents[3] / "data" / "w1" / "mapping.jsonata").read_text("utf-8")


def test_w1_lineage() -> None:
    assert expression_lineage(W1_MAPPING) == {
        "buyer.customerNo": ["customer.id"],
        "buyer.email": ["customer.email"],
        "buyer.fullName": ["customer.name"],
        "currency": ["currency"],
        "itemCount": ["lines[].qty"],
        "items[].articleNo": ["lines[].sku"],
        "items[].lineTotal": ["lines[].price", "lines[].qty"],
        "items[].quantity": ["lines[].qty"],
        "items[].unitPrice": ["lines[].price"],
        "orderRef": ["orderId"],
        "placedAt": ["createdAt"],
        "shipTo.city": ["shippingAddress.city"],
        "shipTo.countryCode": ["shippingAddress.country"],
        "shipTo.street": ["shippingAddress.line1", "shippingAddress.line2"],
        "shipTo.zip": ["shippingAddress.postalCode"],
        "source": ["channel"],
        "total": ["lines[].price", "lines[].qty"],
    }


def test_lineage_is_json_friendly_and_sorted() -> None:
    lineage = expression_lineage(compile_expression(W1_MAPPING))

    assert json.loads(json.dumps(lineage)) == lineage
    assert list(lineage) == sorted(lineage)
    assert all(sources == sorted(sources) for sources in lineage.values())


def test_field_by_field_mapping() -> None:
    fields = {
        "buyer.customerNo": "customer.id",
        "items": '[lines.{"articleNo": sku, "lineTotal": qty * price}]',
        "kind": '"order"',
    }

    expected = {
        "buyer.customerNo": ["customer.id"],
        "items[].articleNo": ["lines[].sku"],
        "items[].lineTotal": ["lines[].price", "lines[].qty"],
        "kind": [],
    }
    assert mapping_lineage(fields) == expected
    assert mapping_lineage(compile_mapping(fields)) == expected


def test_the_context_follows_mapping_steps() -> None:
    lineage = expression_lineage(
        '{"skus": lines.{"sku": $, "order": $$.id, "name": $uppercase(name)},'
        ' "parts": lines.parts.{"id": id}}'
    )

    assert lineage == {
        "parts[].id": ["lines[].parts[].id"],
        "skus[].name": ["lines[].name"],
        "skus[].order": ["id"],
        "skus[].sku": ["lines[]"],
    }


def test_conditions_and_filters_decide_the_value() -> None:
    lineage = mapping_lineage(
        {
            "big": "lines[qty > 1].sku",
            "first": "lines[0].sku",
            "label": "vip ? name : 'guest'",
        }
    )

    assert lineage == {
        "big": ["lines[].qty", "lines[].sku"],
        "first": ["lines[].sku"],
        "label": ["name", "vip"],
    }


def test_variables_carry_their_sources() -> None:
    lineage = expression_lineage(
        '($net := lines.(qty * price); {"net": $sum($net), "tax": $sum($net) * rate})',
        array_paths=["lines"],  # nothing in the expression says lines is an array
    )

    assert lineage == {
        "net": ["lines[].price", "lines[].qty"],
        "tax": ["lines[].price", "lines[].qty", "rate"],
    }


def test_arrays_are_inferred_from_use_or_given() -> None:
    assert expression_lineage('{"n": order.lines.qty}') == {"n": ["order.lines.qty"]}
    assert expression_lineage('{"n": $count(order.lines)}') == {"n": ["order.lines[]"]}
    assert expression_lineage('{"n": order.lines.qty}', array_paths=["order.lines"]) == {
        "n": ["order.lines[].qty"]
    }


def test_an_expression_that_is_not_an_object_is_one_target() -> None:
    assert expression_lineage("customer.name") == {"$": ["customer.name"]}
    assert expression_lineage("$") == {"$": ["$"]}
    assert expression_lineage('"constant"') == {"$": []}


def test_nested_arrays_keep_their_depth() -> None:
    lineage = expression_lineage('{"a": lines.[sku], "b": [[lines.{"s": sku}]]}')

    assert lineage == {"a[][]": ["lines[].sku"], "b[][].s": ["lines[].sku"]}


def test_interpreted_constructs_still_have_lineage() -> None:
    lineage = expression_lineage('{"amount": $formatNumber(total, "#0.00")}')

    assert lineage == {"amount": ["total"]}


FIELD = st.sampled_from(["id", "name", "qty", "price", "customer", "address", "city"])


@given(st.dictionaries(FIELD, st.lists(FIELD, min_size=1, max_size=4), min_size=1))
def test_copied_fields_read_exactly_their_path(copies: dict[str, list[str]]) -> None:
    fields = {target: ".".join(path) for target, path in copies.items()}

    lineage = mapping_lineage(fields)

    assert lineage == {target: [path] for target, path in sorted(fields.items())}
