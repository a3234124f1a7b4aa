"""The canonical contract model as an OpenAPI 3.1 document.

HTTP operations map one to one (webhooks stay webhooks). Operations of other transports
become a documented JSON facade, so that any contract can be served and called as JSON:

- a SOAP operation is ``POST /{operationId}``: the input message's JSON Schema as the body,
  the output as the ``200`` answer, the faults as ``500``; ``x-interloom-soap`` keeps the SOAP
  action, port type, namespace and body elements the facade converts to and from XML;
- a GraphQL field is ``POST /graphql/{root}/{field}`` with its arguments as the body;
- an AsyncAPI operation is a webhook named after it whose body is its message payload,
  with ``x-interloom-channel`` saying which channel and direction.
"""

from __future__ import annotations

from typing import Any

from interloom.core.contracts.model import (
    ChannelAddress,
    Contract,
    Example,
    GraphQLAddress,
    HttpAddress,
    JsonSchema,
    MediaType,
    Operation,
    Parameter,
    RequestBody,
    Response,
    SecurityRequirement,
    SecurityScheme,
    Server,
    SoapAddress,
)

OPENAPI_VERSION = "3.1.0"
_JSON = "application/json"


def export_openapi(contract: Contract) -> dict[str, Any]:
    """``contract`` as an OpenAPI 3.1 document (plain data, ready for JSON or YAML)."""
    info: dict[str, Any] = {
        "title": contract.title or contract.file,
        "version": contract.version or "0.0.0",
    }
    if contract.description:
        info["description"] = contract.description
    document: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": info}
    if contract.servers and any(op.transport.value == "http" for op in contract.operations):
        document["servers"] = [_server(server) for server in contract.servers]
    if contract.security:
        document["security"] = [_requirement(r) for r in contract.security]
    paths: dict[str, dict[str, Any]] = {}
    webhooks: dict[str, dict[str, Any]] = {}
    for operation in contract.operations:
        address = operation.address
        if isinstance(address, HttpAddress):
            target = webhooks if address.webhook else paths
            target.setdefault(address.path, {})[address.method.lower()] = _operation(operation)
        elif isinstance(address, SoapAddress):
            paths[f"/{operation.id}"] = {"post": _soap_facade(operation, address)}
        elif isinstance(address, GraphQLAddress):
            path = f"/graphql/{address.root}/{address.field}"
            paths[path] = {"post": _graphql_facade(operation)}
        elif isinstance(address, ChannelAddress):
            webhooks[operation.id] = {"post": _channel_facade(contract, operation, address)}
    document["paths"] = paths
    if webhooks:
        document["webhooks"] = webhooks
    components: dict[str, Any] = {}
    if contract.schemas:
        components["schemas"] = {name: s.json_schema for name, s in contract.schemas.items()}
    if contract.security_schemes:
        components["securitySchemes"] = {
            name: _security_scheme(scheme) for name, scheme in contract.security_schemes.items()
        }
    if components:
        document["components"] = components
    return document


def _server(server: Server) -> dict[str, Any]:
    data: dict[str, Any] = {"url": server.url}
    if server.description:
        data["description"] = server.description
    if server.variables:
        data["variables"] = {
            name: _drop_none(
                {
                    "default": variable.default if variable.default is not None else "",
                    "enum": list(variable.enum) or None,
                    "description": variable.description,
                }
            )
            for name, variable in server.variables.items()
        }
    return data


def _requirement(requirement: SecurityRequirement) -> dict[str, list[str]]:
    return {name: list(scopes) for name, scopes in requirement.items()}


def _security_scheme(scheme: SecurityScheme) -> dict[str, Any]:
    data = _drop_none(
        {
            "type": scheme.type,
            "description": scheme.description,
            "in": scheme.in_,
            "name": scheme.parameter_name,
            "scheme": scheme.scheme,
            "bearerFormat": scheme.bearer_format,
            "openIdConnectUrl": scheme.open_id_connect_url,
        }
    )
    if scheme.flows:
        data["flows"] = {
            name: _drop_none(
                {
                    "authorizationUrl": flow.authorization_url,
                    "tokenUrl": flow.token_url,
                    "refreshUrl": flow.refresh_url,
                    "scopes": dict(flow.scopes),
                }
            )
            for name, flow in scheme.flows.items()
        }
    return data


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def _examples(examples: dict[str, Example]) -> dict[str, Any]:
    return {
        name: _drop_none(
            {
                "summary": example.summary,
                "description": example.description,
                "value": example.value,
                "externalValue": example.external_value,
            }
        )
        for name, example in examples.items()
    }


