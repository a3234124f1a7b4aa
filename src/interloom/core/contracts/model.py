"""The canonical contract model: every imported contract format in one shape.

An OpenAPI path operation, an AsyncAPI send/receive, a WSDL SOAP operation and a GraphQL root
field are all an :class:`Operation`. Every body, parameter and message payload is a JSON Schema
2020-12 dict whose ``$ref`` always reads ``#/components/schemas/NAME`` and names an entry of
:attr:`Contract.schemas` (see ``docs/decisions/0008-canonical-contract-model.md``): names are
stable across versions, so a diff can match schemas by name and stop at a ref it has seen, and
recursive schemas stay finite.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from interloom.core.contracts.errors import ContractWarningCode
from interloom.core.contracts.schemas import SCHEMA_REF_PREFIX, iter_refs, schema_ref_name
from interloom.core.errors import Location

JsonSchema = dict[str, Any]
SecurityRequirement = dict[str, tuple[str, ...]]
"""One way to satisfy security: scheme name → scopes; all schemes of one requirement apply."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ContractFormat(StrEnum):
    """The document formats Interloom imports."""

    OPENAPI = "openapi"
    JSON_SCHEMA = "json-schema"
    ASYNCAPI = "asyncapi"
    WSDL = "wsdl"
    GRAPHQL = "graphql"
    POSTMAN = "postman"


class Transport(StrEnum):
    """How an operation travels; secure variants (https, amqps, kafka-secure…) fold in."""

    HTTP = "http"
    SOAP = "soap"
    GRAPHQL = "graphql"
    AMQP = "amqp"
    KAFKA = "kafka"
    MQTT = "mqtt"
    WEBSOCKET = "websocket"
    NATS = "nats"
    JMS = "jms"
    SNS = "sns"
    SQS = "sqs"
    REDIS = "redis"
    PULSAR = "pulsar"
    GOOGLE_PUBSUB = "googlepubsub"
    IBMMQ = "ibmmq"
    SOLACE = "solace"
    STOMP = "stomp"
    MERCURE = "mercure"
    OTHER = "other"


class SourceLocation(_Model):
    """Where something was declared: file, 1-based line and column, and its pointer.

    ``pointer`` is a JSON pointer for YAML and JSON documents (``/paths/~1customers/get``), and
    the same notation over element and field names for WSDL and GraphQL
    (``/portType/InvoicingPortType/operation/GetInvoice``, ``/Query/customer``).
    """

    file: str
    line: int | None = None
    column: int | None = None
    pointer: str = ""

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return f"{text} {self.pointer}" if self.pointer else text

    def to_location(self) -> Location:
        """The location in the shape errors carry."""
        return Location(
            file=self.file, line=self.line, column=self.column, pointer=self.pointer or None
        )


class ContractWarning(_Model):
    """A flaw the import tolerated: what and where."""

    code: ContractWarningCode
    message: str
    location: SourceLocation | None = None

    def render(self) -> str:
        """One line a person reads: ``W-CONTRACT-001 api.yaml:12:7 /paths/… message``."""
        where = f" {self.location}" if self.location else ""
        return f"{self.code.value}{where} {self.message}"


class Example(_Model):
    """A sample value: of a body, a parameter, or a message (with its headers)."""

    summary: str | None = None
    description: str | None = None
    value: Any = None
    external_value: str | None = None
    headers: dict[str, Any] | None = None


class MediaType(_Model):
    """One content type of a body: its schema and examples."""

    json_schema: JsonSchema | None = None
    examples: dict[str, Example] = Field(default_factory=dict)
    location: SourceLocation | None = None


class ParameterIn(StrEnum):
    """Where a parameter travels."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    CHANNEL = "channel"
    """A variable of an AsyncAPI channel address (``orders.{region}``)."""
    ARGUMENT = "argument"
    """A GraphQL field argument."""


class Parameter(_Model):
    """A named input outside the body."""

    name: str
    in_: ParameterIn = Field(alias="in")
    required: bool = False
    json_schema: JsonSchema | None = None
    description: str | None = None
    deprecated: bool = False
    style: str | None = None
    explode: bool | None = None
    examples: dict[str, Example] = Field(default_factory=dict)
    location: SourceLocation | None = None


class RequestBody(_Model):
    """The body of a request, per content type."""

    required: bool = False
    description: str | None = None
    content: dict[str, MediaType] = Field(default_factory=dict)
    location: SourceLocation | None = None


class Header(_Model):
    """A response header."""

    json_schema: JsonSchema | None = None
    required: bool = False
    description: str | None = None
    deprecated: bool = False


class Response(_Model):
    """One possible answer: ``status`` is ``200``, ``4XX`` or ``default`` (SOAP faults: 500)."""

    status: str
    description: str | None = None
    content: dict[str, MediaType] = Field(default_factory=dict)
    headers: dict[str, Header] = Field(default_factory=dict)
    location: SourceLocation | None = None


class HttpAddress(_Model):
    """An HTTP operation: method and path template (or webhook name)."""

    kind: Literal["http"] = "http"
    method: str
    path: str
    webhook: bool = False


class ChannelAddress(_Model):
    """A message operation on a channel, from the application's point of view.

    ``send``: the application publishes; ``receive``: it consumes. AsyncAPI 2 ``subscribe``
    maps to ``send`` and ``publish`` to ``receive``, as the AsyncAPI 3 migration does.
    """

    kind: Literal["channel"] = "channel"
    channel: str
    address: str | None = None
    action: Literal["send", "receive"]


class SoapAddress(_Model):
    """A SOAP operation of a WSDL port type, as bound to SOAP 1.1 or 1.2."""

    kind: Literal["soap"] = "soap"
    port_type: str
    operation: str
    namespace: str
    soap_action: str | None = None
    soap_version: Literal["1.1", "1.2"] = "1.1"
    style: Literal["document", "rpc"] = "document"
    service: str | None = None
    port: str | None = None
    endpoint: str | None = None
    input_element: str | None = None
    """The qualified name ``{namespace}local`` of the request's body element."""
    output_element: str | None = None


