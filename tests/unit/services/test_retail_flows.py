"""The retail example's flows: their test cases pass, and their schemas follow the contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.formats.contracts.json_schema_export import export_json_schema
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
        }
    )
    assert report.summary()["passed"] >= 19


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
        "interface:wms.shipments.dispatched",
        "interface:wms.stock.file",
    ]
