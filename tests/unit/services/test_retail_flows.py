"""The retail example's flows: their test cases pass, and their schemas follow the contracts."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema

from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.core.flows.testcase import FakeAnswer, MessageStatus
from interloom.formats.contracts.json_schema_export import export_json_schema
from interloom.runtime.harness import run_flow
from interloom.services.contracts import read_contract
from interloom.services.flow_testing import CaseOutcome, collect_flow_tests, run_flow_tests_sync
from interloom.services.project import load_project

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"

# The schema files the validate steps read, and the contract schema each one is.
EXPORTED = {
    "contracts/schemas/erp-order-created.schema.json": (
        "contracts/erp-events.asyncapi.yaml",
        "OrderCreatedPayload",
    ),
    "contracts/schemas/wms-shipment-dispatched.schema.json": (
        "contracts/wms-events.asyncapi.yaml",
        "ShipmentDispatchedPayload",
    ),
}


def test_every_case_of_the_example_passes_and_every_flow_has_cases() -> None:
    report = run_flow_tests_sync(collect_flow_tests(RETAIL))

    failed = [c for c in report.cases if c.outcome is not CaseOutcome.PASSED]
    assert report.ok, failed
    assert not failed
    assert not report.file_errors
    flows = {loaded.model.id for loaded in load_project(RETAIL).project.flows}
    assert (
        {case.flow for case in report.cases}
        == flows
        == {
            "order-to-wms",
            "stock-to-erp",
            "shipment-to-crm",
            "invoice-on-payment",
        }
    )
    assert report.summary()["passed"] >= 26


@pytest.mark.parametrize("schema_file", sorted(EXPORTED))
def test_a_validate_schema_is_the_schema_of_its_contract(schema_file: str) -> None:
    contract_file, name = EXPORTED[schema_file]
    contract = read_contract(RETAIL / contract_file, root=RETAIL)

    written = json.loads((RETAIL / schema_file).read_text("utf-8"))
    written.pop("$comment")

    assert written == export_json_schema(contract, name)


def test_each_validate_step_checks_the_contract_of_its_interface() -> None:
    project = load_project(RETAIL).project
    contracts = InterfaceContracts(RETAIL)
    checked = []
    for loaded in project.flows:
        for step in loaded.model.steps:
            if step.kind != "validate":
                continue
            assert step.interface is not None, (loaded.model.id, step.id)
            found = project.interface(step.interface)
            assert found is not None, step.interface
            contract = found[1].contract
            schema = step.config.get("schema")
            if schema is None:  # the body schema of the interface's own operation
                assert contracts.body_schema(step.interface)["$schema"].endswith("2020-12/schema")
            else:
                # the contract itself (a JSON Schema), or a schema exported from it (above)
                assert contract == EXPORTED.get(schema, (schema,))[0], (step.interface, schema)
            checked.append(step.interface)

    assert sorted(checked) == [
        "interface:erp.orders.created",
        "interface:payments.intents.captured",
        "interface:wms.shipments.dispatched",
        "interface:wms.stock.file",
    ]


INVOICING = "urn:retail:erp:invoicing:v1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XS = "http://www.w3.org/2001/XMLSchema"


def _invoicing_schema() -> xmlschema.XMLSchema:
    """The XML Schema in the invoicing WSDL's types, with the prefix the WSDL declares."""
    text = (RETAIL / "contracts" / "erp-invoicing.wsdl").read_text("utf-8")
    start, end = text.index("<xs:schema"), text.index("</xs:schema>") + len("</xs:schema>")
    return xmlschema.XMLSchema(
        text[start:end].replace("<xs:schema", f'<xs:schema xmlns:xs="{XS}"', 1)
    )


async def test_the_invoice_flow_posts_a_create_invoice_the_wsdl_accepts_and_that_adds_up() -> None:
    project = load_project(RETAIL).project
    flow = next(f.model for f in project.flows if f.model.id == "invoice-on-payment")
    order = read_contract(RETAIL / "contracts" / "erp-orders.openapi.yaml", root=RETAIL)
    [get_order] = [o for o in order.operations if o.id == "getOrder"]
    [example] = [
        e.value for m in get_order.responses["200"].content.values() for e in m.examples.values()
    ]
    captured = json.loads((RETAIL / "samples" / "payments-intent-captured.json").read_bytes())
    fakes = {"order": [FakeAnswer(status=200, body=example)]}

    result = await run_flow(flow, RETAIL, [captured], fakes=fakes)

    assert [run.status for run in result.messages] == [MessageStatus.DELIVERED]
    [call] = result.calls["erp"]
    assert call.url == "http://127.0.0.1:9201/soap/invoicing"
    assert call.headers["SOAPAction"] == f'"{INVOICING}/CreateInvoice"'
    body = ElementTree.fromstring(call.body).find(f"{{{SOAP_ENV}}}Body")
    assert body is not None
    [request] = list(body)
    _invoicing_schema().validate(ElementTree.tostring(request, encoding="unicode"))

    def amount(path: str) -> Decimal:
        return Decimal(request.findtext(path.replace("/", f"/{{{INVOICING}}}").lstrip("/")) or "")

    lines = request.findall(f"{{{INVOICING}}}Lines/{{{INVOICING}}}Line")
    line_amounts = [Decimal(line.findtext(f"{{{INVOICING}}}LineAmount") or "") for line in lines]
    # the WSDL's rule: GrossTotal is the line amounts plus ShippingAmount
    assert amount("/GrossTotal") == sum(line_amounts) + amount("/ShippingAmount")
    assert amount("/GrossTotal") == Decimal(example["totals"]["total"]) / 100
    assert amount("/Payment/Amount") == amount("/GrossTotal")
    assert (
        request.findtext(f"{{{INVOICING}}}Payment/{{{INVOICING}}}Reference")
        == (captured["data"]["id"])
    )
