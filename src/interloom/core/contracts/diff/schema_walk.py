"""Comparing two JSON Schemas of the canonical model: raw changes, and references to follow.

A walk compares two schemas keyword by keyword and property by property. It never follows a
``$ref`` pair: it records it as an :class:`Edge` and stops, so each pair of registry schemas is
walked once (:meth:`SchemaWalker.pair`, cached) and recursive schemas stay finite. A ``$ref``
facing an inline schema is resolved in place, guarded against cycles. What a change means
(breaking or not) is not decided here: a raw :class:`Change` only says what changed, where in
both documents, and at which property path; the caller maps it to a rule by direction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from interloom.core.contracts.model import JsonSchema, NamedSchema, SourceLocation
from interloom.core.contracts.schemas import escape_pointer_token, schema_ref_name

Tokens = tuple[str, ...]
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a walked schema sits in its document; nested keywords are located by pointer.

    ``names_only``: the document is not JSON (GraphQL SDL, WSDL), so a nested pointer names
    fields only (``/Ticket/assignee``), in the notation of :class:`SourceLocation`.
    """

    location: SourceLocation
    names_only: bool = False

    def at(self, tokens: Tokens) -> SourceLocation:
        """The location of the keyword at ``tokens`` below this anchor (line: the anchor's)."""
        if not tokens:
            return self.location
        if self.names_only:
            suffix = "".join(f"/{name}" for name in _field_names(tokens))
        else:
            suffix = "".join(f"/{escape_pointer_token(token)}" for token in tokens)
        if not suffix:
            return self.location
        location = self.location
        return SourceLocation.model_construct(
            file=location.file,
            line=location.line,
            column=location.column,
            pointer=location.pointer + suffix,
        )


class Item(str):
    """A list index as a pointer token (``"2"``) that also knows the value it points at.

    JSON pointers use the index (``/enum/2``); the field-name notation of SDL and WSDL
    locations uses the value (``/Priority/URGENT``).
    """

    value: str

    def __new__(cls, index: int, value: object) -> Item:
        token = super().__new__(cls, str(index))
        token.value = str(value)
        return token


def _field_names(tokens: Tokens) -> Iterator[str]:
    keep = False
    for token in tokens:
        if keep:
            yield token
        elif isinstance(token, Item):
            yield token.value
        keep = token in ("properties", "patternProperties")


Spot = tuple[Anchor, Tokens]
"""A place in one document: an anchor and the pointer tokens below it."""


@dataclass(slots=True)
class Change:
    """One raw difference between two schemas, before a rule gives it a level."""

    kind: str
    path: Tokens
    """Property names from the walk's root (arrays and compositions are transparent)."""
    old: Spot | None
    new: Spot | None
    old_value: Any = None
    new_value: Any = None
    access: str | None = None
    """``read`` (readOnly) or ``write`` (writeOnly): requests ignore one, responses the other."""
    owner: str | None = None
    """The registry schema holding the change (new side, else old side)."""
    detail: str | None = None
    """The keyword a bound change is about (``maxLength``, ``minimum``…)."""
    _locations: tuple[SourceLocation | None, SourceLocation | None] | None = None

    def locations(self) -> tuple[SourceLocation | None, SourceLocation | None]:
        """Where the change is in the old and the new document (computed once)."""
        if self._locations is None:
            self._locations = (
                self.old[0].at(self.old[1]) if self.old else None,
                self.new[0].at(self.new[1]) if self.new else None,
            )
        return self._locations


@dataclass(frozen=True, slots=True)
class Edge:
    """A pair of registry schemas met at ``path``, to be compared on their own."""

    path: Tokens
    old_name: str
    new_name: str
    access: str | None


@dataclass(slots=True)
class WalkResult:
    """What one walk found: its changes, and the schema pairs it reached."""

    changes: list[Change] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


