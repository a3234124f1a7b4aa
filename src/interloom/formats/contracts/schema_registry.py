"""Schemas of any contract dialect as JSON Schema 2020-12, named in one registry.

Every ``$ref`` becomes ``#/components/schemas/NAME``: the target is registered once under a
stable name (its component name, its file's stem, or the end of its pointer) and converted
from a work queue, so recursive schemas stay references and never loop. Dialect differences
are normalised on the way: OpenAPI 3.0 ``nullable`` becomes a type union, boolean
``exclusiveMinimum`` a number, ``example`` an ``examples`` list, Swagger ``type: file`` a
binary string, draft-07 ``definitions`` ``$defs`` and array ``items`` ``prefixItems``.
"""

from __future__ import annotations

import re
from collections import deque
from enum import StrEnum
from typing import Any

import jsonschema_rs

from interloom.core.contracts.errors import ContractWarningCode
from interloom.core.contracts.model import JsonSchema, NamedSchema
from interloom.core.contracts.schemas import (
    SCHEMA_REF_PREFIX,
    SUBSCHEMA_KEYWORDS,
    SUBSCHEMA_LIST_KEYWORDS,
    SUBSCHEMA_MAP_KEYWORDS,
)
from interloom.formats.contracts.documents import Document, Node, Path_, WarningList
from interloom.formats.contracts.references import References, file_stem


class Dialect(StrEnum):
    """The schema language a contract writes its schemas in."""

    SWAGGER_2 = "swagger-2.0"
    OPENAPI_30 = "openapi-3.0"
    OPENAPI_31 = "openapi-3.1"
    DRAFT_04 = "draft-04"
    DRAFT_07 = "draft-07"
    DRAFT_2019_09 = "2019-09"
    DRAFT_2020_12 = "2020-12"
    ASYNCAPI = "asyncapi"


_NULLABLE_DIALECTS = frozenset({Dialect.SWAGGER_2, Dialect.OPENAPI_30})
_BOOLEAN_EXCLUSIVE = frozenset(  # draft-04 style: exclusiveMinimum qualifies minimum
    {Dialect.SWAGGER_2, Dialect.OPENAPI_30, Dialect.DRAFT_04, Dialect.DRAFT_07, Dialect.ASYNCAPI}
)
_ANNOTATIONS = (
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
)
_REGISTRY_PARENTS = (("components", "schemas"), ("definitions",), ("$defs",))
_GENERIC_TOKENS = frozenset(
    {"schema", "items", "properties", "content", "additionalProperties", "payload", "headers"}
)
_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


def _name_for(document: Document, path: Path_) -> str:
    """A readable registry name for the schema at ``path``."""
    for parent in _REGISTRY_PARENTS:
        if len(path) == len(parent) + 1 and path[: len(parent)] == parent:
            return _clean(str(path[-1]))
    if not path:
        return _clean(file_stem(document.relative))
    if len(path) > 3 and path[0] == "paths":  # inside an operation: `listReturns_200_items`
        operation = document.data["paths"][path[1]][path[2]]
        wanted = operation.get("operationId") if isinstance(operation, dict) else None
        base = wanted if isinstance(wanted, str) else f"{path[2]}{path[1]}"
        tail = [
            str(t)
            for t in path[3:]
            if "/" not in str(t) and str(t) not in _GENERIC_TOKENS and t != "responses"
        ]
        return _clean("_".join([base, *tail]))
    tokens: list[str] = []
    for token in reversed(path):
        tokens.insert(0, str(token))
        if not str(token).isdigit() and str(token) not in _GENERIC_TOKENS:
            break
    return _clean("_".join(tokens))


def _clean(name: str) -> str:
    return _NAME_CHARACTERS.sub("_", name).strip("_") or "Schema"


