"""Comparing two JSON Schemas of the canonical model: raw changes, and references to follow.

A walk compares two schemas keyword by keyword and property by property. It never follows a
``$ref`` pair: it records it as an :class:`Edge` and stops, so each pair of registry schemas is
walked once (:meth:`SchemaWalker.pair`, cached) and recursive schemas stay finite. A ``$ref``
facing an inline schema is resolved in place, guarded against cycles. What a change means
(breaking or not) is not decided here: a raw :class:`Change` only says what changed, where in
both documents, and at which property path; the caller maps it to a rule by direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interloom.core.contracts.diff.changes import (
    Anchor,
    Edge,
    Emitter,
    Spot,
    Tokens,
    WalkResult,
    below,
)
from interloom.core.contracts.diff.keywords import (
    OBJECT_KEYWORDS,
    as_schema,
    closed,
    compare_bounds,
    compare_values,
    compare_xml,
    disjoint,
    has_null_type,
    ref_of,
    type_change,
    type_text,
    types_of,
    unwrap_null,
)
from interloom.core.contracts.model import JsonSchema, NamedSchema, SourceLocation


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
            schema, wrapped = unwrap_null(as_schema(self.registries[side][name].json_schema))
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
        old, old_null = unwrap_null(as_schema(old_raw))
        new, new_null = unwrap_null(as_schema(new_raw))
        old_ref, new_ref = ref_of(old), ref_of(new)
        emit = Emitter(result, path, access, owners)
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
        emit: Emitter,
    ) -> None:
        old_null = old_null or has_null_type(old)
        new_null = new_null or has_null_type(new)
        if old_null != new_null:
            emit("became-nullable" if new_null else "became-not-nullable", old_spot, new_spot)
        old_types, new_types = types_of(old), types_of(new)
        kind = type_change(old_types, old.get("format"), new_types, new.get("format"))
        if kind is not None:
            emit(
                kind,
                below(old_spot, "type"),
                below(new_spot, "type"),
                type_text(old_types, old.get("format")),
                type_text(new_types, new.get("format")),
            )
            if disjoint(old_types, new_types):
                return  # a string that was an object: its properties mean nothing now
        compare_values(old, new, old_spot, new_spot, emit)
        compare_bounds(old, new, old_spot, new_spot, emit)
        if self.compare_xml:
            compare_xml(old, new, old_spot, new_spot, emit)
        if any(k in old or k in new for k in (*OBJECT_KEYWORDS, "allOf")):
            self._compare_objects(old, new, old_spot, new_spot, emit)
        old_items, new_items = old.get("items"), new.get("items")
        if isinstance(old_items, dict | bool) and isinstance(new_items, dict | bool):
            self._compare(
                old_items,
                new_items,
                below(old_spot, "items"),
                below(new_spot, "items"),
                emit.path,
                emit.access,
                emit.owners,
                emit.result,
            )
        for keyword in ("oneOf", "anyOf"):
            if isinstance(old.get(keyword), list) or isinstance(new.get(keyword), list):
                self._compare_alternatives(keyword, old, new, old_spot, new_spot, emit)

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
                    _Property(as_schema(subschema), (anchor, (*tokens, "properties", name)), owner),
                )
        required = schema.get("required")
        if isinstance(required, list):
            view.required.update(name for name in required if isinstance(name, str))
        view.closed = view.closed or closed(schema)
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
                resolved = self._resolve(side, as_schema(member), member_spot, owner, entered)
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
        return as_schema(self.registries[side][name].json_schema).get(flag) is True

    def _access(self, side: int, schema: JsonSchema, inherited: str | None) -> str | None:
        if inherited is not None:
            return inherited
        if self._property_flag(side, schema, "readOnly"):
            return "read"
        if self._property_flag(side, schema, "writeOnly"):
            return "write"
        return None

    def _compare_objects(
        self, old: JsonSchema, new: JsonSchema, old_spot: Spot, new_spot: Spot, emit: Emitter
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
                    below(old_spot, "required") if old_required else old_at,
                    below(new_spot, "required") if new_required else new_at,
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
        emit: Emitter,
    ) -> None:
        old_members = _alternatives(old.get(keyword))
        new_members = _alternatives(new.get(keyword))
        stem = "one-of" if keyword == "oneOf" else "any-of"
        for key, (index, member) in old_members.items():
            if key not in new_members:
                emit(
                    f"{stem}-removed",
                    below(old_spot, keyword, str(index)),
                    below(new_spot, keyword) if keyword in new else new_spot,
                    _alternative_name(member, index),
                    None,
                )
        for key, (index, member) in new_members.items():
            if key not in old_members:
                emit(
                    f"{stem}-added",
                    below(old_spot, keyword) if keyword in old else old_spot,
                    below(new_spot, keyword, str(index)),
                    None,
                    _alternative_name(member, index),
                )
                continue
            old_index, old_member = old_members[key]
            self._compare(
                old_member,
                member,
                below(old_spot, keyword, str(old_index)),
                below(new_spot, keyword, str(index)),
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
        member = as_schema(raw)
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


__all__ = ["SchemaWalker"]
