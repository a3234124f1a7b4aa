"""What a flow's steps and sinks take from the contract of the interface they name.

A ``validate`` step checks messages against the body schema of its interface's operation (the
request body, or the message payload of an AsyncAPI operation); an ``enrich`` step or an
``http`` sink calls its interface with the method, server and path its contract declares.
:class:`InterfaceContracts` finds an interface in the project's systems, imports its contract
into the canonical model once per file, and compiles each body schema once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs

from interloom.connectors.soap_envelopes import SoapCall
from interloom.core.catalog import Interface, System
from interloom.core.contracts.errors import ContractError
from interloom.core.contracts.model import (
    ChannelAddress,
    Contract,
    HttpAddress,
    JsonSchema,
    Operation,
    ParameterIn,
    Server,
    SoapAddress,
)
from interloom.core.errors import InterloomError
from interloom.core.flows.expressions import CompiledExpression
from interloom.core.flows.url_templates import PATH_PARAMETER, UrlTemplate, contract_url_template
from interloom.core.refs import RefKind
from interloom.core.suggestions import did_you_mean
from interloom.formats.contracts.detect import import_contract
from interloom.formats.project_files import FOLDERS, FileKind, parse_file

__all__ = [
    "HttpCall",
    "InterfaceContractError",
    "InterfaceContracts",
    "NoBodySchemaError",
    "PathParameterError",
    "check_path_values",
    "interface_url",
]

_JSON_MEDIA = ("application/json", "+json", "text/json")


class InterfaceContractError(InterloomError):
    """A step or sink takes its call or schema from an interface whose contract cannot give it."""

    code = "E-FLOW-020"
    status = 422

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        dangling: bool = False,
        field: tuple[str | int, ...] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.dangling = dangling
        """``validate`` reports the cause elsewhere, once: the interface is not in the project
        (E-REF-001), or its contract file cannot be read (W-FILE-005)."""
        self.field = field
        """The config field at fault; None: the ``interface`` the step or sink names."""


class NoBodySchemaError(InterfaceContractError):
    """A step validates against an interface whose operation declares no body schema."""

    code = "E-FLOW-021"


class PathParameterError(InterfaceContractError):
    """A call to an interface misses a value for a path parameter, or gives one for none."""

    code = "E-FLOW-022"


@dataclass(frozen=True, slots=True)
class HttpCall:
    """How to call an HTTP operation: method, server URL (if the contract names one), path."""

    method: str
    server: str | None
    path: str
    path_parameters: tuple[str, ...]
    query_parameters: tuple[str, ...]
    soap: SoapCall | None = None
    """A SOAP operation's envelope and action (its body is XML, not JSON)."""