# Implicit types: a schema with properties is an object, one with items an array.
_OBJECT_KEYWORDS = ("properties", "required", "additionalProperties", "patternProperties")
_BOUNDS = (
    # keyword, kind stem, whether a larger value is looser
    ("maximum", "max", True),
    ("exclusiveMaximum", "exclusive-max", True),
    ("minimum", "min", False),
    ("exclusiveMinimum", "exclusive-min", False),
    ("maxLength", "max-length", True),
    ("minLength", "min-length", False),
    ("maxItems", "max-items", True),
    ("minItems", "min-items", False),
)


def value_key(value: Any) -> Any:
    """A hashable key under which JSON-equal values are equal (``1 == 1.0``, ``True != 1``)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", float(value))
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z",)
    return ("j", json.dumps(value, sort_keys=True, default=str))


def _as_schema(value: Any) -> JsonSchema:
    if value is True or value is None:
        return {}
    if value is False:
        return {"not": {}}
    return value if isinstance(value, dict) else {}


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def unwrap_null(schema: JsonSchema) -> tuple[JsonSchema, bool]:
    """``anyOf: [X, {type: null}]`` (how nullable refs are written) as ``(X, True)``."""
    for keyword in ("anyOf", "oneOf"):
        members = schema.get(keyword)
        if isinstance(members, list) and len(members) == 2:
            nulls = [m for m in members if _is_null_schema(m)]
            if len(nulls) == 1:
                inner = next(m for m in members if not _is_null_schema(m))
                if isinstance(inner, dict):
                    extra = {k: v for k, v in schema.items() if k != keyword}
                    return ({**extra, **inner} if extra else inner), True
    return schema, False


def ref_of(schema: JsonSchema) -> str | None:
    """The registry name a schema refers to, when it is (mostly) a ``$ref``."""
    ref = schema.get("$ref")
    return schema_ref_name(ref) if isinstance(ref, str) else None


def types_of(schema: JsonSchema) -> frozenset[str] | None:
    """The JSON types a schema allows, ``null`` aside; ``None`` when it does not say."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return frozenset((kind,)) - {"null"}
    if isinstance(kind, list):
        return frozenset(k for k in kind if isinstance(k, str)) - {"null"}
    if any(keyword in schema for keyword in _OBJECT_KEYWORDS):
        return frozenset(("object",))
    if "items" in schema or "prefixItems" in schema:
        return frozenset(("array",))
    return None


def _has_null_type(schema: JsonSchema) -> bool:
    kind = schema.get("type")
    return kind == "null" or (isinstance(kind, list) and "null" in kind)


def type_text(types: frozenset[str] | None, fmt: Any) -> str:
    """``string (date)``, ``integer|string``, ``any``."""
    text = "|".join(sorted(types)) if types else "any"
    return f"{text} ({fmt})" if isinstance(fmt, str) else text


def _type_change(
    old: frozenset[str] | None, old_format: Any, new: frozenset[str] | None, new_format: Any
) -> str | None:
    if old == new:
        if old_format == new_format:
            return None
        if old_format is None:
            return "type-specialized"
        if new_format is None:
            return "type-generalized"
        return "type-changed"
    if old is None:
        return "type-specialized"
    if new is None:
        return "type-generalized"
    if len(old) == 1 and len(new) == 1:
        pair = (next(iter(old)), next(iter(new)))
        if pair == ("integer", "number"):
            return "type-generalized"
        if pair == ("number", "integer"):
            return "type-specialized"
        return "type-changed"
    if new > old:
        return "list-of-types-widened"
    if new < old:
        return "list-of-types-narrowed"
    return "type-changed"


def _disjoint(old: frozenset[str] | None, new: frozenset[str] | None) -> bool:
    if old is None or new is None:
        return False
    numbers = {"integer", "number"}
    widen = {*old, *(numbers if old & numbers else ())}
    return not (widen & {*new, *(numbers if new & numbers else ())})


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _closed(schema: JsonSchema) -> bool:
    extra = schema.get("additionalProperties", _MISSING)
    if extra is False or (isinstance(extra, dict) and extra == {"not": {}}):
        return True
    return schema.get("unevaluatedProperties", _MISSING) is False


@dataclass(slots=True)
class _Property:
    schema: JsonSchema
    spot: Spot
    owner: str | None


