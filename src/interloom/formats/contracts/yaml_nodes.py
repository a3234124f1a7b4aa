"""YAML (and JSON) read through ruamel's C composer, keeping the line and column of every key.

Contracts run to megabytes; the round-trip loader of ``formats.yaml_documents`` reads them ten
times slower than composing the node tree in C and building plain data from it here. Shared
anchors stay shared, so an alias bomb costs nothing to read and is refused by size before any
walk could expand it.
"""

from __future__ import annotations

import warnings
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from interloom.core.contracts.errors import ContractError
from interloom.core.errors import Location

Path_ = tuple[str | int, ...]
Positions = dict[Path_, tuple[int, int]]

MAX_EXPANDED_NODES = 2_000_000
"""Values a document may hold once its aliases are expanded (a YAML bomb has billions)."""

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_STRING = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"


def _mark(mark: Any) -> tuple[int | None, int | None]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _syntax_error(file: str, error: MarkedYAMLError) -> ContractError:
    line, column = _mark(error.problem_mark or error.context_mark)
    message = error.problem or "invalid YAML"
    hint = None
    if error.context and error.context.startswith("while ") and error.context_mark is not None:
        opened_line, opened_column = _mark(error.context_mark)
        hint = f"{error.context}, started at line {opened_line}, column {opened_column}"
    elif error.context:
        message = f"{error.context}, {message}"
    return ContractError(
        f"not valid YAML: {message}",
        location=Location(file=file, line=line, column=column),
        hint=hint,
    )


class _Builder:
    """Plain data and key positions from a composed node tree."""

    def __init__(self, yaml: YAML, file: str) -> None:
        self.constructor = yaml.constructor
        self.file = file
        self.positions: Positions = {(): (1, 1)}
        self._built: dict[int, Any] = {}
        self._sizes: dict[int, int] = {}
        self._open: set[int] = set()
        self.aliases = 0

    def size(self, node: Node) -> int:
        """How many values ``node`` holds with its aliases expanded (memoised per node)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in self._open:
            line, column = _position(node)
            raise ContractError(
                "not importable: an alias refers to the value that contains it",
                location=Location(file=self.file, line=line, column=column),
            )
        self._open.add(id(node))
        total = 1
        if isinstance(node, MappingNode):
            total += sum(self.size(key) + self.size(value) for key, value in node.value)
        elif isinstance(node, SequenceNode):
            total += sum(self.size(item) for item in node.value)
        self._open.discard(id(node))
        self._sizes[id(node)] = min(total, MAX_EXPANDED_NODES + 1)
        return self._sizes[id(node)]

    def build(self, node: Node, path: Path_) -> Any:
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if id(node) in self._built:  # an alias: the same value, its positions where defined
            self.aliases += 1
            return self._built[id(node)]
        if isinstance(node, SequenceNode):
            items: list[Any] = []
            self._built[id(node)] = items
            for index, child in enumerate(node.value):
                self.positions[(*path, index)] = _position(child)
                items.append(self.build(child, (*path, index)))
            return items
        mapping: dict[str, Any] = {}
        self._built[id(node)] = mapping
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self._merge(mapping, value_node, path)
                continue
            key = self._key(key_node)
            if key in mapping:
                line, column = _position(key_node)
                raise ContractError(
                    f"not valid YAML: duplicate key '{key}'",
                    location=Location(file=self.file, line=line, column=column),
                    hint="keys must be unique within a mapping",
                )
            self.positions[(*path, key)] = _position(key_node)
            mapping[key] = self.build(value_node, (*path, key))
        return mapping

    def _merge(self, mapping: dict[str, Any], node: Node, path: Path_) -> None:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            value = self.build(source, path)
            if isinstance(value, dict):
                for key, item in value.items():
                    mapping.setdefault(key, item)

    def _key(self, node: Node) -> str:
        if isinstance(node, ScalarNode):
            return str(self._scalar(node))
        return str(self.build(node, ()))

    def _scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag in (_STRING, _TIMESTAMP):
            return str(node.value)  # dates stay text: the contract's schema says what they are
        if tag == _NULL:
            return None
        constructor = self.constructor
        if tag == _INT:
            value = constructor.construct_yaml_int(node)
        elif tag == _FLOAT:
            value = constructor.construct_yaml_float(node)
        elif tag == _BOOL:
            value = constructor.construct_yaml_bool(node)
        else:
            value = constructor.construct_object(node, deep=True)
        if value is None or isinstance(value, bool | int | float | str):
            return value
        return str(value)


def _position(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _compose(yaml: YAML, text: str) -> Node | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a reused anchor: legal YAML 1.2
        node: Node | None = yaml.compose(text)
    return node


def parse_yaml(text: str, file: str) -> tuple[Any, Positions]:
    """The data of a YAML or JSON text and the position of each key; errors are located."""
    yaml = YAML(typ="safe", pure=False)
    try:
        node = _compose(yaml, text)
    except (YAMLError, ValueError, TypeError):
        # libyaml scans YAML 1.1: `[employees:write]` is an error there, not in YAML 1.2.
        yaml = YAML(typ="safe", pure=True)
        try:
            node = _compose(yaml, text)
        except MarkedYAMLError as error:
            raise _syntax_error(file, error) from None
        except (YAMLError, ValueError, TypeError) as error:
            reason = " ".join(str(error).split())
            raise ContractError(f"not valid YAML: {reason}", location=Location(file=file)) from None
    if node is None:
        raise ContractError("the file is empty", location=Location(file=file, line=1, column=1))
    builder = _Builder(yaml, file)
    try:
        data = builder.build(node, ())
    except (YAMLError, ValueError, TypeError) as error:
        reason = " ".join(str(error).split())
        raise ContractError(f"not valid YAML: {reason}", location=Location(file=file)) from None
    # Shared values are walked once per use later on: refuse a document that explodes.
    if builder.aliases and builder.size(node) > MAX_EXPANDED_NODES:
        raise ContractError(
            "not importable: its aliases expand to more than "
            f"{MAX_EXPANDED_NODES:,} values (a YAML bomb?)",
            location=Location(file=file, line=1, column=1),
        )
    return data, builder.positions
