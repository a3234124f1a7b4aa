"""What steps and sinks take from their interface's contract: body schemas and HTTP calls."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from interloom.connectors.interface_contracts import (
    InterfaceContractError,
    InterfaceContracts,
    NoBodySchemaError,
    PathParameterError,
    check_path_values,
    interface_url,
)

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"
SAMPLES = RETAIL / "samples"


@pytest.fixture(scope="module")
def contracts() -> InterfaceContracts:
    return InterfaceContracts(RETAIL)


def test_an_asyncapi_interface_validates_against_its_message_payload(
    contracts: InterfaceContracts,
) -> None:
    validator = contracts.validator("interface:wms.shipments.dispatched")
    event = json.loads((SAMPLES / "wms-shipment-dispatched.json").read_text("utf-8"))

    assert validator.is_valid(event)
    assert not validator.is_valid({**event, "carrier": "bpost"})
    [error] = validator.iter_errors({**event, "carrier": "bpost"})
    assert list(error.instance_path) == ["carrier"]


def test_an_openapi_interface_validates_against_its_request_body(
    contracts: InterfaceContracts,
) -> None:
    validator = contracts.validator("interface:erp.orders.status.update")

    assert validator.is_valid({"status": "shipped", "occurredAt": "2027-02-02T16:04:51Z"})
    assert not validator.is_valid({"status": "lost", "occurredAt": "2027-02-02T16:04:51Z"})
    assert not validator.is_valid({"status": "shipped", "occurredAt": "x", "extra": 1})


def test_the_validator_is_compiled_once_per_interface(contracts: InterfaceContracts) -> None:
    first = contracts.validator("interface:erp.orders.status.update")

    assert contracts.validator("interface:erp.orders.status.update") is first


def test_an_operation_without_a_body_has_no_schema_to_validate_against(
    contracts: InterfaceContracts,
) -> None:
    with pytest.raises(NoBodySchemaError) as caught:
        contracts.body_schema("interface:crm.customers.get")

    assert caught.value.code == "E-FLOW-021"
    assert "getCustomer" in caught.value.message


def test_an_http_call_takes_method_server_and_path_from_the_contract(
    contracts: InterfaceContracts,
) -> None:
    call = contracts.http_call("interface:erp.orders.status.update")

    assert (call.method, call.server, call.path) == (
        "PUT",
        "http://127.0.0.1:9201",
        "/orders/{orderId}/status",
    )
    assert call.path_parameters == ("orderId",)


def test_a_query_parameter_of_the_contract_is_known(contracts: InterfaceContracts) -> None:
    call = contracts.http_call("interface:erp.orders.list")

    assert call.method == "GET"
    assert call.path_parameters == ()
    assert call.query_parameters  # listOrders filters by status, customer, time…


def test_a_url_template_fills_the_path_from_the_message(contracts: InterfaceContracts) -> None:
    call, template = interface_url(
        contracts,
        "interface:erp.orders.status.update",
        base_url="http://erp.test:8080/api/",
        path={"orderId": "order.id"},
        query={},
    )

    assert (call.method, call.soap) == ("PUT", None)
    assert template.render({"order": {"id": "SO-2027-000123"}}) == (
        "http://erp.test:8080/api/orders/SO-2027-000123/status"
    )


def test_an_event_is_no_http_call(contracts: InterfaceContracts) -> None:
    with pytest.raises(InterfaceContractError) as caught:
        contracts.http_call("interface:erp.orders.created")

    assert caught.value.code == "E-FLOW-020"
    assert "not an HTTP operation" in caught.value.message


def test_a_soap_operation_is_a_post_of_its_envelope_to_the_ports_address(
    contracts: InterfaceContracts,
) -> None:
    call = contracts.http_call("interface:erp.invoices.create")

    assert (call.method, call.server, call.path) == (
        "POST",
        "http://127.0.0.1:9201",
        "/soap/invoicing",
    )
    assert call.soap is not None
    assert (call.soap.namespace, call.soap.element) == (
        "urn:retail:erp:invoicing:v1",
        "CreateInvoiceRequest",
    )
    assert call.soap.headers == {
        "Content-Type": "text/xml; charset=utf-8",
        "SOAPAction": '"urn:retail:erp:invoicing:v1/CreateInvoice"',
    }


def test_an_unknown_interface_is_dangling_with_the_closest_name(
    contracts: InterfaceContracts,
) -> None:
    with pytest.raises(InterfaceContractError) as caught:
        contracts.operation("interface:erp.order.get")

    assert caught.value.dangling
    assert caught.value.hint == "did you mean 'interface:erp.orders.get'?"


def test_path_values_must_match_the_parameters_of_the_path(
    contracts: InterfaceContracts,
) -> None:
    call = contracts.http_call("interface:erp.orders.status.update")

    with pytest.raises(PathParameterError, match="needs a value for orderId") as missing:
        check_path_values(call, [], "interface:erp.orders.status.update")
    with pytest.raises(PathParameterError, match="has no parameter 'orderID'") as extra:
        check_path_values(call, ["orderId", "orderID"], "interface:erp.orders.status.update")

    assert missing.value.code == extra.value.code == "E-FLOW-022"
    assert extra.value.field == ("path", "orderID")
    check_path_values(call, ["orderId"], "interface:erp.orders.status.update")


def test_a_contract_that_does_not_parse_is_reported_once_per_look_up(tmp_path: Path) -> None:
    shutil.copytree(RETAIL / "systems", tmp_path / "systems")
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "erp-orders.openapi.yaml").write_text("openapi: [", "utf-8")

    contracts = InterfaceContracts(tmp_path)

    with pytest.raises(InterfaceContractError, match="cannot be read"):
        contracts.http_call("interface:erp.orders.get")
    with pytest.raises(InterfaceContractError, match="does not exist"):
        contracts.http_call("interface:crm.customers.get")


def test_systems_are_read_only_when_a_contract_is_first_asked_for(tmp_path: Path) -> None:
    contracts = InterfaceContracts(tmp_path)  # no systems/ folder: nothing is read yet
    shutil.copytree(RETAIL / "systems", tmp_path / "systems")
    shutil.copytree(RETAIL / "contracts", tmp_path / "contracts")

    assert contracts.http_call("interface:crm.customers.get").method == "GET"
