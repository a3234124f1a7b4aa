"""The operation names a contract file declares, to check the interfaces that point into it.

A light read: OpenAPI/Swagger ``operationId`` (paths and 3.1 webhooks), AsyncAPI 3 operation
keys and AsyncAPI 2 ``operationId``, WSDL 1.1 ``portType`` operations. The full import of
contracts into the canonical model is the catalog's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from typing import Any

from defusedxml import ElementTree
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"


@dataclass(frozen=True, slots=True)
class ContractOperations:
    """The format a contract was recognised as, and the operation names it declares."""

    format: str
    names: frozenset[str]


class UnreadableContractError(Exception):
    """The contract file could not be read as the format its name claims."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _openapi(document: dict[str, Any]) -> frozenset[str]:
    names = set()
    for section in ("paths", "webhooks"):
        for item in (document.get(section) or {}).values():
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                operation = item.get(method)
                if isinstance(operation, dict) and isinstance(operation.get("operationId"), str):
                    names.add(operation["operationId"])
    return frozenset(names)


def _asyncapi(document: dict[str, Any]) -> frozenset[str]:
    operations = document.get("operations")
    if isinstance(operations, dict):  # AsyncAPI 3
        return frozenset(str(key) for key in operations)
    names = set()
    for channel in (document.get("channels") or {}).values():
        if not isinstance(channel, dict):
            continue
        for action in ("publish", "subscribe"):
            operation = channel.get(action)
            if isinstance(operation, dict) and isinstance(operation.get("operationId"), str):
                names.add(operation["operationId"])
    return frozenset(names)


def _wsdl(text: str) -> ContractOperations:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        line, column = error.position
        reason = str(error).split(":", 1)[0]
        raise UnreadableContractError(f"not well-formed XML: {reason}", line, column + 1) from None
    names = {
        str(op.get("name"))
        for port_type in root.iter(f"{{{WSDL_NS}}}portType")
        for op in port_type.iter(f"{{{WSDL_NS}}}operation")
        if op.get("name")
    }
    return ContractOperations("wsdl", frozenset(names))


def read_contract_operations(text: str, file: str) -> ContractOperations | None:
    """The operations of a contract, or ``None`` for a format with no named operations.

    Raises :class:`UnreadableContractError` when the file does not parse.
    """
    suffix = file.rsplit(".", 1)[-1].lower()
    if suffix in ("wsdl", "xml"):
        return _wsdl(text)
    if suffix not in ("yaml", "yml", "json"):
        return None
    try:
        document = YAML(typ="safe", pure=True).load(StringIO(text))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise UnreadableContractError(
            f"not valid YAML or JSON: {error.problem or error.context}",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except (YAMLError, ValueError, KeyError, TypeError) as error:
        reason = " ".join(str(error).split())
        raise UnreadableContractError(f"not valid YAML or JSON: {reason}") from None
    if not isinstance(document, dict):
        return None
    if "openapi" in document or "swagger" in document:
        return ContractOperations("openapi", _openapi(document))
    if "asyncapi" in document:
        return ContractOperations("asyncapi", _asyncapi(document))
    return None