class InterfaceContracts:
    """The project's interfaces and their contracts, read when first asked for.

    Built with the project's systems, or with none: then the systems are read from the
    project directory's ``systems/`` folder on the first look-up (a flow whose steps name no
    contract never reads them).
    """

    def __init__(self, root: Path, systems: Iterable[System] | None = None) -> None:
        self.root = root
        self._systems = None if systems is None else list(systems)
        self._interfaces: dict[str, tuple[System, Interface]] | None = None
        self._contracts: dict[str, Contract | InterfaceContractError] = {}
        self._validators: dict[str, Any] = {}

    # --- look-ups ------------------------------------------------------------------------

    def _index(self) -> dict[str, tuple[System, Interface]]:
        if self._interfaces is None:
            systems = self._systems if self._systems is not None else self._read_systems()
            self._interfaces = {
                f"{RefKind.INTERFACE}:{system.id}.{interface.id}": (system, interface)
                for system in systems
                for interface in system.interfaces
            }
        return self._interfaces

    def _read_systems(self) -> list[System]:
        folder = self.root / FOLDERS[FileKind.SYSTEM]
        systems: list[System] = []
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # validate reports the file; its interfaces are not known here
            parsed = parse_file(text, path.relative_to(self.root).as_posix(), System)
            if parsed.loaded is not None:
                systems.append(parsed.loaded.model)
        return systems

    def interface(self, ref: str) -> tuple[System, Interface]:
        """The system and interface ``ref`` names."""
        found = self._index().get(ref)
        if found is None:
            raise InterfaceContractError(
                f"no interface '{ref}' in the project",
                hint=did_you_mean(ref, self._index()) or "interfaces are declared in systems/",
                dangling=True,
            )
        return found

    def _contract(self, interface: Interface) -> Contract:
        path = interface.contract
        if path not in self._contracts:
            self._contracts[path] = self._import(path)
        contract = self._contracts[path]
        if isinstance(contract, InterfaceContractError):
            raise contract
        return contract

    def _import(self, path: str) -> Contract | InterfaceContractError:
        boundary = self.root.resolve()
        file = (self.root / path).resolve()
        if not file.is_relative_to(boundary) or not file.is_file():
            return InterfaceContractError(
                f"the contract file {path} does not exist in the project",
                hint="contract files live under contracts/",
            )

        def resolve_file(relative: str) -> bytes:
            target = (file.parent / relative).resolve()
            if not target.is_relative_to(boundary):
                raise ValueError(f"it lies outside {boundary}; references stay in that tree")
            return target.read_bytes()

        try:
            return import_contract(file.read_bytes(), path, resolve_file=resolve_file)
        except ContractError as error:
            return InterfaceContractError(
                f"the contract {path} cannot be read: {error.message}",
                hint=error.hint or f"run 'interloom contracts inspect {path}'",
                dangling=True,  # validate reports the file itself (W-FILE-005), once
            )

    def operation(self, ref: str) -> tuple[Contract, Operation]:
        """The contract of the interface ``ref`` names, and its operation."""
        _, interface = self.interface(ref)
        contract = self._contract(interface)
        if interface.operation is None:
            if len(contract.operations) == 1:
                return contract, contract.operations[0]
            raise InterfaceContractError(
                f"interface '{ref}' names no operation of {interface.contract}",
                hint="give the interface an 'operation:' of its contract",
            )
        operation = contract.operation(interface.operation)
        if operation is None:
            operation = next(
                (op for op in contract.operations if _named(op, interface.operation)), None
            )
        if operation is None:
            raise InterfaceContractError(
                f"operation '{interface.operation}' of interface '{ref}' is not in "
                f"{interface.contract}",
                hint=did_you_mean(interface.operation, [op.id for op in contract.operations])
                or "see 'interloom contracts inspect'",
            )
        return contract, operation

    # --- what steps and sinks take ---------------------------------------------------------

    def body_schema(self, ref: str) -> JsonSchema:
        """The JSON Schema 2020-12 document of the operation's body, ready for a validator."""
        contract, operation = self.operation(ref)
        schemas: list[JsonSchema] = []
        if operation.request_body is not None:
            media = sorted(
                operation.request_body.content.items(),
                key=lambda item: not any(kind in item[0] for kind in _JSON_MEDIA),
            )
            schemas += [m.json_schema for _, m in media if m.json_schema is not None][:1]
        if not schemas and isinstance(operation.address, ChannelAddress):
            for message_id in operation.messages:
                payload = contract.messages[message_id].payload
                if payload is not None:
                    schemas.append(payload)
        if not schemas:
            raise NoBodySchemaError(
                f"operation '{operation.id}' of interface '{ref}' declares no body schema "
                f"(request body or message payload)",
                hint="give the step a 'schema' file, or name an interface whose operation "
                "has a body",
            )
        schema = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
        return contract.schema_document(schema)

    def validator(self, ref: str) -> Any:
        """The compiled validator of the operation's body schema (compiled once)."""
        if ref not in self._validators:
            document = self.body_schema(ref)
            try:
                self._validators[ref] = jsonschema_rs.validator_for(document)
            except ValueError as error:
                raise InterfaceContractError(
                    f"the body schema of interface '{ref}' does not compile: {error}",
                    hint="check the schema with 'interloom contracts inspect'",
                ) from None
        return self._validators[ref]

    def http_call(self, ref: str) -> HttpCall:
        """The method, server and path to call the interface's HTTP operation with."""
        contract, operation = self.operation(ref)
        address = operation.address
        if isinstance(address, SoapAddress):
            return _soap_call(ref, address, operation.servers or contract.servers)
        if not isinstance(address, HttpAddress) or address.webhook:
            raise InterfaceContractError(
                f"interface '{ref}' is not an HTTP operation that can be called "
                f"({operation.match_key})",
                hint="name an interface of a REST contract, or give 'url'",
            )
        servers = operation.servers or contract.servers
        return HttpCall(
            method=address.method.upper(),
            server=_server_url(servers[0]) if servers else None,
            path=address.path,
            path_parameters=tuple(PATH_PARAMETER.findall(address.path)),
            query_parameters=tuple(
                p.name for p in operation.parameters if p.in_ is ParameterIn.QUERY
            ),
        )


