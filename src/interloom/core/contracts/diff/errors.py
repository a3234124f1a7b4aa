"""What can stop a contract diff before it compares anything.

::

    ContractDiffError                E-DIFF-001  400  the diff cannot run as asked
    ├── IgnoreFileError              E-DIFF-002  422  an ignore file entry is malformed
    └── GitRevisionError             E-DIFF-003  404  no such revision, or no such file in it

A contract that does not import raises its own ``ContractError`` (``E-CONTRACT-…``), located.
"""

from __future__ import annotations

from interloom.core.errors import InterloomError


class ContractDiffError(InterloomError):
    """The diff cannot run as asked (options that do not go together, a missing input)."""

    code = "E-DIFF-001"
    status = 400


class IgnoreFileError(ContractDiffError):
    """An entry of an ignore file is malformed: wrong key, wrong type, unknown rule id."""

    code = "E-DIFF-002"
    status = 422


class GitRevisionError(ContractDiffError):
    """Git has no such revision, or the file does not exist at that revision."""

    code = "E-DIFF-003"
    status = 404


__all__ = ["ContractDiffError", "GitRevisionError", "IgnoreFileError"]
