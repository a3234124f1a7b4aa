"""Drift: where recorded traffic departs from the contract that documents it.

Each exchange is matched to the contract's HTTP operation by method and path template (a server
URL's path, such as ``/api/v1``, is stripped first), then checked: status code, media types,
query parameters, and both bodies — validated with jsonschema-rs against the operation's
schemas, and walked for properties the schemas do not declare. Findings of one kind at one
place (operation, status, direction, field with array indexes as ``*``) are counted together
and cite their first exchange. See :class:`DriftKind` for what is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

import jsonschema_rs
from pydantic import BaseModel, ConfigDict

from interloom.core.contracts.model import (
    Contract,
    HttpAddress,
    JsonSchema,
    MediaType,
    Operation,
    ParameterIn,
)
from interloom.core.contracts.path_templates import PathKey, PathTemplater
from interloom.core.contracts.schemas import escape_pointer_token, schema_ref_name
from interloom.core.contracts.traffic import Body, Exchange, media_type_of

Direction = Literal["request", "response"]


class DriftKind(StrEnum):
    """The stable ids of what drift reports."""

    UNDOCUMENTED_OPERATION = "undocumented-operation"
    UNDOCUMENTED_STATUS = "undocumented-status"
    UNDOCUMENTED_CONTENT_TYPE = "undocumented-content-type"
    UNDOCUMENTED_PARAMETER = "undocumented-parameter"
    MISSING_REQUIRED_PARAMETER = "missing-required-parameter"
    UNDOCUMENTED_FIELD = "undocumented-field"
    MISSING_REQUIRED_FIELD = "missing-required-field"
    WRONG_TYPE = "wrong-type"
    SCHEMA_VIOLATION = "schema-violation"
    INVALID_BODY = "invalid-body"
    UNUSED_OPERATION = "unused-operation"


KIND_DESCRIPTIONS: dict[DriftKind, str] = {
    DriftKind.UNDOCUMENTED_OPERATION: "A method and path the contract does not document.",
    DriftKind.UNDOCUMENTED_STATUS: (
        "A status code the operation does not document (nor a range such as 4XX, nor default)."
    ),
    DriftKind.UNDOCUMENTED_CONTENT_TYPE: (
        "A body of a media type the operation does not document, or a body where none is."
    ),
    DriftKind.UNDOCUMENTED_PARAMETER: "A query parameter the operation does not document.",
    DriftKind.MISSING_REQUIRED_PARAMETER: "A required query parameter that was not sent.",
    DriftKind.UNDOCUMENTED_FIELD: "A property of a body that its schema does not declare.",
    DriftKind.MISSING_REQUIRED_FIELD: "A required property (or required body) that is absent.",
    DriftKind.WRONG_TYPE: "A value of another type than its schema says.",
    DriftKind.SCHEMA_VIOLATION: (
        "A value its schema rejects for another reason (enum, pattern, range, length…)."
    ),
    DriftKind.INVALID_BODY: "A body declared as JSON that does not parse as JSON.",
    DriftKind.UNUSED_OPERATION: "A documented operation no recorded exchange used.",
}

COVERAGE_KINDS = frozenset({DriftKind.UNUSED_OPERATION})
"""Kinds that say what the traffic did not cover, not where it contradicts the contract."""

_MAX_ERRORS_PER_BODY = 50


class DriftFinding(BaseModel):
    """One kind of drift at one place, how often it occurred and an example."""

    model_config = ConfigDict(frozen=True)

    kind: DriftKind
    category: Literal["drift", "coverage"]
    method: str
    path: str
    operation: str | None = None
    status: int | None = None
    direction: Direction | None = None
    media_type: str | None = None
    pointer: str | None = None
    """Where in the body (array indexes as ``*``), or the parameter name."""
    message: str
    count: int
    example: str | None = None
    """The first exchange it occurred in: ``file:line`` or ``file /log/entries/N``."""
    example_pointer: str | None = None
    """The exact JSON pointer in that exchange's body."""

    @property
    def operation_label(self) -> str:
        """``GET /customers/{customerId}`` (and its id when documented)."""
        label = f"{self.method} {self.path}"
        return f"{label} ({self.operation})" if self.operation else label


