"""Contract documents read with the position of every key, and typed access that fails located.

A :class:`Node` is a value together with where it sits (document and path). Asking a node for
a field of the wrong type raises :class:`ContractStructureError` pointing at that field, so the
format mappers read like the specification and never crash on a malformed document.
"""

from __future__ import annotations

import bisect
import codecs
import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

from interloom.core.contracts.errors import (
    ContractError,
    ContractStructureError,
    ContractWarningCode,
)
from interloom.core.contracts.model import ContractWarning, SourceLocation
from interloom.core.contracts.schemas import escape_pointer_token
from interloom.core.errors import Location
from interloom.formats.contracts.yaml_nodes import parse_yaml

Path_ = tuple[str | int, ...]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes, file: str) -> str:
    """The text of a contract file: UTF-8, or UTF-16/32 with a byte order mark."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContractError(
            f"the file is not {encoding.upper().removesuffix('-SIG')} text "
            f"(byte 0x{data[error.start]:02x} at offset {error.start})",
            location=Location(file=file, line=line),
            hint="save the contract as UTF-8",
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ContractError(
            "the file holds a NUL character: it is binary, not a contract",
            location=Location(file=file, line=line),
        )
    return text


def pointer_of(path: Path_) -> str:
    """The JSON pointer of a path: ``("paths", "/pets", 0)`` → ``/paths/~1pets/0``."""
    return "".join(f"/{escape_pointer_token(token)}" for token in path)


def file_relative_to(base: str, relative: str) -> str:
    """``relative`` (a ``$ref`` file part) seen from the file ``base``, normalised."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), relative))


@dataclass(slots=True)
class Document:
    """Plain data of one YAML or JSON file, with the line and column of each key."""

    file: str
    """The file as users know it (relative to where they ran Interloom)."""
    relative: str
    """The file relative to the directory of the imported contract; keys loaded documents."""
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    _ids: dict[str, Path_] | None = None

    def locate(self, path: Path_) -> SourceLocation:
        """Where ``path`` is: the position of its key, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            position = self.positions.get(path[:end])
            if position is not None:
                return SourceLocation(
                    file=self.file, line=position[0], column=position[1], pointer=pointer_of(path)
                )
        return SourceLocation(file=self.file, pointer=pointer_of(path))

    @property
    def root(self) -> Node:
        """The whole document as a node."""
        return Node(self, (), self.data)


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_JSON_SPACE = " \t\r\n"


class _DuplicateKeyError(ValueError):
    """A JSON object names a key twice (JSON allows it; a contract may not)."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise _DuplicateKeyError
    return mapping


def _json_positions(text: str, data: Any) -> dict[Path_, tuple[int, int]]:
    """The position of each key of parsed JSON, found by scanning its strings in order.

    Every string followed by a colon is a key, and keys appear in the text in the order a
    depth-first walk of the data meets them; a list item sits where its first key does.
    """
    keys: list[int] = []
    for match in _JSON_STRING.finditer(text):
        end = match.end()
        while end < len(text) and text[end] in _JSON_SPACE:
            end += 1
        if end < len(text) and text[end] == ":":
            keys.append(match.start())
    line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
    positions: dict[Path_, tuple[int, int]] = {(): (1, 1)}
    entries: list[tuple[Path_, int]] = []  # a path, and the index of its key among all keys
    counted = 0

    def walk(value: Any, path: Path_) -> None:
        nonlocal counted
        if isinstance(value, dict):
            for key, item in value.items():
                entries.append(((*path, key), counted))
                counted += 1
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                first = counted
                walk(item, (*path, index))
                if counted > first:
                    entries.append(((*path, index), first))

    walk(data, ())
    if counted != len(keys):
        return positions  # cannot happen for valid JSON; the pointers still locate
    for path, index in entries:
        offset = keys[index]
        line = bisect.bisect_right(line_starts, offset)
        positions[path] = (line, offset - line_starts[line - 1] + 1)
    return positions


def _json_document(text: str, file: str, relative: str) -> Document | None:
    """JSON read strictly (``None`` when it names a key twice: YAML reports that located)."""
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs)
    except json.JSONDecodeError as error:
        raise ContractError(
            f"not valid JSON: {error.msg}",
            location=Location(file=file, line=error.lineno, column=error.colno),
        ) from None
    except _DuplicateKeyError:
        return None
    except RecursionError:
        raise ContractError(
            "not importable: the JSON is nested too deeply", location=Location(file=file)
        ) from None
    return Document(file, relative, data, _json_positions(text, data))


def read_document(data: bytes, file: str, relative: str | None = None) -> Document:
    """Parse a YAML or JSON contract file; a syntax error raises a located ContractError."""
    text = decode_text(data, file)
    relative = relative if relative is not None else posixpath.basename(file)
    looks_like_json = text.lstrip().startswith(("{", "["))
    if file.lower().endswith(".json") or looks_like_json:
        try:
            document = _json_document(text, file, relative)
        except ContractError:
            if file.lower().endswith(".json"):
                raise
            document = None  # JSON-looking YAML (a flow mapping): YAML decides
        if document is not None:
            return document
    try:
        data, positions = parse_yaml(text, file)
    except RecursionError:
        raise ContractError(
            "not importable: the YAML is nested too deeply", location=Location(file=file)
        ) from None
    return Document(file, relative, data, positions)


_TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
}


def describe(value: Any) -> str:
    """A value's kind as people say it: ``a mapping``, ``a list``, ``null``…"""
    if value is None:
        return "null"
    return next((name for kind, name in _TYPE_NAMES.items() if type(value) is kind), "a value")


@dataclass(frozen=True, slots=True)
class Node:
    """A value of a document together with its path: typed access that fails located."""

    document: Document
    path: Path_
    value: Any

    @property
    def pointer(self) -> str:
        """The JSON pointer of this node in its document."""
        return pointer_of(self.path)

    @property
    def location(self) -> SourceLocation:
        """Where this node is: file, line, column and pointer."""
        return self.document.locate(self.path)

    @property
    def key(self) -> str | int | None:
        """The last token of the path: the key or index of this node in its parent."""
        return self.path[-1] if self.path else None

    def fail(
        self, message: str, *, hint: str | None = None, error: type[ContractError] | None = None
    ) -> NoReturn:
        """Raise a located error about this node (a structure error unless told otherwise)."""
        cls = error or ContractStructureError
        raise cls(message, location=self.location.to_location(), hint=hint)

    def child(self, key: str | int) -> Node:
        """The node under ``key`` (its value ``None`` when absent)."""
        value = self.value.get(key) if isinstance(self.value, dict) else None
        if isinstance(self.value, list) and isinstance(key, int) and 0 <= key < len(self.value):
            value = self.value[key]
        return Node(self.document, (*self.path, key), value)

    def has(self, key: str) -> bool:
        """Whether this mapping has ``key``."""
        return isinstance(self.value, dict) and key in self.value

    def _typed(self, key: str, kind: type | tuple[type, ...], wanted: str, required: bool) -> Any:
        if not isinstance(self.value, dict) or key not in self.value or self.value[key] is None:
            if required:
                self.fail(f"'{key}' is required here", hint=f"add '{key}' ({wanted})")
            return None
        value = self.value[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.child(key).fail(f"'{key}' must be {wanted}, not {describe(value)}")
        return value

    def mapping(self, key: str, *, required: bool = False) -> Node | None:
        """The mapping under ``key``, or ``None`` when absent."""
        if self._typed(key, dict, "a mapping", required) is None:
            return None
        return self.child(key)

    def sequence(self, key: str, *, required: bool = False) -> Node | None:
        """The list under ``key``, or ``None`` when absent."""
        if self._typed(key, list, "a list", required) is None:
            return None
        return self.child(key)

    def text(self, key: str, *, required: bool = False) -> str | None:
        """The string under ``key``, or ``None`` when absent."""
        value: str | None = self._typed(key, str, "a string", required)
        return value

    def label(self, key: str, *, required: bool = False) -> str | None:
        """A string that YAML may have read as a number (``version: 1.0``), as text."""
        value = self._typed(key, (str, int, float), "a string", required)
        return None if value is None else str(value)

    def flag(self, key: str, default: bool = False) -> bool:
        """The boolean under ``key``, ``default`` when absent."""
        value = self._typed(key, bool, "true or false", False)
        return default if value is None else bool(value)

    def entries(self) -> Iterator[tuple[str, Node]]:
        """The keys and child nodes of this mapping (which must be a mapping)."""
        self.expect(dict)
        for key in self.value:
            yield str(key), self.child(key)

    def elements(self) -> Iterator[Node]:
        """The child nodes of this list (which must be a list)."""
        self.expect(list)
        for index in range(len(self.value)):
            yield self.child(index)

    def expect(self, kind: type) -> Node:
        """This node, after checking that its value is of ``kind``."""
        if not isinstance(self.value, kind) or (kind is int and isinstance(self.value, bool)):
            what = self.path[-1] if self.path else "the document"
            label = f"'{what}'" if self.path else what
            self.fail(f"{label} must be {_TYPE_NAMES.get(kind)}, not {describe(self.value)}")
        return self

    def strings(self, key: str) -> tuple[str, ...]:
        """The list of strings under ``key`` (empty when absent)."""
        node = self.sequence(key)
        return () if node is None else node.string_list()

    def string_list(self) -> tuple[str, ...]:
        """This list's strings (it must be a list of strings)."""
        return tuple(item.expect(str).value for item in self.elements())


@dataclass(slots=True)
class WarningList:
    """The warnings of one import, in the order found, without duplicates."""

    items: list[ContractWarning] = field(default_factory=list)

    def add(self, code: ContractWarningCode, message: str, location: SourceLocation | None) -> None:
        """Record a warning."""
        warning = ContractWarning(code=code, message=message, location=location)
        if warning not in self.items:
            self.items.append(warning)

    def at(self, node: Node, code: ContractWarningCode, message: str) -> None:
        """Record a warning about ``node``."""
        self.add(code, message, node.location)
