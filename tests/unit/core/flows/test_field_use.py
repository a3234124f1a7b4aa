"""What a flow's steps read and its sinks receive, traced back to the source or an answer."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from interloom.core.flows.definition import Flow
from interloom.core.flows.field_use import (
    Origin,
    Relation,
    field_relation,
    flow_field_use,
    normalise_field,
)


def _flow(*steps: dict[str, Any]) -> Flow:
    return Flow.model_validate(
        {
            "id": "orders",
            "name": "Orders",
            "source": {"connector": "http", "config": {"path": "/o"}},
            "steps": list(steps),
            "sinks": [{"connector": "http", "config": {"url": "http://127.0.0.1:1/x"}}],
        }
    )


def _reads(flow: Flow) -> set[tuple[str, str, frozenset[Origin]]]:
    return {(r.step, r.field, r.origins) for r in flow_field_use(flow).reads}


def test_paths_lose_array_marks_the_root_and_what_follows_a_wildcard() -> None:
    assert normalise_field("$.lines[].sku") == "lines.sku"
    assert normalise_field("$") == ""
    assert normalise_field("customer.*.name") == "customer"
    assert field_relation("a.b", "a.b") is Relation.SAME
    assert field_relation("a.b.c", "a.b") is Relation.INSIDE
    assert field_relation("a", "a.b") is Relation.HOLDS
    assert field_relation("ab", "a") is None
    assert field_relation("a.b", "") is Relation.INSIDE


def test_a_field_read_after_an_enrich_comes_from_its_answer() -> None:
    flow = _flow(
        {"id": "only-paid", "kind": "filter", "config": {"expression": "status = 'paid'"}},
        {
            "id": "customer",
            "kind": "enrich",
            "config": {"url": "http://crm/customers/{customer.id}?x=${TOKEN}", "target": "buyer"},
        },
        {"id": "out", "kind": "map", "config": {"fields": {"to": "buyer.email", "id": "id"}}},
    )

    assert _reads(flow) == {
        ("only-paid", "status", frozenset({Origin("status")})),
        ("customer", "customer.id", frozenset({Origin("customer.id")})),
        ("out", "buyer.email", frozenset({Origin("email", "customer")})),
        ("out", "id", frozenset({Origin("id")})),
    }
    use = flow_field_use(flow)
    assert {(o.field, o.step, o.origins) for o in use.outputs} == {
        ("to", "out", frozenset({Origin("email", "customer")})),
        ("id", "out", frozenset({Origin("id")})),
    }
    assert (use.passes_through, use.traced, dict(use.answers)) == (
        False,
        True,
        {"customer": "buyer"},
    )


def test_a_map_renames_what_later_steps_read() -> None:
    flow = _flow(
        {"id": "a", "kind": "map", "config": {"expression": '{"ref": orderId, "who": customer}'}},
        {"id": "check", "kind": "filter", "config": {"expression": "who.tier = 'gold'"}},
        {"id": "b", "kind": "set", "config": {"fields": {"code": "ref"}, "values": {"v": 1}}},
        {"id": "tidy", "kind": "remove", "config": {"fields": ["who"]}},
    )

    use = flow_field_use(flow)

    assert ("check", "who.tier", frozenset({Origin("customer.tier")})) in _reads(flow)
    assert {(o.field, o.origins) for o in use.outputs} == {
        ("ref", frozenset({Origin("orderId")})),
        ("code", frozenset({Origin("orderId")})),
        ("v", frozenset()),
    }


def test_a_message_no_map_replaces_passes_through_except_what_is_removed() -> None:
    flow = _flow(
        {"id": "drop", "kind": "remove", "config": {"fields": ["secret"]}},
        {"id": "late", "kind": "filter", "config": {"expression": "secret.pin > 0 and total"}},
    )

    use = flow_field_use(flow)

    assert use.passes_through is True
    assert ("late", "secret.pin", frozenset()) in _reads(flow)
    assert ("late", "total", frozenset({Origin("total")})) in _reads(flow)


def test_a_split_makes_each_item_the_message() -> None:
    flow = _flow(
        {"id": "each", "kind": "split", "config": {"expression": "lines", "keep": {"o": "id"}}},
        {"id": "m", "kind": "map", "config": {"fields": {"sku": "sku", "order": "o"}}},
    )

    use = flow_field_use(flow)

    assert {(o.field, o.origins) for o in use.outputs} == {
        ("sku", frozenset({Origin("lines.sku")})),
        ("order", frozenset({Origin("id")})),
    }


def test_an_untraceable_step_stops_the_trace_and_says_why() -> None:
    flow = _flow(
        {"id": "ok", "kind": "filter", "config": {"expression": "a"}},
        {"id": "odd", "kind": "map", "config": {"fields": {"x": {"path": "$.a"}}}},
        {"id": "never", "kind": "filter", "config": {"expression": "b"}},
    )

    use = flow_field_use(flow)

    assert [r.step for r in use.reads] == ["ok"]
    assert use.traced is False
    assert use.outputs == ()
    assert use.untraced[0].startswith("step 'odd' (map): ")


def test_an_expression_that_does_not_parse_stops_the_trace() -> None:
    use = flow_field_use(_flow({"id": "bad", "kind": "filter", "config": {"expression": "a +"}}))

    assert use.traced is False
    assert "JSONata syntax error" in use.untraced[0]


def test_a_merge_leaves_the_answer_untraced() -> None:
    flow = _flow(
        {
            "id": "price",
            "kind": "enrich",
            "config": {"url": "http://p/{sku}", "merge": '{"sku": sku, "price": $enrichment.p}'},
        },
    )

    use = flow_field_use(flow)

    assert use.opaque_answers == frozenset({"price"})
    assert {(o.field, o.origins) for o in use.outputs} == {
        ("sku", frozenset({Origin("sku")})),
        ("price", frozenset()),  # from the answer: where in it, the trace cannot tell
    }


_NAMES = st.sampled_from(["a", "b", "c", "d", "e"])


@given(
    renames=st.lists(st.permutations(["a", "b", "c", "d", "e"]), min_size=1, max_size=6),
    probe=_NAMES,
)
def test_origins_follow_any_chain_of_renaming_maps(renames: list[list[str]], probe: str) -> None:
    """Field i of the message after map k comes from the field a reference composition names."""
    names = ["a", "b", "c", "d", "e"]
    steps = [
        {
            "id": f"m{index}",
            "kind": "map",
            "config": {
                "fields": {f"{new}x": f"{old}x" for old, new in zip(names, order, strict=True)}
            },
        }
        for index, order in enumerate(renames)
    ]
    steps.append({"id": "probe", "kind": "filter", "config": {"expression": f"{probe}x"}})
    origin = {name: name for name in names}  # current field → source field
    for order in renames:
        origin = {new: origin[old] for old, new in zip(names, order, strict=True)}

    use = flow_field_use(_flow(*steps))

    probe_read = next(r for r in use.reads if r.step == "probe")
    assert probe_read.origins == frozenset({Origin(f"{origin[probe]}x")})
    assert {o.field: o.origins for o in use.outputs} == {
        f"{name}x": frozenset({Origin(f"{origin[name]}x")}) for name in names
    }


def test_a_field_set_inside_an_answer_keeps_the_rest_of_the_answer() -> None:
    flow = _flow(
        {"id": "crm", "kind": "enrich", "config": {"url": "http://c/{id}", "target": "customer"}},
        {"id": "flag", "kind": "set", "config": {"fields": {"customer.vip": "total > 100"}}},
        {"id": "drop", "kind": "remove", "config": {"fields": ["customer.secret"]}},
        {
            "id": "out",
            "kind": "map",
            "config": {
                "fields": {
                    "a": "customer.email",
                    "b": "customer.vip",
                    "c": "customer",
                    "d": "customer.secret",
                }
            },
        },
    )

    reads = {r.field: r.origins for r in flow_field_use(flow).reads if r.step == "out"}

    assert reads == {
        "customer.email": frozenset({Origin("email", "crm")}),
        "customer.vip": frozenset({Origin("total")}),
        "customer": frozenset({Origin("", "crm"), Origin("total")}),
        "customer.secret": frozenset(),
    }
