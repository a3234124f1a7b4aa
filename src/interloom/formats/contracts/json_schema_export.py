"""The schema registry of a contract as one JSON Schema 2020-12 document."""

from __future__ import annotations

from typing import Any

from interloom.core.contracts.model import Contract
from interloom.core.contracts.schemas import SCHEMA_REF_PREFIX, rewrite_refs

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _to_defs(ref: str) -> str:
    if ref.startswith(SCHEMA_REF_PREFIX):
        return "#/$defs/" + ref[len(SCHEMA_REF_PREFIX) :]
    return ref


def export_json_schema(contract: Contract, root: str | None = None) -> dict[str, Any]:
    """Every schema of ``contract`` under ``$defs``; with ``root``, that schema is the document.

    References read ``#/$defs/NAME``, so the document stands alone in any 2020-12 validator.
    """
    definitions = {
        name: rewrite_refs(entry.json_schema, _to_defs) for name, entry in contract.schemas.items()
    }
    document: dict[str, Any] = {"$schema": DIALECT}
    if root is not None:
        if root not in definitions:
            raise KeyError(f"the contract has no schema named {root!r}")
        document.update(definitions[root])
    elif contract.title:
        document["title"] = contract.title
    document["$defs"] = definitions
    return document
