"""Named schemas (components) the new version of a contract no longer declares."""

from __future__ import annotations

from interloom.core.contracts.diff.context import DiffContext
from interloom.core.contracts.model import ContractFormat

_COMPONENT_PARENTS = ("/components/schemas/", "/definitions/", "/$defs/")


def compare_schema_components(ctx: DiffContext) -> None:
    """Named schemas (components, definitions) the new version no longer declares."""
    if ctx.old.format in (ContractFormat.GRAPHQL, ContractFormat.WSDL):
        return  # GraphQL types are reported by the GraphQL rules; XSD types are not on the wire
    for name, entry in ctx.old.schemas.items():
        pointer = entry.location.pointer if entry.location else ""
        if name in ctx.new.schemas or not pointer.startswith(_COMPONENT_PARENTS):
            continue
        ctx.add(
            "api-schema-removed",
            f"the schema '{name}' was removed from the components",
            None,
            old=entry.location,
        )


__all__ = ["compare_schema_components"]
