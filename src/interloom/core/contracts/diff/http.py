"""HTTP operations: lifecycle, parameters, request bodies, responses, headers and security."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

from interloom.core.contracts.diff.context import DiffContext, OperationRef, Places, Use
from interloom.core.contracts.diff.scopes import (
    REQUEST_BODY,
    REQUEST_PARAMETER,
    RESPONSE_BODY,
    RESPONSE_HEADER,
)
from interloom.core.contracts.model import (
    Contract,
    HttpAddress,
    MediaType,
    Operation,
    Parameter,
    ParameterIn,
    RequestBody,
    Response,
    SecurityRequirement,
    SourceLocation,
)

_TEMPLATE = re.compile(r"\{([^}/]*)\}")
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


# --- parameters ---------------------------------------------------------------------------


def _parameter_key(parameter: Parameter) -> tuple[str, str]:
    name = parameter.name.lower() if parameter.in_ is ParameterIn.HEADER else parameter.name
    return parameter.in_.value, name


def _label(parameter: Parameter) -> str:
    return f"the {parameter.in_.value} parameter '{parameter.name}'"


def _path_names(operation: Operation) -> list[str]:
    address = operation.address
    return _TEMPLATE.findall(address.path) if isinstance(address, HttpAddress) else []


def compare_parameters(ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef) -> None:
    """Parameters added, removed, moved, renamed, made required, and their schemas."""
    pairs: list[tuple[Parameter, Parameter]] = []
    old_rest = [p for p in old.parameters if p.in_ is not ParameterIn.PATH]
    new_rest = [p for p in new.parameters if p.in_ is not ParameterIn.PATH]
    old_path = {p.name: p for p in old.parameters if p.in_ is ParameterIn.PATH}
    new_path = {p.name: p for p in new.parameters if p.in_ is ParameterIn.PATH}
    # Path parameters are positional: renaming {id} to {customerId} keeps the URL.
    for old_name, new_name in zip(_path_names(old), _path_names(new), strict=False):
        before, after = old_path.pop(old_name, None), new_path.pop(new_name, None)
        if before is None or after is None:
            continue
        if old_name != new_name:
            ctx.add(
                "request-path-parameter-renamed",
                f"the path parameter '{old_name}' was renamed '{new_name}'",
                ref,
                old=before.location,
                new=after.location,
            )
        pairs.append((before, after))
    old_rest += old_path.values()
    new_rest += new_path.values()
    new_by_key = {_parameter_key(p): p for p in new_rest}
    unmatched_old: list[Parameter] = []
    for parameter in old_rest:
        match = new_by_key.pop(_parameter_key(parameter), None)
        if match is None:
            unmatched_old.append(parameter)
        else:
            pairs.append((parameter, match))
    by_name = {p.name.lower(): p for p in new_by_key.values()}
    for parameter in unmatched_old:
        moved = by_name.pop(parameter.name.lower(), None)
        if moved is not None:
            new_by_key.pop(_parameter_key(moved), None)
            ctx.add(
                "request-parameter-moved",
                f"{_label(parameter)} moved to the {moved.in_.value}",
                ref,
                old=parameter.location,
                new=moved.location,
            )
            pairs.append((parameter, moved))
        elif parameter.deprecated:
            ctx.add(
                "request-parameter-removed-with-deprecation",
                f"the deprecated {parameter.in_.value} parameter '{parameter.name}' was removed",
                ref,
                old=parameter.location,
                new=new.location,
            )
        else:
            ctx.add(
                "request-parameter-removed",
                f"{_label(parameter)} was removed",
                ref,
                old=parameter.location,
                new=new.location,
            )
    for parameter in new_by_key.values():
        if parameter.in_ is ParameterIn.PATH:
            rule_id, kind = "new-request-path-parameter", "path"
        elif parameter.required:
            rule_id, kind = "new-required-request-parameter", "required"
        else:
            rule_id, kind = "new-optional-request-parameter", "optional"
        ctx.add(
            rule_id,
            f"added the {kind} {parameter.in_.value} parameter '{parameter.name}'"
            if kind != "path"
            else f"added the path parameter '{parameter.name}'",
            ref,
            old=old.location,
            new=parameter.location,
        )
    for before, after in pairs:
        _compare_parameter(ctx, before, after, ref)


def _compare_parameter(ctx: DiffContext, old: Parameter, new: Parameter, ref: OperationRef) -> None:
    label = _label(new)
    where = Places(old=old.location, new=new.location)
    if old.required != new.required:
        ctx.add(
            "request-parameter-became-required"
            if new.required
            else "request-parameter-became-optional",
            f"{label} became {'required' if new.required else 'optional'}",
            ref,
            **where,
        )
    if old.deprecated != new.deprecated:
        ctx.add(
            "request-parameter-deprecated" if new.deprecated else "request-parameter-reactivated",
            f"{label} {'was deprecated' if new.deprecated else 'is no longer deprecated'}",
            ref,
            **where,
        )
    ctx.compare_schemas(
        Use(REQUEST_PARAMETER, label, ref),
        old.json_schema,
        new.json_schema,
        ctx.parameter_spot(0, old),
        ctx.parameter_spot(1, new),
    )


# --- request bodies -------------------------------------------------------------------------


def media_key(media_type: str) -> str:
    """A content type without parameters, in lower case: how two versions' types pair."""
    return media_type.split(";", 1)[0].strip().lower()


