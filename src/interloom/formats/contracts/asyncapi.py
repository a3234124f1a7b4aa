"""AsyncAPI 2.x and 3.0 to the canonical contract model.

Channels and messages keep their own registries on the contract; each operation says which
channel it uses, whether the application sends or receives, and which messages. AsyncAPI 2
``subscribe`` (the application publishes) becomes ``send`` and ``publish`` becomes
``receive``, as the AsyncAPI 3 migration guide does. Payload and header schemas go to the
schema registry like any other; Avro and other non-JSON payload formats are kept out with a
warning.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from interloom.core.contracts.errors import ContractFormatError, ContractWarningCode
from interloom.core.contracts.model import (
    Channel,
    ChannelAddress,
    Contract,
    ContractFormat,
    Example,
    JsonSchema,
    Message,
    Operation,
    Parameter,
    ParameterIn,
    SecurityRequirement,
    SecurityScheme,
    Server,
    ServerVariable,
    Transport,
)
from interloom.formats.contracts.context import (
    ImportContext,
    read_oauth_flows,
    read_security,
)
from interloom.formats.contracts.documents import Document, Node, Path_, pointer_of
from interloom.formats.contracts.references import ResolveFile
from interloom.formats.contracts.schema_registry import Dialect

_VERSION = re.compile(r"^(?P<major>[23])\.(?P<minor>\d+)(\.\d+)?(-[0-9A-Za-z.-]+)?$")
_PROTOCOLS = {
    "http": Transport.HTTP,
    "https": Transport.HTTP,
    "amqp": Transport.AMQP,
    "amqps": Transport.AMQP,
    "amqp1": Transport.AMQP,
    "kafka": Transport.KAFKA,
    "kafka-secure": Transport.KAFKA,
    "mqtt": Transport.MQTT,
    "mqtts": Transport.MQTT,
    "secure-mqtt": Transport.MQTT,
    "mqtt5": Transport.MQTT,
    "ws": Transport.WEBSOCKET,
    "wss": Transport.WEBSOCKET,
    "websockets": Transport.WEBSOCKET,
    "nats": Transport.NATS,
    "jms": Transport.JMS,
    "sns": Transport.SNS,
    "sqs": Transport.SQS,
    "redis": Transport.REDIS,
    "pulsar": Transport.PULSAR,
    "googlepubsub": Transport.GOOGLE_PUBSUB,
    "ibmmq": Transport.IBMMQ,
    "solace": Transport.SOLACE,
    "stomp": Transport.STOMP,
    "stomps": Transport.STOMP,
    "mercure": Transport.MERCURE,
}
_JSON_SCHEMA_FORMATS = (
    ("application/vnd.aai.asyncapi", Dialect.ASYNCAPI),
    ("application/schema+json", Dialect.DRAFT_07),
    ("application/schema+yaml", Dialect.DRAFT_07),
    ("application/vnd.oai.openapi", Dialect.OPENAPI_30),
)
_SCHEME_TYPES = {"httpApiKey": "apiKey"}
_V2_ACTIONS: tuple[tuple[str, Literal["send", "receive"]], ...] = (
    ("subscribe", "send"),
    ("publish", "receive"),
)


def import_asyncapi(document: Document, resolve_file: ResolveFile | None = None) -> Contract:
    """An AsyncAPI 2.x or 3.0 document as a contract."""
    root = document.root.expect(dict)
    version = root.label("asyncapi", required=True) or ""
    match = _VERSION.match(version)
    if match is None or (match["major"] == "3" and match["minor"] != "0"):
        root.child("asyncapi").fail(
            f"AsyncAPI {version} is not supported",
            hint="Interloom reads AsyncAPI 2.0 to 2.6 and 3.0",
            error=ContractFormatError,
        )
    context = ImportContext.start(document, resolve_file, Dialect.ASYNCAPI)
    reader = _AsyncApiReader(context, version)
    return reader.read_v3() if match["major"] == "3" else reader.read_v2()


def _merge(target: Any, patch: Any) -> Any:
    """JSON Merge Patch (RFC 7396) of ``patch`` onto ``target``."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge(merged.get(key), value)
    return merged


