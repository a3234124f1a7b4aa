"""Swagger (OpenAPI 2.0) to the canonical contract model, in the shape OpenAPI 3 gives.

``in: body`` parameters become the request body (one media type per ``consumes``),
``in: formData`` parameters a form body, ``definitions`` the schema registry, ``host``,
``basePath`` and ``schemes`` the servers, ``securityDefinitions`` the security schemes.
"""

from __future__ import annotations

from typing import Any

from interloom.core.contracts.errors import ContractFormatError, ContractWarningCode
from interloom.core.contracts.model import (
    Contract,
    ContractFormat,
    Example,
    Header,
    HttpAddress,
    JsonSchema,
    MediaType,
    OAuthFlow,
    Operation,
    Parameter,
    ParameterIn,
    RequestBody,
    Response,
    SecurityRequirement,
    SecurityScheme,
    Server,
    Transport,
)
from interloom.formats.contracts.context import ImportContext, check_security, read_security
from interloom.formats.contracts.documents import Document, Node
from interloom.formats.contracts.openapi import HTTP_METHODS
from interloom.formats.contracts.references import ResolveFile
from interloom.formats.contracts.schema_registry import Dialect

_SIMPLE_SCHEMA_KEYS = (
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
    "x-nullable",
)
_COLLECTION_STYLES = {
    "csv": (None, False),
    "multi": ("form", True),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
}
_OAUTH_FLOWS = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}
_JSON = "application/json"


def import_swagger(document: Document, resolve_file: ResolveFile | None = None) -> Contract:
    """A Swagger 2.0 document as a contract."""
    root = document.root.expect(dict)
    version = root.label("swagger", required=True)
    if version not in ("2.0", "2"):
        root.child("swagger").fail(
            f"Swagger {version} is not supported",
            hint="Interloom reads Swagger 2.0; convert older specifications with swagger2openapi",
            error=ContractFormatError,
        )
    context = ImportContext.start(document, resolve_file, Dialect.SWAGGER_2)
    return _SwaggerReader(context).read()


