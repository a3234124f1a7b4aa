"""Reading JSON Schema keywords the way the diff compares them: types, nulls, refs, bounds."""

from __future__ import annotations

import json
from typing import Any

from interloom.core.contracts.diff.changes import Emitter, Item, Spot, below
from interloom.core.contracts.model import JsonSchema
from interloom.core.contracts.schemas import schema_ref_name

MISSING: Any = object()
"""Stands for an absent keyword where ``None`` is a value (``default: null``)."""
# Implicit types: a schema with properties is an object, one with items an array.
OBJECT_KEYWORDS = ("properties", "required", "additionalProperties", "patternProperties")
BOUNDS = (
    # keyword, kind stem, whether a larger value is looser
    ("maximum", "max", True),
    ("exclusiveMaximum", "exclusive-max", True),
    ("minimum", "min", False),
    ("exclusiveMinimum", "exclusive-min", False),
    ("maxLength", "max-length", True),
    ("minLength", "min-length", False),
    ("maxItems", "max-items", True),
    ("minItems", "min-items", False),
)


def value_key(value: Any) -> Any:
    """A hashable key under which JSON-equal values are equal (``1 == 1.0``, ``True != 1``)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", float(value))
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z",)
    return ("j", json.dumps(value, sort_keys=True, default=str))


def as_schema(value: Any) -> JsonSchema:
    if value is True or value is None:
        return {}
    if value is False:
        return {"not": {}}
    return value if isinstance(value, dict) else {}


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def unwrap_null(schema: JsonSchema) -> tuple[JsonSchema, bool]:
    """``anyOf: [X, {type: null}]`` (how nullable refs are written) as ``(X, True)``."""
    for keyword in ("anyOf", "oneOf"):
        members = schema.get(keyword)
        if isinstance(members, list) and len(members) == 2:
            nulls = [m for m in members if _is_null_schema(m)]
            if len(nulls) == 1:
                inner = next(m for m in members if not _is_null_schema(m))
                if isinstance(inner, dict):
                    extra = {k: v for k, v in schema.items() if k != keyword}
                    return ({**extra, **inner} if extra else inner), True
    return schema, False


def ref_of(schema: JsonSchema) -> str | None:
    """The registry name a schema refers to, when it is (mostly) a ``$ref``."""
    ref = schema.get("$ref")
    return schema_ref_name(ref) if isinstance(ref, str) else None


def types_of(schema: JsonSchema) -> frozenset[str] | None:
    """The JSON types a schema allows, ``null`` aside; ``None`` when it does not say."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return frozenset((kind,)) - {"null"}
    if isinstance(kind, list):
        return frozenset(k for k in kind if isinstance(k, str)) - {"null"}
    if any(keyword in schema for keyword in OBJECT_KEYWORDS):
        return frozenset(("object",))
    if "items" in schema or "prefixItems" in schema:
        return frozenset(("array",))
    return None


def has_null_type(schema: JsonSchema) -> bool:
    kind = schema.get("type")
    return kind == "null" or (isinstance(kind, list) and "null" in kind)


def type_text(types: frozenset[str] | None, fmt: Any) -> str:
    """``string (date)``, ``integer|string``, ``any``."""
    text = "|".join(sorted(types)) if types else "any"
    return f"{text} ({fmt})" if isinstance(fmt, str) else text


def type_change(
    old: frozenset[str] | None, old_format: Any, new: frozenset[str] | None, new_format: Any
) -> str | None:
    if old == new:
        if old_format == new_format:
            return None
        if old_format is None:
            return "type-specialized"
        if new_format is None:
            return "type-generalized"
        return "type-changed"
    if old is None:
        return "type-specialized"
    if new is None:
        return "type-generalized"
    if len(old) == 1 and len(new) == 1:
        pair = (next(iter(old)), next(iter(new)))
        if pair == ("integer", "number"):
            return "type-generalized"
        if pair == ("number", "integer"):
            return "type-specialized"
        return "type-changed"
    if new > old:
        return "list-of-types-widened"
    if new < old:
        return "list-of-types-narrowed"
    return "type-changed"


def disjoint(old: frozenset[str] | None, new: frozenset[str] | None) -> bool:
    if old is None or new is None:
        return False
    numbers = {"integer", "number"}
    widen = {*old, *(numbers if old & numbers else ())}
    return not (widen & {*new, *(numbers if new & numbers else ())})


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def closed(schema: JsonSchema) -> bool:
    extra = schema.get("additionalProperties", MISSING)
    if extra is False or (isinstance(extra, dict) and extra == {"not": {}}):
        return True
    return schema.get("unevaluatedProperties", MISSING) is False