def _content(content: dict[str, MediaType]) -> dict[str, tuple[str, MediaType]]:
    return {media_key(name): (name, media) for name, media in content.items()}


def compare_request_body(
    ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef
) -> None:
    """A request body added, removed, made required, its content types and their schemas."""
    before, after = old.request_body, new.request_body
    if before is None and after is None:
        return
    if before is None and after is not None:
        ctx.add(
            "request-body-added-required" if after.required else "request-body-added-optional",
            f"added {'a required' if after.required else 'an optional'} request body",
            ref,
            old=old.location,
            new=after.location or new.location,
        )
        return
    if after is None and before is not None:
        ctx.add(
            "request-body-removed",
            "the request body was removed",
            ref,
            old=before.location or old.location,
            new=new.location,
        )
        return
    assert before is not None
    assert after is not None
    _compare_bodies(ctx, before, after, old, new, ref)


def _compare_bodies(
    ctx: DiffContext,
    before: RequestBody,
    after: RequestBody,
    old: Operation,
    new: Operation,
    ref: OperationRef,
) -> None:
    where = Places(old=before.location or old.location, new=after.location or new.location)
    if before.required != after.required:
        ctx.add(
            "request-body-became-required" if after.required else "request-body-became-optional",
            f"the request body became {'required' if after.required else 'optional'}",
            ref,
            **where,
        )
    old_content, new_content = _content(before.content), _content(after.content)
    for key, (name, media) in old_content.items():
        if key not in new_content:
            ctx.add(
                "request-body-media-type-removed",
                f"the request body no longer accepts {name}",
                ref,
                old=media.location or where["old"],
                new=where["new"],
            )
    for key, (name, media) in new_content.items():
        if key not in old_content:
            ctx.add(
                "request-body-media-type-added",
                f"the request body accepts {name}",
                ref,
                old=where["old"],
                new=media.location or where["new"],
            )
            continue
        old_media = old_content[key][1]
        body = f"the request body ({name})"
        old_at, new_at = old_media.location or where["old"], media.location or where["new"]
        if old_media.json_schema is None and media.json_schema is not None:
            ctx.add(
                "request-body-media-type-schema-added",
                f"{body} now has a schema",
                ref,
                old=old_at,
                new=new_at,
            )
        elif old_media.json_schema is not None and media.json_schema is None:
            ctx.add(
                "request-body-media-type-schema-removed",
                f"{body} lost its schema",
                ref,
                old=old_at,
                new=new_at,
            )
        elif old_media.json_schema is not None:
            ctx.compare_schemas(
                Use(REQUEST_BODY, body, ref),
                old_media.json_schema,
                media.json_schema,
                ctx.media_spot(0, old_media, before.location, old.location),
                ctx.media_spot(1, media, after.location, new.location),
            )


