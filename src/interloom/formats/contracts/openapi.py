"""OpenAPI 3.0 and 3.1 (and Swagger 2.0, through ``swagger``) to the canonical contract model.

Path operations and 3.1 webhooks become operations; ``components/schemas`` the schema
registry; parameters, request bodies, responses and headers reached through ``$ref`` (local or
in another file) are resolved in place, since only schemas need names of their own.
OpenAPI 3.2 documents are read with the 3.1 rules plus the ``query`` method.
"""

from __future__ import annotations

import re

from interloom.core.contracts.errors import ContractFormatError, ContractWarningCode
from interloom.core.contracts.model import (
    Contract,
    ContractFormat,
    Header,
    HttpAddress,
    JsonSchema,
    MediaType,
    Operation,
    Parameter,
    ParameterIn,
    RequestBody,
    Response,
    SecurityScheme,
    Server,
    Transport,
)
from interloom.formats.contracts.context import (
    ImportContext,
    check_security,
    read_examples,
    read_oauth_flows,
    read_security,
    read_servers,
)
from interloom.formats.contracts.documents import Document, Node
from interloom.formats.contracts.references import ResolveFile
from interloom.formats.contracts.schema_registry import Dialect

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_VERSION = re.compile(r"^3\.(?P<minor>[0-2])(\.\d+)?(-[0-9A-Za-z.-]+)?$")
_PATH_ITEM_FIELDS = {"$ref", "summary", "description", "servers", "parameters", *HTTP_METHODS}
_OPERATION_FIELDS = {
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "callbacks",
    "deprecated",
    "security",
    "servers",
}
_PARAMETER_FIELDS = {
    "name",
    "in",
    "description",
    "required",
    "deprecated",
    "allowEmptyValue",
    "style",
    "explode",
    "allowReserved",
    "schema",
    "example",
    "examples",
    "content",
}
_PARAMETER_PLACES = ("path", "query", "header", "cookie")
_TEMPLATE = re.compile(r"\{([^}/]+)\}")


def import_openapi(document: Document, resolve_file: ResolveFile | None = None) -> Contract:
    """An OpenAPI 3.x document as a contract."""
    root = document.root.expect(dict)
    version = root.label("openapi", required=True) or ""
    match = _VERSION.match(version)
    if match is None:
        root.child("openapi").fail(
            f"OpenAPI {version} is not supported",
            hint="Interloom reads OpenAPI 2.0 (swagger), 3.0, 3.1 and 3.2",
            error=ContractFormatError,
        )
    minor = int(match["minor"])
    context = ImportContext.start(
        document, resolve_file, Dialect.OPENAPI_30 if minor == 0 else Dialect.OPENAPI_31
    )
    return _OpenApiReader(context, version, minor).read()


