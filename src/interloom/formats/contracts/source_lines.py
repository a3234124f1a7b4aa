"""The line and column of a pointer in a contract document, for locations the model lacks.

The canonical model keeps the line of operations, parameters, bodies and named schemas; a
keyword deep inside a schema only has its JSON pointer. :class:`SourceLines` reads a document
again (once, on demand) and finds the line of any pointer: YAML by scanning the indentation of
only the blocks the pointer walks through (parsing a 2 MB file again would cost as much as
importing it), JSON by its key positions, GraphQL SDL by its definitions, fields, arguments
and enum values, WSDL and XSD by their element names.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

from graphql import GraphQLError
from graphql.language import parse as parse_sdl
from graphql.language.ast import DocumentNode, Node

from interloom.core.contracts.errors import ContractError
from interloom.core.contracts.model import SourceLocation
from interloom.formats.contracts.detect import SDL_EXTENSIONS, XML_EXTENSIONS
from interloom.formats.contracts.documents import Document, decode_text, read_document
from interloom.formats.contracts.xml_documents import XmlDocument, read_xml

Positions = Callable[[str], tuple[int, int] | None]
_XSD = "{http://www.w3.org/2001/XMLSchema}"
_XSD_KINDS = {"complexType": "type", "simpleType": "type", "element": "element"}


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _document_positions(document: Document) -> Positions:
    def find(pointer: str) -> tuple[int, int] | None:
        node: Any = document.data
        path: list[str | int] = []
        for raw in pointer.split("/")[1:] if pointer else ():
            token = _unescape(raw)
            if isinstance(node, list) and token.isdigit() and int(token) < len(node):
                path.append(int(token))
                node = node[int(token)]
            elif isinstance(node, dict) and token in node:
                path.append(token)
                node = node[token]
            else:
                break
        found = document.locate(tuple(path))
        return (found.line, found.column or 1) if found.line is not None else None

    return find


_KEY = re.compile(
    r"""(?:'((?:[^']|'')*)'|"((?:[^"\\]|\\.)*)"|([^\s#'"?&*!|>{\[-][^#]*?|-[^\s#][^#]*?))\s*:(?:\s|$)"""
)
_NODE = tuple[int, int]
"""A node of a block YAML document: the line index of its key (or dash) and its column."""


