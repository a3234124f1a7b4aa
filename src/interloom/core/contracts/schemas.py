"""Walking the JSON Schemas of a contract: their subschemas and their registry references.

Every ``$ref`` of a canonical contract reads ``#/components/schemas/NAME``. These helpers know
which keywords hold subschemas (``properties`` holds names, ``enum`` holds data), so a walk never
mistakes a property called ``$ref`` for a reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

SCHEMA_REF_PREFIX = "#/components/schemas/"

SUBSCHEMA_KEYWORDS = frozenset(
    {
        "not",
        "if",
        "then",
        "else",
        "items",
        "contains",
        "additionalProperties",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
SUBSCHEMA_LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SUBSCHEMA_MAP_KEYWORDS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})


def schema_ref(name: str) -> dict[str, Any]:
    """A schema that refers to the registry entry ``name``."""
    return {"$ref": SCHEMA_REF_PREFIX + name}


def schema_ref_name(ref: str) -> str | None:
    """The registry name a ``$ref`` points at, or ``None`` when it points elsewhere."""
    if not ref.startswith(SCHEMA_REF_PREFIX):
        return None
    name = ref[len(SCHEMA_REF_PREFIX) :]
    return name if name and "/" not in name else None


def escape_pointer_token(token: str | int) -> str:
    """One JSON pointer token (RFC 6901): ``~`` → ``~0``, ``/`` → ``~1``."""
    return str(token).replace("~", "~0").replace("/", "~1")


def iter_subschemas(schema: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object within ``schema`` (itself first), with its relative JSON pointer."""
    stack: list[tuple[str, Any]] = [(pointer, schema)]
    while stack:
        where, node = stack.pop()
        if not isinstance(node, dict):
            continue
        yield where, node
        children: list[tuple[str, Any]] = []
        for keyword, value in node.items():
            if keyword in SUBSCHEMA_KEYWORDS:
                children.append((f"{where}/{keyword}", value))
            elif keyword in SUBSCHEMA_LIST_KEYWORDS and isinstance(value, list):
                children += [(f"{where}/{keyword}/{i}", item) for i, item in enumerate(value)]
            elif keyword in SUBSCHEMA_MAP_KEYWORDS and isinstance(value, dict):
                children += [
                    (f"{where}/{keyword}/{escape_pointer_token(name)}", item)
                    for name, item in value.items()
                ]
        stack.extend(reversed(children))


def iter_refs(schema: Any) -> Iterator[str]:
    """Every reference in ``schema``: ``$ref`` values and OpenAPI discriminator mappings."""
    for _, node in iter_subschemas(schema):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        discriminator = node.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
            yield from (v for v in discriminator["mapping"].values() if isinstance(v, str))


def referenced_names(schema: Any) -> set[str]:
    """The registry names ``schema`` refers to directly (not transitively)."""
    return {name for ref in iter_refs(schema) if (name := schema_ref_name(ref)) is not None}


def rewrite_refs(schema: Any, rewrite: Callable[[str], str]) -> Any:
    """A copy of ``schema`` whose ``$ref`` and discriminator mapping values are rewritten."""
    if isinstance(schema, list):
        return [rewrite_refs(item, rewrite) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword == "$ref" and isinstance(value, str):
            out[keyword] = rewrite(value)
        elif keyword in SUBSCHEMA_KEYWORDS:
            out[keyword] = rewrite_refs(value, rewrite)
        elif keyword in SUBSCHEMA_LIST_KEYWORDS and isinstance(value, list):
            out[keyword] = [rewrite_refs(item, rewrite) for item in value]
        elif keyword in SUBSCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            out[keyword] = {name: rewrite_refs(item, rewrite) for name, item in value.items()}
        elif keyword == "discriminator" and isinstance(value, dict):
            mapping = value.get("mapping")
            out[keyword] = (
                {
                    **value,
                    "mapping": {
                        k: rewrite(v) if isinstance(v, str) else v for k, v in mapping.items()
                    },
                }
                if isinstance(mapping, dict)
                else dict(value)
            )
        else:
            out[keyword] = value
    return out
