"""The vendor extensions (``x-…`` keys) of a contract, by operation.

The canonical contract model keeps what every format shares; extensions, which only some
contracts carry (``x-rate-limit``, ``x-throttling-tier``…), are read here with a light pass over
the document so that checks such as readiness can see them. OpenAPI, Swagger and AsyncAPI
documents (YAML or JSON) are read; other formats have no extensions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from interloom.formats.contract_operations import HTTP_METHODS


@dataclass(frozen=True, slots=True)
class ContractExtensions:
    """Extension names at the document level (root and ``info``) and on each operation."""

    document: frozenset[str] = frozenset()
    operations: dict[str, frozenset[str]] = field(default_factory=dict)

    def of(self, operation_id: str | None) -> frozenset[str]:
        """The names that apply to an operation: its own, its path's and the document's."""
        own = self.operations.get(operation_id, frozenset()) if operation_id else frozenset()
        return self.document | own


def _names(node: Any) -> frozenset[str]:
    if not isinstance(node, dict):
        return frozenset()
    return frozenset(str(key) for key in node if str(key).startswith("x-"))


def _openapi(document: dict[str, Any]) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    for section in ("paths", "webhooks"):
        items = document.get(section)
        for item in items.values() if isinstance(items, dict) else ():
            if not isinstance(item, dict):
                continue
            on_path = _names(item)
            for method in HTTP_METHODS:
                operation = item.get(method)
                if isinstance(operation, dict) and isinstance(operation.get("operationId"), str):
                    found[operation["operationId"]] = on_path | _names(operation)
    return found


def _asyncapi(document: dict[str, Any]) -> dict[str, frozenset[str]]:
    operations = document.get("operations")
    if isinstance(operations, dict):  # AsyncAPI 3
        return {str(key): _names(value) for key, value in operations.items()}
    found: dict[str, frozenset[str]] = {}
    channels = document.get("channels")
    for channel in channels.values() if isinstance(channels, dict) else ():
        if not isinstance(channel, dict):
            continue
        for action in ("publish", "subscribe"):
            operation = channel.get(action)
            if isinstance(operation, dict) and isinstance(operation.get("operationId"), str):
                found[operation["operationId"]] = _names(channel) | _names(operation)
    return found


def read_contract_extensions(text: str, file: str) -> ContractExtensions:
    """The extensions of a contract; empty for formats without any, or a file that won't parse."""
    if file.rsplit(".", 1)[-1].lower() not in ("yaml", "yml", "json"):
        return ContractExtensions()
    try:
        document = YAML(typ="safe", pure=True).load(StringIO(text))
    except (YAMLError, ValueError, KeyError, TypeError):
        return ContractExtensions()  # the import reports what is wrong with the file
    if not isinstance(document, dict):
        return ContractExtensions()
    root = _names(document) | _names(document.get("info"))
    if "openapi" in document or "swagger" in document:
        return ContractExtensions(root, _openapi(document))
    if "asyncapi" in document:
        return ContractExtensions(root, _asyncapi(document))
    return ContractExtensions(root)