class GraphQLAddress(_Model):
    """A field of a GraphQL root type."""

    kind: Literal["graphql"] = "graphql"
    root: Literal["query", "mutation", "subscription"]
    type: str
    field: str


OperationAddress = Annotated[
    HttpAddress | ChannelAddress | SoapAddress | GraphQLAddress, Field(discriminator="kind")
]

_PATH_PARAMETER = re.compile(r"\{[^}/]*\}")


class Operation(_Model):
    """One thing a client can do, or one message an application sends or receives."""

    id: str
    transport: Transport
    address: OperationAddress
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    request_body: RequestBody | None = None
    responses: dict[str, Response] = Field(default_factory=dict)
    messages: tuple[str, ...] = ()
    """Async operations: ids of :attr:`Contract.messages` sent or received."""
    reply_messages: tuple[str, ...] = ()
    security: tuple[SecurityRequirement, ...] | None = None
    """Alternatives, any one suffices; ``()`` is explicitly open, ``None`` not stated."""
    servers: tuple[Server, ...] = ()
    deprecated: bool = False
    deprecation_reason: str | None = None
    sunset: str | None = None
    bindings: dict[str, Any] = Field(default_factory=dict)
    location: SourceLocation | None = None

    @property
    def match_key(self) -> str:
        """What identifies this operation across two versions of a contract.

        HTTP path parameters are anonymous (``GET /customers/{}``), so renaming one is not
        a removed operation.
        """
        address = self.address
        if isinstance(address, HttpAddress):
            prefix = "WEBHOOK " if address.webhook else ""
            return f"{prefix}{address.method} {_PATH_PARAMETER.sub('{}', address.path)}"
        if isinstance(address, ChannelAddress):
            return f"{address.action} {address.channel}"
        if isinstance(address, SoapAddress):
            return f"{address.port_type}.{address.operation}"
        return f"{address.type}.{address.field}"


class ServerVariable(_Model):
    """A variable of a server URL template."""

    default: str | None = None
    enum: tuple[str, ...] = ()
    description: str | None = None


class Server(_Model):
    """Where the contract is served: a URL, or an AsyncAPI host and protocol."""

    url: str
    name: str | None = None
    description: str | None = None
    protocol: str | None = None
    protocol_version: str | None = None
    variables: dict[str, ServerVariable] = Field(default_factory=dict)


class OAuthFlow(_Model):
    """One OAuth 2 flow: its endpoints and scopes."""

    authorization_url: str | None = None
    token_url: str | None = None
    refresh_url: str | None = None
    scopes: dict[str, str] = Field(default_factory=dict)


class SecurityScheme(_Model):
    """How a client authenticates; ``type`` uses OpenAPI 3.1 names where one exists."""

    name: str
    type: str
    description: str | None = None
    in_: str | None = Field(default=None, alias="in")
    parameter_name: str | None = None
    scheme: str | None = None
    bearer_format: str | None = None
    flows: dict[str, OAuthFlow] = Field(default_factory=dict)
    open_id_connect_url: str | None = None
    location: SourceLocation | None = None


class Channel(_Model):
    """An AsyncAPI channel: where messages travel (topic, queue, routing key, path)."""

    id: str
    address: str | None = None
    description: str | None = None
    parameters: tuple[Parameter, ...] = ()
    messages: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()
    bindings: dict[str, Any] = Field(default_factory=dict)
    location: SourceLocation | None = None


class Message(_Model):
    """A message of an asynchronous contract: payload and headers as JSON Schemas."""

    id: str
    name: str | None = None
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    content_type: str | None = None
    payload: JsonSchema | None = None
    headers: JsonSchema | None = None
    correlation_id: str | None = None
    examples: dict[str, Example] = Field(default_factory=dict)
    deprecated: bool = False
    bindings: dict[str, Any] = Field(default_factory=dict)
    location: SourceLocation | None = None


class NamedSchema(_Model):
    """An entry of the schema registry: a JSON Schema 2020-12 and where it was declared."""

    name: str
    json_schema: JsonSchema
    location: SourceLocation | None = None