# --- responses ---------------------------------------------------------------------------------


def _success(status: str) -> bool:
    return status.startswith("2")


def compare_responses(ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef) -> None:
    """Statuses added or removed, content types, schemas and headers of each response."""
    for status, response in old.responses.items():
        if status not in new.responses:
            kind = "success" if _success(status) else "non-success"
            ctx.add(
                "response-success-status-removed"
                if _success(status)
                else "response-non-success-status-removed",
                f"the {kind} response {status} was removed",
                ref,
                old=response.location or old.location,
                new=new.location,
            )
    for status, response in new.responses.items():
        before = old.responses.get(status)
        if before is None:
            kind = "success" if _success(status) else "non-success"
            ctx.add(
                "response-success-status-added"
                if _success(status)
                else "response-non-success-status-added",
                f"the {kind} response {status} was added",
                ref,
                old=old.location,
                new=response.location or new.location,
            )
            continue
        _compare_response(ctx, status, before, response, old, new, ref)


def _compare_response(
    ctx: DiffContext,
    status: str,
    before: Response,
    after: Response,
    old: Operation,
    new: Operation,
    ref: OperationRef,
) -> None:
    old_at, new_at = before.location or old.location, after.location or new.location
    old_content, new_content = _content(before.content), _content(after.content)
    for key, (name, media) in old_content.items():
        if key not in new_content:
            ctx.add(
                "response-media-type-removed",
                f"the response {status} no longer returns {name}",
                ref,
                old=media.location or old_at,
                new=new_at,
            )
    for key, (name, media) in new_content.items():
        if key not in old_content:
            ctx.add(
                "response-media-type-added",
                f"the response {status} may return {name}",
                ref,
                old=old_at,
                new=media.location or new_at,
            )
            continue
        old_media = old_content[key][1]
        body = f"the response {status} body ({name})"
        if old_media.json_schema is None and media.json_schema is not None:
            ctx.add(
                "response-body-media-type-schema-added",
                f"{body} now has a schema",
                ref,
                old=old_media.location or old_at,
                new=media.location or new_at,
            )
        elif old_media.json_schema is not None and media.json_schema is None:
            ctx.add(
                "response-body-media-type-schema-removed",
                f"{body} lost its schema: anything may come back",
                ref,
                old=old_media.location or old_at,
                new=media.location or new_at,
            )
        elif old_media.json_schema is not None:
            ctx.compare_schemas(
                Use(RESPONSE_BODY, body, ref),
                old_media.json_schema,
                media.json_schema,
                ctx.media_spot(0, old_media, old_at),
                ctx.media_spot(1, media, new_at),
            )
    _compare_headers(ctx, status, before, after, ref)


def _compare_headers(
    ctx: DiffContext, status: str, before: Response, after: Response, ref: OperationRef
) -> None:
    old_headers = {name.lower(): (name, header) for name, header in before.headers.items()}
    new_headers = {name.lower(): (name, header) for name, header in after.headers.items()}
    old_location = before.location
    new_location = after.location
    for key, (name, header) in old_headers.items():
        if key not in new_headers:
            kind = "required" if header.required else "optional"
            ctx.add(
                "required-response-header-removed"
                if header.required
                else "optional-response-header-removed",
                f"the {kind} header '{name}' was removed from the response {status}",
                ref,
                old=ctx.below(0, old_location, "headers", name),
                new=new_location,
            )
    for key, (name, header) in new_headers.items():
        if key not in old_headers:
            ctx.add(
                "response-header-added",
                f"the response {status} has the new header '{name}'",
                ref,
                old=old_location,
                new=ctx.below(1, new_location, "headers", name),
            )
            continue
        old_name, old_header = old_headers[key]
        label = f"the response {status} header '{name}'"
        if old_header.required and not header.required:
            ctx.add(
                "response-header-became-optional",
                f"{label} became optional: it may be missing",
                ref,
                old=ctx.below(0, old_location, "headers", old_name),
                new=ctx.below(1, new_location, "headers", name),
            )
        ctx.compare_schemas(
            Use(RESPONSE_HEADER, label, ref),
            old_header.json_schema,
            header.json_schema,
            ctx.header_spot(0, old_name, old_location),
            ctx.header_spot(1, name, new_location),
        )


