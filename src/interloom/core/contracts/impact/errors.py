"""What can stop the impact analysis of a contract change before it starts.

::

    ContractImpactError              E-IMPACT-001  422  the change cannot be tied to the project

A contract that does not import raises its own ``ContractError`` (``E-CONTRACT-…``), and the
diff its ``ContractDiffError`` (``E-DIFF-…``), both located.
"""

from __future__ import annotations

from interloom.core.errors import InterloomError


class ContractImpactError(InterloomError):
    """The change cannot be tied to the project: its contract is not one the project uses."""

    code = "E-IMPACT-001"
    status = 422


__all__ = ["ContractImpactError"]
