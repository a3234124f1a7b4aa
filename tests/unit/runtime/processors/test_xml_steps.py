"""xml-to-json and json-to-xml: xmltodict's shape, namespaces kept, safe parsing, XSD types."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from interloom.runtime.processors import (
    BuildContext,
    MessageRejectedError,
    StepConfigError,
    build_processor,
)

DATA = Path(__file__).resolve().parents[3] / "data" / "processors"
CONTEXT = BuildContext(root=DATA)
ORDER_XML = (DATA / "order.xml").read_text("utf-8")
NAMESPACES = {"urn:interloom:test:orders": "o"}


def run(kind: str, config: dict[str, Any], body: Any) -> Any:
    return build_processor(kind, config, CONTEXT).process(body)


def test_names_stay_as_the_document_writes_them_without_a_namespace_map() -> None:
    result = run("xml-to-json", {}, ORDER_XML)

    order = result["erp:order"]
    assert order["@xmlns:erp"] == "urn:interloom:test:orders"
    assert order["@id"] == "SO-1001"
    assert order["erp:line"]["erp:qty"] == "2"


def test_a_namespace_map_writes_names_with_the_flows_prefix_whatever_the_sender_used() -> None:
    result = run("xml-to-json", {"namespaces": NAMESPACES}, ORDER_XML)

    assert set(result) == {"o:order"}
    assert result["o:order"]["@xmlns"] == {"o": "urn:interloom:test:orders"}
    assert result["o:order"]["o:customer"] == "Ann Smith"
    assert result["o:order"]["o:line"]["@no"] == "1"


def test_text_beside_attributes_is_under_text_key() -> None:
    assert run("xml-to-json", {}, '<price currency="EUR">9.50</price>') == {
        "price": {"@currency": "EUR", "#text": "9.50"}
    }


def test_force_list_makes_a_single_element_an_array() -> None:
    result = run("xml-to-json", {"namespaces": NAMESPACES, "force_list": ["o:line"]}, ORDER_XML)

    assert isinstance(result["o:order"]["o:line"], list)


def test_source_and_target_read_and_write_fields_of_the_message() -> None:
    body = {"id": 7, "payload": "<a><b>1</b></a>"}

    result = run("xml-to-json", {"source": "payload", "target": "parsed"}, body)

    assert result == {"id": 7, "payload": "<a><b>1</b></a>", "parsed": {"a": {"b": "1"}}}


def test_a_schema_types_the_values_and_lists_repeated_elements() -> None:
    result = run("xml-to-json", {"schema": "order.xsd", "namespaces": NAMESPACES}, ORDER_XML)

    order = result["o:order"]
    assert order["o:line"] == [{"@no": 1, "o:sku": "KB-01", "o:qty": 2, "o:price": 49.9}]
    assert order["o:paid"] is True


def test_a_document_breaking_the_schema_is_rejected_at_the_element() -> None:
    broken = ORDER_XML.replace("<erp:qty>2</erp:qty>", "<erp:qty>two</erp:qty>")

    with pytest.raises(MessageRejectedError, match=r"breaks order\.xsd") as raised:
        run("xml-to-json", {"schema": "order.xsd", "namespaces": NAMESPACES}, broken)

    assert raised.value.details[0]["pointer"] == "/o:order/o:line/o:qty"


@pytest.mark.parametrize(
    "document",
    [
        # billion laughs
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        "<l>&b;</l>",
        # an external entity reading a local file
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    ],
)
@pytest.mark.parametrize("config", [{}, {"schema": "order.xsd"}])
def test_entities_and_external_references_are_refused(
    document: str, config: dict[str, Any]
) -> None:
    with pytest.raises(MessageRejectedError, match=r"refused|forbidden|Entit"):
        run("xml-to-json", config, document)


def test_text_that_is_not_xml_is_rejected() -> None:
    with pytest.raises(MessageRejectedError, match="does not parse"):
        run("xml-to-json", {}, "<a><b></a>")


def test_a_message_that_is_not_text_is_rejected() -> None:
    with pytest.raises(MessageRejectedError, match="an object, not a text"):
        run("xml-to-json", {}, {"a": 1})


def test_an_unreadable_xsd_is_a_config_error_at_the_schema_field() -> None:
    with pytest.raises(StepConfigError, match="cannot read the XSD") as raised:
        build_processor("xml-to-json", {"schema": "orders.csv"}, CONTEXT)

    assert raised.value.field == ("schema",)


def test_json_to_xml_writes_attributes_text_and_repeated_elements() -> None:
    body = {"order": {"@id": "1", "line": [{"sku": "A"}, {"sku": "B"}], "note": {"#text": "x"}}}

    text = run("json-to-xml", {"declaration": False}, body)

    assert (
        text
        == '<order id="1"><line><sku>A</sku></line><line><sku>B</sku></line><note>x</note></order>'
    )


def test_root_wraps_a_value_with_several_keys() -> None:
    text = run("json-to-xml", {"root": "r", "declaration": False}, {"a": 1, "b": 2})

    assert text == "<r><a>1</a><b>2</b></r>"


def test_a_value_without_one_root_is_rejected() -> None:
    with pytest.raises(MessageRejectedError, match="one root element"):
        run("json-to-xml", {}, {"a": 1, "b": 2})


def test_xml_round_trips_through_json_with_namespaces() -> None:
    parsed = run("xml-to-json", {"namespaces": NAMESPACES}, ORDER_XML)
    written = run("json-to-xml", {}, parsed)

    assert run("xml-to-json", {"namespaces": NAMESPACES}, written) == parsed
