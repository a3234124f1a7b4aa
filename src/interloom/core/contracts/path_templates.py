"""Path templates from concrete paths: ``/customers/42`` and ``/customers/7`` are one
``/customers/{customerId}``.

A segment becomes a parameter when

1. it matches a template the user gave (``/customers/{key}``), whose names are kept; or
2. it looks like an identifier: a number, a UUID, a hex or ULID token, a code such as
   ``C-000123`` or ``cus_Nf3rFeUfNV2Hib``, a long random token; or
3. at least ``min_variants`` distinct literal values appear at the same position under one
   common prefix whose last segment names a collection (a word such as ``users``), and no
   identifier appears at that position (``/customers/search`` beside ``/customers/42`` stays a
   literal: the identifiers explain the variation).

Parameters are named after the segment before them, singular, with ``Id``:
``/order-lines/{orderLineId}``; ``id`` when nothing names them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from interloom.core.contracts.traffic import path_segments


class SegmentKind(StrEnum):
    """What a parameter's values look like."""

    INTEGER = "integer"
    DIGITS = "digits"
    """Digits with a leading zero (``000123``): an integer would lose them."""
    UUID = "uuid"
    ULID = "ulid"
    HEX = "hex"
    CODE = "code"
    TOKEN = "token"  # noqa: S105 - a kind of identifier, not a password
    TEXT = "text"
    """A literal that varies (a user name, a slug)."""


