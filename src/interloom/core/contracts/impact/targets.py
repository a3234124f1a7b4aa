"""Which interfaces of a project a finding is about, and which part of their operation.

An interface names one operation of its contract (``operation:``, the canonical
:attr:`Operation.id`: an OpenAPI ``operationId``, an AsyncAPI operation, a WSDL operation, a
GraphQL root field). A finding names the operation of the new version (else the old one's).
The two versions pair by what identifies an operation on the wire — its method and path, its
channel and action, its port type and name (:attr:`Operation.match_key`) — as the diff pairs
them, so an interface keeps its findings when only the ``operationId`` was renamed.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from interloom.core.catalog import Interface, System
from interloom.core.contracts.diff import Family, Finding, rule
from interloom.core.contracts.impact.model import Part
from interloom.core.contracts.model import Contract, Operation
from interloom.core.project import Project
from interloom.core.refs import Ref

__all__ = [
    "REQUIRES_FIELD",
    "ContractInterface",
    "contract_interfaces",
    "finding_field",
    "finding_part",
    "normalise_contract_path",
]

_REQUEST_FAMILIES = frozenset(
    {
        Family.PARAMETERS,
        Family.REQUEST_BODY,
        Family.REQUEST_SCHEMA,
        Family.RECEIVED_MESSAGES,
        Family.SENT_MESSAGES,
    }
)
_RESPONSE_FAMILIES = frozenset({Family.RESPONSES, Family.RESPONSE_SCHEMA})

REQUIRES_FIELD = frozenset(
    {
        "new-required-request-property",
        "new-required-request-property-with-default",
        "request-property-became-required",
        "received-message-required-property-added",
        "received-message-property-became-required",
        "soap-request-required-element-added",
        "soap-request-element-became-required",
        "graphql-required-input-field-added",
        "graphql-input-field-became-required",
    }
)
"""Rules that make a field of the request required: a sender that does not write it fails."""


def finding_part(finding: Finding) -> Part:
    """The part of the operation a finding is about (a message counts as the request)."""
    if finding.operation is None and finding.operation_id is None:
        return Part.CONTRACT
    family = rule(finding.id).family
    if family in _REQUEST_FAMILIES:
        return Part.REQUEST
    if family in _RESPONSE_FAMILIES:
        return Part.RESPONSE
    if family is Family.SOAP:
        if finding.id.startswith("soap-request-"):
            return Part.REQUEST
        if finding.id.startswith("soap-response-"):
            return Part.RESPONSE
    if family is Family.GRAPHQL:
        if "argument" in finding.id or "input" in finding.id:
            return Part.REQUEST
        if finding.id != "graphql-type-removed":
            return Part.RESPONSE
    return Part.OPERATION


def finding_field(finding: Finding) -> str:
    """The changed field as a dotted path (``/items/sku`` → ``items.sku``); ``""`` for none.

    Headers and parameters are not fields of the message a flow handles: they give ``""``.
    """
    where = finding.where or ""
    if "header" in where or "parameter" in where:
        return ""
    segments = [s.replace("~1", "/").replace("~0", "~") for s in finding.path.split("/") if s]
    kept: list[str] = []
    for segment in segments:
        if segment == "*":  # additional properties: the object holding them changed
            break
        kept.append(segment)
    return ".".join(kept)


def normalise_contract_path(path: str) -> str:
    """A project-relative contract path in one spelling (``./contracts/../contracts/a.yaml``)."""
    return posixpath.normpath(path.replace("\\", "/")).removeprefix("./")


@dataclass(frozen=True, slots=True)
class ContractInterface:
    """An interface of the project that uses the contract, and the operations it stands for."""

    ref: str
    """``interface:SYSTEM.ID``."""
    system: System
    interface: Interface
    operation_ids: frozenset[str]
    """Canonical ids of its operation in either version; empty: it names none it could find."""
    whole_contract: bool
    """It names no operation (and its contract has several): every finding concerns it."""

    def concerns(self, finding: Finding) -> bool:
        """Whether ``finding`` is about this interface.

        A finding about the contract as a whole (a security scheme, a shared schema, a
        channel) concerns every interface of the contract when it may break clients; one
        that cannot (an INFO) concerns none.
        """
        if finding.operation_id is None and finding.operation is None:
            return finding.level.rank > 0
        return self.whole_contract or finding.operation_id in self.operation_ids


class _Operations:
    """A contract's operations by id and by what identifies them on the wire."""

    def __init__(self, contract: Contract) -> None:
        self.only = contract.operations[0] if len(contract.operations) == 1 else None
        self.by_id = {op.id: op for op in contract.operations}
        self.by_key = {op.match_key: op for op in reversed(contract.operations)}

    def named(self, name: str | None) -> Operation | None:
        return self.only if name is None else self.by_id.get(name)

    def paired(self, operation: Operation | None) -> Operation | None:
        return None if operation is None else self.by_key.get(operation.match_key)


def contract_interfaces(
    project: Project, contract_path: str, old: Contract, new: Contract
) -> list[ContractInterface]:
    """The interfaces of ``project`` whose ``contract:`` is ``contract_path``, in file order."""
    wanted = normalise_contract_path(contract_path)
    olds, news = _Operations(old), _Operations(new)
    found: list[ContractInterface] = []
    for system, interface in project.interfaces():
        if normalise_contract_path(interface.contract) != wanted:
            continue
        before = olds.named(interface.operation)
        after = news.named(interface.operation)
        before = before or olds.paired(after)
        after = after or news.paired(before)
        ids = frozenset(op.id for op in (before, after) if op is not None)
        several = max(len(old.operations), len(new.operations)) > 1
        found.append(
            ContractInterface(
                ref=str(Ref.interface(system.id, interface.id)),
                system=system,
                interface=interface,
                operation_ids=ids,
                whole_contract=interface.operation is None and not ids and several,
            )
        )
    return found
