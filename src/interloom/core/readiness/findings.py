"""What a readiness check returns, and what the checks that read a contract share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from interloom.core.contracts.model import Operation
from interloom.core.readiness.model import InterfaceFacts, ReadinessPolicy, Status


@dataclass(frozen=True, slots=True)
class Finding:
    """The outcome of one check, before weights are applied."""

    status: Status
    explanation: str
    hint: str | None = None
    location: str | None = None


Check = Callable[[InterfaceFacts, ReadinessPolicy], Finding]

NO_CONTRACT = "the contract does not import, so this cannot be read from it"
FIX_CONTRACT = "fix the contract first (interloom contracts inspect FILE shows why it fails)"


def resolve_operation(facts: InterfaceFacts) -> Operation | None:
    """The contract operation the interface stands for: the named one, else the only one."""
    contract = facts.contract
    if contract is None:
        return None
    named = facts.interface.operation
    if named is not None:
        return contract.operation(named)
    return contract.operations[0] if len(contract.operations) == 1 else None


def where_of(operation: Operation | None) -> str | None:
    """Where the operation is declared: ``file:line:column pointer``."""
    return str(operation.location) if operation and operation.location else None


def unassessable(facts: InterfaceFacts) -> Finding | None:
    """The finding of a contract-based check when there is no operation to read."""
    if facts.contract is None:
        return Finding(Status.FAIL, NO_CONTRACT, FIX_CONTRACT)
    if resolve_operation(facts) is None and facts.contract.operations:
        return Finding(
            Status.FAIL,
            "no operation of the contract is named, so this cannot be read from it",
            "name the interface's operation with 'operation:' in the system file",
        )
    return None
