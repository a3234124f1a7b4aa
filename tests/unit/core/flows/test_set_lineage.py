"""Field lineage of a set step: what it writes, from which source fields."""

from __future__ import annotations

from interloom.core.flows.expressions import compile_expression
from interloom.core.flows.lineage import mapping_lineage, set_lineage


def test_computed_fields_come_from_the_fields_their_expression_reads() -> None:
    lineage = set_lineage(
        {
            "total": "$sum(lines.(qty * price))",
            "customer.label": "customer.id & ' ' & customer.name",
        }
    )

    assert lineage == {
        "customer.label": ["customer.id", "customer.name"],
        "total": ["lines[].price", "lines[].qty"],
    }


def test_literal_values_come_from_no_source_field() -> None:
    assert set_lineage({}, ["source", "flags.checked"]) == {"flags.checked": [], "source": []}


def test_set_traces_like_the_field_by_field_map() -> None:
    fields = {"a.b": "x.y", "c": "$count(items)", "d": "flag ? p : q"}

    assert set_lineage(fields) == mapping_lineage(fields)


def test_compiled_expressions_are_traced_without_parsing_again() -> None:
    compiled = compile_expression("order.id")

    assert set_lineage({"ref": compiled}, array_paths=["order"]) == {"ref": ["order[].id"]}