def _soap_call(ref: str, address: SoapAddress, servers: tuple[Server, ...]) -> HttpCall:
    """A POST of an envelope to the port's address, split into server and path."""
    if address.style != "document" or not address.input_element:
        raise InterfaceContractError(
            f"interface '{ref}' is the {address.style} SOAP operation {address.operation}, "
            "whose request has no single body element",
            hint="document/literal operations are called by contract; give 'url' otherwise",
        )
    endpoint = address.endpoint or (servers[0].url if servers else "")
    parts = urlsplit(endpoint)
    absolute = parts.scheme in ("http", "https") and parts.netloc
    server = f"{parts.scheme}://{parts.netloc}" if absolute else None
    path = parts.path if absolute else ""
    namespace, _, element = address.input_element.removeprefix("{").partition("}")
    soap = SoapCall(
        operation=address.operation,
        namespace=namespace,
        element=element,
        action=address.soap_action,
        version=address.soap_version,
    )
    return HttpCall("POST", server, path, (), (), soap)


def _named(operation: Operation, name: str) -> bool:
    """A SOAP operation is named by its WSDL name as well as by its id."""
    address = operation.address
    return isinstance(address, SoapAddress) and address.operation == name


def _server_url(server: Server) -> str | None:
    """The server's URL with its variables' defaults; None when it is not absolute."""
    url = server.url
    for name, variable in server.variables.items():
        if variable.default is not None:
            url = url.replace(f"{{{name}}}", variable.default)
    return url if url.startswith(("http://", "https://")) and "{" not in url else None


def check_path_values(call: HttpCall, given: Iterable[str], ref: str) -> None:
    """Every parameter of the call's path has a value, and every value a parameter."""
    names = list(given)
    missing = [name for name in call.path_parameters if name not in names]
    if missing:
        listed = ", ".join(missing)
        raise PathParameterError(
            f"the path {call.path} of interface '{ref}' needs a value for {listed}",
            hint=f"give it under 'path', e.g. path: {{{missing[0]}: {missing[0]}}}",
            field=("path",) if names else None,
        )
    for name in names:
        if name not in call.path_parameters:
            raise PathParameterError(
                f"the path {call.path} of interface '{ref}' has no parameter '{name}'",
                hint=did_you_mean(name, call.path_parameters)
                or f"its parameters: {', '.join(call.path_parameters) or 'none'}",
                field=("path", name),
            )


def interface_url(
    contracts: InterfaceContracts,
    ref: str,
    *,
    base_url: str | None,
    path: Mapping[str, str],
    query: Mapping[str, str],
) -> tuple[HttpCall, UrlTemplate]:
    """The call to ``ref`` and its URL template, path and query values compiled once.

    Raises :class:`InterfaceContractError` (or its subclasses) and, for an expression that
    does not compile, :class:`~interloom.core.flows.expressions.ExpressionError`.
    """
    call = contracts.http_call(ref)
    check_path_values(call, path, ref)
    base = base_url or call.server
    if not base:
        raise InterfaceContractError(
            f"the contract of interface '{ref}' names no absolute server URL",
            hint="give 'base_url', e.g. ${ERP_URL}",
        )
    values = {name: CompiledExpression(text, target=f"path.{name}") for name, text in path.items()}
    pairs = {name: CompiledExpression(text, target=f"query.{name}") for name, text in query.items()}
    return call, contract_url_template(base, call.path, values, pairs)
