"""What a schema walk finds: raw changes, the schema pairs it reached, and where both are."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from interloom.core.contracts.model import SourceLocation
from interloom.core.contracts.schemas import escape_pointer_token

Tokens = tuple[str, ...]


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


def below(spot: Spot, *tokens: str) -> Spot:
    """The place ``tokens`` further down."""
    return spot[0], (*spot[1], *tokens)


@dataclass(slots=True)
class Emitter:
    """Records the changes found at one node of a walk."""

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


__all__ = ["Anchor", "Change", "Edge", "Emitter", "Item", "Spot", "Tokens", "WalkResult", "below"]
