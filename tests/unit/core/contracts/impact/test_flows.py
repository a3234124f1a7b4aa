"""How a change of an interface's operation reaches the flows using it, by direction."""

from __future__ import annotations

from typing import Any

from interloom.core.contracts.impact import Confidence, How, Part
from interloom.core.contracts.impact.flows import Change, flow_hits
from interloom.core.flows.definition import Flow
from interloom.core.flows.field_use import flow_field_use

CRM = "interface:crm.customers.get"
CREATE = "interface:crm.customers.create"
EVENT = "interface:erp.orders.created"


def _flow(
    flow_id: str,
    steps: list[dict[str, Any]],
    *,
    source: str | None = None,
    sink: str | None = None,
) -> Flow:
    return Flow.model_validate(
        {
            "id": flow_id,
            "name": flow_id,
            "source": {"connector": "http", "interface": source, "config": {"path": "/x"}},
            "steps": steps,
            "sinks": [{"connector": "http", "interface": sink, "config": {"url": "http://s/"}}],
        }
    )


def _hits(flow: Flow, interface: str, change: Change) -> set[tuple[Any, ...]]:
    uses = {flow.id: flow_field_use(flow)}
    return {
        (h.step, h.field, h.how, h.confidence) for h in flow_hits([flow], uses, interface, change)
    }


def _change(
    part: Part, field: str, *, level: str = "ERR", rule: str = "r", requires: bool = False
) -> Change:
    return Change(rule=rule, level=level, part=part, field=field, requires=requires)


ENRICH = {
    "id": "customer",
    "kind": "enrich",
    "interface": CRM,
    "config": {"url": "http://crm/c/{customerId}", "target": "customer"},
}


def test_a_removed_answer_field_reaches_the_step_reading_it_and_no_other_flow() -> None:
    reads = _flow(
        "reads", [ENRICH, {"id": "m", "kind": "map", "config": {"fields": {"t": "customer.tier"}}}]
    )
    ignores = _flow(
        "ignores",
        [ENRICH, {"id": "m", "kind": "map", "config": {"fields": {"e": "customer.email"}}}],
    )
    change = _change(Part.RESPONSE, "tier")

    assert _hits(reads, CRM, change) == {("m", "customer.tier", How.READ, Confidence.CERTAIN)}
    assert _hits(ignores, CRM, change) == set()


def test_reading_the_object_holding_the_field_is_likely() -> None:
    flow = _flow(
        "whole", [ENRICH, {"id": "m", "kind": "map", "config": {"fields": {"c": "customer"}}}]
    )

    assert _hits(flow, CRM, _change(Part.RESPONSE, "address.city")) == {
        ("m", "customer", How.READ, Confidence.LIKELY)
    }


def test_an_answer_passed_on_unchanged_reaches_the_sinks() -> None:
    flow = _flow("passes", [ENRICH])

    assert _hits(flow, CRM, _change(Part.RESPONSE, "tier")) == {
        (None, "customer", How.PASSED_THROUGH, Confidence.LIKELY)
    }


def test_an_answer_merged_by_expression_is_possibly_affected() -> None:
    merged = {**ENRICH, "config": {"url": "http://crm/c/{id}", "merge": "$merge([$, $enrichment])"}}

    assert _hits(_flow("merge", [merged]), CRM, _change(Part.RESPONSE, "tier")) == {
        ("customer", None, How.USES, Confidence.POSSIBLE)
    }


def test_a_new_required_request_field_reaches_a_sink_that_does_not_write_it() -> None:
    writes = {"id": "m", "kind": "map", "config": {"fields": {"email": "buyer.email"}}}
    flow = _flow("register", [writes], sink=CREATE)

    required = _change(Part.REQUEST, "countryCode", requires=True)
    assert _hits(flow, CREATE, required) == {
        ("m", "countryCode", How.NOT_WRITTEN, Confidence.CERTAIN)
    }
    assert _hits(flow, CREATE, _change(Part.REQUEST, "email", requires=True)) == set()
    assert _hits(flow, CREATE, _change(Part.REQUEST, "email", level="WARN")) == {
        ("m", "email", How.WRITTEN, Confidence.CERTAIN)
    }
    assert _hits(flow, CREATE, _change(Part.REQUEST, "name", level="WARN")) == set()