class SchemaRegistry:
    """Collects the schemas of one import under stable names, converting each once."""

    def __init__(self, references: References, warnings: WarningList, dialect: Dialect) -> None:
        self.references = references
        self.warnings = warnings
        self.dialect = dialect
        self._names: dict[tuple[str, Path_], str] = {}
        self._taken: set[str] = set()
        self._pending: deque[tuple[str, Node, Dialect]] = deque()
        self._schemas: dict[str, NamedSchema] = {}

    def declare(self, name: str, node: Node, dialect: Dialect | None = None) -> str:
        """Register the component schema ``node`` under ``name``; returns the name it got."""
        key = (node.document.relative, node.path)
        if key in self._names:
            return self._names[key]
        target = self._external_alias(node)
        if target is not None:
            # `Customer: {$ref: schemas/customer.yaml}` names that file's schema `Customer`.
            target_key = (target.document.relative, target.path)
            if target_key in self._names:
                self._names[key] = self._names[target_key]
                return self._names[key]
            registered = self._reserve(_clean(name), node)
            self._names[key] = self._names[target_key] = registered
            self._pending.append((registered, target, dialect or self.dialect))
            return registered
        registered = self._reserve(_clean(name), node)
        self._names[key] = registered
        self._pending.append((registered, node, dialect or self.dialect))
        return registered

    def _external_alias(self, node: Node) -> Node | None:
        """What a component that is only a ``$ref`` into another file points at."""
        value = node.value
        if not (isinstance(value, dict) and len(value) == 1 and isinstance(value.get("$ref"), str)):
            return None
        if value["$ref"].startswith("#"):
            return None
        target = self.references.target(value["$ref"], node.child("$ref"))
        return target if target.document is not node.document else None

    def _reserve(self, name: str, node: Node) -> str:
        registered, counter = name, 1
        while registered in self._taken:
            counter += 1
            registered = f"{name}_{counter}"
        if registered != name:
            self.warnings.at(
                node,
                ContractWarningCode.SCHEMA_RENAMED,
                f"schema '{name}' of {node.document.file} is registered as '{registered}': "
                "another schema already has its name",
            )
        self._taken.add(registered)
        return registered

    def reference(self, ref: str, at: Node, dialect: Dialect) -> str:
        """The registry ``$ref`` for ``ref`` written at ``at``; registers its target."""
        target = self.references.target(ref, at)
        key = (target.document.relative, target.path)
        if key not in self._names:
            self.declare(self._name_for(target), target, dialect)
        return SCHEMA_REF_PREFIX + self._names[key]

    def _name_for(self, target: Node) -> str:
        """A name for a schema reached by pointer: its component name, or where it sits."""
        name = _name_for(target.document, target.path)
        for end in range(len(target.path) - 1, -1, -1):
            owner = self._names.get((target.document.relative, target.path[:end]))
            if owner is not None:  # inside a registered schema: `Customer_id`
                tail = [
                    str(t)
                    for t in target.path[end:]
                    if str(t) not in _GENERIC_TOKENS and str(t) not in ("definitions", "$defs")
                ]
                return _clean("_".join([owner, *tail]))
        return name

    def convert(self, node: Node, dialect: Dialect | None = None) -> JsonSchema:
        """``node`` (a schema of the contract) as a canonical JSON Schema 2020-12."""
        dialect = dialect or self.dialect
        schema = self._convert(node, dialect)
        self._check(schema, node)
        return schema

    def build(self) -> dict[str, NamedSchema]:
        """Convert every registered schema (and what they refer to); the registry in order."""
        while self._pending:
            name, node, dialect = self._pending.popleft()
            schema = self._convert(node, dialect)
            if node.path == () and isinstance(node.value, dict):
                # A whole-file JSON Schema: its $defs are registry entries of their own now.
                schema.pop("$defs", None)
            self._check(schema, node)
            self._schemas[name] = NamedSchema(name=name, json_schema=schema, location=node.location)
        order = {name: index for index, name in enumerate(self._names.values())}
        return dict(sorted(self._schemas.items(), key=lambda item: order[item[0]]))

    def _check(self, schema: JsonSchema, node: Node) -> None:
        try:
            jsonschema_rs.meta.validate(schema)
        except jsonschema_rs.ValidationError as error:
            where = Node(node.document, (*node.path, *error.instance_path), None)
            self.warnings.at(
                where,
                ContractWarningCode.INVALID_SCHEMA,
                f"not a valid JSON Schema: {error.message}",
            )
        except (ValueError, jsonschema_rs.ReferencingError) as error:
            self.warnings.at(
                node, ContractWarningCode.INVALID_SCHEMA, f"not a valid JSON Schema: {error}"
            )

    def _convert(self, node: Node, dialect: Dialect) -> JsonSchema:
        value = node.value
        if isinstance(value, bool):  # a whole schema must be an object: true/false spelled out
            return {} if value else {"not": {}}
        return self._object(node, dialect)

    def _nested(self, node: Node, dialect: Dialect) -> JsonSchema | bool:
        """A subschema; booleans stay booleans, as 2020-12 allows."""
        return node.value if isinstance(node.value, bool) else self._object(node, dialect)

    def _object(self, node: Node, dialect: Dialect) -> JsonSchema:
        value = node.value
        if not isinstance(value, dict):
            node.expect(dict)
        out: JsonSchema = {}
        for key, raw in value.items():
            child = node.child(key)
            if key == "$ref":
                if not isinstance(raw, str):
                    child.fail("'$ref' must be a string")
                out["$ref"] = self.reference(raw, child, dialect)
            elif key in SUBSCHEMA_KEYWORDS or key == "additionalItems":
                self._subschema(out, key, child, value, dialect)
            elif key in SUBSCHEMA_LIST_KEYWORDS:
                out[key] = [self._nested(item, dialect) for item in child.expect(list).elements()]
            elif key in SUBSCHEMA_MAP_KEYWORDS or key == "definitions":
                target = "$defs" if key == "definitions" else key
                out.setdefault(target, {}).update(
                    {name: self._nested(item, dialect) for name, item in child.entries()}
                )
            elif key == "dependencies":
                self._dependencies(out, child, dialect)
            elif key == "discriminator":
                out[key] = self._discriminator(child, dialect)
            elif key == "example":
                out["examples"] = [*out.get("examples", []), raw]
            elif key == "examples" and isinstance(raw, list):
                out["examples"] = [*raw, *out.get("examples", [])]
            elif key == "$recursiveRef":
                out[key] = raw
                self.warnings.at(
                    child,
                    ContractWarningCode.UNSUPPORTED_FEATURE,
                    "$recursiveRef is kept as written; it does not resolve through the registry",
                )
            elif key == "id" and dialect is Dialect.DRAFT_04 and isinstance(raw, str):
                continue  # draft-04's $id
            elif key in ("$id", "$schema") or (
                key in ("nullable", "x-nullable") and (dialect in _NULLABLE_DIALECTS)
            ):
                continue  # $id would re-base the registry refs; nullable is applied below
            elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(raw, bool):
                if dialect in _BOOLEAN_EXCLUSIVE:
                    bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                    if raw and isinstance(value.get(bound), int | float):
                        out[key] = value[bound]
                else:
                    out[key] = raw
            elif key == "type" and raw == "file" and dialect is Dialect.SWAGGER_2:
                out["type"] = "string"
                out.setdefault("format", "binary")
            else:
                out[key] = raw
        for key in ("minimum", "maximum"):
            exclusive = "exclusiveMinimum" if key == "minimum" else "exclusiveMaximum"
            if dialect in _BOOLEAN_EXCLUSIVE and value.get(exclusive) is True and key in out:
                del out[key]  # now carried by the numeric exclusive bound
        if dialect in _NULLABLE_DIALECTS and (
            value.get("nullable") is True or value.get("x-nullable") is True
        ):
            out = _nullable(out)
        return out

    def _subschema(
        self, out: JsonSchema, key: str, child: Node, parent: dict[str, Any], dialect: Dialect
    ) -> None:
        if key == "items" and isinstance(child.value, list):
            out["prefixItems"] = [self._nested(item, dialect) for item in child.elements()]
            return
        if key == "additionalItems":
            if isinstance(parent.get("items"), list):
                out["items"] = self._nested(child, dialect)
            return  # beside a single items schema, additionalItems had no effect
        out[key] = self._nested(child, dialect)

    def _dependencies(self, out: JsonSchema, node: Node, dialect: Dialect) -> None:
        for name, item in node.entries():
            if isinstance(item.value, list):
                names = [entry.expect(str).value for entry in item.elements()]
                out.setdefault("dependentRequired", {})[name] = names
            else:
                out.setdefault("dependentSchemas", {})[name] = self._nested(item, dialect)

    def _discriminator(self, node: Node, dialect: Dialect) -> dict[str, Any]:
        if isinstance(node.value, str):  # Swagger 2.0: the property name alone
            return {"propertyName": node.value}
        node.expect(dict)
        out = dict(node.value)
        mapping = node.mapping("mapping")
        if mapping is not None:
            converted: dict[str, str] = {}
            for value, target in mapping.entries():
                ref = target.expect(str).value
                if "#" not in ref and "/" not in ref and "." not in ref:
                    ref = SCHEMA_REF_PREFIX + ref  # a bare schema name
                converted[value] = self.reference(ref, target, dialect)
            out["mapping"] = converted
        return out


def _nullable(schema: JsonSchema) -> JsonSchema:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list):
        if "null" not in kind:
            schema["type"] = [*kind, "null"]
    else:
        annotations = {key: schema.pop(key) for key in _ANNOTATIONS if key in schema}
        return {"anyOf": [schema, {"type": "null"}], **annotations}
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


__all__ = ["Dialect", "SchemaRegistry"]