_INTEGER = re.compile(r"0|[1-9][0-9]*")
_DIGITS = re.compile(r"[0-9]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ULID = re.compile(r"[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}")
_HEX = re.compile(r"[0-9a-fA-F]{8,}")
_PREFIXED_NUMBER = re.compile(r"[A-Za-z]{1,6}[-_]?[0-9]{3,}(?:[-_][0-9]+)*")
_PREFIXED_RANDOM = re.compile(r"[a-z]{2,8}_[A-Za-z0-9]{10,}")
_RANDOM = re.compile(r"[A-Za-z0-9_-]{16,}")
_WORD = re.compile(r"[A-Za-z][A-Za-z_-]*")
_NOT_COLLECTIONS = frozenset({"api", "apis", "rest", "public", "internal", "latest", "current"})


def _count_digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def identifier_kind(segment: str) -> SegmentKind | None:
    """The kind of identifier ``segment`` looks like, or ``None`` for a plain literal."""
    if _DIGITS.fullmatch(segment):
        return SegmentKind.INTEGER if _INTEGER.fullmatch(segment) else SegmentKind.DIGITS
    if _UUID.fullmatch(segment):
        return SegmentKind.UUID
    digits = _count_digits(segment)
    if digits == 0:
        return None
    if _ULID.fullmatch(segment) and any(ch.isalpha() for ch in segment):
        return SegmentKind.ULID
    if _HEX.fullmatch(segment):
        return SegmentKind.HEX
    if _PREFIXED_NUMBER.fullmatch(segment) or _PREFIXED_RANDOM.fullmatch(segment):
        return SegmentKind.CODE
    letters = sum(ch.isalpha() for ch in segment)
    if _RANDOM.fullmatch(segment) and digits >= 2 and letters >= 2:
        return SegmentKind.TOKEN
    return None


def value_kind(segment: str) -> SegmentKind:
    """The kind of a parameter value: an identifier kind, else text."""
    return identifier_kind(segment) or SegmentKind.TEXT


def singular(word: str) -> str:
    """An English plural made singular, well enough for naming parameters."""
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 4:
        return word[:-3] + ("Y" if word[-3].isupper() else "y")
    if lower.endswith(("sses", "shes", "ches", "xes", "zes", "uses")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(word) > 2:
        return word[:-1]
    return word


def parameter_name(previous: str | None) -> str:
    """``customerId`` after ``customers``, ``orderLineId`` after ``order-lines``, else ``id``."""
    if previous is None or not _WORD.fullmatch(previous):
        return "id"
    words = [w for w in re.split(r"[-_]+", previous) if w]
    if not words:
        return "id"
    words[-1] = singular(words[-1])
    head, *rest = words
    return head[:1].lower() + head[1:] + "".join(w[:1].upper() + w[1:] for w in rest) + "Id"


def _names_a_collection(segment: str | None) -> bool:
    return (
        segment is not None
        and _WORD.fullmatch(segment) is not None
        and segment.lower() not in _NOT_COLLECTIONS
    )


@dataclass(frozen=True, slots=True)
class IdSegment:
    """A segment of a path key that is an identifier of some kind."""

    kind: SegmentKind


@dataclass(frozen=True, slots=True)
class NamedSegment:
    """A segment of a path key taken by a parameter of a user-given template."""

    name: str
    kind: SegmentKind


Segment = str | IdSegment | NamedSegment
PathKey = tuple[Segment, ...]
"""A path with its identifiers (and user-template parameters) abstracted: many paths, one key."""


@dataclass(frozen=True, slots=True)
class TemplateParameter:
    """A parameter of a path template, with the kinds of value seen for it."""

    name: str
    kinds: frozenset[SegmentKind]


@dataclass(frozen=True, slots=True)
class PathTemplate:
    """A templated path: ``/customers/{customerId}`` and its parameters in order."""

    path: str
    parameters: tuple[TemplateParameter, ...] = ()


_TEMPLATE_PARAMETER = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True, slots=True)
class _UserTemplate:
    segments: tuple[str | None, ...]
    """A literal, or ``None`` where a parameter sits."""
    names: tuple[str, ...]

    @classmethod
    def parse(cls, template: str) -> _UserTemplate:
        segments: list[str | None] = []
        names: list[str] = []
        for part in path_segments(template):
            match = _TEMPLATE_PARAMETER.fullmatch(part)
            if match:
                segments.append(None)
                names.append(match.group(1))
            else:
                segments.append(part)
        return cls(tuple(segments), tuple(names))

    @property
    def literals(self) -> int:
        return sum(segment is not None for segment in self.segments)

    def key_for(self, segments: Sequence[str]) -> PathKey | None:
        if len(segments) != len(self.segments):
            return None
        key: list[Segment] = []
        names = iter(self.names)
        for wanted, actual in zip(self.segments, segments, strict=True):
            if wanted is None:
                key.append(NamedSegment(next(names), value_kind(actual)))
            elif wanted != actual:
                return None
            else:
                key.append(actual)
        return tuple(key)


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    identifiers: _Node | None = None
    kinds: set[SegmentKind] = field(default_factory=set)
    named: dict[str, _Node] = field(default_factory=dict)
    named_kinds: dict[str, set[SegmentKind]] = field(default_factory=dict)

    def merge(self, other: _Node) -> None:
        """Fold ``other``'s subtree into this one (without recursion: paths may be deep)."""
        pairs: list[tuple[_Node, _Node]] = [(self, other)]
        while pairs:
            into, source = pairs.pop()
            into.kinds |= source.kinds
            for literal, child in source.literals.items():
                mine = into.literals.get(literal)
                if mine is None:
                    into.literals[literal] = child
                else:
                    pairs.append((mine, child))
            if source.identifiers is not None:
                if into.identifiers is None:
                    into.identifiers = source.identifiers
                else:
                    pairs.append((into.identifiers, source.identifiers))
            for name, child in source.named.items():
                kinds = source.named_kinds.get(name, set())
                into.named_kinds.setdefault(name, set()).update(kinds)
                if name in into.named:
                    pairs.append((into.named[name], child))
                else:
                    into.named[name] = child


def key_of(path: str, templates: Sequence[str] = ()) -> PathKey:
    """The key of ``path``: user templates first (the one with most literals), else its
    segments with identifiers abstracted."""
    return _key_of(path_segments(path), [_UserTemplate.parse(t) for t in templates])


def _key_of(segments: Sequence[str], templates: Sequence[_UserTemplate]) -> PathKey:
    best: PathKey | None = None
    best_literals = -1
    for template in templates:
        key = template.key_for(segments)
        if key is not None and template.literals > best_literals:
            best, best_literals = key, template.literals
    if best is not None:
        return best
    return tuple(
        IdSegment(kind) if (kind := identifier_kind(segment)) else segment for segment in segments
    )


class PathTemplater:
    """Collects the paths of a recording, then gives each its template."""

    def __init__(self, templates: Sequence[str] = (), *, min_variants: int = 3) -> None:
        self._templates = [_UserTemplate.parse(t) for t in templates]
        self._min_variants = max(2, min_variants)
        self._keys: dict[PathKey, None] = {}
        self._cache: dict[str, PathKey] = {}

    def add(self, path: str) -> PathKey:
        """Record ``path``; its key (what the caller aggregates by)."""
        key = self._cache.get(path)
        if key is None:
            key = _key_of(path_segments(path), self._templates)
            if len(self._cache) < 100_000:
                self._cache[path] = key
        self._keys[key] = None
        return key

    def add_all(self, paths: Iterable[str]) -> None:
        """Record several paths."""
        for path in paths:
            self.add(path)

    def build(self) -> dict[PathKey, PathTemplate]:
        """The template of every key recorded."""
        root = _Node()
        for key in self._keys:
            _insert(root, key)
        self._collapse(root)
        return {key: _template_of(root, key) for key in self._keys}

    def _collapse(self, root: _Node) -> None:
        """Top down: fold varying literals into a parameter, then walk on (without recursion:
        a path may be very deep)."""
        stack: list[tuple[_Node, str | None]] = [(root, None)]
        while stack:
            node, previous = stack.pop()
            if (
                node.identifiers is None
                and not node.named
                and len(node.literals) >= self._min_variants
                and _names_a_collection(previous)
            ):
                merged = _Node(kinds={SegmentKind.TEXT})
                for child in node.literals.values():
                    merged.merge(child)
                node.literals = {}
                node.identifiers = merged
            stack.extend((child, literal) for literal, child in node.literals.items())
            if node.identifiers is not None:
                stack.append((node.identifiers, None))
            stack.extend((child, None) for child in node.named.values())


def _template_of(root: _Node, key: PathKey) -> PathTemplate:
    """The template of ``key`` in the collapsed trie."""
    node = root
    parts: list[str] = []
    parameters: list[TemplateParameter] = []
    used: set[str] = set()
    previous: str | None = None
    for segment in key:
        if isinstance(segment, NamedSegment):
            kinds = node.named_kinds.get(segment.name, {segment.kind})
            node = node.named[segment.name]
            name = segment.name
            previous = None
        elif isinstance(segment, str) and segment in node.literals:
            node = node.literals[segment]
            parts.append(_escape_literal(segment))
            previous = segment
            continue
        else:
            identifiers = node.identifiers  # a literal that is not kept was folded into it
            assert identifiers is not None
            kinds = identifiers.kinds
            node = identifiers
            name = _unique(parameter_name(previous), used)
            previous = None
        used.add(name)
        parts.append("{" + name + "}")
        parameters.append(TemplateParameter(name, frozenset(kinds)))
    return PathTemplate("/" + "/".join(parts), tuple(parameters))


def _insert(root: _Node, key: PathKey) -> None:
    node = root
    for segment in key:
        if isinstance(segment, IdSegment):
            if node.identifiers is None:
                node.identifiers = _Node()
            node.identifiers.kinds.add(segment.kind)
            node = node.identifiers
        elif isinstance(segment, NamedSegment):
            node.named_kinds.setdefault(segment.name, set()).add(segment.kind)
            node = node.named.setdefault(segment.name, _Node())
        else:
            node = node.literals.setdefault(segment, _Node())


def _unique(name: str, used: set[str]) -> str:
    if name not in used:
        return name
    number = 2
    while f"{name}{number}" in used:
        number += 1
    return f"{name}{number}"


def _escape_literal(segment: str) -> str:
    """A literal as it appears in a template: braces and slashes percent-encoded."""
    return segment.replace("%", "%25").replace("/", "%2F").replace("{", "%7B").replace("}", "%7D")


__all__ = [
    "IdSegment",
    "NamedSegment",
    "PathKey",
    "PathTemplate",
    "PathTemplater",
    "SegmentKind",
    "TemplateParameter",
    "identifier_kind",
    "key_of",
    "parameter_name",
    "singular",
    "value_kind",
]
