"""Request bodies and responses: content types, statuses, headers and the schemas they carry."""

from __future__ import annotations

from interloom.core.contracts.diff.context import DiffContext, OperationRef, Places, Use
from interloom.core.contracts.diff.scopes import (
    REQUEST_BODY,
    RESPONSE_BODY,
    RESPONSE_HEADER,
)
from interloom.core.contracts.model import (
    MediaType,
    Operation,
    RequestBody,
    Response,
)


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


__all__ = ["compare_request_body", "compare_responses", "media_key"]