def test_a_sink_receiving_the_message_as_it_came_may_or_may_not_write_the_field() -> None:
    flow = _flow("raw", [], sink=CREATE)

    assert _hits(flow, CREATE, _change(Part.REQUEST, "countryCode", requires=True)) == {
        (None, None, How.USES, Confidence.POSSIBLE)
    }


def test_a_removed_operation_reaches_every_role_for_certain() -> None:
    flow = _flow("all", [ENRICH], source=CRM, sink=CRM)
    removed = _change(Part.OPERATION, "", rule="api-removed-without-deprecation")

    assert _hits(flow, CRM, removed) == {
        (None, None, How.RECEIVES, Confidence.CERTAIN),
        (None, None, How.SENDS, Confidence.CERTAIN),
        ("customer", None, How.CALLS, Confidence.CERTAIN),
    }


def test_an_operation_level_info_reaches_flows_only_when_it_deprecates() -> None:
    flow = _flow("src", [], source=EVENT)

    assert (
        _hits(flow, EVENT, _change(Part.OPERATION, "", level="INFO", rule="api-tag-added")) == set()
    )
    deprecated = _change(Part.OPERATION, "", level="INFO", rule="endpoint-deprecated")
    assert _hits(flow, EVENT, deprecated) == {(None, None, How.RECEIVES, Confidence.CERTAIN)}


def test_a_source_reading_a_changed_field_of_its_message() -> None:
    check = {"id": "big", "kind": "filter", "config": {"expression": "order.total > 100"}}
    mapped = {"id": "m", "kind": "map", "config": {"fields": {"id": "order.id"}}}
    flow = _flow("src", [check, mapped], source=EVENT)

    assert _hits(flow, EVENT, _change(Part.REQUEST, "order.total")) == {
        ("big", "order.total", How.READ, Confidence.CERTAIN)
    }
    assert _hits(flow, EVENT, _change(Part.REQUEST, "order.note")) == set()
    assert _hits(flow, EVENT, _change(Part.RESPONSE, "order.total")) == set()


def test_a_source_passing_its_message_on_passes_the_field_on() -> None:
    flow = _flow("relay", [], source=EVENT)

    assert _hits(flow, EVENT, _change(Part.REQUEST, "order.note", level="WARN")) == {
        (None, "order.note", How.PASSED_THROUGH, Confidence.LIKELY)
    }


def test_a_flow_the_trace_loses_is_possibly_affected() -> None:
    odd = {"id": "odd", "kind": "aggregate", "config": {"key": "id"}}
    flow = _flow("lost", [odd], source=EVENT)

    (hit,) = flow_hits([flow], {flow.id: flow_field_use(flow)}, EVENT, _change(Part.REQUEST, "x"))

    assert (hit.how, hit.confidence) == (How.USES, Confidence.POSSIBLE)
    assert "step 'odd' (aggregate)" in hit.detail


def test_a_step_naming_the_interface_otherwise_uses_it() -> None:
    check = {"id": "check", "kind": "validate", "interface": CRM, "config": {"schema": "s.json"}}
    flow = _flow("checks", [check])

    assert _hits(flow, CRM, _change(Part.RESPONSE, "tier")) == {
        ("check", None, How.USES, Confidence.POSSIBLE)
    }
    assert _hits(flow, CRM, _change(Part.RESPONSE, "tier", level="INFO")) == set()


def test_a_step_checking_the_message_against_the_interface_may_now_reject_it() -> None:
    check = {"id": "check", "kind": "validate", "interface": EVENT, "config": {"schema": "s.json"}}
    flow = _flow("checked", [check, {"id": "m", "kind": "map", "config": {"fields": {"i": "id"}}}])
    flow = flow.model_copy(update={"source": flow.source.model_copy(update={"interface": EVENT})})

    assert _hits(flow, EVENT, _change(Part.REQUEST, "lines.quantity")) == {
        ("check", "lines.quantity", How.VALIDATES, Confidence.LIKELY)
    }
    assert _hits(flow, EVENT, _change(Part.REQUEST, "lines.quantity", level="WARN")) == {
        ("check", "lines.quantity", How.VALIDATES, Confidence.POSSIBLE)
    }
    assert _hits(flow, EVENT, _change(Part.REQUEST, "lines.quantity", level="INFO")) == set()
