"""JSON Schema documents (draft-04/06/07, 2019-09, 2020-12) to the canonical contract model.

A JSON Schema file is a contract without operations: its root schema is registered under the
file's stem (``customer.schema.json`` → ``customer``), each ``$defs``/``definitions`` entry
under its own name, all normalised to JSON Schema 2020-12.
"""

from __future__ import annotations

from typing import Any

from interloom.core.contracts.errors import ContractFormatError
from interloom.core.contracts.model import Contract, ContractFormat
from interloom.formats.contracts.context import ImportContext
from interloom.formats.contracts.documents import Document
from interloom.formats.contracts.references import ResolveFile, file_stem
from interloom.formats.contracts.schema_registry import Dialect

_DIALECTS = (
    ("draft-04", Dialect.DRAFT_04, "draft-04"),
    ("draft-06", Dialect.DRAFT_07, "draft-06"),
    ("draft-07", Dialect.DRAFT_07, "draft-07"),
    ("2019-09", Dialect.DRAFT_2019_09, "2019-09"),
    ("2020-12", Dialect.DRAFT_2020_12, "2020-12"),
)
_JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}
_SCHEMA_CONTAINERS = ("properties", "$defs", "definitions", "patternProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def looks_like_json_schema(data: dict[str, Any]) -> bool:
    """Whether a mapping reads as a JSON Schema document."""
    declared = data.get("$schema")
    if isinstance(declared, str):
        return "json-schema.org" in declared
    kind = data.get("type")
    if isinstance(kind, str) and kind in _JSON_TYPES:
        return True
    if isinstance(kind, list) and kind and all(k in _JSON_TYPES for k in kind):
        return True
    return any(isinstance(data.get(key), dict) for key in _SCHEMA_CONTAINERS) or any(
        isinstance(data.get(key), list) for key in _SCHEMA_LISTS
    )


def import_json_schema(document: Document, resolve_file: ResolveFile | None = None) -> Contract:
    """A JSON Schema document as a contract whose registry holds its schemas."""
    root = document.root.expect(dict)
    declared = root.text("$schema")
    dialect, label = Dialect.DRAFT_2020_12, "2020-12"
    if declared is not None:
        found = next((entry for entry in _DIALECTS if entry[0] in declared), None)
        if found is None:
            root.child("$schema").fail(
                f"JSON Schema dialect '{declared}' is not supported",
                hint="Interloom reads JSON Schema draft-04, 06, 07, 2019-09 and 2020-12",
                error=ContractFormatError,
            )
        _, dialect, label = found
    context = ImportContext.start(document, resolve_file, dialect)
    context.schemas.declare(file_stem(document.relative), root)
    for container in ("$defs", "definitions"):
        definitions = root.mapping(container)
        for name, node in definitions.entries() if definitions else ():
            context.schemas.declare(name, node)
    return Contract(
        format=ContractFormat.JSON_SCHEMA,
        format_version=label,
        file=document.file,
        title=root.text("title"),
        description=root.text("description"),
        schemas=context.schemas.build(),
        warnings=tuple(context.warnings.items),
    )
