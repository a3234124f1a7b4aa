"""What a diff finds: findings with a rule, a level, the operation, and where in both documents.

Plain frozen dataclasses: a large diff makes tens of thousands of findings, and everything in
them is built by the diff itself, so validating each one again would only cost time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from interloom.core.contracts.diff.rules import Level, rule
from interloom.core.contracts.model import SourceLocation


@dataclass(frozen=True, slots=True)
class Finding:
    """One change between two versions of a contract, and what it means for clients."""

    id: str
    """The rule id (``response-required-property-removed``); see :data:`rules.RULES`."""
    level: Level
    message: str
    operation: str | None = None
    """The operation as people call it: ``GET /customers/{id}``, ``send stock.changed``,
    ``Query.ticket``, ``InvoicingPortType.GetInvoice``; ``None`` for the contract as a whole."""
    operation_id: str | None = None
    """The canonical operation id (the new version's, else the old one's)."""
    path: str = ""
    """The property path inside the schema at fault (``/items/sku``); ``""`` at its root."""
    where: str | None = None
    """What part of the operation: ``the request body (application/json)``, ``response 200``…"""
    old: SourceLocation | None = None
    """Where the thing was in the old document (its nearest existing ancestor if it is new)."""
    new: SourceLocation | None = None
    """Where it is in the new document (its nearest existing ancestor if it was removed)."""

    @property
    def location(self) -> SourceLocation | None:
        """Where to look first: the new document, else the old one."""
        return self.new or self.old

    @property
    def family(self) -> str:
        """The rule family (``response-schema``, ``graphql``…)."""
        return rule(self.id).family.value

    def located(self, old: SourceLocation | None, new: SourceLocation | None) -> Finding:
        """This finding with other locations (the same places, with their lines found)."""
        return replace(self, old=old, new=new)

    def to_dict(self) -> dict[str, Any]:
        """The finding as ``--output json`` prints it."""
        return {
            "id": self.id,
            "level": self.level.value,
            "operation": self.operation,
            "location": _location(self.location),
            "message": self.message,
            "operation_id": self.operation_id,
            "path": self.path,
            "where": self.where,
            "old": _location(self.old),
            "new": _location(self.new),
        }

    def render(self) -> str:
        """One line: ``ERR response-required-property-removed crm.yaml:412:9 GET /c: message``."""
        where = f" {self.location.to_location()}" if self.location else ""
        operation = f" {self.operation}:" if self.operation else ""
        return f"{self.level.value} {self.id}{where}{operation} {self.message}"


def _location(location: SourceLocation | None) -> dict[str, Any] | None:
    return location.to_location().to_dict() if location is not None else None


@dataclass(frozen=True, slots=True)
class DiffResult:
    """Every finding of one diff, grouped by operation, worst first within each."""

    old_file: str
    new_file: str
    old_version: str | None = None
    new_version: str | None = None
    findings: tuple[Finding, ...] = ()
    ignored: tuple[Finding, ...] = ()
    """Findings an ignore file matched: not reported, only counted."""

    def counts(self) -> dict[str, int]:
        """``{"ERR": 2, "WARN": 1, "INFO": 4}``."""
        counter = Counter(finding.level for finding in self.findings)
        return {level.value: counter.get(level, 0) for level in Level}

    def worst(self) -> Level | None:
        """The highest level found, ``None`` when nothing changed."""
        return max((f.level for f in self.findings), key=lambda level: level.rank, default=None)

    def fails(self, threshold: Level | None) -> bool:
        """Whether a finding at or above ``threshold`` remains (never, without a threshold)."""
        if threshold is None:
            return False
        return any(f.level.rank >= threshold.rank for f in self.findings)

    def with_findings(
        self, findings: tuple[Finding, ...], ignored: tuple[Finding, ...] | None = None
    ) -> DiffResult:
        """This result with other findings (located, or some of them ignored)."""
        return replace(
            self, findings=findings, ignored=self.ignored if ignored is None else ignored
        )

    def to_dict(self) -> dict[str, Any]:
        """``{"findings": […]}``, exactly what ``--output json`` prints."""
        return {"findings": [finding.to_dict() for finding in self.findings]}


__all__ = ["DiffResult", "Finding"]