def compare_values(
    old: JsonSchema, new: JsonSchema, old_spot: Spot, new_spot: Spot, emit: Emitter
) -> None:
    old_enum, new_enum = old.get("enum"), new.get("enum")
    if isinstance(old_enum, list) and isinstance(new_enum, list):
        old_keys = {value_key(v): (i, v) for i, v in enumerate(old_enum) if v is not None}
        new_keys = {value_key(v): (i, v) for i, v in enumerate(new_enum) if v is not None}
        for key, (index, value) in old_keys.items():
            if key not in new_keys:
                emit(
                    "enum-value-removed",
                    below(old_spot, "enum", Item(index, value)),
                    below(new_spot, "enum"),
                    value,
                    None,
                )
        for key, (index, value) in new_keys.items():
            if key not in old_keys:
                emit(
                    "enum-value-added",
                    below(old_spot, "enum"),
                    below(new_spot, "enum", Item(index, value)),
                    None,
                    value,
                )
    elif isinstance(new_enum, list) and "const" not in old:
        values = [v for v in new_enum if v is not None]
        emit("became-enum", old_spot, below(new_spot, "enum"), None, values)
    for keyword, stem in (("const", "const"), ("default", "default-value")):
        old_value, new_value = old.get(keyword, MISSING), new.get(keyword, MISSING)
        if old_value is MISSING and new_value is MISSING:
            continue
        if old_value is MISSING:
            emit(f"{stem}-added", old_spot, below(new_spot, keyword), None, new_value)
        elif new_value is MISSING:
            emit(f"{stem}-removed", below(old_spot, keyword), new_spot, old_value, None)
        elif value_key(old_value) != value_key(new_value):
            emit(
                f"{stem}-changed",
                below(old_spot, keyword),
                below(new_spot, keyword),
                old_value,
                new_value,
            )
    old_pattern, new_pattern = old.get("pattern"), new.get("pattern")
    if old_pattern != new_pattern:
        if old_pattern is None:
            emit("pattern-added", old_spot, below(new_spot, "pattern"), None, new_pattern)
        elif new_pattern is None:
            emit("pattern-removed", below(old_spot, "pattern"), new_spot, old_pattern, None)
        else:
            emit(
                "pattern-changed",
                below(old_spot, "pattern"),
                below(new_spot, "pattern"),
                old_pattern,
                new_pattern,
            )


def compare_bounds(
    old: JsonSchema, new: JsonSchema, old_spot: Spot, new_spot: Spot, emit: Emitter
) -> None:
    for keyword, stem, larger_is_looser in BOUNDS:
        old_value, new_value = number(old.get(keyword)), number(new.get(keyword))
        if old_value == new_value:
            continue
        if old_value is None:
            kind = f"{stem}-set"
        elif new_value is None:
            kind = f"{stem}-unset"
        elif (new_value > old_value) == larger_is_looser:
            kind = f"{stem}-increased" if larger_is_looser else f"{stem}-decreased"
        else:
            kind = f"{stem}-decreased" if larger_is_looser else f"{stem}-increased"
        emit(
            kind,
            below(old_spot, keyword) if old_value is not None else old_spot,
            below(new_spot, keyword) if new_value is not None else new_spot,
            old.get(keyword),
            new.get(keyword),
            detail=keyword,
        )


def compare_xml(
    old: JsonSchema, new: JsonSchema, old_spot: Spot, new_spot: Spot, emit: Emitter
) -> None:
    old_xml, new_xml = old.get("xml"), new.get("xml")
    if not isinstance(old_xml, dict) or not isinstance(new_xml, dict):
        return
    for key in ("namespace", "name"):
        if key in old_xml and key in new_xml and old_xml[key] != new_xml[key]:
            emit(
                "xml-namespace-changed",
                below(old_spot, "xml"),
                below(new_spot, "xml"),
                old_xml[key],
                new_xml[key],
                detail=key,
            )


__all__ = [
    "BOUNDS",
    "MISSING",
    "OBJECT_KEYWORDS",
    "as_schema",
    "closed",
    "compare_bounds",
    "compare_values",
    "compare_xml",
    "disjoint",
    "has_null_type",
    "number",
    "ref_of",
    "type_change",
    "type_text",
    "types_of",
    "unwrap_null",
    "value_key",
]
