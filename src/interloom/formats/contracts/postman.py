"""Postman collections (v2.1, and v2.0) to the canonical contract model.

Each request, in whatever folder, is an HTTP operation; ``:name`` path segments and
``{{variable}}`` placeholders become ``{name}`` path parameters, enabled query entries and
headers parameters, the body an example of its media type, and saved responses the examples
of their status. Postman keeps no schemas, so bodies carry examples only.
"""

from __future__ import annotations

import json
import re
from typing import Any

from interloom.core.contracts.errors import ContractFormatError
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
    ServerVariable,
    Transport,
)
from interloom.formats.contracts.context import ImportContext, camel_case
from interloom.formats.contracts.documents import Document, Node
from interloom.formats.contracts.schema_registry import Dialect

_VARIABLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
_SCHEMA_VERSION = re.compile(r"/v(?P<version>\d+\.\d+\.\d+)/")
_STRING: JsonSchema = {"type": "string"}
_BINARY: JsonSchema = {"type": "string", "format": "binary"}
_AUTH_SCHEMES = {
    "basic": ("http", "basic"),
    "bearer": ("http", "bearer"),
    "digest": ("http", "digest"),
    "oauth2": ("oauth2", None),
    "apikey": ("apiKey", None),
}
_BODY_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "html": "text/html",
    "text": "text/plain",
    "javascript": "application/javascript",
}


def looks_like_postman(data: dict[str, Any]) -> bool:
    """Whether a mapping is a Postman collection."""
    info = data.get("info")
    if not isinstance(info, dict) or "item" not in data:
        return False
    schema = info.get("schema")
    return "_postman_id" in info or (isinstance(schema, str) and "getpostman.com" in schema)


def import_postman(document: Document) -> Contract:
    """A Postman collection as a contract."""
    root = document.root.expect(dict)
    info = root.mapping("info", required=True) or root
    schema_url = info.text("schema") or ""
    match = _SCHEMA_VERSION.search(schema_url)
    version = match["version"] if match else "2.1.0"
    if not version.startswith("2."):
        info.child("schema").fail(
            f"Postman collection format {version} is not supported",
            hint="export the collection as Collection v2.1 from Postman",
            error=ContractFormatError,
        )
    context = ImportContext.start(document, None, Dialect.DRAFT_2020_12)
    return _PostmanReader(context, version).read()


def _text(node: Node, key: str) -> str | None:
    """A Postman description: a string, or ``{content, type}``."""
    value = node.value.get(key) if isinstance(node.value, dict) else None
    if isinstance(value, dict):
        content = value.get("content")
        return content if isinstance(content, str) else None
    return value if isinstance(value, str) else None


def _enabled(node: Node | None) -> list[Node]:
    if node is None:
        return []
    entries = []
    for item in node.elements():
        item.expect(dict)
        if not item.flag("disabled"):
            entries.append(item)
    return entries


def _sample(text: str, media_type: str | None) -> Any:
    """A body as data when it is JSON, else as text."""
    if media_type is not None and "json" in media_type:
        try:
            return json.loads(_VARIABLE.sub(lambda m: f"{{{m[1]}}}", text))
        except ValueError:
            return text
    return text