def _content(content: dict[str, MediaType]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for media_type, media in content.items():
        data: dict[str, Any] = {}
        if media.json_schema is not None:
            data["schema"] = media.json_schema
        if media.examples:
            data["examples"] = _examples(media.examples)
        out[media_type] = data
    return out


def _parameter(parameter: Parameter) -> dict[str, Any]:
    data: dict[str, Any] = {"name": parameter.name, "in": parameter.in_.value}
    if parameter.description:
        data["description"] = parameter.description
    if parameter.required:
        data["required"] = True
    if parameter.deprecated:
        data["deprecated"] = True
    if parameter.style is not None:
        data["style"] = parameter.style
    if parameter.explode is not None:
        data["explode"] = parameter.explode
    if parameter.json_schema is not None:
        data["schema"] = parameter.json_schema
    if parameter.examples:
        data["examples"] = _examples(parameter.examples)
    return data


def _request_body(body: RequestBody) -> dict[str, Any]:
    data: dict[str, Any] = {"content": _content(body.content)}
    if body.description:
        data["description"] = body.description
    if body.required:
        data["required"] = True
    return data


def _response(response: Response) -> dict[str, Any]:
    data: dict[str, Any] = {"description": response.description or ""}
    if response.headers:
        data["headers"] = {
            name: _drop_none(
                {
                    "description": header.description,
                    "required": header.required or None,
                    "deprecated": header.deprecated or None,
                    "schema": header.json_schema,
                }
            )
            for name, header in response.headers.items()
        }
    if response.content:
        data["content"] = _content(response.content)
    return data


def _operation(operation: Operation, *, keep_parameters: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {"operationId": operation.id}
    for key, value in (
        ("summary", operation.summary),
        ("description", operation.description),
    ):
        if value:
            data[key] = value
    if operation.tags:
        data["tags"] = list(operation.tags)
    if keep_parameters and operation.parameters:
        data["parameters"] = [_parameter(p) for p in operation.parameters]
    if operation.request_body is not None:
        data["requestBody"] = _request_body(operation.request_body)
    if operation.responses:  # optional since OpenAPI 3.1
        data["responses"] = {
            status: _response(response) for status, response in operation.responses.items()
        }
    if operation.security is not None:
        data["security"] = [_requirement(r) for r in operation.security]
    if operation.servers:
        data["servers"] = [_server(server) for server in operation.servers]
    if operation.deprecated:
        data["deprecated"] = True
    if operation.sunset:
        data["x-sunset"] = operation.sunset
    return data


def _as_json(content: dict[str, MediaType]) -> dict[str, MediaType]:
    """A body of any media type (SOAP XML…) as the JSON body of the facade."""
    for media in content.values():
        return {_JSON: media}
    return {}


def _soap_facade(operation: Operation, address: SoapAddress) -> dict[str, Any]:
    facade = operation.model_copy(
        update={
            "request_body": operation.request_body.model_copy(
                update={"content": _as_json(operation.request_body.content)}
            )
            if operation.request_body
            else None,
            "responses": {
                status: response.model_copy(update={"content": _as_json(response.content)})
                for status, response in operation.responses.items()
            },
        }
    )
    data = _operation(facade, keep_parameters=False)
    data["x-interloom-soap"] = address.model_dump(exclude={"kind"}, exclude_none=True)
    if operation.parameters:
        data["x-interloom-soap"]["headers"] = {
            p.name: p.json_schema for p in operation.parameters if p.json_schema is not None
        }
    return data


def _graphql_facade(operation: Operation) -> dict[str, Any]:
    properties: dict[str, JsonSchema] = {}
    required: list[str] = []
    for parameter in operation.parameters:
        properties[parameter.name] = parameter.json_schema or {}
        if parameter.required:
            required.append(parameter.name)
    body: JsonSchema = {"type": "object", "properties": properties}
    if required:
        body["required"] = required
    facade = operation.model_copy(
        update={
            "request_body": RequestBody(
                required=bool(required), content={_JSON: MediaType(json_schema=body)}
            )
        }
    )
    return _operation(facade, keep_parameters=False)


def _channel_facade(
    contract: Contract, operation: Operation, address: ChannelAddress
) -> dict[str, Any]:
    payloads = [
        contract.messages[m].payload or {} for m in operation.messages if m in contract.messages
    ]
    examples = {
        f"{m}.{name}": example
        for m in operation.messages
        if m in contract.messages
        for name, example in contract.messages[m].examples.items()
    }
    schema: JsonSchema | None = None
    if payloads:
        schema = payloads[0] if len(payloads) == 1 else {"oneOf": payloads}
    content_type = next(
        (contract.messages[m].content_type for m in operation.messages if m in contract.messages),
        None,
    )
    facade = operation.model_copy(
        update={
            "request_body": RequestBody(
                required=True,
                content={content_type or _JSON: MediaType(json_schema=schema, examples=examples)},
            ),
            "responses": {"200": Response(status="200", description="received")},
        }
    )
    data = _operation(facade, keep_parameters=False)
    data["x-interloom-channel"] = _drop_none(
        {
            "channel": address.channel,
            "address": address.address,
            "action": address.action,
            "transport": operation.transport.value,
            "messages": list(operation.messages),
        }
    )
    return data
