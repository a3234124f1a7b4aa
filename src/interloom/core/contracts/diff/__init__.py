"""The breaking-change diff of two versions of a contract, over the canonical model.

``diff_contracts(old, new)`` pairs operations, channels, messages, fields and schemas of two
:class:`~interloom.core.contracts.Contract` versions and returns a :class:`DiffResult`: one
:class:`Finding` per change, with a stable rule id (oasdiff's where oasdiff has one), a level
(``ERR`` breaking, ``WARN`` maybe breaking, ``INFO``), the operation, the property path, and its
location in both documents. The rules are listed in :data:`RULES` (``docs/contracts-diff.md``).
"""

from interloom.core.contracts.diff.engine import diff_contracts
from interloom.core.contracts.diff.findings import DiffResult, Finding
from interloom.core.contracts.diff.rules import FAMILY_TITLES, RULES, Family, Level, Rule, rule

__all__ = [
    "FAMILY_TITLES",
    "RULES",
    "DiffResult",
    "Family",
    "Finding",
    "Level",
    "Rule",
    "diff_contracts",
    "rule",
]
