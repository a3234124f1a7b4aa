"""Lines of pointers the canonical model does not keep: YAML, JSON, GraphQL SDL, WSDL."""

from __future__ import annotations

from pathlib import Path

import pytest

from interloom.core.contracts.model import SourceLocation
from interloom.formats.contracts.documents import pointer_of, read_document
from interloom.formats.contracts.source_lines import SourceLines

YAML = b"""openapi: 3.1.0
components:
  schemas:
    Customer:
      type: object
      properties:
        email:
          type: string
          maxLength: 254
"""
JSON = b'{"definitions": {"Item": {"properties": {"tags": {"items": {"enum": ["a", "b"]}}}}}}'
SDL = b"""type Ticket {
  id: ID!
  assignee(team: String): Agent
}

enum Priority {
  LOW
  HIGH
}
"""
WSDL = b"""<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <types>
    <xsd:schema targetNamespace="urn:t">
      <xsd:element name="Order">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="Sku" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </types>
</definitions>
"""
FILES = {"api.yaml": YAML, "api.json": JSON, "api.graphql": SDL, "api.wsdl": WSDL}


def _locate(file: str, pointer: str, line: int | None = None) -> SourceLocation:
    return SourceLines(FILES.get).locate(SourceLocation(file=file, line=line, pointer=pointer))


def test_yaml_and_json_pointers() -> None:
    found = _locate("api.yaml", "/components/schemas/Customer/properties/email/maxLength", 4)

    assert (found.line, found.column) == (9, 11)
    assert found.pointer == "/components/schemas/Customer/properties/email/maxLength"
    assert _locate("api.json", "/definitions/Item/properties/tags/items/enum").line == 1


def test_a_pointer_that_goes_nowhere_keeps_its_nearest_ancestor() -> None:
    found = _locate("api.yaml", "/components/schemas/Customer/properties/phone/pattern", 4)

    assert found.line == 6  # `properties:` of Customer


def test_graphql_fields_arguments_and_enum_values() -> None:
    assert _locate("api.graphql", "/Ticket/assignee").line == 3
    assert _locate("api.graphql", "/Ticket/assignee/team").line == 3
    assert _locate("api.graphql", "/Priority/HIGH").line == 8
    assert _locate("api.graphql", "/Ticket/nothing").line == 1


def test_wsdl_elements_inside_types() -> None:
    assert _locate("api.wsdl", "/types/element/Order/Sku").line == 7
    assert _locate("api.wsdl", "/types/element/Order").line == 4


def test_unknown_or_unreadable_files_keep_the_location() -> None:
    location = SourceLocation(file="missing.yaml", line=3, pointer="/a")

    assert SourceLines(FILES.get).locate(location) == location
    broken = SourceLines({"x.yaml": b"a: [\n"}.get)
    assert broken.locate(SourceLocation(file="x.yaml", line=2, pointer="/a")).line == 2


def _yaml_files() -> list[Path]:
    root = Path(__file__).resolve().parents[4]
    found = [
        *sorted((root / "tests" / "data" / "contracts").rglob("*.yaml")),
        *sorted((root / "examples" / "retail" / "contracts").rglob("*.yaml")),
    ]
    return [path for path in found if "malformed" not in path.parts]


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda path: path.name)
def test_the_yaml_scanner_agrees_with_the_yaml_parser_on_every_key(path: Path) -> None:
    """Exactly, except inside flow collections (``{a: 1}``), located at their key instead."""
    data = path.read_bytes()
    text = data.decode("utf-8").splitlines()
    document = read_document(data, path.name)
    lines = SourceLines({path.name: data}.get)

    for key_path, position in document.positions.items():
        if not key_path or isinstance(key_path[-1], int):
            continue  # list items: the parser notes their first key, the scanner their dash
        pointer = pointer_of(key_path)
        found = lines.locate(SourceLocation(file=path.name, pointer=pointer))
        if (found.line, found.column) == position:
            continue
        ancestors = [key_path[:end] for end in range(1, len(key_path))]
        keys = [document.positions.get(a) for a in ancestors if not isinstance(a[-1], int)]
        items = [document.positions.get(a, (0, 0))[0] for a in ancestors if isinstance(a[-1], int)]
        assert (found.line, found.column) in keys or found.line in items, pointer
        assert found.line is not None
        assert "{" in text[found.line - 1] or "[" in text[found.line - 1], pointer