class _SwaggerReader:
    def __init__(self, context: ImportContext) -> None:
        self.context = context
        self.root = context.document.root
        self.consumes = self.root.strings("consumes") or (_JSON,)
        self.produces = self.root.strings("produces") or (_JSON,)
        self.schemes: dict[str, SecurityScheme] = {}

    def read(self) -> Contract:
        root, context = self.root, self.context
        info = root.mapping("info") or root.child("info")
        definitions = root.mapping("definitions")
        for name, node in definitions.entries() if definitions else ():
            context.schemas.declare(name, node)
        self.schemes = self._security_schemes(root.mapping("securityDefinitions"))
        security = read_security(root.sequence("security"))
        check_security(security, self.schemes, root.child("security"), context)
        operations: list[Operation] = []
        paths = root.mapping("paths")
        for path, raw in paths.entries() if paths else ():
            if path.startswith("x-"):
                continue
            path_item = context.follow(raw).expect(dict)
            shared = path_item.sequence("parameters")
            for method in HTTP_METHODS:
                found = path_item.mapping(method)
                if found is not None:
                    operations.append(self._operation(path, method, found, shared, security))
        return Contract(
            format=ContractFormat.OPENAPI,
            format_version="2.0",
            file=context.document.file,
            title=info.text("title"),
            version=info.label("version"),
            description=info.text("description"),
            servers=self._servers(),
            security_schemes=self.schemes,
            security=security or (),
            operations=tuple(operations),
            schemas=context.schemas.build(),
            warnings=tuple(context.warnings.items),
        )

    def _servers(self) -> tuple[Server, ...]:
        host = self.root.text("host")
        base_path = self.root.text("basePath") or ""
        if host is None:
            return (Server(url=base_path),) if base_path else ()
        schemes = self.root.strings("schemes") or ("https",)
        return tuple(Server(url=f"{scheme}://{host}{base_path}") for scheme in schemes)

    def _security_schemes(self, node: Node | None) -> dict[str, SecurityScheme]:
        schemes: dict[str, SecurityScheme] = {}
        for name, item in node.entries() if node else ():
            item.expect(dict)
            kind = item.text("type", required=True)
            flows: dict[str, OAuthFlow] = {}
            if kind == "oauth2":
                flow = item.text("flow") or "implicit"
                scopes = item.mapping("scopes")
                flows[_OAUTH_FLOWS.get(flow, flow)] = OAuthFlow(
                    authorization_url=item.text("authorizationUrl"),
                    token_url=item.text("tokenUrl"),
                    scopes={k: str(v.value or "") for k, v in scopes.entries()} if scopes else {},
                )
            schemes[name] = SecurityScheme(
                name=name,
                type="http" if kind == "basic" else kind or "",
                scheme="basic" if kind == "basic" else None,
                description=item.text("description"),
                in_=item.text("in"),
                parameter_name=item.text("name"),
                flows=flows,
                location=item.location,
            )
        return schemes

    def _operation(
        self,
        path: str,
        method: str,
        node: Node,
        shared: Node | None,
        security: tuple[SecurityRequirement, ...] | None,
    ) -> Operation:
        context = self.context
        consumes = node.strings("consumes") or self.consumes
        produces = node.strings("produces") or self.produces
        raw = [context.follow(p).expect(dict) for p in shared.elements()] if shared else []
        own_node = node.sequence("parameters")
        own = [context.follow(p).expect(dict) for p in own_node.elements()] if own_node else []
        own_keys = {(p.text("name"), p.text("in")) for p in own}
        items = [p for p in raw if (p.text("name"), p.text("in")) not in own_keys] + own
        parameters: list[Parameter] = []
        body: RequestBody | None = None
        form: list[Node] = []
        for item in items:
            where = item.text("in", required=True)
            if where == "body":
                body = RequestBody(
                    required=item.flag("required"),
                    description=item.text("description"),
                    content={
                        media: MediaType(
                            json_schema=context.schemas.convert(item.child("schema")),
                            location=item.location,
                        )
                        for media in consumes
                    }
                    if item.has("schema")
                    else {media: MediaType(location=item.location) for media in consumes},
                    location=item.location,
                )
            elif where == "formData":
                form.append(item)
            elif where in ("path", "query", "header"):
                parameters.append(self._parameter(item, ParameterIn(where)))
            else:
                item.child("in").fail(
                    f"'in' must be body, formData, path, query or header, not '{where}'"
                )
        if form:
            body = self._form_body(form, consumes)
        op_security = read_security(node.sequence("security"))
        check_security(op_security, self.schemes, node.child("security"), context)
        return Operation(
            id=context.operation_id(node.text("operationId"), f"{method.upper()} {path}", node),
            transport=Transport.HTTP,
            address=HttpAddress(method=method.upper(), path=path),
            summary=node.text("summary"),
            description=node.text("description"),
            tags=node.strings("tags"),
            parameters=tuple(parameters),
            request_body=body,
            responses=self._responses(node.mapping("responses"), produces),
            security=op_security if op_security is not None else security,
            deprecated=node.flag("deprecated"),
            sunset=node.label("x-sunset"),
            location=node.location,
        )

    def _simple_schema(self, item: Node) -> JsonSchema:
        """The JSON Schema of a non-body parameter or a header (their schema keys inline)."""
        keys = {k: item.value[k] for k in _SIMPLE_SCHEMA_KEYS if k in item.value}
        return self.context.schemas.convert(Node(item.document, item.path, keys))

    def _parameter(self, item: Node, where: ParameterIn) -> Parameter:
        style, explode = None, None
        collection = item.text("collectionFormat")
        if collection is not None and collection in _COLLECTION_STYLES:
            style, explode = _COLLECTION_STYLES[collection]
        elif collection is not None:
            self.context.warn(
                item.child("collectionFormat"),
                ContractWarningCode.UNSUPPORTED_FEATURE,
                f"collectionFormat '{collection}' has no OpenAPI 3 equivalent",
            )
        examples = (
            {"default": Example(value=item.value["x-example"])} if item.has("x-example") else {}
        )
        return Parameter(
            name=item.text("name", required=True) or "",
            in_=where,
            required=where is ParameterIn.PATH or item.flag("required"),
            json_schema=self._simple_schema(item),
            description=item.text("description"),
            style=style,
            explode=explode,
            examples=examples,
            location=item.location,
        )

    def _form_body(self, fields: list[Node], consumes: tuple[str, ...]) -> RequestBody:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for item in fields:
            name = item.text("name", required=True) or ""
            properties[name] = self._simple_schema(item)
            if item.text("description"):
                properties[name]["description"] = item.text("description")
            if item.flag("required"):
                required.append(name)
        has_file = any(item.value.get("type") == "file" for item in fields)
        media = (
            "multipart/form-data"
            if has_file or "multipart/form-data" in consumes
            else "application/x-www-form-urlencoded"
        )
        schema: JsonSchema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        return RequestBody(
            required=bool(required),
            content={media: MediaType(json_schema=schema, location=fields[0].location)},
            location=fields[0].location,
        )

    def _responses(self, node: Node | None, produces: tuple[str, ...]) -> dict[str, Response]:
        responses: dict[str, Response] = {}
        for status, raw in node.entries() if node else ():
            if status.startswith("x-"):
                continue
            item = self.context.follow(raw).expect(dict)
            examples = item.mapping("examples")
            samples = dict(examples.entries()) if examples else {}
            content: dict[str, MediaType] = {}
            if item.has("schema"):
                schema = self.context.schemas.convert(item.child("schema"))
                for media in produces:
                    sample = samples.get(media)
                    content[media] = MediaType(
                        json_schema=schema,
                        examples={"default": Example(value=sample.value)} if sample else {},
                        location=item.child("schema").location,
                    )
            headers: dict[str, Header] = {}
            header_nodes = item.mapping("headers")
            for name, header in header_nodes.entries() if header_nodes else ():
                header.expect(dict)
                headers[name] = Header(
                    json_schema=self._simple_schema(header),
                    description=header.text("description"),
                )
            responses[status] = Response(
                status=status,
                description=item.text("description"),
                content=content,
                headers=headers,
                location=item.location,
            )
        return responses
