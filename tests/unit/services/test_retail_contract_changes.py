"""The proposed v2 contracts of the retail example, diffed against the current ones.

``examples/retail/contracts/changes/`` holds a CRM API 3.0 and WMS events 4.0 as the teams
propose them; the diff must name every breaking and maybe-breaking change, and the project
loader must not take the proposals for contracts of the project.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from interloom.core.contracts.diff import DiffResult, Level
from interloom.services.contract_diff import diff_contract_files
from interloom.services.project import load_project

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"
TODAY = dt.date(2027, 3, 1)


def _diff(name: str) -> DiffResult:
    contracts = RETAIL / "contracts"
    return diff_contract_files(contracts / name, contracts / "changes" / name, today=TODAY)


def _worst(result: DiffResult) -> set[tuple[str, str | None, str]]:
    return {(f.id, f.operation, f.path) for f in result.findings if f.level is not Level.INFO}


def test_crm_3_breaks_what_its_consumers_rely_on() -> None:
    result = _diff("crm.openapi.yaml")

    assert result.counts() == {"ERR": 14, "WARN": 9, "INFO": 20}
    assert (result.old_version, result.new_version) == ("2.3.0", "3.0.0")
    breaking = {(f.id, f.operation, f.path) for f in result.findings if f.level is Level.ERR}
    assert breaking == {
        ("request-parameter-min-length-increased", "GET /customers", ""),
        ("request-parameter-enum-value-removed", "GET /customers", ""),
        ("request-parameter-max-decreased", "GET /customers", ""),
        ("response-property-max-length-increased", "GET /customers", "/items/companyName"),
        ("response-required-property-removed", "GET /customers", "/items/marketingConsent"),
        ("new-required-request-property", "POST /customers", "/countryOfResidence"),
        ("response-property-max-length-increased", "POST /customers", "/companyName"),
        ("response-required-property-removed", "POST /customers", "/marketingConsent"),
        ("response-property-max-length-increased", "GET /customers/{customerId}", "/companyName"),
        ("response-required-property-removed", "GET /customers/{customerId}", "/marketingConsent"),
        ("request-parameter-became-required", "PATCH /customers/{customerId}", ""),
        ("request-property-enum-value-removed", "PATCH /customers/{customerId}", "/status"),
        ("response-property-max-length-increased", "PATCH /customers/{customerId}", "/companyName"),
        (
            "response-required-property-removed",
            "PATCH /customers/{customerId}",
            "/marketingConsent",
        ),
    }
    assert ("optional-response-header-removed", "PATCH /customers/{customerId}", "") in _worst(
        result
    )
    info = {(f.id, f.operation) for f in result.findings if f.level is Level.INFO}
    assert ("endpoint-added", "GET /customers/{customerId}/consents") in info
    assert ("endpoint-deprecated-with-sunset", "GET /customers/{customerId}/addresses") in info
    assert ("api-security-scope-added", "POST /customers") in info


def test_crm_findings_point_at_both_versions() -> None:
    result = _diff("crm.openapi.yaml")

    removed = next(
        f
        for f in result.findings
        if f.id == "response-required-property-removed"
        and f.operation == "GET /customers/{customerId}"
    )
    assert removed.old is not None
    assert removed.new is not None
    assert removed.old.file.endswith("contracts/crm.openapi.yaml")
    assert removed.old.pointer == "/components/schemas/Customer/properties/marketingConsent"
    old_lines = (RETAIL / "contracts" / "crm.openapi.yaml").read_text("utf-8").splitlines()
    assert removed.old.line is not None
    assert old_lines[removed.old.line - 1].strip() == "marketingConsent:"
    assert removed.new.file.endswith("changes/crm.openapi.yaml")
    assert removed.new.pointer == "/components/schemas/Customer"


def test_wms_events_4_breaks_its_consumers() -> None:
    result = _diff("wms-events.asyncapi.yaml")

    assert result.counts() == {"ERR": 3, "WARN": 7, "INFO": 6}
    assert _worst(result) == {
        ("sent-message-constraint-loosened", "send shipment.dispatched", "/lines/quantity"),
        ("sent-message-enum-value-added", "send shipment.dispatched", "/carrier"),
        ("sent-message-optional-property-removed", "send shipment.dispatched", "/trackingUrl"),
        ("sent-message-constraint-changed", "send shipment.dispatched", "/warehouseId"),
        ("sent-message-enum-value-added", "send shipment.dispatched", "/eventType"),
        ("channel-address-changed", "send stock.level.changed", ""),
        ("sent-message-required-property-removed", "send stock.level.changed", "/available"),
        ("sent-message-enum-value-added", "send stock.level.changed", "/reason"),
        ("sent-message-constraint-changed", "send stock.level.changed", "/warehouseId"),
        ("sent-message-enum-value-added", "send stock.level.changed", "/eventType"),
    }
    added = {(f.id, f.operation) for f in result.findings if f.level is Level.INFO}
    assert ("channel-operation-added", "send shipment.delivered") in added
    assert ("channel-added", None) in added


def test_the_proposals_are_not_contracts_of_the_project() -> None:
    project = load_project(RETAIL).project

    assert "contracts/crm.openapi.yaml" in project.contract_files
    assert not any(path.startswith("contracts/changes/") for path in project.contract_files)
