"""WSDL 1.1: SOAP operations whose XML messages are JSON Schemas that keep their XML names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from interloom.core.contracts import (
    Contract,
    ContractError,
    ContractFormatError,
    ContractReferenceError,
    ContractStructureError,
    ParameterIn,
    SoapAddress,
    Transport,
)
from interloom.formats.contracts import import_contract

Load = Callable[[str], Contract]
DATA = Path(__file__).resolve().parents[3] / "data" / "contracts"


def _address(contract: Contract, operation_id: str) -> SoapAddress:
    operation = contract.operation(operation_id)
    assert operation is not None
    assert isinstance(operation.address, SoapAddress)
    return operation.address


def test_document_literal_operations_of_the_retail_erp(retail: Load) -> None:
    erp = retail("erp-invoicing.wsdl")

    assert (erp.format, erp.format_version, erp.title) == ("wsdl", "1.1", "InvoicingService")
    assert [(op.id, op.transport, op.match_key) for op in erp.operations] == [
        ("GetInvoice", Transport.SOAP, "InvoicingPortType.GetInvoice"),
        ("CreateInvoice", Transport.SOAP, "InvoicingPortType.CreateInvoice"),
        ("ListInvoicesByOrder", Transport.SOAP, "InvoicingPortType.ListInvoicesByOrder"),
    ]
    address = _address(erp, "CreateInvoice")
    assert address.model_dump(exclude={"kind"}) == {
        "port_type": "InvoicingPortType",
        "operation": "CreateInvoice",
        "namespace": "urn:retail:erp:invoicing:v1",
        "soap_action": "urn:retail:erp:invoicing:v1/CreateInvoice",
        "soap_version": "1.1",
        "style": "document",
        "service": "InvoicingService",
        "port": "InvoicingPort",
        "endpoint": "http://127.0.0.1:9201/soap/invoicing",
        "input_element": "{urn:retail:erp:invoicing:v1}CreateInvoiceRequest",
        "output_element": "{urn:retail:erp:invoicing:v1}CreateInvoiceResponse",
    }
    assert [s.url for s in erp.servers] == ["http://127.0.0.1:9201/soap/invoicing"]


def test_messages_bodies_and_faults(retail: Load) -> None:
    create = retail("erp-invoicing.wsdl").operation("CreateInvoice")

    assert create is not None
    assert create.request_body is not None
    assert create.request_body.content["text/xml"].json_schema == {
        "$ref": "#/components/schemas/CreateInvoiceRequest"
    }
    assert create.responses["200"].content["text/xml"].json_schema == {
        "$ref": "#/components/schemas/CreateInvoiceResponse"
    }
    faults = create.responses["500"].content["text/xml"].json_schema
    assert faults == {
        "oneOf": [
            {"$ref": "#/components/schemas/ValidationFault", "title": "ValidationFault"},
            {
                "$ref": "#/components/schemas/DuplicateInvoiceFault",
                "title": "DuplicateInvoiceFault",
            },
            {"$ref": "#/components/schemas/ServiceFault", "title": "ServiceFault"},
        ]
    }
    assert create.location is not None
    assert (create.location.line, create.location.pointer) == (
        376,
        "/portType/InvoicingPortType/operation/CreateInvoice",
    )


def test_sequences_map_to_objects_with_required_from_min_occurs(retail: Load) -> None:
    schemas = retail("erp-invoicing.wsdl").schemas

    assert schemas["Address"].json_schema == {
        "type": "object",
        "properties": {
            "Name": {"$ref": "#/components/schemas/Text100"},
            "Street": {"$ref": "#/components/schemas/Text100"},
            "Street2": {"$ref": "#/components/schemas/Text100"},
            "PostalCode": {"type": "string", "minLength": 2, "maxLength": 12},
            "City": {"$ref": "#/components/schemas/Text100"},
            "CountryCode": {"$ref": "#/components/schemas/CountryCode"},
        },
        "required": ["Name", "Street", "PostalCode", "City", "CountryCode"],
        "xml": {"namespace": "urn:retail:erp:invoicing:v1"},
    }
    lines = schemas["InvoiceLines"].json_schema["properties"]["Line"]
    assert lines == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/InvoiceLine"},
        "maxItems": 500,
    }
    listing = schemas["ListInvoicesByOrderResponse"].json_schema
    assert listing["required"] == ["OrderId"]
    assert listing["xml"] == {
        "namespace": "urn:retail:erp:invoicing:v1",
        "name": "ListInvoicesByOrderResponse",
    }


def test_simple_type_restrictions(retail: Load) -> None:
    schemas = retail("erp-invoicing.wsdl").schemas

    assert schemas["InvoiceNumber"].json_schema == {
        "type": "string",
        "pattern": "^(?:INV-[0-9]{4}-[0-9]{6})$",
    }
    assert schemas["CurrencyCode"].json_schema == {
        "type": "string",
        "enum": ["EUR", "GBP", "SEK", "DKK", "NOK", "CHF"],
    }
    assert schemas["VatRate"].json_schema == {
        "type": "number",
        "minimum": 0,
        "maximum": 30,
        "x-fractionDigits": 2,
    }
    assert schemas["Text100"].json_schema == {"type": "string", "minLength": 1, "maxLength": 100}
    quantity = schemas["InvoiceLine"].json_schema["properties"]["Quantity"]
    assert quantity == {"type": "integer", "minimum": 1, "maximum": 999}
    include = schemas["ListInvoicesByOrderRequest"].json_schema["properties"]["IncludeCancelled"]
    assert include == {"type": "boolean", "default": False}


class TestImportedTypesAndSoap12:
    """stock-service.wsdl: SOAP 1.2 first, types from an imported XSD file."""

    def test_the_first_soap_binding_binds_the_operations(self, contract: Load) -> None:
        stock = contract("stock-service.wsdl")

        address = _address(stock, "GetStock")
        assert (address.soap_version, address.endpoint, address.port) == (
            "1.2",
            "https://wms.example.com/soap12/stock",
            "StockSoap12Port",
        )
        get_stock = stock.operation("GetStock")
        assert get_stock is not None
        assert get_stock.request_body is not None
        assert list(get_stock.request_body.content) == ["application/soap+xml"]
        assert get_stock.description == "Stock of up to 50 SKUs."

    def test_soap_headers_are_header_parameters(self, contract: Load) -> None:
        reserve = contract("stock-service.wsdl").operation("Reserve")

        assert reserve is not None
        (header,) = reserve.parameters
        assert (header.name, header.in_, header.required) == (
            "AuthHeader",
            ParameterIn.HEADER,
            True,
        )
        assert header.json_schema == {"$ref": "#/components/schemas/AuthHeader"}

    def test_imported_types_keep_their_file_and_line(self, contract: Load) -> None:
        sku = contract("stock-service.wsdl").schemas["Sku"]

        assert sku.location is not None
        assert (sku.location.file, sku.location.line) == ("xsd/stock-types.xsd", 8)

    def test_extension_attributes_choice_and_nillable(self, contract: Load) -> None:
        stock_item = contract("stock-service.wsdl").schemas["StockItem"].json_schema

        base, own = stock_item["allOf"]
        assert base == {"$ref": "#/components/schemas/Item"}
        assert own["properties"]["Reserved"] == {
            "anyOf": [{"$ref": "#/components/schemas/Quantity"}, {"type": "null"}]
        }
        assert own["properties"]["warehouse"] == {"type": "string", "xml": {"attribute": True}}
        assert own["required"] == ["OnHand", "Reserved", "warehouse"]
        assert own["oneOf"] == [{"required": ["Shelf"]}, {"required": ["Pallet"]}]
        assert own["xml"] == {"namespace": "urn:example:warehouse:types:v2"}

    def test_simple_content_lists_and_unions(self, contract: Load) -> None:
        schemas = contract("stock-service.wsdl").schemas

        assert schemas["Measure"].json_schema["properties"] == {
            "value": {"type": "number", "xml": {"x-text": True}},
            "unit": {"type": "string", "enum": ["kg", "g"], "xml": {"attribute": True}},
        }
        assert schemas["BinCodes"].json_schema == {
            "type": "array",
            "items": {"type": "string"},
            "xml": {"x-list": True},
        }
        assert schemas["Weight"].json_schema == {"anyOf": [{"type": "number"}, {"type": "string"}]}
        assert schemas["Quantity"].json_schema == {
            "type": "integer",
            "format": "int32",
            "minimum": 0,
            "exclusiveMaximum": 100000,
        }

    def test_without_a_file_reader_the_import_is_a_located_error(self) -> None:
        data = (DATA / "stock-service.wsdl").read_bytes()

        with pytest.raises(ContractReferenceError) as caught:
            import_contract(data, "stock-service.wsdl")

        assert caught.value.location is not None
        assert caught.value.location.line == 14  # the xsd:import
        assert "xsd/stock-types.xsd" in caught.value.message


class TestRpcLiteral:
    """currency-rpc.wsdl: rpc style, parts typed by XSD types, a one-way operation."""

    def test_the_body_is_a_wrapper_named_after_the_operation(self, contract: Load) -> None:
        convert = contract("currency-rpc.wsdl").operation("Convert")

        assert convert is not None
        assert convert.request_body is not None
        assert convert.request_body.content["text/xml"].json_schema == {
            "type": "object",
            "properties": {
                "amount": {"type": "number", "xml": {"x-form": "unqualified"}},
                "from": {
                    "$ref": "#/components/schemas/CurrencyCode",
                    "xml": {"x-form": "unqualified"},
                },
                "to": {
                    "$ref": "#/components/schemas/CurrencyCode",
                    "xml": {"x-form": "unqualified"},
                },
            },
            "required": ["amount", "from", "to"],
            "xml": {"name": "Convert", "namespace": "http://treasury.example.com/currency"},
        }
        response = convert.responses["200"].content["text/xml"].json_schema
        assert response is not None
        assert response["xml"]["name"] == "ConvertResponse"

    def test_one_way_operations_answer_202(self, contract: Load) -> None:
        publish = contract("currency-rpc.wsdl").operation("PublishRate")

        assert publish is not None
        assert list(publish.responses) == ["202"]
        assert _address(contract("currency-rpc.wsdl"), "PublishRate").output_element is None

    def test_unqualified_local_elements_say_so(self, contract: Load) -> None:
        rate = contract("currency-rpc.wsdl").schemas["Rate"].json_schema

        assert rate["properties"]["rate"] == {"type": "number", "xml": {"x-form": "unqualified"}}
        assert rate["required"] == ["from", "to", "rate", "fixedAt"]
        code = contract("currency-rpc.wsdl").schemas["CurrencyCode"].json_schema
        assert code == {
            "type": "string",
            "pattern": "^(?:[A-Z]{3})$",
            "minLength": 3,
            "maxLength": 3,
        }


def test_a_wsdl_split_into_interface_service_and_schema_files(contract: Load) -> None:
    carrier = contract("split-wsdl/service.wsdl")

    (track,) = carrier.operations
    assert track.location is not None
    assert (track.location.file, track.location.line) == ("split-wsdl/interface.wsdl", 11)
    address = _address(carrier, "Track")
    assert (address.soap_version, address.endpoint, address.input_element) == (
        "1.2",
        "https://ws.carrier.example.com/tracking",
        "{urn:example:carrier:types}TrackRequest",
    )
    response = carrier.schemas["TrackResponse"]
    assert response.location is not None
    assert (response.location.file, response.location.line) == ("split-wsdl/types/parcel.xsd", 13)
    assert response.json_schema["properties"]["Event"]["type"] == "array"


def test_a_port_naming_a_binding_in_another_namespace_is_a_located_error() -> None:
    text = (DATA / "split-wsdl" / "service.wsdl").read_text("utf-8")
    wrong = text.replace('binding="tns:TrackingSoap12"', 'binding="c:TrackingSoap12"')

    with pytest.raises(ContractReferenceError) as caught:
        import_contract(
            wrong.encode(),
            "service.wsdl",
            resolve_file=lambda r: (DATA / "split-wsdl" / r).read_bytes(),
        )

    assert caught.value.location is not None
    assert caught.value.location.line == 18
    assert caught.value.hint == (
        "'TrackingSoap12' is declared as '{urn:example:carrier:service}TrackingSoap12': "
        "check the namespace prefix"
    )


@pytest.mark.parametrize(
    ("text", "error", "line", "message"),
    [
        ("<definitions", ContractError, 1, "not well-formed XML"),
        (
            '<description xmlns="http://www.w3.org/ns/wsdl"/>',
            ContractFormatError,
            1,
            "WSDL 2.0 is not supported",
        ),
        (
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>',
            ContractFormatError,
            1,
            "an XML Schema alone is not a contract",
        ),
        ("<html><body/></html>", ContractFormatError, 1, "the root element is <html>"),
        (
            '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:x">\n'
            '  <portType name="P"><operation name="O"><input message="nope:M"/></operation>'
            "</portType>\n</definitions>",
            ContractReferenceError,
            2,
            "undeclared namespace prefix 'nope'",
        ),
        (
            '<definitions xmlns="http://schemas.xmlsoap.org/wsdl/"\n'
            '  xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x">\n'
            '  <types><xs:schema targetNamespace="urn:x"><xs:element name="E" type="xs:nope"/>'
            "</xs:schema></types>\n</definitions>",
            ContractStructureError,
            3,
            "invalid XML Schema",
        ),
    ],
)
def test_malformed_wsdl_is_a_located_error(
    text: str, error: type[ContractError], line: int, message: str
) -> None:
    with pytest.raises(error) as caught:
        import_contract(text.encode(), "service.wsdl")

    assert caught.value.location is not None
    assert caught.value.location.line == line
    assert message in caught.value.message
