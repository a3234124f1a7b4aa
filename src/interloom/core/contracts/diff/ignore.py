"""Findings a team has accepted: ignore rules, and which findings they match.

Two spellings, one meaning. The oasdiff-compatible text line names an operation and a piece of
the finding's message (``GET /customers/{id} removed the optional property 'nickname'``); the
YAML entry names any of a rule id, an operation, a property path and a message piece, and may
carry a reason and an expiry date. Every given field must match; an expired entry matches
nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from interloom.core.contracts.diff.findings import DiffResult, Finding
from interloom.core.errors import Location

_PATH_PARAMETER = re.compile(r"\{[^}/]*\}")


def normalize_operation(label: str) -> str:
    """An operation label compared loosely: case and path parameter names do not matter."""
    return _PATH_PARAMETER.sub("{}", " ".join(label.split())).lower()


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """One accepted change (or family of changes)."""

    rule_id: str | None = None
    operation: str | None = None
    """An operation label (``GET /customers/{id}``, ``send stock.changed``) or id."""
    path: str | None = None
    """A property path (``/loyalty/tier``); a path ending in ``/*`` covers what lies below."""
    message: str | None = None
    """A piece of the finding's message, case-insensitive."""
    reason: str | None = None
    until: dt.date | None = None
    location: Location | None = None
    """Where the rule is written, for reports."""

    def matches(self, finding: Finding, today: dt.date) -> bool:
        """Whether this rule covers ``finding`` (on ``today``: expired rules cover nothing)."""
        if self.until is not None and today > self.until:
            return False
        if self.rule_id is not None and finding.id != self.rule_id:
            return False
        if self.operation is not None and not self._same_operation(finding):
            return False
        if self.path is not None and not _path_matches(self.path, finding.path):
            return False
        return self.message is None or _message_matches(self.message, finding)

    def _same_operation(self, finding: Finding) -> bool:
        wanted = normalize_operation(self.operation or "")
        if finding.operation is not None and normalize_operation(finding.operation) == wanted:
            return True
        return finding.operation_id is not None and finding.operation_id.lower() == wanted


def _path_matches(wanted: str, path: str) -> bool:
    wanted = "/" + wanted.strip("/") if wanted.strip("/") else ""
    if wanted.endswith("/*"):
        return path == wanted[:-2] or path.startswith(wanted[:-1])
    return path == wanted


def _message_matches(wanted: str, finding: Finding) -> bool:
    text = " ".join(wanted.lower().split())
    message = " ".join(finding.message.lower().split())
    # The oasdiff spelling quotes the whole change text; ours may name a piece of it.
    return text in message or message in text or text == finding.id


def apply_ignore_rules(
    result: DiffResult, rules: list[IgnoreRule], *, today: dt.date | None = None
) -> DiffResult:
    """``result`` with the findings some rule matches moved to :attr:`DiffResult.ignored`."""
    if not rules:
        return result
    day = today or dt.date.today()
    kept: list[Finding] = []
    ignored: list[Finding] = list(result.ignored)
    for finding in result.findings:
        if any(rule.matches(finding, day) for rule in rules):
            ignored.append(finding)
        else:
            kept.append(finding)
    return result.with_findings(tuple(kept), tuple(ignored))


__all__ = ["IgnoreRule", "apply_ignore_rules", "normalize_operation"]