class _AsyncApiReader:
    def __init__(self, context: ImportContext, version: str) -> None:
        self.context = context
        self.version = version
        self.root = context.document.root
        self.default_content_type = self.root.text("defaultContentType")
        self.messages: dict[str, Message] = {}
        self.message_ids: dict[tuple[str, Path_], str] = {}
        self.channels: dict[str, Channel] = {}
        self.servers: dict[str, Server] = {}
        self.schemes: dict[str, SecurityScheme] = {}
        self.security: tuple[SecurityRequirement, ...] = ()

    # --- shared -------------------------------------------------------------------------

    def _contract(self, operations: list[Operation]) -> Contract:
        info = self.root.mapping("info") or self.root.child("info")
        if not operations and not self.channels and not self.messages:
            self.context.warn(
                self.root,
                ContractWarningCode.NO_OPERATIONS,
                "the document declares no channel, operation or message",
            )
        return Contract(
            format=ContractFormat.ASYNCAPI,
            format_version=self.version,
            file=self.context.document.file,
            title=info.text("title"),
            version=info.label("version"),
            description=info.text("description"),
            servers=tuple(self.servers.values()),
            security_schemes=self.schemes,
            security=self.security,
            operations=tuple(operations),
            schemas=self.context.schemas.build(),
            channels=self.channels,
            messages=self.messages,
            warnings=tuple(self.context.warnings.items),
        )

    def _declare_components(self) -> Node | None:
        components = self.root.mapping("components")
        if components is None:
            return None
        schemas = components.mapping("schemas")
        for name, node in schemas.entries() if schemas else ():
            if isinstance(node.value, dict) and "schemaFormat" in node.value:
                continue  # a multi-format schema (3.0); converted where used
            self.context.schemas.declare(name, node)
        self.schemes = self._security_schemes(components.mapping("securitySchemes"))
        return components

    def _security_schemes(self, node: Node | None) -> dict[str, SecurityScheme]:
        schemes: dict[str, SecurityScheme] = {}
        for name, raw in node.entries() if node else ():
            item = self.context.follow(raw).expect(dict)
            kind = item.text("type", required=True) or ""
            schemes[name] = SecurityScheme(
                name=name,
                type=_SCHEME_TYPES.get(kind, kind),
                description=item.text("description"),
                in_=item.text("in"),
                parameter_name=item.text("name"),
                scheme=item.text("scheme"),
                bearer_format=item.text("bearerFormat"),
                flows=read_oauth_flows(item.mapping("flows")),
                open_id_connect_url=item.text("openIdConnectUrl"),
                location=raw.location,
            )
        return schemes

    def _with_traits(self, node: Node, *, object_wins: bool) -> Node:
        """``node`` with its traits merged in (2.x: traits win; 3.0: the object wins)."""
        traits = node.sequence("traits")
        if traits is None:
            return node
        value = {k: v for k, v in node.value.items() if k != "traits"}
        for raw in traits.elements():
            trait = self.context.follow(raw).expect(dict).value
            value = _merge(trait, value) if object_wins else _merge(value, trait)
        return Node(node.document, node.path, value)

    def _schema(self, node: Node, schema_format: str | None) -> JsonSchema | None:
        dialect = Dialect.ASYNCAPI
        if schema_format is not None:
            found = next(
                (d for prefix, d in _JSON_SCHEMA_FORMATS if schema_format.startswith(prefix)), None
            )
            if found is None:
                self.context.warn(
                    node,
                    ContractWarningCode.UNSUPPORTED_FEATURE,
                    f"payload schema format '{schema_format}' is not imported; "
                    "only JSON Schema, AsyncAPI and OpenAPI schemas are",
                )
                return None
            dialect = found
        return self.context.schemas.convert(node, dialect)

    def _message(self, raw: Node, fallback: str, *, v3: bool) -> str:
        """Register the message at ``raw`` (following refs); its id in the registry."""
        target = self.context.follow(raw).expect(dict)
        key = (target.document.relative, target.path)
        if key in self.message_ids:
            return self.message_ids[key]
        node = self._with_traits(target, object_wins=v3)
        path = target.path
        if len(path) == 3 and path[:2] == ("components", "messages"):
            wanted = str(path[2])
        else:
            wanted = node.text("messageId") or (str(path[-1]) if v3 and path else None) or fallback
        message_id, counter = wanted, 1
        while message_id in self.messages:
            counter += 1
            message_id = f"{wanted}_{counter}"
        self.message_ids[key] = message_id
        schema_format = node.text("schemaFormat")
        payload: JsonSchema | None = None
        if node.has("payload"):
            payload_node = node.child("payload")
            if v3 and isinstance(payload_node.value, dict) and "schemaFormat" in payload_node.value:
                payload_node = self.context.follow(payload_node)
                schema_format = payload_node.text("schemaFormat")
                payload_node = payload_node.child("schema")
            payload = self._schema(payload_node, schema_format)
        headers = None
        if node.has("headers"):
            headers = self.context.schemas.convert(node.child("headers"))
        correlation = node.child("correlationId")
        correlation_id = None
        if correlation.value is not None:
            correlation_id = self.context.follow(correlation).expect(dict).text("location")
        self.messages[message_id] = Message(
            id=message_id,
            name=node.text("name"),
            title=node.text("title"),
            summary=node.text("summary"),
            description=node.text("description"),
            content_type=node.text("contentType") or self.default_content_type,
            payload=payload,
            headers=headers,
            correlation_id=correlation_id,
            examples=self._examples(node.sequence("examples")),
            deprecated=node.flag("deprecated"),
            bindings=self._bindings(node),
            location=target.location,
        )
        return message_id

    def _examples(self, node: Node | None) -> dict[str, Example]:
        examples: dict[str, Example] = {}
        for index, item in enumerate(node.elements() if node else ()):
            item.expect(dict)
            name = item.text("name") or f"example{index + 1}"
            headers = item.mapping("headers")
            examples[name] = Example(
                summary=item.text("summary"),
                value=item.value.get("payload"),
                headers=headers.value if headers else None,
            )
        return examples

    def _bindings(self, node: Node) -> dict[str, Any]:
        bindings = node.child("bindings")
        if bindings.value is None:
            return {}
        resolved = self.context.follow(bindings).expect(dict)
        return dict(resolved.value)

    def _transport(self, *binding_sets: dict[str, Any], servers: tuple[str, ...]) -> Transport:
        for bindings in binding_sets:
            for protocol in bindings:
                if protocol in _PROTOCOLS:
                    return _PROTOCOLS[protocol]
        candidates = [self.servers[name] for name in servers if name in self.servers] or list(
            self.servers.values()
        )
        for server in candidates:
            if server.protocol:
                return _PROTOCOLS.get(server.protocol.lower(), Transport.OTHER)
        return Transport.OTHER

    # --- AsyncAPI 2 ---------------------------------------------------------------------

    def read_v2(self) -> Contract:
        self._declare_components()
        servers = self.root.mapping("servers")
        for name, raw in servers.entries() if servers else ():
            item = self.context.follow(raw).expect(dict)
            self.servers[name] = Server(
                url=item.text("url", required=True) or "",
                name=name,
                description=item.text("description"),
                protocol=item.text("protocol"),
                protocol_version=item.label("protocolVersion"),
                variables=self._variables(item.mapping("variables")),
            )
            if not self.security and item.has("security"):
                self.security = read_security(item.sequence("security")) or ()
        operations: list[Operation] = []
        channels = self.root.mapping("channels")
        for address, raw in channels.entries() if channels else ():
            item = self.context.follow(raw).expect(dict)
            channel_servers = item.strings("servers")
            message_ids: list[str] = []
            for verb, action in _V2_ACTIONS:
                op_node = item.mapping(verb)
                if op_node is None:
                    continue
                operation = self._operation_v2(address, action, op_node, item, channel_servers)
                operations.append(operation)
                message_ids += [m for m in operation.messages if m not in message_ids]
            self.channels[address] = Channel(
                id=address,
                address=address,
                description=item.text("description"),
                parameters=self._channel_parameters(item.mapping("parameters")),
                messages=tuple(message_ids),
                servers=channel_servers,
                bindings=self._bindings(item),
                location=raw.location,
            )
        return self._contract(operations)

    def _operation_v2(
        self,
        address: str,
        action: Literal["send", "receive"],
        raw: Node,
        channel: Node,
        servers: tuple[str, ...],
    ) -> Operation:
        node = self._with_traits(raw, object_wins=False)
        wanted = node.text("operationId")
        operation_id = self.context.operation_id(wanted, f"{action} {address}", raw)
        messages: list[str] = []
        message = node.child("message")
        if message.value is not None:
            resolved = self.context.follow(message).expect(dict)
            alternatives = resolved.sequence("oneOf")
            if alternatives is not None:
                for index, alternative in enumerate(alternatives.elements()):
                    messages.append(
                        self._message(alternative, f"{operation_id}.message{index + 1}", v3=False)
                    )
            else:
                messages.append(self._message(message, f"{operation_id}.message", v3=False))
        bindings = self._bindings(node)
        return Operation(
            id=operation_id,
            transport=self._transport(bindings, self._bindings(channel), servers=servers),
            address=ChannelAddress(channel=address, address=address, action=action),
            summary=node.text("summary"),
            description=node.text("description"),
            tags=self._tags(node),
            messages=tuple(messages),
            security=read_security(node.sequence("security")),
            bindings=bindings,
            location=raw.location,
        )

    def _tags(self, node: Node) -> tuple[str, ...]:
        tags = node.sequence("tags")
        names = []
        for item in tags.elements() if tags else ():
            tag = self.context.follow(item).expect(dict)
            names.append(tag.text("name", required=True) or "")
        return tuple(names)

    def _variables(self, node: Node | None) -> dict[str, ServerVariable]:
        variables: dict[str, ServerVariable] = {}
        for name, raw in node.entries() if node else ():
            item = self.context.follow(raw).expect(dict)
            enum = item.sequence("enum")
            variables[name] = ServerVariable(
                default=item.label("default"),
                enum=tuple(str(v.value) for v in enum.elements()) if enum else (),
                description=item.text("description"),
            )
        return variables

    def _channel_parameters(self, node: Node | None) -> tuple[Parameter, ...]:
        parameters: list[Parameter] = []
        for name, raw in node.entries() if node else ():
            item = self.context.follow(raw).expect(dict)
            if item.has("schema"):  # AsyncAPI 2
                schema = self.context.schemas.convert(item.child("schema"))
            else:  # AsyncAPI 3: enum, default, examples of a string
                schema = {"type": "string"}
                enum = item.sequence("enum")
                if enum is not None:
                    schema["enum"] = [str(v.value) for v in enum.elements()]
                if item.has("default"):
                    schema["default"] = item.label("default")
                if item.sequence("examples") is not None:
                    schema["examples"] = item.value["examples"]
            parameters.append(
                Parameter(
                    name=name,
                    in_=ParameterIn.CHANNEL,
                    required=True,
                    json_schema=schema,
                    description=item.text("description"),
                    location=raw.location,
                )
            )
        return tuple(parameters)

    # --- AsyncAPI 3 ---------------------------------------------------------------------

    def read_v3(self) -> Contract:
        self._declare_components()
        servers = self.root.mapping("servers")
        server_names: dict[Path_, str] = {}
        for name, raw in servers.entries() if servers else ():
            item = self.context.follow(raw).expect(dict)
            server_names[item.path] = name
            server_names[raw.path] = name
            protocol = item.text("protocol", required=True) or ""
            host = item.text("host", required=True) or ""
            self.servers[name] = Server(
                url=f"{protocol}://{host}{item.text('pathname') or ''}",
                name=name,
                description=item.text("description"),
                protocol=protocol,
                protocol_version=item.label("protocolVersion"),
                variables=self._variables(item.mapping("variables")),
            )
            if not self.security and item.sequence("security") is not None:
                self.security = self._security_v3(item.sequence("security"))
        channel_ids: dict[tuple[str, Path_], str] = {}
        channels = self.root.mapping("channels")
        for channel_id, raw in channels.entries() if channels else ():
            item = self.context.follow(raw).expect(dict)
            channel_ids[(item.document.relative, item.path)] = channel_id
            channel_ids[(raw.document.relative, raw.path)] = channel_id
            message_nodes = item.mapping("messages")
            message_ids = tuple(
                self._message(message, f"{channel_id}.{name}", v3=True)
                for name, message in (message_nodes.entries() if message_nodes else ())
            )
            channel_servers = []
            server_refs = item.sequence("servers")
            for ref in server_refs.elements() if server_refs else ():
                target = self.context.follow(ref)
                channel_servers.append(server_names.get(target.path, pointer_of(target.path)))
            address = item.child("address")
            self.channels[channel_id] = Channel(
                id=channel_id,
                address=item.text("address") if address.value is not None else None,
                description=item.text("description"),
                parameters=self._channel_parameters(item.mapping("parameters")),
                messages=message_ids,
                servers=tuple(channel_servers),
                bindings=self._bindings(item),
                location=raw.location,
            )
        operations: list[Operation] = []
        op_nodes = self.root.mapping("operations")
        for operation_id, raw in op_nodes.entries() if op_nodes else ():
            operations.append(self._operation_v3(operation_id, raw, channel_ids))
        return self._contract(operations)

    def _security_v3(self, node: Node | None) -> tuple[SecurityRequirement, ...]:
        """3.0 security: a list of scheme references; all of them apply."""
        requirement: SecurityRequirement = {}
        for item in node.elements() if node else ():
            target = self.context.follow(item).expect(dict)
            if len(target.path) == 3 and target.path[:2] == ("components", "securitySchemes"):
                name = str(target.path[2])
            else:
                name = str(target.path[-1]) if target.path else "scheme"
            requirement[name] = target.strings("scopes")
        return (requirement,) if requirement else ()

    def _channel_of(
        self, node: Node, channel_ids: dict[tuple[str, Path_], str], *, required: bool
    ) -> str | None:
        channel = node.child("channel")
        if channel.value is None:
            if required:
                node.fail("'channel' is required here", hint="add channel: {$ref: '#/channels/…'}")
            return None
        target = self.context.follow(channel)
        found = channel_ids.get((target.document.relative, target.path))
        if found is None:
            channel.fail(
                "'channel' must refer to a channel of the document's 'channels'",
                hint="write channel: {$ref: '#/channels/NAME'}",
            )
        return found

    def _operation_v3(
        self, operation_id: str, raw: Node, channel_ids: dict[tuple[str, Path_], str]
    ) -> Operation:
        node = self._with_traits(self.context.follow(raw).expect(dict), object_wins=True)
        action = node.text("action", required=True)
        if action not in ("send", "receive"):
            node.child("action").fail(f"'action' must be send or receive, not '{action}'")
        channel_id = self._channel_of(node, channel_ids, required=True) or ""
        channel = self.channels[channel_id]
        messages = node.sequence("messages")
        message_ids = (
            tuple(self._message(m, f"{operation_id}.message", v3=True) for m in messages.elements())
            if messages is not None
            else channel.messages
        )
        reply_ids: tuple[str, ...] = ()
        reply = node.child("reply")
        if reply.value is not None:
            reply_node = self.context.follow(reply).expect(dict)
            reply_messages = reply_node.sequence("messages")
            reply_channel = self._channel_of(reply_node, channel_ids, required=False)
            if reply_messages is not None:
                reply_ids = tuple(
                    self._message(m, f"{operation_id}.reply", v3=True)
                    for m in reply_messages.elements()
                )
            elif reply_channel is not None:
                reply_ids = self.channels[reply_channel].messages
        bindings = self._bindings(node)
        security = self._security_v3(node.sequence("security")) if node.has("security") else None
        self.context.operation_ids.add(operation_id)
        return Operation(
            id=operation_id,
            transport=self._transport(bindings, channel.bindings, servers=channel.servers),
            address=ChannelAddress(
                channel=channel_id,
                address=channel.address,
                action="send" if action == "send" else "receive",
            ),
            summary=node.text("summary") or node.text("title"),
            description=node.text("description"),
            tags=self._tags(node),
            messages=message_ids,
            reply_messages=reply_ids,
            security=security,
            bindings=bindings,
            location=raw.location,
        )
