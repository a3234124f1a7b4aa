"""An HTTP operation present in both versions: everything about it that can change."""

from __future__ import annotations

from interloom.core.contracts.diff.bodies import compare_request_body, compare_responses
from interloom.core.contracts.diff.context import DiffContext
from interloom.core.contracts.diff.operations import (
    operation_ref,
    report_lifecycle,
    report_operation_id,
)
from interloom.core.contracts.diff.parameters import compare_parameters
from interloom.core.contracts.diff.security import compare_security
from interloom.core.contracts.model import Operation


def compare_operation(ctx: DiffContext, old: Operation, new: Operation) -> None:
    """Everything that can change in an HTTP operation present in both versions."""
    ref = operation_ref(new)
    report_lifecycle(ctx, old, new, ref)
    report_operation_id(ctx, old, new, ref)
    for tag in sorted(set(old.tags) - set(new.tags)):
        ctx.add(
            "api-tag-removed",
            f"the tag '{tag}' was removed",
            ref,
            old=old.location,
            new=new.location,
        )
    for tag in sorted(set(new.tags) - set(old.tags)):
        ctx.add(
            "api-tag-added", f"the tag '{tag}' was added", ref, old=old.location, new=new.location
        )
    compare_parameters(ctx, old, new, ref)
    compare_request_body(ctx, old, new, ref)
    compare_responses(ctx, old, new, ref)
    compare_security(ctx, old, new, ref)


__all__ = ["compare_operation"]
