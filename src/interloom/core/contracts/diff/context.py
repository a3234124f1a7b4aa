"""One diff in progress: the two contracts, the schema walker, and the findings so far."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass
from typing import TypedDict

from interloom.core.contracts.diff.changes import Anchor, Change, Spot, WalkResult
from interloom.core.contracts.diff.findings import Finding
from interloom.core.contracts.diff.rules import rule
from interloom.core.contracts.diff.schema_walk import SchemaWalker
from interloom.core.contracts.diff.scopes import Scope
from interloom.core.contracts.diff.wording import describe_schema_change
from interloom.core.contracts.model import (
    Contract,
    ContractFormat,
    JsonSchema,
    MediaType,
    Message,
    Parameter,
    SourceLocation,
)

_NAMES_ONLY = frozenset({ContractFormat.GRAPHQL, ContractFormat.WSDL})


class Places(TypedDict):
    """Where something is in the old and in the new document: ``ctx.add(…, **places)``."""

    old: SourceLocation | None
    new: SourceLocation | None


@dataclass(frozen=True, slots=True)
class OperationRef:
    """An operation as findings name it."""

    label: str
    id: str | None


@dataclass(frozen=True, slots=True)
class Use:
    """One place a schema is used in an operation: how to judge and how to name its changes."""

    scope: Scope
    where: str
    operation: OperationRef | None
    noun: str = "property"


class DiffContext:
    """The state of one diff: what is compared, and what was found."""

    def __init__(self, old: Contract, new: Contract, today: dt.date) -> None:
        self.old = old
        self.new = new
        self.today = today
        self.names_only = (old.format in _NAMES_ONLY, new.format in _NAMES_ONLY)
        both = {old.format, new.format}
        self.walker = SchemaWalker(
            old.schemas,
            new.schemas,
            old_file=old.file,
            new_file=new.file,
            names_only=self.names_only,
            nominal=both == {ContractFormat.GRAPHQL},
            compare_xml=both == {ContractFormat.WSDL},
        )
        self.findings: list[Finding] = []

    # --- findings -----------------------------------------------------------------------

    def add(
        self,
        rule_id: str,
        message: str,
        operation: OperationRef | None,
        *,
        old: SourceLocation | None = None,
        new: SourceLocation | None = None,
        path: str = "",
        where: str | None = None,
    ) -> None:
        """Record a finding of rule ``rule_id`` (its level comes from the catalogue)."""
        self.findings.append(
            Finding(
                id=rule_id,
                level=rule(rule_id).level,
                message=message,
                operation=operation.label if operation else None,
                operation_id=operation.id if operation else None,
                path=path,
                where=where,
                old=old,
                new=new,
            )
        )

    # --- schemas ----------------------------------------------------------------------------

    def compare_schemas(
        self,
        use: Use,
        old: JsonSchema | None,
        new: JsonSchema | None,
        old_spot: Spot,
        new_spot: Spot,
    ) -> None:
        """Report every change between two schemas used at ``use``, references followed.

        Each pair of registry schemas reached is reported once per use, at the shortest
        property path that reaches it (breadth first), so a schema used twice in one body is
        not reported twice and a large graph of references stays linear.
        """
        root = self.walker.walk(old or {}, new or {}, old_spot, new_spot)
        queue: deque[tuple[tuple[str, ...], WalkResult, str | None]] = deque([((), root, None)])
        seen: set[tuple[str, str, str | None]] = set()
        while queue:
            prefix, result, inherited = queue.popleft()
            for change in result.changes:
                self._emit(use, change, prefix, inherited)
            for edge in result.edges:
                access = inherited or edge.access
                key = (edge.old_name, edge.new_name, access)
                if key not in seen:
                    seen.add(key)
                    pair = self.walker.pair(edge.old_name, edge.new_name)
                    queue.append(((*prefix, *edge.path), pair, access))

    def _emit(
        self, use: Use, change: Change, prefix: tuple[str, ...], inherited: str | None
    ) -> None:
        tokens = (*prefix, *change.path)
        rule_id = use.scope.rule_for(
            change.kind, at_root=not tokens, access=inherited or change.access
        )
        if rule_id is None:
            return
        path = "".join(f"/{token}" for token in tokens)
        message = describe_schema_change(
            change.kind,
            where=use.where,
            path=path,
            noun=use.noun,
            old_value=change.old_value,
            new_value=change.new_value,
            detail=change.detail,
            owner=change.owner,
        )
        old, new = change.locations()
        self.add(rule_id, message, use.operation, old=old, new=new, path=path, where=use.where)

    # --- where schemas sit --------------------------------------------------------------------

    def _fallback(self, side: int, *locations: SourceLocation | None) -> SourceLocation:
        found = next((loc for loc in locations if loc is not None), None)
        return found or SourceLocation(file=(self.old, self.new)[side].file)

    def media_spot(self, side: int, media: MediaType, *around: SourceLocation | None) -> Spot:
        """Where the schema of a request or response content type is."""
        location = self._fallback(side, media.location, *around)
        if self.names_only[side]:
            return Anchor(location, True), ()
        if media.location is None or location.pointer.endswith("/schema"):
            return Anchor(location), ()  # Swagger 2 responses: the location is the schema
        return Anchor(location), ("schema",)

    def parameter_spot(
        self, side: int, parameter: Parameter, *around: SourceLocation | None
    ) -> Spot:
        """Where the schema of a parameter is (Swagger 2 writes it on the parameter itself)."""
        contract = (self.old, self.new)[side]
        location = self._fallback(side, parameter.location, *around)
        if self.names_only[side] or parameter.location is None:
            return Anchor(location, self.names_only[side]), ()
        if contract.format is ContractFormat.OPENAPI and contract.format_version.startswith("2"):
            return Anchor(location), ()
        return Anchor(location), ("schema",)

    def message_spot(self, side: int, message: Message, part: str) -> Spot:
        """Where the payload or the headers of a message are."""
        location = self._fallback(side, message.location)
        if self.names_only[side] or message.location is None:
            return Anchor(location, self.names_only[side]), ()
        return Anchor(location), (part,)

    def header_spot(self, side: int, name: str, *around: SourceLocation | None) -> Spot:
        """Where the schema of a response header is."""
        contract = (self.old, self.new)[side]
        location = self._fallback(side, *around)
        if self.names_only[side]:
            return Anchor(location, True), ()
        swagger = contract.format is ContractFormat.OPENAPI and contract.format_version.startswith(
            "2"
        )
        return Anchor(location), ("headers", name) if swagger else ("headers", name, "schema")

    def below(
        self, side: int, location: SourceLocation | None, *tokens: str
    ) -> SourceLocation | None:
        """``location`` with JSON pointer ``tokens`` appended (its line stays the same).

        In a document that is not JSON (SDL, WSDL) keywords have no pointer: the location
        stays as it is.
        """
        if location is None or self.names_only[side]:
            return location
        return Anchor(location).at(tokens)


__all__ = ["DiffContext", "OperationRef", "Places", "Use"]