class DriftReport(BaseModel):
    """Everything drift found comparing a recording with a contract."""

    model_config = ConfigDict(frozen=True)

    contract: str
    title: str | None = None
    exchanges: int
    matched: int
    documented_operations: int
    operations_seen: int
    findings: tuple[DriftFinding, ...]

    @property
    def has_drift(self) -> bool:
        """Whether any finding contradicts the contract (coverage findings do not)."""
        return any(f.category == "drift" for f in self.findings)

    def counts(self) -> dict[str, int]:
        """Occurrences per kind, for kinds that occurred."""
        totals: dict[str, int] = {}
        for finding in self.findings:
            totals[finding.kind.value] = totals.get(finding.kind.value, 0) + finding.count
        return totals

    def without(self, kinds: Iterable[DriftKind]) -> DriftReport:
        """The report without findings of ``kinds``."""
        dropped = set(kinds)
        kept = tuple(f for f in self.findings if f.kind not in dropped)
        return self.model_copy(update={"findings": kept})


@dataclass(frozen=True, slots=True)
class _Route:
    operation: Operation
    method: str
    path: str
    pattern: re.Pattern[str]
    literals: int


_PARAMETER = re.compile(r"\{[^{}/]*\}")


def _route(operation: Operation, address: HttpAddress) -> _Route:
    path = address.path.rstrip("/") or "/"
    regex = ""
    position = 0
    for match in _PARAMETER.finditer(path):
        regex += re.escape(path[position : match.start()]) + "[^/]+"
        position = match.end()
    regex += re.escape(path[position:])
    literals = sum(1 for seg in path.split("/") if seg and not _PARAMETER.search(seg))
    return _Route(operation, address.method.upper(), path, re.compile(regex), literals)


def _base_paths(contract: Contract) -> list[str]:
    bases = {""}
    for server in contract.servers:
        url = server.url
        for name, variable in server.variables.items():
            url = url.replace("{" + name + "}", variable.default or "")
        path = urlsplit(url).path if "://" in url else url
        bases.add(path.rstrip("/"))
    return sorted(bases, key=len, reverse=True)


def _media_for(content: dict[str, MediaType], media_type: str) -> MediaType | None:
    if media_type in content:
        return content[media_type]
    kind = media_type.split("/", 1)[0]
    for candidate in (f"{kind}/*", "*/*"):
        if candidate in content:
            return content[candidate]
    lowered = {key.split(";", 1)[0].strip().lower(): value for key, value in content.items()}
    return lowered.get(media_type)


def _group_pointer(tokens: Iterable[str | int]) -> str:
    return "".join("/*" if isinstance(t, int) else f"/{escape_pointer_token(t)}" for t in tokens)


def _pointer(tokens: Iterable[str | int]) -> str:
    return "".join(f"/{escape_pointer_token(t)}" for t in tokens)


@dataclass(frozen=True, slots=True)
class _Where:
    """Where in an operation a finding is: status, direction and media type."""

    status: int | None = None
    direction: Direction | None = None
    media_type: str | None = None


_REQUEST = _Where(direction="request")


@dataclass(slots=True)
class _Tally:
    finding: dict[str, Any]
    count: int = 0


@dataclass(slots=True)
class _UndocumentedCall:
    example: str
    statuses: set[int] = field(default_factory=set)
    count: int = 0