class _OpenApiReader:
    def __init__(self, context: ImportContext, version: str, minor: int) -> None:
        self.context = context
        self.version = version
        self.methods = (*HTTP_METHODS, "query") if minor >= 2 else HTTP_METHODS
        self.root = context.document.root
        self.schemes: dict[str, SecurityScheme] = {}

    def read(self) -> Contract:
        root, context = self.root, self.context
        info = root.mapping("info") or root.child("info")
        components = root.mapping("components")
        if components is not None:
            schemas = components.mapping("schemas")
            for name, node in schemas.entries() if schemas else ():
                context.schemas.declare(name, node)
            self.schemes = self._security_schemes(components.mapping("securitySchemes"))
        security = read_security(root.sequence("security"))
        check_security(security, self.schemes, root.child("security"), context)
        operations: list[Operation] = []
        paths = root.mapping("paths")
        for path, item in paths.entries() if paths else ():
            if not path.startswith("/"):
                context.warn(
                    item, ContractWarningCode.UNKNOWN_FIELD, f"path '{path}' must start with '/'"
                )
            operations += self._path_item(path, item, security, webhook=False)
        webhooks = root.mapping("webhooks")
        for name, item in webhooks.entries() if webhooks else ():
            operations += self._path_item(name, item, security, webhook=True)
        return Contract(
            format=ContractFormat.OPENAPI,
            format_version=self.version,
            file=context.document.file,
            title=info.text("title"),
            version=info.label("version"),
            description=info.text("description"),
            servers=read_servers(root.sequence("servers")),
            security_schemes=self.schemes,
            security=security or (),
            operations=tuple(operations),
            schemas=context.schemas.build(),
            warnings=tuple(context.warnings.items),
        )

    def _security_schemes(self, node: Node | None) -> dict[str, SecurityScheme]:
        schemes: dict[str, SecurityScheme] = {}
        for name, raw in node.entries() if node else ():
            item = self.context.follow(raw).expect(dict)
            schemes[name] = SecurityScheme(
                name=name,
                type=item.text("type", required=True) or "",
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

    def _path_item(
        self,
        path: str,
        raw: Node,
        security: tuple[dict[str, tuple[str, ...]], ...] | None,
        *,
        webhook: bool,
    ) -> list[Operation]:
        context = self.context
        item = context.follow(raw).expect(dict)
        context.check_fields(item, (*_PATH_ITEM_FIELDS, *self.methods), "a path item")
        shared = self._parameters(item.sequence("parameters"))
        servers = read_servers(item.sequence("servers"))
        operations = []
        for method in self.methods:
            node = item.mapping(method)
            if node is None:
                continue
            operations.append(
                self._operation(path, method, node, shared, servers, security, webhook=webhook)
            )
        return operations

    def _operation(
        self,
        path: str,
        method: str,
        node: Node,
        shared: list[Parameter],
        servers: tuple[Server, ...],
        security: tuple[dict[str, tuple[str, ...]], ...] | None,
        *,
        webhook: bool,
    ) -> Operation:
        context = self.context
        context.check_fields(node, _OPERATION_FIELDS, "an operation")
        own = self._parameters(node.sequence("parameters"))
        keys = {(p.name, p.in_) for p in own}
        parameters = [p for p in shared if (p.name, p.in_) not in keys] + own
        if not webhook:
            self._check_path_parameters(path, parameters, node)
        if node.has("callbacks"):
            context.warn(
                node.child("callbacks"),
                ContractWarningCode.UNSUPPORTED_FEATURE,
                "callbacks are not imported",
            )
        op_security = read_security(node.sequence("security"))
        check_security(op_security, self.schemes, node.child("security"), context)
        body = node.child("requestBody") if node.has("requestBody") else None
        return Operation(
            id=context.operation_id(node.text("operationId"), f"{method.upper()} {path}", node),
            transport=Transport.HTTP,
            address=HttpAddress(method=method.upper(), path=path, webhook=webhook),
            summary=node.text("summary"),
            description=node.text("description"),
            tags=node.strings("tags"),
            parameters=tuple(parameters),
            request_body=self._request_body(body) if body is not None else None,
            responses=self._responses(node.mapping("responses")),
            security=op_security if op_security is not None else security,
            servers=read_servers(node.sequence("servers")) or servers,
            deprecated=node.flag("deprecated"),
            sunset=node.label("x-sunset"),
            location=node.location,
        )

    def _check_path_parameters(self, path: str, parameters: list[Parameter], node: Node) -> None:
        declared = {p.name for p in parameters if p.in_ is ParameterIn.PATH}
        named = set(_TEMPLATE.findall(path))
        for name in sorted(named - declared):
            self.context.warn(
                node,
                ContractWarningCode.PATH_PARAMETER_MISMATCH,
                f"path '{path}' names '{{{name}}}', which no path parameter declares",
            )
        for name in sorted(declared - named):
            self.context.warn(
                node,
                ContractWarningCode.PATH_PARAMETER_MISMATCH,
                f"path parameter '{name}' does not appear in the path '{path}'",
            )

    def _parameters(self, node: Node | None) -> list[Parameter]:
        parameters: list[Parameter] = []
        for raw in node.elements() if node else ():
            item = self.context.follow(raw).expect(dict)
            self.context.check_fields(item, _PARAMETER_FIELDS, "a parameter")
            where = item.text("in", required=True) or ""
            if where not in _PARAMETER_PLACES:
                item.child("in").fail(f"'in' must be path, query, header or cookie, not '{where}'")
            kind = ParameterIn(where)
            parameters.append(
                Parameter(
                    name=item.text("name", required=True) or "",
                    in_=kind,
                    required=kind is ParameterIn.PATH or item.flag("required"),
                    json_schema=self._schema_or_content(item),
                    description=item.text("description"),
                    deprecated=item.flag("deprecated"),
                    style=item.text("style"),
                    explode=item.flag("explode") if item.has("explode") else None,
                    examples=read_examples(item, self.context),
                    location=item.location,
                )
            )
        return parameters

    def _schema_or_content(self, item: Node) -> JsonSchema | None:
        if item.has("schema"):
            return self.context.schemas.convert(item.child("schema"))
        content = item.mapping("content")
        for _, media in content.entries() if content else ():
            media.expect(dict)
            if media.has("schema"):
                return self.context.schemas.convert(media.child("schema"))
        return None

    def _content(self, node: Node | None) -> dict[str, MediaType]:
        content: dict[str, MediaType] = {}
        for media_type, raw in node.entries() if node else ():
            media = raw.expect(dict)
            content[media_type] = MediaType(
                json_schema=(
                    self.context.schemas.convert(media.child("schema"))
                    if media.has("schema")
                    else None
                ),
                examples=read_examples(media, self.context),
                location=media.location,
            )
        return content

    def _request_body(self, raw: Node) -> RequestBody:
        node = self.context.follow(raw).expect(dict)
        return RequestBody(
            required=node.flag("required"),
            description=node.text("description"),
            content=self._content(node.mapping("content")),
            location=node.location,
        )

    def _responses(self, node: Node | None) -> dict[str, Response]:
        responses: dict[str, Response] = {}
        for status, raw in node.entries() if node else ():
            if status.startswith("x-"):
                continue
            item = self.context.follow(raw).expect(dict)
            headers: dict[str, Header] = {}
            header_nodes = item.mapping("headers")
            for name, header_raw in header_nodes.entries() if header_nodes else ():
                header = self.context.follow(header_raw).expect(dict)
                headers[name] = Header(
                    json_schema=self._schema_or_content(header),
                    required=header.flag("required"),
                    description=header.text("description"),
                    deprecated=header.flag("deprecated"),
                )
            responses[status] = Response(
                status=status,
                description=item.text("description"),
                content=self._content(item.mapping("content")),
                headers=headers,
                location=item.location,
            )
        return responses
