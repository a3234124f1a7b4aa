"""CSV and XML end to end: a CSV file's rows each delivered, an XML order typed by its XSD."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from .conftest import RecordingSink
from .processor_projects import post, running, status, write_project

DATA = Path(__file__).resolve().parents[2] / "data" / "processors"


async def test_each_csv_row_is_cleansed_and_delivered_as_a_message(
    tmp_path: Path, sink: RecordingSink
) -> None:
    flow = f"""\
        id: stock
        name: Stock file rows
        source:
          connector: http
          config: {{path: /stock}}
        steps:
          - id: rows
            kind: csv-parse
            config:
              source: file
              delimiter: ";"
              types: {{qty: integer, price: number, active: boolean}}
          - id: tidy
            kind: cleanse
            config:
              trim: true
              rules: [{{field: sku, rule: lower}}]
          - id: active-only
            kind: filter
            config: {{expression: active}}
        sinks:
          - connector: http
            config: {{url: "{sink.url}"}}
        """
    root = write_project(tmp_path, {"stock": textwrap.dedent(flow)})
    async with running(root) as runtime:
        response = await post(runtime, "/stock", {"file": (DATA / "orders.csv").read_text()})

        assert response.status_code == 202
        assert response.json()["messages"] == 1
        assert sink.bodies() == [
            {"sku": "kb-01", "qty": 2, "price": 49.9, "active": True, "note": "keyboard; black"}
        ]
        assert (await status(runtime, "stock")).delivered == 1


async def test_an_xml_order_is_typed_by_its_schema_and_written_back_as_xml(
    tmp_path: Path, sink: RecordingSink
) -> None:
    flow = f"""\
        id: xml-orders
        name: XML orders
        source:
          connector: http
          config: {{path: /xml}}
        steps:
          - id: parse
            kind: xml-to-json
            config:
              source: xml
              target: order
              schema: contracts/order.xsd
              namespaces: {{"urn:interloom:test:orders": o}}
          - id: total
            kind: set
            config:
              fields: {{total: "$sum(order.`o:order`.`o:line`.(`o:qty` * `o:price`))"}}
          - id: back
            kind: json-to-xml
            config: {{source: order, target: xml, declaration: false}}
        sinks:
          - connector: http
            config: {{url: "{sink.url}"}}
        """
    root = write_project(tmp_path, {"xml-orders": textwrap.dedent(flow)})
    (root / "contracts").mkdir()
    shutil.copy(DATA / "order.xsd", root / "contracts" / "order.xsd")
    async with running(root) as runtime:
        bad = (DATA / "order.xml").read_text().replace("<erp:qty>2", "<erp:qty>lots")
        rejected = await post(runtime, "/xml", {"xml": bad})
        response = await post(runtime, "/xml", {"xml": (DATA / "order.xml").read_text()})

        assert rejected.status_code == 422
        assert rejected.json()["details"][0]["pointer"] == "/o:order/o:line/o:qty"
        assert response.status_code == 202
        (body,) = sink.bodies()
        assert body["total"] == 99.8
        assert body["order"]["o:order"]["o:line"][0]["o:qty"] == 2
        assert body["xml"].startswith('<o:order xmlns:o="urn:interloom:test:orders" id="SO-1001">')