class DriftDetector:
    """Check exchanges with :meth:`add`; :meth:`report` what departs from the contract."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self._routes = [
            _route(op, op.address)
            for op in contract.operations
            if isinstance(op.address, HttpAddress) and not op.address.webhook
        ]
        self._routes.sort(key=lambda route: -route.literals)
        self._bases = _base_paths(contract)
        self._validators: dict[int, Any] = {}
        self._schemas: list[JsonSchema] = []  # keeps the ids of cached validators alive
        self._tallies: dict[tuple[Any, ...], _Tally] = {}
        self._used: dict[str, int] = {}
        self._undocumented: dict[tuple[str, PathKey], _UndocumentedCall] = {}
        self._templater = PathTemplater()
        self._fields = _FieldWalker(contract)
        self.exchanges = 0
        self.matched = 0

    # -- matching ------------------------------------------------------------------------

    def _local_paths(self, path: str) -> Iterator[str]:
        """``path`` without each server base path it starts with, longest base first."""
        for base in self._bases:
            if base and path != base and not path.startswith(base + "/"):
                continue
            yield (path[len(base) :] if base else path).rstrip("/") or "/"

    def _match(self, method: str, path: str) -> _Route | None:
        for local in self._local_paths(path):
            for route in self._routes:
                if route.method == method and route.pattern.fullmatch(local):
                    return route
        return None

    def add(self, exchange: Exchange) -> None:
        """Check one exchange."""
        self.exchanges += 1
        request = exchange.request
        method = request.method.upper()
        if method == "OPTIONS" and request.header("access-control-request-method"):
            return  # a CORS preflight: the browser's, not the API's
        route = self._match(method, request.path)
        if route is None:
            local = next(self._local_paths(request.path))
            key = self._templater.add(local)
            call = self._undocumented.setdefault(
                (method, key), _UndocumentedCall(exchange.reference)
            )
            call.count += 1
            call.statuses.add(exchange.response.status)
            return
        self.matched += 1
        operation = route.operation
        self._used[operation.id] = self._used.get(operation.id, 0) + 1
        self._check_query(route, exchange)
        self._check_request(route, exchange)
        self._check_response(route, exchange)

    # -- checks --------------------------------------------------------------------------

    def _record(
        self,
        kind: DriftKind,
        route: _Route,
        exchange: Exchange,
        message: str,
        where: _Where,
        *,
        tokens: tuple[str | int, ...] | None = None,
        pointer: str | None = None,
    ) -> None:
        group = _group_pointer(tokens) if tokens is not None else pointer
        key = (kind, route.operation.id, where, group)
        tally = self._tallies.get(key)
        if tally is None:
            tally = _Tally(
                {
                    "kind": kind,
                    "category": "coverage" if kind in COVERAGE_KINDS else "drift",
                    "method": route.method,
                    "path": route.path,
                    "operation": route.operation.id,
                    "status": where.status,
                    "direction": where.direction,
                    "media_type": where.media_type,
                    "pointer": group,
                    "message": message,
                    "example": exchange.reference,
                    "example_pointer": _pointer(tokens) if tokens is not None else None,
                }
            )
            self._tallies[key] = tally
        tally.count += 1

    def _check_query(self, route: _Route, exchange: Exchange) -> None:
        documented = {p.name: p for p in route.operation.parameters if p.in_ is ParameterIn.QUERY}
        sent = {name for name, _ in exchange.request.query}
        for name in sorted(sent - documented.keys()):
            self._record(
                DriftKind.UNDOCUMENTED_PARAMETER,
                route,
                exchange,
                f"query parameter '{name}' is not documented",
                _REQUEST,
                pointer=name,
            )
        for name, parameter in documented.items():
            if parameter.required and name not in sent:
                self._record(
                    DriftKind.MISSING_REQUIRED_PARAMETER,
                    route,
                    exchange,
                    f"required query parameter '{name}' was not sent",
                    _REQUEST,
                    pointer=name,
                )

    def _check_request(self, route: _Route, exchange: Exchange) -> None:
        body = exchange.request.body
        documented = route.operation.request_body
        if body is None:
            if documented is not None and documented.required:
                self._record(
                    DriftKind.MISSING_REQUIRED_FIELD,
                    route,
                    exchange,
                    "the request body is required but none was sent",
                    _REQUEST,
                    pointer="",
                )
            return
        content = documented.content if documented is not None else {}
        media_type = body.media_type or media_type_of(exchange.request.header("content-type"))
        self._check_body(route, exchange, body, media_type, content, None, "request")

    def _check_response(self, route: _Route, exchange: Exchange) -> None:
        status = exchange.response.status
        responses = route.operation.responses
        response = (
            responses.get(str(status))
            or responses.get(f"{status // 100}XX")
            or responses.get(f"{status // 100}xx")
            or responses.get("default")
        )
        if response is None:
            self._record(
                DriftKind.UNDOCUMENTED_STATUS,
                route,
                exchange,
                f"status {status} is not documented",
                _Where(status, "response"),
            )
            return
        body = exchange.response.body
        if body is None:
            return
        media_type = body.media_type or media_type_of(exchange.response.header("content-type"))
        self._check_body(route, exchange, body, media_type, response.content, status, "response")

    def _check_body(
        self,
        route: _Route,
        exchange: Exchange,
        body: Body,
        media_type: str | None,
        content: dict[str, MediaType],
        status: int | None,
        direction: Direction,
    ) -> None:
        where = _Where(status, direction, media_type)
        media = _media_for(content, media_type) if media_type else None
        if media is None:
            if not content:
                message = f"a {direction} body was sent where the contract documents none"
            else:
                documented = ", ".join(sorted(content))
                message = f"media type {media_type or '(none)'} is not documented ({documented})"
            self._record(DriftKind.UNDOCUMENTED_CONTENT_TYPE, route, exchange, message, where)
            return
        if media.json_schema is None or body.truncated:
            return
        if not (body.is_json or (media_type or "").endswith("json")):
            return
        parsed, value = body.json_value()
        if not parsed:
            self._record(
                DriftKind.INVALID_BODY,
                route,
                exchange,
                f"the {direction} body is not valid JSON",
                where,
                pointer="",
            )
            return
        self._validate(route, exchange, media.json_schema, value, where)

    def _validator(self, schema: JsonSchema) -> Any:
        validator = self._validators.get(id(schema))
        if validator is None:
            document = self.contract.schema_document(schema)
            try:
                validator = jsonschema_rs.validator_for(document)
            except (ValueError, jsonschema_rs.ReferencingError):
                validator = False  # an invalid schema was warned about on import
            self._validators[id(schema)] = validator
            self._schemas.append(schema)
        return validator

    def _validate(
        self,
        route: _Route,
        exchange: Exchange,
        schema: JsonSchema,
        value: Any,
        where: _Where,
    ) -> None:
        direction = where.direction
        for tokens in self._fields.undocumented(value, schema):
            name = tokens[-1]
            self._record(
                DriftKind.UNDOCUMENTED_FIELD,
                route,
                exchange,
                f"'{name}' is not declared in the {direction} schema",
                where,
                tokens=tokens,
            )
        validator = self._validator(schema)
        if not validator:
            return
        for count, error in enumerate(validator.iter_errors(value)):
            if count >= _MAX_ERRORS_PER_BODY:
                break
            keyword = error.kind.name
            tokens = tuple(error.instance_path)
            if keyword in ("additionalProperties", "unevaluatedProperties"):
                continue  # reported as undocumented fields
            if keyword == "required":
                missing = error.kind.property
                self._record(
                    DriftKind.MISSING_REQUIRED_FIELD,
                    route,
                    exchange,
                    f"required '{missing}' is missing from the {direction} body",
                    where,
                    tokens=(*tokens, missing),
                )
            elif keyword == "type":
                self._record(
                    DriftKind.WRONG_TYPE, route, exchange, error.message, where, tokens=tokens
                )
            else:
                self._record(
                    DriftKind.SCHEMA_VIOLATION,
                    route,
                    exchange,
                    error.message,
                    where,
                    tokens=tokens,
                )

    # -- report --------------------------------------------------------------------------

    def report(self) -> DriftReport:
        """The findings so far, undocumented operations first, unused operations last."""
        findings = [DriftFinding(**t.finding, count=t.count) for t in self._tallies.values()]
        findings += self._undocumented_operations()
        for route in self._routes:
            if route.operation.id not in self._used:
                findings.append(
                    DriftFinding(
                        kind=DriftKind.UNUSED_OPERATION,
                        category="coverage",
                        method=route.method,
                        path=route.path,
                        operation=route.operation.id,
                        message="no recorded exchange used this operation",
                        count=0,
                    )
                )
        order = list(DriftKind)
        findings.sort(
            key=lambda f: (
                order.index(f.kind),
                f.path,
                f.method,
                f.status or 0,
                f.direction or "",
                f.pointer or "",
            )
        )
        return DriftReport(
            contract=self.contract.file,
            title=self.contract.title,
            exchanges=self.exchanges,
            matched=self.matched,
            documented_operations=len(self._routes),
            operations_seen=len(self._used),
            findings=tuple(findings),
        )

    def _undocumented_operations(self) -> list[DriftFinding]:
        templates = self._templater.build()
        grouped: dict[tuple[str, str], _UndocumentedCall] = {}
        for (method, key), call in self._undocumented.items():
            path = templates[key].path
            into = grouped.get((method, path))
            if into is None:
                grouped[(method, path)] = _UndocumentedCall(
                    call.example, set(call.statuses), call.count
                )
            else:
                into.count += call.count
                into.statuses |= call.statuses
        return [
            DriftFinding(
                kind=DriftKind.UNDOCUMENTED_OPERATION,
                category="drift",
                method=method,
                path=path,
                message=(
                    f"{method} {path} is not in the contract "
                    f"(answered {', '.join(str(s) for s in sorted(call.statuses))})"
                ),
                count=call.count,
                example=call.example,
            )
            for (method, path), call in grouped.items()
        ]


def detect_drift(contract: Contract, exchanges: Iterable[Exchange]) -> DriftReport:
    """Compare ``exchanges`` with ``contract``."""
    detector = DriftDetector(contract)
    for exchange in exchanges:
        detector.add(exchange)
    return detector.report()


# -- undocumented properties ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the schemas that apply to one value say about its members."""

    declared: dict[str, tuple[Any, ...]]
    patterns: tuple[tuple[re.Pattern[str] | None, Any], ...]
    additional: tuple[Any, ...]
    open: bool
    """Extra properties are documented (``additionalProperties`` true or a schema), or the
    schemas declare no properties at all (a free-form object)."""
    items: tuple[Any, ...]
    prefixes: tuple[tuple[Any, ...], ...]