@dataclass(slots=True)
class _ObjectView:
    properties: dict[str, _Property] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    closed: bool = False
    extra: _Property | None = None


class SchemaWalker:
    """Compares schemas of two contracts; pairs of registry schemas are compared once."""

    def __init__(
        self,
        old_registry: dict[str, NamedSchema],
        new_registry: dict[str, NamedSchema],
        *,
        old_file: str,
        new_file: str,
        names_only: tuple[bool, bool] = (False, False),
        nominal: bool = False,
        compare_xml: bool = False,
    ) -> None:
        self.registries = (old_registry, new_registry)
        self.files = (old_file, new_file)
        self.names_only = names_only
        """Per side: the document is not JSON, so nested pointers name fields only."""
        self.nominal = nominal
        """Type names are part of the contract (GraphQL): a different name is another type."""
        self.compare_xml = compare_xml
        self._pairs: dict[tuple[str, str], WalkResult] = {}
        self._inlining: set[tuple[int, str]] = set()
        self._ref_free: dict[int, tuple[Any, bool]] = {}

    def _without_refs(self, schema: Any) -> bool:
        """Whether no ``$ref`` lies in ``schema`` (cached; the entry keeps the object alive)."""
        if not isinstance(schema, dict | list):
            return True
        cached = self._ref_free.get(id(schema))
        if cached is not None and cached[0] is schema:
            return bool(cached[1])
        found = True
        if isinstance(schema, dict):
            if "$ref" in schema:
                found = False
            else:
                for value in schema.values():
                    if isinstance(value, dict | list) and not self._without_refs(value):
                        found = False
                        break
        else:
            for value in schema:
                if isinstance(value, dict | list) and not self._without_refs(value):
                    found = False
                    break
        self._ref_free[id(schema)] = (schema, found)
        return found

    def anchor(self, side: int, name: str) -> Anchor:
        """Where the registry schema ``name`` of the old (0) or new (1) contract is declared."""
        entry = self.registries[side][name]
        location = entry.location or SourceLocation(file=self.files[side])
        return Anchor(location, self.names_only[side])

    def pair(self, old_name: str, new_name: str) -> WalkResult:
        """The changes between two registry schemas (not following their own references)."""
        key = (old_name, new_name)
        found = self._pairs.get(key)
        if found is None:
            found = self.walk(
                self.registries[0][old_name].json_schema,
                self.registries[1][new_name].json_schema,
                (self.anchor(0, old_name), ()),
                (self.anchor(1, new_name), ()),
                owners=(old_name, new_name),
            )
            self._pairs[key] = found
        return found

    def walk(
        self,
        old: Any,
        new: Any,
        old_spot: Spot,
        new_spot: Spot,
        *,
        owners: tuple[str | None, str | None] = (None, None),
    ) -> WalkResult:
        """The changes between two schemas; references met on both sides become edges."""
        result = WalkResult()
        self._inlining = set()
        self._compare(old, new, old_spot, new_spot, (), None, owners, result)
        return result

    # --- the walk -------------------------------------------------------------------------

    def _resolve(
        self,
        side: int,
        schema: JsonSchema,
        spot: Spot,
        owner: str | None,
        entered: list[tuple[int, str]],
    ) -> tuple[JsonSchema, Spot, str | None, bool] | None:
        """``schema`` with its ``$ref`` chain followed and unwrapped; ``None`` on a cycle.

        Each schema entered is added to ``entered`` (and to the cycle guard): the caller
        leaves them when it is done with the resolved schema.
        """
        nullable = False
        while True:
            name = ref_of(schema)
            if name is None or name not in self.registries[side]:
                return schema, spot, owner, nullable
            key = (side, name)
            if key in self._inlining:
                return None
            self._inlining.add(key)
            entered.append(key)
            schema, wrapped = unwrap_null(_as_schema(self.registries[side][name].json_schema))
            nullable = nullable or wrapped
            spot, owner = (self.anchor(side, name), ()), name

    def _compare(
        self,
        old_raw: Any,
        new_raw: Any,
        old_spot: Spot,
        new_spot: Spot,
        path: Tokens,
        access: str | None,
        owners: tuple[str | None, str | None],
        result: WalkResult,
    ) -> None:
        if old_raw is new_raw or (old_raw == new_raw and self._without_refs(old_raw)):
            return  # nothing differs below, and no reference leads elsewhere
        old, old_null = unwrap_null(_as_schema(old_raw))
        new, new_null = unwrap_null(_as_schema(new_raw))
        old_ref, new_ref = ref_of(old), ref_of(new)
        emit = _Emitter(result, path, access, owners)
        if old_ref is not None and new_ref is not None:
            if old_null != new_null:
                emit("became-nullable" if new_null else "became-not-nullable", old_spot, new_spot)
            if self.nominal and old_ref != new_ref:
                emit("type-changed", old_spot, new_spot, old_ref, new_ref)
                return
            result.edges.append(Edge(path, old_ref, new_ref, access))
            return
        entered: list[tuple[int, str]] = []
        try:
            if old_ref is not None:
                resolved = self._resolve(0, old, old_spot, owners[0], entered)
                if resolved is None:
                    return
                old, old_spot, old_owner, wrapped = resolved
                old_null = old_null or wrapped
                owners = (old_owner, owners[1])
            if new_ref is not None:
                resolved = self._resolve(1, new, new_spot, owners[1], entered)
                if resolved is None:
                    return
                new, new_spot, new_owner, wrapped = resolved
                new_null = new_null or wrapped
                owners = (owners[0], new_owner)
            emit.owners = owners
            self._compare_inline(old, new, old_null, new_null, old_spot, new_spot, emit)
        finally:
            self._inlining.difference_update(entered)

    def _compare_inline(
        self,
        old: JsonSchema,
        new: JsonSchema,
        old_null: bool,
        new_null: bool,
        old_spot: Spot,
        new_spot: Spot,
        emit: _Emitter,
    ) -> None:
        old_null = old_null or _has_null_type(old)
        new_null = new_null or _has_null_type(new)
        if old_null != new_null:
            emit("became-nullable" if new_null else "became-not-nullable", old_spot, new_spot)
        old_types, new_types = types_of(old), types_of(new)
        kind = _type_change(old_types, old.get("format"), new_types, new.get("format"))
        if kind is not None:
            emit(
                kind,
                _below(old_spot, "type"),
                _below(new_spot, "type"),
                type_text(old_types, old.get("format")),
                type_text(new_types, new.get("format")),
            )
            if _disjoint(old_types, new_types):
                return  # a string that was an object: its properties mean nothing now
        self._compare_values(old, new, old_spot, new_spot, emit)
        self._compare_bounds(old, new, old_spot, new_spot, emit)
        if self.compare_xml:
            self._compare_xml(old, new, old_spot, new_spot, emit)
        if any(k in old or k in new for k in (*_OBJECT_KEYWORDS, "allOf")):
            self._compare_objects(old, new, old_spot, new_spot, emit)
        old_items, new_items = old.get("items"), new.get("items")
        if isinstance(old_items, dict | bool) and isinstance(new_items, dict | bool):
            self._compare(
                old_items,
                new_items,
                _below(old_spot, "items"),
                _below(new_spot, "items"),
                emit.path,
                emit.access,
                emit.owners,
                emit.result,
            )
        for keyword in ("oneOf", "anyOf"):
            if isinstance(old.get(keyword), list) or isinstance(new.get(keyword), list):
                self._compare_alternatives(keyword, old, new, old_spot, new_spot, emit)

    def _compare_values(
        self, old: JsonSchema, new: JsonSchema, old_spot: Spot, new_spot: Spot, emit: _Emitter
    ) -> None:
        old_enum, new_enum = old.get("enum"), new.get("enum")
        if isinstance(old_enum, list) and isinstance(new_enum, list):
            old_keys = {value_key(v): (i, v) for i, v in enumerate(old_enum) if v is not None}
            new_keys = {value_key(v): (i, v) for i, v in enumerate(new_enum) if v is not None}
            for key, (index, value) in old_keys.items():
                if key not in new_keys:
                    emit(
                        "enum-value-removed",
                        _below(old_spot, "enum", Item(index, value)),
                        _below(new_spot, "enum"),
                        value,
                        None,
                    )
            for key, (index, value) in new_keys.items():
                if key not in old_keys:
                    emit(
                        "enum-value-added",
                        _below(old_spot, "enum"),
                        _below(new_spot, "enum", Item(index, value)),
                        None,
                        value,
                    )
        elif isinstance(new_enum, list) and "const" not in old:
            values = [v for v in new_enum if v is not None]
            emit("became-enum", old_spot, _below(new_spot, "enum"), None, values)
        for keyword, stem in (("const", "const"), ("default", "default-value")):
            old_value, new_value = old.get(keyword, _MISSING), new.get(keyword, _MISSING)
            if old_value is _MISSING and new_value is _MISSING:
                continue
            if old_value is _MISSING:
                emit(f"{stem}-added", old_spot, _below(new_spot, keyword), None, new_value)
            elif new_value is _MISSING:
                emit(f"{stem}-removed", _below(old_spot, keyword), new_spot, old_value, None)
            elif value_key(old_value) != value_key(new_value):
                emit(
                    f"{stem}-changed",
                    _below(old_spot, keyword),
                    _below(new_spot, keyword),
                    old_value,
                    new_value,
                )
        old_pattern, new_pattern = old.get("pattern"), new.get("pattern")
        if old_pattern != new_pattern:
            if old_pattern is None:
                emit("pattern-added", old_spot, _below(new_spot, "pattern"), None, new_pattern)
            elif new_pattern is None:
                emit("pattern-removed", _below(old_spot, "pattern"), new_spot, old_pattern, None)
            else:
                emit(
                    "pattern-changed",
                    _below(old_spot, "pattern"),
                    _below(new_spot, "pattern"),
                    old_pattern,
                    new_pattern,
                )

    def _compare_bounds(
        self, old: JsonSchema, new: JsonSchema, old_spot: Spot, new_spot: Spot, emit: _Emitter
    ) -> None:
        for keyword, stem, larger_is_looser in _BOUNDS:
            old_value, new_value = _number(old.get(keyword)), _number(new.get(keyword))
            if old_value == new_value:
                continue
            if old_value is None:
                kind = f"{stem}-set"
            elif new_value is None:
                kind = f"{stem}-unset"
            elif (new_value > old_value) == larger_is_looser:
                kind = f"{stem}-increased" if larger_is_looser else f"{stem}-decreased"
            else:
                kind = f"{stem}-decreased" if larger_is_looser else f"{stem}-increased"
            emit(
                kind,
                _below(old_spot, keyword) if old_value is not None else old_spot,
                _below(new_spot, keyword) if new_value is not None else new_spot,
                old.get(keyword),
                new.get(keyword),
                detail=keyword,
            )

    def _compare_xml(
        self, old: JsonSchema, new: JsonSchema, old_spot: Spot, new_spot: Spot, emit: _Emitter
    ) -> None:
        old_xml, new_xml = old.get("xml"), new.get("xml")
        if not isinstance(old_xml, dict) or not isinstance(new_xml, dict):
            return
        for key in ("namespace", "name"):
            if key in old_xml and key in new_xml and old_xml[key] != new_xml[key]:
                emit(
                    "xml-namespace-changed",
                    _below(old_spot, "xml"),
                    _below(new_spot, "xml"),
                    old_xml[key],
                    new_xml[key],
                    detail=key,
                )

    def _object_view(
        self, side: int, schema: JsonSchema, spot: Spot, owner: str | None
    ) -> _ObjectView:
        view = _ObjectView()
        self._collect(side, schema, spot, owner, view, 0)
        return view

    def _collect(
        self,
        side: int,
        schema: JsonSchema,
        spot: Spot,
        owner: str | None,
        view: _ObjectView,
        depth: int,
    ) -> None:
        """Properties of ``schema`` and of its ``allOf`` members (references followed)."""
        if depth > 32:
            return
        anchor, tokens = spot
        properties = schema.get("properties")
        if isinstance(properties, dict):
            for name, subschema in properties.items():
                view.properties.setdefault(
                    name,
                    _Property(
                        _as_schema(subschema), (anchor, (*tokens, "properties", name)), owner
                    ),
                )
        required = schema.get("required")
        if isinstance(required, list):
            view.required.update(name for name in required if isinstance(name, str))
        view.closed = view.closed or _closed(schema)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra != {"not": {}} and view.extra is None:
            view.extra = _Property(extra, (anchor, (*tokens, "additionalProperties")), owner)
        members = schema.get("allOf")
        if not isinstance(members, list):
            return
        for index, member in enumerate(members):
            member_spot: Spot = (anchor, (*tokens, "allOf", str(index)))
            entered: list[tuple[int, str]] = []
            try:
                resolved = self._resolve(side, _as_schema(member), member_spot, owner, entered)
                if resolved is not None:
                    target, target_spot, target_owner, _ = resolved
                    self._collect(side, target, target_spot, target_owner, view, depth + 1)
            finally:
                self._inlining.difference_update(entered)

    def _property_flag(self, side: int, schema: JsonSchema, flag: str) -> bool:
        if schema.get(flag) is True:
            return True
        name = ref_of(unwrap_null(schema)[0])
        if name is None or name not in self.registries[side]:
            return False
        return _as_schema(self.registries[side][name].json_schema).get(flag) is True

    def _access(self, side: int, schema: JsonSchema, inherited: str | None) -> str | None:
        if inherited is not None:
            return inherited
        if self._property_flag(side, schema, "readOnly"):
            return "read"
        if self._property_flag(side, schema, "writeOnly"):
            return "write"
        return None

    def _compare_objects(
        self, old: JsonSchema, new: JsonSchema, old_spot: Spot, new_spot: Spot, emit: _Emitter
    ) -> None:
        old_view = self._object_view(0, old, old_spot, emit.owners[0])
        new_view = self._object_view(1, new, new_spot, emit.owners[1])
        names = list(old_view.properties)
        names += [n for n in new_view.properties if n not in old_view.properties]
        names += sorted((old_view.required | new_view.required) - set(names))
        for name in names:
            old_property = old_view.properties.get(name)
            new_property = new_view.properties.get(name)
            old_required, new_required = name in old_view.required, name in new_view.required
            here = (*emit.path, name)
            if new_property is None and old_property is not None:
                access = self._access(0, old_property.schema, emit.access)
                emit.at(
                    here,
                    "required-property-removed" if old_required else "optional-property-removed",
                    old_property.spot,
                    new_spot,
                    access=access,
                    owner=old_property.owner,
                )
                continue
            if old_property is None and new_property is not None:
                access = self._access(1, new_property.schema, emit.access)
                if new_required:
                    kind = "required-property-added"
                    if "default" in new_property.schema:
                        kind = "required-property-added-with-default"
                else:
                    kind = "optional-property-added"
                emit.at(
                    here, kind, old_spot, new_property.spot, access=access, owner=new_property.owner
                )
                continue
            old_schema = old_property.schema if old_property else {}
            new_schema = new_property.schema if new_property else {}
            old_at = old_property.spot if old_property else old_spot
            new_at = new_property.spot if new_property else new_spot
            access = self._access(1, new_schema, emit.access)
            if old_required != new_required:
                emit.at(
                    here,
                    "property-became-required" if new_required else "property-became-optional",
                    _below(old_spot, "required") if old_required else old_at,
                    _below(new_spot, "required") if new_required else new_at,
                    access=access,
                )
            old_deprecated = self._property_flag(0, old_schema, "deprecated")
            new_deprecated = self._property_flag(1, new_schema, "deprecated")
            if old_deprecated != new_deprecated:
                emit.at(
                    here,
                    "property-deprecated" if new_deprecated else "property-reactivated",
                    old_at,
                    new_at,
                    access=access,
                )
            self._compare(
                old_schema,
                new_schema,
                old_at,
                new_at,
                here,
                access,
                (
                    old_property.owner if old_property else emit.owners[0],
                    new_property.owner if new_property else emit.owners[1],
                ),
                emit.result,
            )
        if old_view.closed != new_view.closed and (old_view.properties or new_view.properties):
            emit(
                "additional-properties-closed"
                if new_view.closed
                else "additional-properties-opened",
                old_spot,
                new_spot,
            )
        if old_view.extra is not None and new_view.extra is not None:
            self._compare(
                old_view.extra.schema,
                new_view.extra.schema,
                old_view.extra.spot,
                new_view.extra.spot,
                (*emit.path, "*"),
                emit.access,
                emit.owners,
                emit.result,
            )

    def _compare_alternatives(
        self,
        keyword: str,
        old: JsonSchema,
        new: JsonSchema,
        old_spot: Spot,
        new_spot: Spot,
        emit: _Emitter,
    ) -> None:
        old_members = _alternatives(old.get(keyword))
        new_members = _alternatives(new.get(keyword))
        stem = "one-of" if keyword == "oneOf" else "any-of"
        for key, (index, member) in old_members.items():
            if key not in new_members:
                emit(
                    f"{stem}-removed",
                    _below(old_spot, keyword, str(index)),
                    _below(new_spot, keyword) if keyword in new else new_spot,
                    _alternative_name(member, index),
                    None,
                )
        for key, (index, member) in new_members.items():
            if key not in old_members:
                emit(
                    f"{stem}-added",
                    _below(old_spot, keyword) if keyword in old else old_spot,
                    _below(new_spot, keyword, str(index)),
                    None,
                    _alternative_name(member, index),
                )
                continue
            old_index, old_member = old_members[key]
            self._compare(
                old_member,
                member,
                _below(old_spot, keyword, str(old_index)),
                _below(new_spot, keyword, str(index)),
                emit.path,
                emit.access,
                emit.owners,
                emit.result,
            )


