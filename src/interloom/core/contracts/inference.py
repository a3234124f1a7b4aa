"""A draft contract from recorded traffic.

Exchanges are folded one at a time into statistics per method and path key (so a recording of
any length takes memory in proportion to its distinct operations, not its exchanges); then
paths are templated (:mod:`interloom.core.contracts.path_templates`) and the statistics of one
template merged into one operation:

- query parameters: required when present in every call, typed from their values;
- path parameters: typed from the identifiers seen (``integer``, ``uuid``…);
- bodies per media type: JSON samples merged by genson into one JSON Schema (a property is
  required when every sample has it; ``1`` and ``1.5`` make a ``number``), form bodies as
  objects of strings, text as ``string``;
- responses per status code, with their media types and schemas;
- ``Authorization: Bearer``/``Basic`` and API-key headers as security schemes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from genson import SchemaBuilder  # type: ignore[import-untyped]

from interloom.core.contracts.model import (
    Contract,
    ContractFormat,
    Example,
    HttpAddress,
    JsonSchema,
    MediaType,
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
from interloom.core.contracts.path_templates import (
    IdSegment,
    NamedSegment,
    PathKey,
    PathTemplate,
    PathTemplater,
    SegmentKind,
    singular,
)
from interloom.core.contracts.traffic import Body, Exchange, media_type_of

_FORM = "application/x-www-form-urlencoded"
_API_KEY_HEADERS = ("x-api-key", "api-key", "apikey", "x-apikey")
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_VERSION = re.compile(r"v[0-9]+(?:\.[0-9]+)*", re.IGNORECASE)
_METHOD_VERBS = {"GET": "get", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}


_MAX_DEPTH = 64
"""Samples nested deeper are counted but not merged: genson recurses once per level."""


def _deeper_than(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def _new_builder() -> Any:
    return SchemaBuilder(schema_uri=None)


@dataclass(slots=True)
class _BodyStats:
    """The samples of one media type of one body."""

    count: int = 0
    json: Any = None
    """A genson builder, for JSON and form bodies."""
    text: bool = False
    example: Any = None
    has_example: bool = False

    def add(self, body: Body, media_type: str, keep_example: bool) -> None:
        self.count += 1
        if body.truncated:
            return
        if media_type == _FORM:
            value: Any = dict(parse_qsl(body.data().decode("utf-8", "replace")))
            parsed = True
        elif body.is_json or media_type == "application/json":
            parsed, value = body.json_value()
        else:
            parsed, value = False, None
        if parsed and not _deeper_than(value, _MAX_DEPTH):
            if self.json is None:
                self.json = _new_builder()
            self.json.add_object(value)
            if keep_example and not self.has_example:
                self.example, self.has_example = value, True
        elif media_type.startswith("text/"):
            self.text = True

    def merge(self, other: _BodyStats) -> None:
        self.count += other.count
        self.text = self.text or other.text
        if other.json is not None:
            if self.json is None:
                self.json = _new_builder()
            self.json.add_schema(other.json.to_schema())
        if not self.has_example and other.has_example:
            self.example, self.has_example = other.example, True

    def media(self) -> MediaType:
        schema: JsonSchema | None = None
        if self.json is not None:
            schema = self.json.to_schema()
            schema.pop("$schema", None)
        elif self.text:
            schema = {"type": "string"}
        examples = {"recorded": Example(value=self.example)} if self.has_example else {}
        return MediaType(json_schema=schema, examples=examples)


def _add_body(
    content: dict[str, _BodyStats], body: Body, headers_type: str | None, keep: bool
) -> None:
    media_type = body.media_type or media_type_of(headers_type)
    if media_type is None:
        parsed, _ = body.json_value()
        media_type = "application/json" if parsed else "application/octet-stream"
    content.setdefault(media_type, _BodyStats()).add(body, media_type, keep)


def _merge_content(into: dict[str, _BodyStats], other: dict[str, _BodyStats]) -> None:
    for media_type, stats in other.items():
        into.setdefault(media_type, _BodyStats()).merge(stats)


@dataclass(slots=True)
class _QueryStats:
    present: int = 0
    kinds: set[str] = field(default_factory=set)
    repeated: bool = False

    def merge(self, other: _QueryStats) -> None:
        self.present += other.present
        self.kinds |= other.kinds
        self.repeated = self.repeated or other.repeated


def _scalar_kind(value: str) -> str:
    if value in ("true", "false"):
        return "boolean"
    if _INTEGER.fullmatch(value):
        return "integer"
    if _NUMBER.fullmatch(value):
        return "number"
    return "string"


def _scalar_schema(kinds: set[str]) -> JsonSchema:
    if not kinds or "string" in kinds or ("boolean" in kinds and len(kinds) > 1):
        return {"type": "string"}
    if kinds == {"integer"}:
        return {"type": "integer"}
    if kinds <= {"integer", "number"}:
        return {"type": "number"}
    return {"type": "boolean"}


@dataclass(slots=True)
class _ResponseStats:
    count: int = 0
    reason: str | None = None
    content: dict[str, _BodyStats] = field(default_factory=dict)

    def merge(self, other: _ResponseStats) -> None:
        self.count += other.count
        self.reason = self.reason or other.reason
        _merge_content(self.content, other.content)


@dataclass(slots=True)
class _OperationStats:
    """Everything seen for one method on one path key."""

    calls: int = 0
    query: dict[str, _QueryStats] = field(default_factory=dict)
    with_body: int = 0
    request: dict[str, _BodyStats] = field(default_factory=dict)
    responses: dict[int, _ResponseStats] = field(default_factory=dict)
    auth: Counter[str] = field(default_factory=Counter)

    def merge(self, other: _OperationStats) -> None:
        self.calls += other.calls
        for name, stats in other.query.items():
            self.query.setdefault(name, _QueryStats()).merge(stats)
        self.with_body += other.with_body
        _merge_content(self.request, other.request)
        for status, response in other.responses.items():
            self.responses.setdefault(status, _ResponseStats()).merge(response)
        self.auth.update(other.auth)


@dataclass(frozen=True, slots=True)
class InferredOperation:
    """An operation of the draft, with how often it was seen."""

    id: str
    method: str
    path: str
    calls: int
    statuses: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Inference:
    """The draft contract and what it was made from."""

    contract: Contract
    exchanges: int
    skipped: int
    operations: tuple[InferredOperation, ...]


class ContractInference:
    """Fold exchanges in with :meth:`add`; :meth:`build` the draft contract."""

    def __init__(
        self,
        *,
        templates: Iterable[str] = (),
        base_path: str | None = None,
        min_variants: int = 3,
        examples: bool = False,
    ) -> None:
        self._templater = PathTemplater(tuple(templates), min_variants=min_variants)
        self._base = "/" + base_path.strip("/") if base_path and base_path.strip("/") else ""
        self._examples = examples
        self._stats: dict[tuple[str, PathKey], _OperationStats] = {}
        self._origins: Counter[str] = Counter()
        self.exchanges = 0
        self.skipped = 0

    def add(self, exchange: Exchange) -> bool:
        """Fold ``exchange`` in; ``False`` when it is left out (outside the base path, or a
        CORS preflight)."""
        request, response = exchange.request, exchange.response
        method = request.method.upper()
        path = request.path
        if method == "OPTIONS" and request.header("access-control-request-method"):
            self.skipped += 1
            return False
        if self._base:
            if path != self._base and not path.startswith(self._base + "/"):
                self.skipped += 1
                return False
            path = path[len(self._base) :] or "/"
        self.exchanges += 1
        if request.origin:
            self._origins[request.origin + self._base] += 1
        key = self._templater.add(path)
        stats = self._stats.setdefault((method, key), _OperationStats())
        stats.calls += 1
        counts = Counter(name for name, _ in request.query)
        for name, value in request.query:
            query = stats.query.setdefault(name, _QueryStats())
            query.kinds.add(_scalar_kind(value))
            query.repeated = query.repeated or counts[name] > 1
        for name in counts:
            stats.query[name].present += 1
        if request.body is not None:
            stats.with_body += 1
            _add_body(stats.request, request.body, request.header("content-type"), self._examples)
        answer = stats.responses.setdefault(response.status, _ResponseStats())
        answer.count += 1
        answer.reason = answer.reason or response.reason
        if response.body is not None:
            content_type = response.header("content-type")
            _add_body(answer.content, response.body, content_type, self._examples)
        scheme = _auth_scheme(exchange)
        if scheme is not None:
            stats.auth[scheme] += 1
        return True

    def build(
        self, *, title: str | None = None, version: str = "0.1.0", file: str = "inferred.yaml"
    ) -> Inference:
        """The draft contract of everything added so far."""
        templates = self._templater.build()
        merged: dict[tuple[str, str], tuple[PathTemplate, _OperationStats]] = {}
        for (method, key), stats in self._stats.items():
            template = templates[key]
            entry = merged.get((method, template.path))
            if entry is None:
                entry = (template, _OperationStats())
                merged[(method, template.path)] = entry
            entry[1].merge(stats)
        ordered = sorted(merged.items(), key=lambda item: (item[0][1], _method_rank(item[0][0])))
        used_ids: set[str] = set()
        operations: list[Operation] = []
        summaries: list[InferredOperation] = []
        schemes: dict[str, SecurityScheme] = {}
        for (method, path), (template, stats) in ordered:
            operation_id = _unique_id(_operation_id(method, path), used_ids)
            security = _security(stats, schemes)
            operations.append(
                Operation(
                    id=operation_id,
                    transport=Transport.HTTP,
                    address=HttpAddress(method=method, path=path),
                    tags=_tags(path),
                    parameters=_parameters(template, stats),
                    request_body=_request_body(stats),
                    responses=_responses(stats),
                    security=security,
                )
            )
            summaries.append(
                InferredOperation(
                    id=operation_id,
                    method=method,
                    path=path,
                    calls=stats.calls,
                    statuses=tuple(sorted(stats.responses)),
                )
            )
        description = (
            f"Inferred by Interloom from {self.exchanges} recorded "
            f"exchange{'' if self.exchanges == 1 else 's'}: a draft to review."
        )
        contract = Contract(
            format=ContractFormat.OPENAPI,
            format_version="3.1.0",
            file=file,
            title=title or "Inferred API",
            version=version,
            description=description,
            servers=tuple(Server(url=origin) for origin, _ in self._origins.most_common()),
            security_schemes=schemes,
            operations=tuple(operations),
        )
        return Inference(contract, self.exchanges, self.skipped, tuple(summaries))


def infer_contract(exchanges: Iterable[Exchange], **options: Any) -> Inference:
    """The draft contract of ``exchanges`` (options as for :class:`ContractInference`; ``title``
    goes to the build)."""
    title = options.pop("title", None)
    inference = ContractInference(**options)
    for exchange in exchanges:
        inference.add(exchange)
    return inference.build(title=title)


def _method_rank(method: str) -> int:
    order = ("GET", "POST", "PUT", "PATCH", "DELETE")
    return order.index(method) if method in order else len(order)


def _auth_scheme(exchange: Exchange) -> str | None:
    request = exchange.request
    authorization = request.header("authorization")
    if authorization:
        kind = authorization.split(" ", 1)[0].lower()
        if kind == "bearer":
            return "bearerAuth"
        if kind == "basic":
            return "basicAuth"
    for name, _ in request.headers:
        if name.lower() in _API_KEY_HEADERS:
            return f"apiKey:{name}"
    return None


def _security(
    stats: _OperationStats, schemes: dict[str, SecurityScheme]
) -> tuple[SecurityRequirement, ...] | None:
    if not stats.auth:
        return None
    requirements: list[SecurityRequirement] = []
    for seen in stats.auth:
        if seen.startswith("apiKey:"):
            header = seen.split(":", 1)[1]
            name = "apiKey"
            schemes.setdefault(
                name,
                SecurityScheme(name=name, type="apiKey", in_="header", parameter_name=header),
            )
        else:
            name = seen
            scheme = "bearer" if seen == "bearerAuth" else "basic"
            schemes.setdefault(name, SecurityScheme(name=name, type="http", scheme=scheme))
        requirements.append({name: ()})
    if sum(stats.auth.values()) < stats.calls:
        requirements.append({})  # some calls went without credentials
    return tuple(requirements)


def _words(path: str) -> list[str]:
    """The literal segments that name things (not ``api``, not a version)."""
    words: list[str] = []
    for segment in path.strip("/").split("/"):
        if not segment or segment.startswith("{") or _VERSION.fullmatch(segment):
            continue
        if segment.lower() in ("api", "rest"):
            continue
        words.append(segment)
    return words


def _tags(path: str) -> tuple[str, ...]:
    words = _words(path)
    return (words[0],) if words else ()


def _camel(words: list[str]) -> str:
    parts = [p for word in words for p in re.split(r"[^A-Za-z0-9]+", word) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts)


def _operation_id(method: str, path: str) -> str:
    """``listCustomers``, ``getCustomer``, ``createCustomerNote``, ``deleteCustomer``…"""
    words = _words(path)
    on_item = path.rstrip("/").endswith("}")
    if not words:
        return method.lower() + ("Item" if on_item else "Root")
    names = [singular(w) for w in words[:-1]]
    last = words[-1]
    if on_item:
        return _METHOD_VERBS.get(method, method.lower()) + _camel([*names, singular(last)])
    if method == "GET":
        collection = singular(last) != last
        return ("list" if collection else "get") + _camel([*names, last])
    if method == "POST":
        return "create" + _camel([*names, singular(last)])
    return method.lower() + _camel([*names, last])


def _unique_id(candidate: str, used: set[str]) -> str:
    name = candidate
    number = 2
    while name in used:
        name = f"{candidate}{number}"
        number += 1
    used.add(name)
    return name


def _path_parameter_schema(kinds: frozenset[SegmentKind]) -> JsonSchema:
    if kinds == {SegmentKind.INTEGER}:
        return {"type": "integer"}
    if kinds == {SegmentKind.UUID}:
        return {"type": "string", "format": "uuid"}
    if kinds <= {SegmentKind.INTEGER, SegmentKind.DIGITS}:
        return {"type": "string", "pattern": "^[0-9]+$"}
    return {"type": "string"}


def _parameters(template: PathTemplate, stats: _OperationStats) -> tuple[Parameter, ...]:
    parameters = [
        Parameter(
            name=p.name,
            in_=ParameterIn.PATH,
            required=True,
            json_schema=_path_parameter_schema(p.kinds),
        )
        for p in template.parameters
    ]
    for name, query in sorted(stats.query.items()):
        schema = _scalar_schema(query.kinds)
        if query.repeated:
            schema = {"type": "array", "items": schema}
        parameters.append(
            Parameter(
                name=name,
                in_=ParameterIn.QUERY,
                required=query.present == stats.calls,
                json_schema=schema,
                explode=True if query.repeated else None,
            )
        )
    return tuple(parameters)


def _request_body(stats: _OperationStats) -> RequestBody | None:
    if not stats.request:
        return None
    return RequestBody(
        required=stats.with_body == stats.calls,
        content={media_type: body.media() for media_type, body in sorted(stats.request.items())},
    )


def _responses(stats: _OperationStats) -> dict[str, Response]:
    responses: dict[str, Response] = {}
    for status in sorted(stats.responses):
        answer = stats.responses[status]
        try:
            description = HTTPStatus(status).phrase
        except ValueError:
            description = answer.reason or ""
        responses[str(status)] = Response(
            status=str(status),
            description=description,
            content={
                media_type: body.media() for media_type, body in sorted(answer.content.items())
            },
        )
    return responses


__all__ = [
    "ContractInference",
    "IdSegment",
    "Inference",
    "InferredOperation",
    "NamedSegment",
    "infer_contract",
]
