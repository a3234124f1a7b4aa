"""``diff_contracts``: every change between two versions of a contract, judged for its clients.

Operations pair by what identifies them on the wire, whatever the format they were written in
(``GET /customers/{}``, a channel's address and action, ``Query.ticket``, a SOAP operation), so
a Swagger 2.0 file and its OpenAPI 3.1 successor diff through the canonical model.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from interloom.core.contracts.diff.changes import Anchor
from interloom.core.contracts.diff.channels import compare_channels
from interloom.core.contracts.diff.components import compare_schema_components
from interloom.core.contracts.diff.context import DiffContext, Use
from interloom.core.contracts.diff.findings import DiffResult, Finding
from interloom.core.contracts.diff.graphql import compare_graphql
from interloom.core.contracts.diff.http import compare_operation
from interloom.core.contracts.diff.operations import report_added, report_removed
from interloom.core.contracts.diff.scopes import RESPONSE_BODY
from interloom.core.contracts.diff.security import compare_security_schemes
from interloom.core.contracts.diff.soap import compare_soap
from interloom.core.contracts.model import (
    ChannelAddress,
    Contract,
    ContractFormat,
    GraphQLAddress,
    HttpAddress,
    NamedSchema,
    Operation,
    SoapAddress,
    SourceLocation,
)


def diff_contracts(old: Contract, new: Contract, *, today: dt.date | None = None) -> DiffResult:
    """The findings between ``old`` and ``new``, two versions of one contract.

    ``today`` decides whether a sunset date has passed (default: the current date).
    """
    ctx = DiffContext(old, new, today or dt.date.today())
    old_ops, new_ops = _by_kind(old.operations), _by_kind(new.operations)
    _compare_http(ctx, old_ops["http"], new_ops["http"])
    if old.channels or new.channels or old_ops["channel"] or new_ops["channel"]:
        compare_channels(ctx, old_ops["channel"], new_ops["channel"])
    if (
        old_ops["graphql"]
        or new_ops["graphql"]
        or ContractFormat.GRAPHQL in (old.format, new.format)
    ):
        compare_graphql(ctx, old_ops["graphql"], new_ops["graphql"])
    if old_ops["soap"] or new_ops["soap"]:
        compare_soap(ctx, old_ops["soap"], new_ops["soap"])
    if old.format is ContractFormat.JSON_SCHEMA and new.format is ContractFormat.JSON_SCHEMA:
        _compare_documents(ctx)
    compare_security_schemes(ctx)
    compare_schema_components(ctx)
    return DiffResult(
        old_file=old.file,
        new_file=new.file,
        old_version=old.version,
        new_version=new.version,
        findings=_ordered(ctx.findings),
    )


def _by_kind(operations: tuple[Operation, ...]) -> dict[str, list[Operation]]:
    found: dict[str, list[Operation]] = {"http": [], "channel": [], "graphql": [], "soap": []}
    for operation in operations:
        address = operation.address
        if isinstance(address, HttpAddress):
            found["http"].append(operation)
        elif isinstance(address, ChannelAddress):
            found["channel"].append(operation)
        elif isinstance(address, GraphQLAddress):
            found["graphql"].append(operation)
        elif isinstance(address, SoapAddress):
            found["soap"].append(operation)
    return found


def _path_key(operation: Operation) -> str:
    return (
        operation.match_key.split(" ", 1)[-1] if isinstance(operation.address, HttpAddress) else ""
    )


def _compare_http(ctx: DiffContext, old_ops: list[Operation], new_ops: list[Operation]) -> None:
    old_by_key = {op.match_key: op for op in old_ops}
    new_keys = {op.match_key for op in new_ops}
    new_paths = {_path_key(op) for op in new_ops}
    for operation in new_ops:
        before = old_by_key.get(operation.match_key)
        if before is None:
            report_added(ctx, operation)
        else:
            compare_operation(ctx, before, operation)
    for operation in old_ops:
        if operation.match_key not in new_keys:
            report_removed(ctx, operation, path_gone=_path_key(operation) not in new_paths)


def _root_schema(contract: Contract) -> NamedSchema | None:
    roots = [s for s in contract.schemas.values() if s.location is None or not s.location.pointer]
    return roots[0] if roots else next(iter(contract.schemas.values()), None)


def _compare_documents(ctx: DiffContext) -> None:
    """Two JSON Schema documents: the data they describe is read by its consumers."""
    old_root, new_root = _root_schema(ctx.old), _root_schema(ctx.new)
    if old_root is None or new_root is None:
        return
    ctx.compare_schemas(
        Use(RESPONSE_BODY, f"the schema '{new_root.name}'", None),
        old_root.json_schema,
        new_root.json_schema,
        (Anchor(old_root.location or SourceLocation(file=ctx.old.file)), ()),
        (Anchor(new_root.location or SourceLocation(file=ctx.new.file)), ()),
    )


def _identity(finding: Finding) -> tuple[object, ...]:
    def place(location: SourceLocation | None) -> tuple[str, str] | None:
        return (location.file, location.pointer) if location else None

    return (
        finding.id,
        finding.operation,
        finding.path,
        finding.message,
        place(finding.old),
        place(finding.new),
    )


def _ordered(findings: list[Finding]) -> tuple[Finding, ...]:
    """Grouped by operation (as found; the contract's own last), worst first, no repeats."""
    seen: set[tuple[object, ...]] = set()
    unique: list[Finding] = []
    for finding in findings:
        key = _identity(finding)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    order: dict[str | None, int] = {}
    for finding in unique:
        order.setdefault(finding.operation, len(order))
    last = len(order)
    unique.sort(key=lambda f: (last if f.operation is None else order[f.operation], -f.level.rank))
    return tuple(unique)


def group_by_operation(findings: tuple[Finding, ...]) -> list[tuple[str | None, list[Finding]]]:
    """Consecutive findings of one operation together (the order :func:`diff_contracts` gives)."""
    return [(key, list(group)) for key, group in groupby(findings, key=lambda f: f.operation)]


__all__ = ["diff_contracts", "group_by_operation"]