class Contract(_Model):
    """One imported contract, whatever its format."""

    format: ContractFormat
    format_version: str
    file: str
    title: str | None = None
    version: str | None = None
    description: str | None = None
    servers: tuple[Server, ...] = ()
    security_schemes: dict[str, SecurityScheme] = Field(default_factory=dict)
    security: tuple[SecurityRequirement, ...] = ()
    operations: tuple[Operation, ...] = ()
    schemas: dict[str, NamedSchema] = Field(default_factory=dict)
    channels: dict[str, Channel] = Field(default_factory=dict)
    messages: dict[str, Message] = Field(default_factory=dict)
    warnings: tuple[ContractWarning, ...] = ()

    @model_validator(mode="after")
    def _references_resolve(self) -> Contract:
        seen: set[str] = set()
        for operation in self.operations:
            if operation.id in seen:
                raise ValueError(f"two operations have the id {operation.id!r}")
            seen.add(operation.id)
            for message in (*operation.messages, *operation.reply_messages):
                if message not in self.messages:
                    raise ValueError(f"operation {operation.id!r} names no message {message!r}")
        for channel in self.channels.values():
            for message in channel.messages:
                if message not in self.messages:
                    raise ValueError(f"channel {channel.id!r} names no message {message!r}")
        for name, entry in self.schemas.items():
            if entry.name != name:
                raise ValueError(f"schema {name!r} is registered as {entry.name!r}")
        for where, schema in self.iter_schemas():
            for ref in iter_refs(schema):
                target = schema_ref_name(ref)
                if target is None or target not in self.schemas:
                    raise ValueError(f"{where}: $ref {ref!r} names no schema of the registry")
        return self

    def iter_schemas(self) -> list[tuple[str, JsonSchema]]:
        """Every JSON Schema of the contract, with a label saying where it is used."""
        found: list[tuple[str, JsonSchema]] = [
            (f"schema {name}", entry.json_schema) for name, entry in self.schemas.items()
        ]
        for operation in self.operations:
            label = f"operation {operation.id}"
            found += [(label, p.json_schema) for p in operation.parameters if p.json_schema]
            bodies = list(operation.request_body.content.values()) if operation.request_body else []
            for response in operation.responses.values():
                bodies += response.content.values()
                headers = response.headers.values()
                found += [(label, h.json_schema) for h in headers if h.json_schema]
            found += [(label, body.json_schema) for body in bodies if body.json_schema]
        for message in self.messages.values():
            for schema in (message.payload, message.headers):
                if schema is not None:
                    found.append((f"message {message.id}", schema))
        for channel in self.channels.values():
            found += [
                (f"channel {channel.id}", p.json_schema)
                for p in channel.parameters
                if p.json_schema
            ]
        return found

    def operation(self, operation_id: str) -> Operation | None:
        """The operation with this id, if any."""
        return next((op for op in self.operations if op.id == operation_id), None)

    @property
    def paths(self) -> tuple[str, ...]:
        """The distinct HTTP paths (webhooks excluded), in document order."""
        paths = (
            op.address.path
            for op in self.operations
            if isinstance(op.address, HttpAddress) and not op.address.webhook
        )
        return tuple(dict.fromkeys(paths))

    def schema_document(self, schema: JsonSchema) -> JsonSchema:
        """``schema`` as a self-contained JSON Schema 2020-12 document, ready for a validator.

        The registry rides along under ``components/schemas``, where every ``$ref`` points.
        """
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **schema,
            "components": {
                "schemas": {name: entry.json_schema for name, entry in self.schemas.items()}
            },
        }

    def summary(self) -> dict[str, Any]:
        """What was imported, as ``interloom contracts inspect --output json`` prints it."""
        return {
            "file": self.file,
            "format": self.format.value,
            "format_version": self.format_version,
            "title": self.title,
            "version": self.version,
            "counts": {
                "paths": len(self.paths),
                "operations": len(self.operations),
                "schemas": len(self.schemas),
                "channels": len(self.channels),
                "messages": len(self.messages),
                "security_schemes": len(self.security_schemes),
                "servers": len(self.servers),
            },
            "operations": [
                {"id": op.id, "transport": op.transport.value, "key": op.match_key}
                for op in self.operations
            ],
            "warnings": [
                {
                    "code": warning.code.value,
                    "message": warning.message,
                    **(
                        {"location": warning.location.to_location().to_dict()}
                        if warning.location
                        else {}
                    ),
                }
                for warning in self.warnings
            ],
        }


Operation.model_rebuild()

__all__ = [
    "SCHEMA_REF_PREFIX",
    "Channel",
    "ChannelAddress",
    "Contract",
    "ContractFormat",
    "ContractWarning",
    "Example",
    "GraphQLAddress",
    "Header",
    "HttpAddress",
    "JsonSchema",
    "MediaType",
    "Message",
    "NamedSchema",
    "OAuthFlow",
    "Operation",
    "OperationAddress",
    "Parameter",
    "ParameterIn",
    "RequestBody",
    "Response",
    "SecurityRequirement",
    "SecurityScheme",
    "Server",
    "ServerVariable",
    "SoapAddress",
    "SourceLocation",
    "Transport",
]