def _alternatives(members: Any) -> dict[str, tuple[int, JsonSchema]]:
    """oneOf/anyOf members keyed by what they are: a schema name, a title, or a position."""
    found: dict[str, tuple[int, JsonSchema]] = {}
    if not isinstance(members, list):
        return found
    for index, raw in enumerate(members):
        member = _as_schema(raw)
        name = ref_of(member)
        key = (
            f"ref:{name}"
            if name
            else f"title:{member['title']}"
            if isinstance(member.get("title"), str)
            else f"index:{index}"
        )
        found.setdefault(key, (index, member))
    return found


def _alternative_name(member: JsonSchema, index: int) -> str:
    name = ref_of(member)
    if name:
        return name
    title = member.get("title")
    return title if isinstance(title, str) else f"#{index + 1}"


def _below(spot: Spot, *tokens: str) -> Spot:
    return spot[0], (*spot[1], *tokens)


@dataclass(slots=True)
class _Emitter:
    """Records changes at one node of a walk."""

    result: WalkResult
    path: Tokens
    access: str | None
    owners: tuple[str | None, str | None]

    def __call__(
        self,
        kind: str,
        old: Spot | None,
        new: Spot | None,
        old_value: Any = None,
        new_value: Any = None,
        *,
        detail: str | None = None,
    ) -> None:
        self.at(self.path, kind, old, new, old_value, new_value, detail=detail)

    def at(
        self,
        path: Tokens,
        kind: str,
        old: Spot | None,
        new: Spot | None,
        old_value: Any = None,
        new_value: Any = None,
        *,
        detail: str | None = None,
        access: str | None = None,
        owner: str | None = None,
    ) -> None:
        self.result.changes.append(
            Change(
                kind,
                path,
                old,
                new,
                old_value,
                new_value,
                access if access is not None else self.access,
                owner or self.owners[1] or self.owners[0],
                detail,
            )
        )


__all__ = [
    "Anchor",
    "Change",
    "Edge",
    "SchemaWalker",
    "Spot",
    "Tokens",
    "WalkResult",
    "ref_of",
    "type_text",
    "types_of",
    "unwrap_null",
    "value_key",
]
