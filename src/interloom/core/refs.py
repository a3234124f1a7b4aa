"""Stable references between definitions: ``system:crm``, ``interface:crm.customers.get``…"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from interloom.core.errors import ReferenceSyntaxError

SYSTEM_ID_PATTERN = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
INTERFACE_ID_PATTERN = r"^[a-z][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)*$"
PLAN_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"

_SYSTEM_ID = re.compile(SYSTEM_ID_PATTERN)
_INTERFACE_ID = re.compile(INTERFACE_ID_PATTERN)
_PLAN_ID = re.compile(PLAN_ID_PATTERN)


class RefKind(StrEnum):
    """The kinds of thing a reference can name."""

    SYSTEM = "system"
    INTERFACE = "interface"
    FLOW = "flow"
    TASK = "task"
    MILESTONE = "milestone"


_ID_PATTERNS: dict[RefKind, re.Pattern[str]] = {
    RefKind.SYSTEM: _SYSTEM_ID,
    RefKind.FLOW: _SYSTEM_ID,
    RefKind.TASK: _PLAN_ID,
    RefKind.MILESTONE: _PLAN_ID,
}


@dataclass(frozen=True, slots=True, order=True)
class Ref:
    """A parsed reference: its kind and the id it names (``crm.customers.get``)."""

    kind: RefKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def system_id(self) -> str | None:
        """The system an interface reference belongs to (``crm`` of ``crm.customers.get``)."""
        if self.kind is RefKind.INTERFACE:
            return self.id.split(".", 1)[0]
        if self.kind is RefKind.SYSTEM:
            return self.id
        return None

    @classmethod
    def parse(cls, text: str) -> Ref:
        """Parse ``kind:id``; raise :class:`ReferenceSyntaxError` with a hint when malformed."""
        kind_text, sep, ident = text.partition(":")
        kinds = ", ".join(f"'{kind}:'" for kind in RefKind)
        if not sep or not ident:
            raise ReferenceSyntaxError(
                f"'{text}' is not a reference",
                hint=f"write kind:id, with kind one of {kinds}",
            )
        try:
            kind = RefKind(kind_text)
        except ValueError:
            raise ReferenceSyntaxError(
                f"'{kind_text}' is not a kind of reference", hint=f"use one of {kinds}"
            ) from None
        if kind is RefKind.INTERFACE:
            system, dot, rest = ident.partition(".")
            if not dot or not _SYSTEM_ID.fullmatch(system) or not _INTERFACE_ID.fullmatch(rest):
                raise ReferenceSyntaxError(
                    f"'{text}' is not an interface reference",
                    hint="write interface:SYSTEM.INTERFACE, e.g. interface:crm.customers.get",
                )
        elif not _ID_PATTERNS[kind].fullmatch(ident):
            raise ReferenceSyntaxError(f"'{ident}' is not a valid {kind} id in '{text}'")
        return cls(kind, ident)

    @classmethod
    def interface(cls, system_id: str, interface_id: str) -> Ref:
        """The reference of interface ``interface_id`` of system ``system_id``."""
        return cls(RefKind.INTERFACE, f"{system_id}.{interface_id}")
