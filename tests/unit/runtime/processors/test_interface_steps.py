"""validate and enrich steps that take their schema or their call from their interface."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.core.flows.definition import Flow
from interloom.runtime.processors import (
    INTERFACE_FIELD,
    BuildContext,
    MessageRejectedError,
    StepConfigError,
    build_processor,
)
from interloom.runtime.steps import compile_steps

RETAIL = Path(__file__).resolve().parents[4] / "examples" / "retail"
CONTRACTS = InterfaceContracts(RETAIL)
EVENT = json.loads((RETAIL / "samples" / "wms-shipment-dispatched.json").read_text("utf-8"))


def context(interface: str | None) -> BuildContext:
    return BuildContext(root=RETAIL, step="s", interface=interface, interfaces=CONTRACTS)


def test_validate_without_schema_checks_the_interfaces_message_payload() -> None:
    validate = build_processor("validate", {}, context("interface:wms.shipments.dispatched"))

    assert validate.process(EVENT) == EVENT
    with pytest.raises(MessageRejectedError) as caught:
        validate.process({**EVENT, "carrier": "bpost", "orderId": 7})
    assert {d["pointer"] for d in caught.value.details} == {"/carrier", "/orderId"}


def test_a_schema_file_wins_over_the_interface() -> None:
    validate = build_processor(
        "validate",
        {"schema": "contracts/wms-stock-file.schema.json"},
        context("interface:wms.shipments.dispatched"),
    )

    with pytest.raises(MessageRejectedError):
        validate.process(EVENT)  # a shipment event is no row of the stock file


def test_validate_with_neither_schema_nor_interface_says_what_to_give() -> None:
    with pytest.raises(StepConfigError) as caught:
        build_processor("validate", {}, context(None))

    assert caught.value.field == ("schema",)
    assert "interface:" in (caught.value.hint or "")


def test_validate_against_an_operation_without_body_is_located_at_the_interface() -> None:
    with pytest.raises(StepConfigError) as caught:
        build_processor("validate", {}, context("interface:crm.customers.get"))

    assert caught.value.field == (INTERFACE_FIELD,)
    assert caught.value.problem == "E-FLOW-021"


def test_enrich_by_interface_builds_the_url_from_the_contract() -> None:
    enrich = build_processor(
        "enrich",
        {"path": {"customerId": "order.customerId"}, "target": "customer"},
        context("interface:crm.customers.get"),
    )

    enricher: Any = enrich.handle
    assert enricher.method == "GET"
    assert enricher.url_for({"order": {"customerId": "C-100042"}}) == (
        "http://127.0.0.1:9202/customers/C-100042"
    )


def test_enrich_by_interface_takes_the_base_url_with_variables_expanded() -> None:
    step = BuildContext(
        root=RETAIL,
        interface="interface:erp.orders.list",
        interfaces=CONTRACTS,
        environ={"ERP_URL": "http://erp.test"},
    )
    enrich = build_processor(
        "enrich",
        {"base_url": "${ERP_URL}", "query": {"customerId": "customer.id"}, "target": "orders"},
        step,
    )

    enricher: Any = enrich.handle
    assert enricher.url_for({"customer": {"id": "C-1"}}) == "http://erp.test/orders?customerId=C-1"
    assert enricher.url_for({}) == "http://erp.test/orders"


@pytest.mark.parametrize(
    ("config", "field", "problem"),
    [
        ({"target": "c"}, (INTERFACE_FIELD,), "E-FLOW-022"),
        ({"path": {"customerId": "id", "id": "id"}, "target": "c"}, ("path", "id"), "E-FLOW-022"),
        ({"path": {"customerId": "$sum("}, "target": "c"}, ("path", "customerId"), None),
        ({"path": {"customerId": "id"}, "method": "POST", "target": "c"}, ("method",), None),
        ({"url": "http://crm/c", "path": {"customerId": "id"}, "target": "c"}, ("path",), None),
    ],
)
def test_enrich_by_interface_config_errors_name_their_field(
    config: dict[str, Any], field: tuple[str, ...], problem: str | None
) -> None:
    with pytest.raises(StepConfigError) as caught:
        build_processor("enrich", config, context("interface:crm.customers.get"))

    assert caught.value.field == field
    assert caught.value.problem == problem


def test_enrich_does_not_call_a_soap_interface() -> None:
    with pytest.raises(StepConfigError, match="does not read SOAP answers") as caught:
        build_processor("enrich", {"target": "invoice"}, context("interface:erp.invoices.get"))

    assert (caught.value.field, caught.value.problem) == ((INTERFACE_FIELD,), "E-FLOW-020")


def test_a_flow_locates_an_interface_error_at_the_steps_interface() -> None:
    flow = Flow.model_validate(
        {
            "id": "f",
            "name": "F",
            "source": {"connector": "http", "config": {"path": "/f"}},
            "steps": [
                {"id": "check", "kind": "validate", "interface": "interface:crm.customers.get"}
            ],
            "sinks": [{"connector": "http", "config": {"url": "http://x"}}],
        }
    )

    with pytest.raises(StepConfigError) as caught:
        compile_steps(flow, RETAIL, {}, interfaces=CONTRACTS)

    assert caught.value.field == ("steps", 0, "interface")
    assert caught.value.problem == "E-FLOW-021"