def _expand(schemas: Iterable[Any], contract: Contract) -> list[dict[str, Any]]:
    """The schemas that apply to one value: ``$ref`` resolved, ``allOf``/``anyOf``/``oneOf``
    and ``then``/``else`` branches flattened (a property any branch declares is documented)."""
    out: list[dict[str, Any]] = []
    stack = list(schemas)
    seen: set[str] = set()
    while stack:
        schema = stack.pop()
        if schema is True:
            out.append({})
            continue
        if not isinstance(schema, dict):
            continue
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = schema_ref_name(ref)
            if name is not None and name not in seen and name in contract.schemas:
                seen.add(name)
                stack.append(contract.schemas[name].json_schema)
        for keyword in ("allOf", "anyOf", "oneOf"):
            branches = schema.get(keyword)
            if isinstance(branches, list):
                stack.extend(branches)
        for keyword in ("then", "else"):
            if isinstance(schema.get(keyword), dict):
                stack.append(schema[keyword])
        out.append(schema)
    return out


def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error:
        return None  # a pattern Python cannot read documents every name, to be safe


def _shape_of(applied: list[dict[str, Any]]) -> _Shape:
    declared: dict[str, list[Any]] = {}
    patterns: list[tuple[re.Pattern[str] | None, Any]] = []
    additional: list[Any] = []
    has_properties = False
    open_ = False
    for schema in applied:
        properties = schema.get("properties")
        if isinstance(properties, dict):
            has_properties = True
            for name, sub in properties.items():
                declared.setdefault(name, []).append(sub)
        pattern_properties = schema.get("patternProperties")
        if isinstance(pattern_properties, dict):
            has_properties = True
            patterns += [(_pattern(text), sub) for text, sub in pattern_properties.items()]
        for keyword in ("additionalProperties", "unevaluatedProperties"):
            extra = schema.get(keyword)
            if extra is True:
                open_ = True
            elif isinstance(extra, dict):
                open_ = True
                additional.append(extra)
    return _Shape(
        declared={name: tuple(subs) for name, subs in declared.items()},
        patterns=tuple(patterns),
        additional=tuple(additional),
        open=open_ or not has_properties,
        items=tuple(s["items"] for s in applied if "items" in s),
        prefixes=tuple(
            tuple(s["prefixItems"]) for s in applied if isinstance(s.get("prefixItems"), list)
        ),
    )