class _PostmanReader:
    def __init__(self, context: ImportContext, version: str) -> None:
        self.context = context
        self.version = version
        self.root = context.document.root
        self.variables: dict[str, str] = {}
        for item in _enabled(self.root.sequence("variable")):
            key = item.label("key") or item.label("id")
            if key is not None:
                self.variables[key] = str(item.value.get("value") or "")
        self.servers: dict[str, Server] = {}
        self.schemes: dict[str, SecurityScheme] = {}

    def read(self) -> Contract:
        operations: list[Operation] = []
        default_auth = self._auth(self.root.child("auth"))
        self._items(self.root.sequence("item", required=True), default_auth, operations)
        info = self.root.child("info")
        return Contract(
            format=ContractFormat.POSTMAN,
            format_version=self.version,
            file=self.context.document.file,
            title=info.text("name"),
            version=info.label("version"),
            description=_text(info, "description"),
            servers=tuple(self.servers.values()),
            security_schemes=self.schemes,
            security=default_auth or (),
            operations=tuple(operations),
            warnings=tuple(self.context.warnings.items),
        )

    def _items(
        self,
        node: Node | None,
        auth: tuple[SecurityRequirement, ...] | None,
        out: list[Operation],
        folder: tuple[str, ...] = (),
    ) -> None:
        for item in node.elements() if node else ():
            item.expect(dict)
            name = item.label("name") or "request"
            own_auth = self._auth(item.child("auth"))
            if own_auth is None and isinstance(item.value.get("request"), dict):
                own_auth = self._auth(item.child("request").child("auth"))
            effective = own_auth if own_auth is not None else auth
            if item.has("item"):
                self._items(item.sequence("item"), effective, out, (*folder, name))
            elif item.has("request"):
                out.append(self._operation(item, name, folder, effective))

    def _auth(self, node: Node) -> tuple[SecurityRequirement, ...] | None:
        if node.value is None:
            return None
        node.expect(dict)
        kind = node.text("type", required=True) or ""
        if kind == "noauth":
            return ()
        scheme_type, scheme = _AUTH_SCHEMES.get(kind, (kind, None))
        name = f"{kind}Auth"
        if name not in self.schemes:
            settings = {
                entry.label("key"): entry.value.get("value")
                for entry in _enabled(node.sequence(kind))
            }
            flows = {}
            if kind == "oauth2":
                flows["authorizationCode"] = OAuthFlow(
                    authorization_url=_str(settings.get("authUrl")),
                    token_url=_str(settings.get("accessTokenUrl")),
                )
            self.schemes[name] = SecurityScheme(
                name=name,
                type=scheme_type,
                scheme=scheme,
                in_=(_str(settings.get("in")) or "header") if kind == "apikey" else None,
                parameter_name=_str(settings.get("key")) if kind == "apikey" else None,
                flows=flows,
                location=node.location,
            )
        return ({name: ()},)

    def _url(self, node: Node) -> tuple[str, list[Parameter], str | None]:
        """The path template, path and query parameters, and server of a request URL."""
        parameters: list[Parameter] = []
        url = node.child("url")
        query: list[tuple[str, Any, Node]] = []
        if isinstance(url.value, dict):
            raw = url.text("raw") or ""
            server, segments, _ = _split_raw(raw)
            host_value = url.value.get("host")
            if isinstance(host_value, list | str) and host_value:
                host = (
                    ".".join(map(str, host_value)) if isinstance(host_value, list) else host_value
                )
                protocol = url.text("protocol")
                server = f"{protocol}://{host}" if protocol else host
            path = url.value.get("path")
            if isinstance(path, list | str):
                segments = path.split("/") if isinstance(path, str) else [str(s) for s in path]
            for entry in _enabled(url.sequence("query")):
                query.append((entry.label("key") or "", entry.value.get("value"), entry))
            for variable in _enabled(url.sequence("variable")):
                parameters.append(
                    Parameter(
                        name=variable.label("key") or variable.label("id") or "",
                        in_=ParameterIn.PATH,
                        required=True,
                        json_schema=dict(_STRING),
                        description=_text(variable, "description"),
                        examples=_example(variable.value.get("value")),
                        location=variable.location,
                    )
                )
        else:
            server, segments, pairs = _split_raw(url.value if isinstance(url.value, str) else "")
            query = [(key, value, url) for key, value in pairs]
        template = []
        declared = {p.name for p in parameters}
        for segment in (s for s in segments if s):
            segment = _VARIABLE.sub(lambda m: f"{{{m[1]}}}", segment.split("?", 1)[0])
            if segment.startswith(":"):
                segment = f"{{{segment[1:]}}}"
            template.append(segment)
            for name in re.findall(r"\{([^}/]+)\}", segment):
                if name not in declared:
                    declared.add(name)
                    parameters.append(
                        Parameter(
                            name=name,
                            in_=ParameterIn.PATH,
                            required=True,
                            json_schema=dict(_STRING),
                            location=url.location,
                        )
                    )
        for key, value, entry in query:
            parameters.append(
                Parameter(
                    name=key,
                    in_=ParameterIn.QUERY,
                    json_schema=dict(_STRING),
                    description=_text(entry, "description") if entry is not url else None,
                    examples=_example(value),
                    location=entry.location,
                )
            )
        return "/" + "/".join(template), parameters, server or None

    def _server(self, host: str | None) -> None:
        if not host or host in self.servers:
            return
        variables = {}
        for name in _VARIABLE.findall(host):
            variables[name] = ServerVariable(default=self.variables.get(name))
        url = _VARIABLE.sub(lambda m: f"{{{m[1]}}}", host)
        self.servers[host] = Server(url=url, variables=variables)

    def _operation(
        self,
        item: Node,
        name: str,
        folder: tuple[str, ...],
        auth: tuple[SecurityRequirement, ...] | None,
    ) -> Operation:
        request = item.child("request")
        if isinstance(request.value, str):  # a bare URL: a GET without anything else
            request = Node(request.document, request.path, {"url": request.value})
        request.expect(dict)
        method = (request.text("method") or "GET").upper()
        path, parameters, host = self._url(request)
        self._server(host)
        content_type = None
        for header in _enabled(request.sequence("header")):
            key = header.label("key") or ""
            if key.lower() == "content-type":
                content_type = _str(header.value.get("value"))
                continue
            parameters.append(
                Parameter(
                    name=key,
                    in_=ParameterIn.HEADER,
                    json_schema=dict(_STRING),
                    description=_text(header, "description"),
                    examples=_example(header.value.get("value")),
                    location=header.location,
                )
            )
        wanted = camel_case(name)
        if wanted in self.context.operation_ids and folder:
            wanted = camel_case(" ".join((*folder, name)))
        return Operation(
            id=self.context.operation_id(wanted, wanted, item),
            transport=Transport.HTTP,
            address=HttpAddress(method=method, path=path),
            summary=name,
            description=_text(request, "description"),
            tags=folder[-1:],
            parameters=tuple(parameters),
            request_body=self._body(request.child("body"), content_type),
            responses=self._responses(item.sequence("response")),
            security=auth,
            location=item.location,
        )

    def _body(self, node: Node, content_type: str | None) -> RequestBody | None:
        if not isinstance(node.value, dict) or node.value.get("disabled") is True:
            return None
        mode = node.text("mode")
        value: Any = None
        schema: JsonSchema | None = None
        if mode == "raw":
            options = node.value.get("options")
            language = None
            if isinstance(options, dict) and isinstance(options.get("raw"), dict):
                language = options["raw"].get("language")
            media = content_type or _BODY_TYPES.get(str(language), "text/plain")
            value = _sample(node.text("raw") or "", media)
        elif mode in ("urlencoded", "formdata"):
            media = (
                "application/x-www-form-urlencoded"
                if mode == "urlencoded"
                else "multipart/form-data"
            )
            entries = _enabled(node.sequence(mode))
            value = {e.label("key") or "": e.value.get("value") for e in entries if not _is_file(e)}
            schema = {
                "type": "object",
                "properties": {
                    e.label("key") or "": dict(_BINARY if _is_file(e) else _STRING) for e in entries
                },
            }
        elif mode == "graphql":
            media = "application/json"
            value = node.value.get("graphql")
        elif mode == "file":
            media = content_type or "application/octet-stream"
        else:
            return None
        return RequestBody(
            required=True,
            content={
                media: MediaType(
                    json_schema=schema,
                    examples={"default": Example(value=value)} if value is not None else {},
                    location=node.location,
                )
            },
            location=node.location,
        )

    def _responses(self, node: Node | None) -> dict[str, Response]:
        responses: dict[str, Response] = {}
        for index, item in enumerate(node.elements() if node else ()):
            item.expect(dict)
            code = item.value.get("code")
            status = (
                str(code) if isinstance(code, int) and not isinstance(code, bool) else "default"
            )
            headers: dict[str, Header] = {}
            media = None
            for header in _enabled(item.sequence("header")):
                key = header.label("key") or ""
                if key.lower() == "content-type":
                    media = (_str(header.value.get("value")) or "").split(";", 1)[0] or None
                else:
                    headers[key] = Header(json_schema=dict(_STRING))
            if media is None:
                language = item.value.get("_postman_previewlanguage")
                media = _BODY_TYPES.get(str(language), "text/plain")
            name = item.label("name") or f"example{index + 1}"
            body = item.value.get("body")
            content: dict[str, MediaType] = {}
            previous = responses.get(status)
            if previous is not None:
                content = dict(previous.content)
                headers = {**previous.headers, **headers}
            if isinstance(body, str) and body:
                known = content.get(media, MediaType(location=item.location))
                examples = {**known.examples, name: Example(value=_sample(body, media))}
                content[media] = MediaType(examples=examples, location=known.location)
            responses[status] = Response(
                status=status,
                description=previous.description if previous else item.label("status"),
                content=content,
                headers=headers,
                location=previous.location if previous else item.location,
            )
        return responses


def _is_file(entry: Node) -> bool:
    return isinstance(entry.value, dict) and entry.value.get("type") == "file"


def _split_raw(raw: str) -> tuple[str, list[str], list[tuple[str, str]]]:
    """Server, path segments and query pairs of a raw URL (``{{baseUrl}}/orders/:id?x=1``)."""
    address, _, query = raw.split("#", 1)[0].partition("?")
    scheme = ""
    if "://" in address:
        scheme, address = address.split("://", 1)
    host, _, path = address.partition("/")
    server = f"{scheme}://{host}" if scheme and host else host
    pairs = [(k, v) for k, _, v in (p.partition("=") for p in query.split("&") if p)]
    return server, [s for s in path.split("/") if s], pairs


def _example(value: Any) -> dict[str, Example]:
    return {"default": Example(value=value)} if value not in (None, "") else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
