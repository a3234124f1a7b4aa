"""A flow's lineage chains its steps: output fields back to the source's fields."""

from __future__ import annotations

from typing import Any

from interloom.core.flows.definition import Flow
from interloom.services.flow_lineage import flow_lineage


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


def test_a_map_after_a_map_leads_back_to_the_source_fields() -> None:
    flow = _flow(
        {"id": "check", "kind": "validate", "config": {"schema": "s.json"}},
        {
            "id": "a",
            "kind": "map",
            "config": {"expression": '{"ref": orderId, "who": customer.id}'},
        },
        {"id": "b", "kind": "map", "config": {"fields": {"order.reference": "ref & '-' & who"}}},
    )

    lineage = flow_lineage(flow)

    assert [s.step for s in lineage.steps] == ["a", "b"]
    assert lineage.end_to_end == {"order.reference": ["customer.id", "orderId"]}
    assert lineage.passes_through is False


def test_set_adds_to_a_passing_message_and_remove_drops() -> None:
    flow = _flow(
        {
            "id": "stamp",
            "kind": "set",
            "config": {"fields": {"total": "$sum(lines.price)"}, "values": {"origin": "web"}},
        },
        {"id": "tidy", "kind": "remove", "config": {"fields": ["origin"]}},
    )

    lineage = flow_lineage(flow)

    assert lineage.end_to_end == {"total": ["lines[].price"]}
    assert lineage.passes_through is True


def test_a_flow_without_mappings_has_no_lineage_and_passes_through() -> None:
    flow = _flow({"id": "keep", "kind": "filter", "config": {"expression": "total > 0"}})

    lineage = flow_lineage(flow)

    assert (lineage.steps, lineage.end_to_end, lineage.passes_through) == ([], {}, True)


def test_the_cli_prints_the_w1_lineage_as_json() -> None:
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from interloom.cli.main import app

    bench = Path(__file__).resolve().parents[3] / "examples" / "bench"
    result = CliRunner().invoke(
        app, ["--project", str(bench), "flows", "lineage", "w1", "--output", "json"]
    )

    assert result.exit_code == 0, result.output
    end_to_end = json.loads(result.stdout)["end_to_end"]
    assert end_to_end["shipTo.street"] == ["shippingAddress.line1", "shippingAddress.line2"]
    assert end_to_end["total"] == ["lines[].price", "lines[].qty"]
