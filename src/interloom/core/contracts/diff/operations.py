"""Operations of any transport: how findings name them, their lifecycle, removal and addition."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

from interloom.core.contracts.diff.context import DiffContext, OperationRef, Places
from interloom.core.contracts.model import (
    HttpAddress,
    Operation,
)

_GENERATED_ID = re.compile(r"^[A-Z]+ /")
INVALID_DATE = "invalid"


def parse_sunset(text: str | None) -> dt.date | str | None:
    """A sunset date (``2027-06-30``, RFC 3339 or an HTTP date); ``"invalid"`` if unreadable."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return INVALID_DATE


def operation_ref(operation: Operation) -> OperationRef:
    """How findings name an operation of any transport."""
    address = operation.address
    if isinstance(address, HttpAddress):
        label = f"{address.method} {address.path}"
    elif address.kind == "channel":
        label = f"{address.action} {address.address or address.channel}"
    elif address.kind == "soap":
        label = f"{address.port_type}.{address.operation}"
    else:
        label = f"{address.type}.{address.field}"
    return OperationRef(label, operation.id)


def report_lifecycle(ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef) -> None:
    """Deprecation and sunset dates of an operation present in both versions."""
    where = Places(old=old.location, new=new.location)
    if not old.deprecated and new.deprecated:
        sunset = parse_sunset(new.sunset)
        if sunset is None:
            ctx.add("endpoint-deprecated", "the operation was deprecated", ref, **where)
        elif sunset == INVALID_DATE:
            ctx.add(
                "api-deprecated-sunset-parse",
                f"the operation was deprecated with the sunset date '{new.sunset}', "
                "which is not a date (use 2027-06-30)",
                ref,
                **where,
            )
        elif isinstance(sunset, dt.date) and sunset < ctx.today:
            ctx.add(
                "api-sunset-date-too-small",
                f"the operation was deprecated with a sunset date in the past ({sunset})",
                ref,
                **where,
            )
        else:
            ctx.add(
                "endpoint-deprecated-with-sunset",
                f"the operation was deprecated; it sunsets on {sunset}",
                ref,
                **where,
            )
    elif old.deprecated and not new.deprecated:
        ctx.add("endpoint-reactivated", "the operation is no longer deprecated", ref, **where)
    elif old.deprecated and new.deprecated and old.sunset != new.sunset:
        before, after = parse_sunset(old.sunset), parse_sunset(new.sunset)
        if before is not None and after is None:
            ctx.add(
                "sunset-deleted",
                f"the deprecated operation lost its sunset date ({old.sunset})",
                ref,
                **where,
            )
        elif isinstance(before, dt.date) and isinstance(after, dt.date) and after < before:
            ctx.add(
                "api-sunset-date-changed-too-small",
                f"the sunset date of the operation moved earlier, from {before} to {after}",
                ref,
                **where,
            )


def report_operation_id(
    ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef
) -> None:
    """A changed operation id breaks everything that refers to the operation by id."""
    if old.id == new.id:
        return
    old_generated = bool(_GENERATED_ID.match(old.id))
    new_generated = bool(_GENERATED_ID.match(new.id))
    if old_generated and new_generated:
        return
    if old_generated:
        ctx.add(
            "api-operation-id-added",
            f"the operation got the id '{new.id}'",
            ref,
            old=old.location,
            new=new.location,
        )
        return
    ctx.add(
        "api-operation-id-removed",
        f"the operation id changed from '{old.id}' to '{new.id}': references to "
        f"'{old.id}' (interfaces, flows) no longer resolve",
        ref,
        old=old.location,
        new=new.location,
    )


_PATH_REMOVED = {
    "without-deprecation": "api-path-removed-without-deprecation",
    "before-sunset": "api-path-removed-before-sunset",
    "with-deprecation": "api-path-removed-with-deprecation",
}
_OPERATION_REMOVED = {
    "without-deprecation": "api-removed-without-deprecation",
    "before-sunset": "api-removed-before-sunset",
    "with-deprecation": "api-removed-with-deprecation",
}


def report_removed(ctx: DiffContext, operation: Operation, *, path_gone: bool) -> None:
    """An HTTP operation of the old version that the new one lacks."""
    ref = operation_ref(operation)
    address = operation.address
    if isinstance(address, HttpAddress) and address.webhook:
        ctx.add("webhook-removed", "the webhook was removed", ref, old=operation.location)
        return
    what = (
        f"the path {address.path}"
        if path_gone and isinstance(address, HttpAddress)
        else "the operation"
    )
    rules = _PATH_REMOVED if path_gone else _OPERATION_REMOVED
    sunset = parse_sunset(operation.sunset)
    if not operation.deprecated:
        ctx.add(
            rules["without-deprecation"],
            f"{what} was removed without being deprecated first",
            ref,
            old=operation.location,
        )
    elif sunset == INVALID_DATE:
        ctx.add(
            "api-path-sunset-parse",
            f"{what} was removed; its sunset date '{operation.sunset}' is not a date",
            ref,
            old=operation.location,
        )
    elif isinstance(sunset, dt.date) and sunset > ctx.today:
        ctx.add(
            rules["before-sunset"],
            f"{what} was removed before its sunset date ({sunset})",
            ref,
            old=operation.location,
        )
    else:
        ctx.add(
            rules["with-deprecation"],
            f"{what} was removed after its deprecation",
            ref,
            old=operation.location,
        )


def report_added(ctx: DiffContext, operation: Operation) -> None:
    """An HTTP operation the new version adds."""
    address = operation.address
    webhook = isinstance(address, HttpAddress) and address.webhook
    ctx.add(
        "webhook-added" if webhook else "endpoint-added",
        "the webhook was added" if webhook else "the operation was added",
        operation_ref(operation),
        new=operation.location,
    )


__all__ = [
    "INVALID_DATE",
    "operation_ref",
    "parse_sunset",
    "report_added",
    "report_lifecycle",
    "report_operation_id",
    "report_removed",
]