# --- security -----------------------------------------------------------------------------------


def requirements(operation: Operation, contract: Contract) -> tuple[SecurityRequirement, ...]:
    """The security requirements in force for an operation (its own, else the contract's)."""
    return operation.security if operation.security is not None else contract.security


def _describe(requirement: SecurityRequirement) -> str:
    return (
        " + ".join(
            f"{scheme} [{', '.join(scopes)}]" if scopes else scheme
            for scheme, scopes in sorted(requirement.items())
        )
        or "no authentication"
    )


_OPERATION_SECURITY = {
    "added": "api-security-added",
    "removed": "api-security-removed",
    "scope-added": "api-security-scope-added",
    "scope-removed": "api-security-scope-removed",
}
_GLOBAL_SECURITY = {
    "added": "api-global-security-added",
    "removed": "api-global-security-removed",
    "scope-added": "api-global-security-scope-added",
    "scope-removed": "api-global-security-scope-removed",
}


def compare_requirements(
    ctx: DiffContext,
    old: tuple[SecurityRequirement, ...],
    new: tuple[SecurityRequirement, ...],
    ref: OperationRef | None,
    *,
    old_at: SourceLocation | None,
    new_at: SourceLocation | None,
) -> None:
    """Alternatives of security added or removed, and scopes of the ones kept.

    ``ref`` names the operation; without one, these are the contract's global requirements.
    """
    rules = _OPERATION_SECURITY if ref is not None else _GLOBAL_SECURITY
    old_by = {frozenset(r): r for r in old}
    new_by = {frozenset(r): r for r in new}
    subject = "the operation" if ref is not None else "the contract"
    places = Places(old=old_at, new=new_at)
    for key, requirement in old_by.items():
        if key not in new_by:
            ctx.add(
                rules["removed"],
                f"{subject} no longer accepts the security requirement {_describe(requirement)}",
                ref,
                **places,
            )
    for key, requirement in new_by.items():
        before = old_by.get(key)
        if before is None:
            ctx.add(
                rules["added"],
                f"{subject} accepts the new security requirement {_describe(requirement)}",
                ref,
                **places,
            )
            continue
        for scheme in sorted(requirement):
            old_scopes, new_scopes = set(before.get(scheme, ())), set(requirement[scheme])
            for scope in sorted(new_scopes - old_scopes):
                ctx.add(
                    rules["scope-added"],
                    f"{subject} needs the scope '{scope}' of '{scheme}'",
                    ref,
                    **places,
                )
            for scope in sorted(old_scopes - new_scopes):
                ctx.add(
                    rules["scope-removed"],
                    f"{subject} no longer needs the scope '{scope}' of '{scheme}'",
                    ref,
                    **places,
                )


def compare_security(ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef) -> None:
    """The security requirements in force for an operation present in both versions."""
    compare_requirements(
        ctx,
        requirements(old, ctx.old),
        requirements(new, ctx.new),
        ref,
        old_at=ctx.below(0, old.location, "security"),
        new_at=ctx.below(1, new.location, "security"),
    )


__all__ = [
    "compare_operation",
    "compare_parameters",
    "compare_request_body",
    "compare_requirements",
    "compare_responses",
    "media_key",
    "operation_ref",
    "parse_sunset",
    "report_added",
    "report_lifecycle",
    "report_removed",
    "requirements",
]
