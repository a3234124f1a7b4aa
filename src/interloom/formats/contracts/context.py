"""What the mapping of one YAML/JSON contract shares: documents, references, schemas, warnings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from interloom.core.contracts.errors import ContractWarningCode
from interloom.core.contracts.model import (
    Example,
    OAuthFlow,
    SecurityRequirement,
    SecurityScheme,
    Server,
    ServerVariable,
)
from interloom.formats.contracts.documents import Document, Node, WarningList
from interloom.formats.contracts.references import References, ResolveFile
from interloom.formats.contracts.schema_registry import Dialect, SchemaRegistry

_CAMEL_BREAK = re.compile(r"[^A-Za-z0-9]+")


@dataclass
class ImportContext:
    """One import in progress: its documents, warnings, schema registry and operation ids."""

    document: Document
    references: References
    warnings: WarningList
    schemas: SchemaRegistry
    operation_ids: set[str] = field(default_factory=set)

    @classmethod
    def start(
        cls, document: Document, resolve_file: ResolveFile | None, dialect: Dialect
    ) -> ImportContext:
        """A context for importing ``document``."""
        references = References(document, resolve_file)
        warnings = WarningList()
        return cls(document, references, warnings, SchemaRegistry(references, warnings, dialect))

    def follow(self, node: Node) -> Node:
        """``node``, or what its ``$ref`` chain points at."""
        return self.references.follow(node)

    def warn(self, node: Node, code: ContractWarningCode, message: str) -> None:
        """Record a warning about ``node``."""
        self.warnings.at(node, code, message)

    def check_fields(self, node: Node, known: Iterable[str], what: str) -> None:
        """Warn about each field of ``node`` its format does not define (``x-`` excepted)."""
        allowed = set(known)
        for key, child in node.entries():
            if key not in allowed and not key.startswith("x-"):
                self.warn(child, ContractWarningCode.UNKNOWN_FIELD, f"{what} has no field '{key}'")

    def operation_id(self, wanted: str | None, fallback: str, node: Node) -> str:
        """A unique operation id: ``wanted``, else ``fallback``, with a suffix on a clash."""
        if wanted is None:
            self.warn(
                node,
                ContractWarningCode.MISSING_OPERATION_ID,
                f"operation has no id; it is called '{fallback}'",
            )
        base = wanted or fallback
        unique, counter = base, 1
        while unique in self.operation_ids:
            counter += 1
            unique = f"{base}_{counter}"
        if unique != base:
            self.warn(
                node,
                ContractWarningCode.DUPLICATE_OPERATION_ID,
                f"operation id '{base}' is used twice; this one is called '{unique}'",
            )
        self.operation_ids.add(unique)
        return unique


def camel_case(text: str) -> str:
    """``Get a customer`` → ``getACustomer``: an id made of a human name."""
    words = [word for word in _CAMEL_BREAK.split(text) if word]
    if not words:
        return "operation"
    first, rest = words[0], words[1:]
    return first[:1].lower() + first[1:] + "".join(w[:1].upper() + w[1:] for w in rest)


def read_examples(node: Node, context: ImportContext) -> dict[str, Example]:
    """OpenAPI/AsyncAPI ``example`` and ``examples`` (name → Example object) of ``node``."""
    found: dict[str, Example] = {}
    if node.has("example"):
        found["default"] = Example(value=node.value["example"])
    examples = node.mapping("examples")
    if examples is not None:
        for name, item in examples.entries():
            found[name] = read_example(context.follow(item))
    return found


def read_example(node: Node) -> Example:
    """One OpenAPI Example object."""
    node.expect(dict)
    return Example(
        summary=node.text("summary"),
        description=node.text("description"),
        value=node.value.get("value"),
        external_value=node.text("externalValue"),
    )


def read_servers(node: Node | None) -> tuple[Server, ...]:
    """OpenAPI 3 Server objects."""
    if node is None:
        return ()
    servers = []
    for item in node.elements():
        item.expect(dict)
        variables = {}
        variable_nodes = item.mapping("variables")
        for name, variable in variable_nodes.entries() if variable_nodes else ():
            variable.expect(dict)
            enum = variable.sequence("enum")
            variables[name] = ServerVariable(
                default=variable.label("default"),
                enum=tuple(str(v.value) for v in enum.elements()) if enum else (),
                description=variable.text("description"),
            )
        servers.append(
            Server(
                url=item.text("url", required=True) or "",
                description=item.text("description"),
                variables=variables,
            )
        )
    return tuple(servers)


def read_security(node: Node | None) -> tuple[SecurityRequirement, ...] | None:
    """A list of security requirements (scheme → scopes), or ``None`` when absent."""
    if node is None:
        return None
    requirements: list[SecurityRequirement] = []
    for item in node.elements():
        item.expect(dict)
        requirements.append({name: scopes.string_list() for name, scopes in item.entries()})
    return tuple(requirements)


def check_security(
    requirements: tuple[SecurityRequirement, ...] | None,
    schemes: dict[str, SecurityScheme],
    node: Node,
    context: ImportContext,
) -> None:
    """Warn when a requirement names a scheme the contract does not declare."""
    for requirement in requirements or ():
        for name in requirement:
            if name not in schemes:
                context.warn(
                    node,
                    ContractWarningCode.UNDECLARED_SECURITY_SCHEME,
                    f"security requirement names no declared scheme '{name}'",
                )


def read_oauth_flows(node: Node | None) -> dict[str, OAuthFlow]:
    """OpenAPI 3 / AsyncAPI OAuth Flows objects."""
    flows: dict[str, OAuthFlow] = {}
    for name, flow in node.entries() if node else ():
        flow.expect(dict)
        scope_nodes = flow.mapping("scopes") or flow.mapping("availableScopes")
        flows[name] = OAuthFlow(
            authorization_url=flow.text("authorizationUrl"),
            token_url=flow.text("tokenUrl"),
            refresh_url=flow.text("refreshUrl"),
            scopes={k: str(v.value or "") for k, v in scope_nodes.entries()} if scope_nodes else {},
        )
    return flows