class _YamlBlocks:
    """Children of block-YAML nodes, found from indentation alone and indexed block by block.

    Flow collections (``{a: 1}``), aliases and complex keys end the walk: the pointer is then
    located at its deepest ancestor found, which is never wrong, only less precise.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._children: dict[_NODE, dict[str, _NODE]] = {}

    @staticmethod
    def _indent(line: str) -> int:
        return len(line) - len(line.lstrip(" "))

    def _content(self, index: int) -> bool:
        stripped = self.lines[index].strip()
        return bool(stripped) and not stripped.startswith("#")

    def _key(self, text: str) -> tuple[str, str] | None:
        """The key at the start of ``text`` and what follows its colon."""
        match = _KEY.match(text)
        if match is None:
            return None
        single, double, plain = match.groups()
        key = (
            single.replace("''", "'")
            if single is not None
            else double
            if double is not None
            else plain
        )
        return key, text[match.end() :].strip()

    def _block(self, start: int, parent_indent: int) -> dict[str, _NODE]:
        """The keys or items of the block that starts below line ``start``."""
        found: dict[str, _NODE] = {}
        first = next((i for i in range(start + 1, len(self.lines)) if self._content(i)), None)
        if first is None:
            return found
        indent = self._indent(self.lines[first])
        sequence = (
            self.lines[first].lstrip(" ").startswith("- ") or self.lines[first].strip() == "-"
        )
        if indent < parent_indent or (indent == parent_indent and not sequence):
            return found
        count = 0
        for index in range(first, len(self.lines)):
            if not self._content(index):
                continue
            line = self.lines[index]
            here = self._indent(line)
            if here < indent or (here == parent_indent and not line.lstrip(" ").startswith("-")):
                break
            if here != indent:
                continue
            if sequence:
                if not line.lstrip(" ").startswith("-"):
                    break
                found[str(count)] = (index, here)
                count += 1
            else:
                key = self._key(line[here:])
                if key is not None:
                    found.setdefault(key[0], (index, here))
        return found

    def children(self, node: _NODE | None) -> dict[str, _NODE]:
        """The children of ``node`` (``None``: the document)."""
        key = node or (-1, -1)
        if key in self._children:
            return self._children[key]
        if node is None:
            found = self._block(-1, -1)
        else:
            index, column = node
            text = self.lines[index][column:]
            if text.startswith("-"):  # a sequence item: its mapping starts after the dash
                rest = text[1:].lstrip(" ")
                item_column = len(self.lines[index]) - len(rest)
                entry = self._key(rest) if rest else None
                if not rest:
                    found = self._block(index, column)
                elif entry is None:
                    found = {}
                else:
                    found = {entry[0]: (index, item_column)}
                    for sibling, place in self._block(index, item_column - 1).items():
                        if place[1] == item_column:
                            found.setdefault(sibling, place)
            else:
                entry = self._key(text)
                value = entry[1] if entry else "x"
                block = (
                    not value
                    or value.startswith("#")
                    or (value.startswith("&") and " " not in value.split("#")[0].strip())
                )
                found = self._block(index, column) if block else {}
        self._children[key] = found
        return found

    def find(self, pointer: str) -> tuple[int, int] | None:
        node: _NODE | None = None
        for raw in pointer.split("/")[1:] if pointer else ():
            found = self.children(node).get(_unescape(raw))
            if found is None:
                break
            node = found
        return (node[0] + 1, node[1] + 1) if node is not None else None


def _sdl_positions(text: str) -> Positions:
    table: dict[str, tuple[int, int]] = {}

    def mark(key: str, node: Node) -> None:
        if node.loc is not None:
            table.setdefault(key, (node.loc.start_token.line, node.loc.start_token.column))

    document: DocumentNode = parse_sdl(text)
    for definition in document.definitions:
        name = getattr(getattr(definition, "name", None), "value", None)
        if name is None:
            continue
        mark(f"/{name}", definition)
        for field in getattr(definition, "fields", None) or ():
            mark(f"/{name}/{field.name.value}", field)
            for argument in getattr(field, "arguments", None) or ():
                mark(f"/{name}/{field.name.value}/{argument.name.value}", argument)
        for value in getattr(definition, "values", None) or ():
            mark(f"/{name}/{value.name.value}", value)

    def find(pointer: str) -> tuple[int, int] | None:
        key = pointer
        while key:
            if key in table:
                return table[key]
            key = key.rsplit("/", 1)[0]
        return None

    return find


def _xml_positions(document: XmlDocument) -> Positions:
    """``/types/type/Invoice/Lines`` → the ``<xsd:element name="Lines">`` inside that type."""
    components: dict[tuple[str, str], Element] = {}
    for schema in document.root.iter(f"{_XSD}schema"):
        for child in schema:
            kind = _XSD_KINDS.get(str(child.tag).removeprefix(_XSD))
            name = child.get("name")
            if kind is not None and name:
                components.setdefault((kind, name), child)

    def find(pointer: str) -> tuple[int, int] | None:
        tokens = pointer.split("/")[1:]
        if len(tokens) < 3 or tokens[0] != "types":
            return None
        node = components.get((tokens[1], tokens[2]))
        if node is None:
            return None
        for name in tokens[3:]:
            below = next(
                (
                    e
                    for e in node.iter()
                    if e is not node
                    and (
                        (e.tag in (f"{_XSD}element", f"{_XSD}attribute") and e.get("name") == name)
                        or (e.tag == f"{_XSD}enumeration" and e.get("value") == name)
                    )
                ),
                None,
            )
            if below is None:
                break
            node = below
        return document.positions.get(id(node))

    return find


class SourceLines:
    """Finds lines of pointers in the files of contracts; ``read(file)`` gives their bytes."""

    def __init__(self, read: Callable[[str], bytes | None]) -> None:
        self._read = read
        self._found: dict[str, Positions | None] = {}
        self._located: dict[SourceLocation, SourceLocation] = {}

    def _positions(self, file: str) -> Positions | None:
        if file in self._found:
            return self._found[file]
        positions: Positions | None = None
        data = self._read(file)
        extension = posixpath.splitext(file.lower())[1]
        if data is not None:
            try:
                if extension in XML_EXTENSIONS:
                    positions = _xml_positions(read_xml(decode_text(data, file), file, file))
                elif extension in SDL_EXTENSIONS:
                    positions = _sdl_positions(decode_text(data, file))
                elif extension in (".yaml", ".yml") and not data.lstrip().startswith(b"{"):
                    positions = _YamlBlocks(decode_text(data, file)).find
                else:
                    positions = _document_positions(read_document(data, file))
            except (ContractError, GraphQLError, RecursionError):
                positions = None
        self._found[file] = positions
        return positions

    def locate(self, location: SourceLocation) -> SourceLocation:
        """``location`` with the line and column of its pointer, when the file tells them."""
        if not location.pointer:
            return location
        known = self._located.get(location)
        if known is not None:
            return known
        positions = self._positions(location.file)
        found = positions(location.pointer) if positions else None
        located = location
        if found is not None and (location.line is None or found[0] >= location.line):
            located = location.model_copy(update={"line": found[0], "column": found[1]})
        self._located[location] = located
        return located


__all__ = ["SourceLines"]