class _FieldWalker:
    """Finds the properties of a value that its schemas do not declare.

    The schemas belong to the contract, which outlives the walker, so what they say is worked
    out once per set of schemas (keyed by identity) and reused for every body.
    """

    def __init__(self, contract: Contract) -> None:
        self._contract = contract
        self._shapes: dict[tuple[int, ...], _Shape] = {}

    def _shape(self, schemas: tuple[Any, ...]) -> _Shape:
        key = tuple(id(s) for s in schemas)
        shape = self._shapes.get(key)
        if shape is None:
            shape = _shape_of(_expand(schemas, self._contract))
            self._shapes[key] = shape
        return shape

    def undocumented(self, value: Any, schema: JsonSchema) -> list[tuple[str | int, ...]]:
        """The paths of the properties in ``value`` that its schemas do not declare."""
        found: list[tuple[str | int, ...]] = []
        stack: list[tuple[Any, tuple[Any, ...], tuple[str | int, ...]]] = [(value, (schema,), ())]
        while stack:
            item, schemas, tokens = stack.pop()
            if isinstance(item, dict):
                shape = self._shape(schemas)
                children = []
                for name, child in item.items():
                    subschemas = shape.declared.get(name, ())
                    if shape.patterns:
                        subschemas += tuple(
                            sub
                            for pattern, sub in shape.patterns
                            if pattern is None or pattern.search(name)
                        )
                    if not subschemas:
                        subschemas = shape.additional
                    if subschemas:
                        children.append((child, subschemas, (*tokens, name)))
                    elif not shape.open:
                        found.append((*tokens, name))
                stack.extend(reversed(children))
            elif isinstance(item, list) and item:
                shape = self._shape(schemas)
                children = []
                for index, element in enumerate(item):
                    positional = tuple(p[index] for p in shape.prefixes if index < len(p))
                    if positional or shape.items:
                        children.append((element, positional or shape.items, (*tokens, index)))
                stack.extend(reversed(children))
        return found


__all__ = [
    "COVERAGE_KINDS",
    "KIND_DESCRIPTIONS",
    "DriftDetector",
    "DriftFinding",
    "DriftKind",
    "DriftReport",
    "detect_drift",
]
