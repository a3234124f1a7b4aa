"""One error model for every failure of the API, and the handlers that produce it."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from interloom.core.errors import InterloomError

log = structlog.get_logger(__name__)


class ErrorLocation(BaseModel):
    """Where the fault is: a file position, a field path or a JSON pointer."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    pointer: str | None = None


class ErrorDetail(BaseModel):
    """One of several faults of a request."""

    pointer: str = Field(description="RFC 6901 pointer or parameter location at fault.")
    message: str


class ErrorBody(BaseModel):
    """Every failure of the API answers with this body."""

    code: str = Field(examples=["E-NOTFOUND-001"], description="Stable error code.")
    message: str
    status: int
    location: ErrorLocation | None = None
    hint: str | None = None
    details: list[ErrorDetail] = Field(default_factory=list)


def _error(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(ErrorBody.model_validate(body).model_dump(exclude_none=True), status)


def _pointer(loc: tuple[Any, ...]) -> str:
    where, *rest = loc if loc else ("body",)
    escaped = [str(part).replace("~", "~0").replace("/", "~1") for part in rest]
    return f"{where}:/" + "/".join(escaped) if where != "body" else "/" + "/".join(escaped)


async def _interloom_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InterloomError)
    return _error(error.status, error.to_dict())


def _detail(error: dict[str, Any]) -> dict[str, str]:
    if error["type"] == "json_invalid":  # its "loc" holds a character offset, not a field
        reason = (error.get("ctx") or {}).get("error", "decode error")
        return {"pointer": "/", "message": f"the body is not valid JSON: {reason}"}
    return {"pointer": _pointer(tuple(error["loc"])), "message": error["msg"]}


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    details = [_detail(e) for e in error.errors()]
    return _error(
        422,
        {
            "code": "E-REQUEST-002",
            "message": "the request does not match the API's schema",
            "status": 422,
            "details": details,
            "hint": "see /docs for the operation's parameters and body",
        },
    )


_HTTP_CODES = {404: "E-NOTFOUND-002", 405: "E-REQUEST-003"}


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    message = "no such route" if error.status_code == 404 else str(error.detail)
    code = _HTTP_CODES.get(error.status_code, "E-REQUEST-001")
    response = _error(
        error.status_code, {"code": code, "message": message, "status": error.status_code}
    )
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    allowed = _allowed_methods(request) if error.status_code == 405 else None
    if allowed is not None:
        response.headers["Allow"] = allowed
    return response


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")


def _allowed_methods(request: Request) -> str | None:
    """The methods the OpenAPI document gives the path's resource; None for an undocumented one.

    Starlette answers 405 with the methods of the first route on the path only, while a
    resource may be served by several routes (GET and POST /plan/baselines). As OpenAPI
    matches paths, a concrete segment wins over a template (/dead-letters/replay is not
    /dead-letters/{message_id}).
    """
    segments = request.scope["path"].rstrip("/").split("/")
    best: tuple[tuple[bool, ...], dict[str, Any]] | None = None
    for template, operations in request.app.openapi()["paths"].items():
        parts = template.rstrip("/").split("/")
        if len(parts) != len(segments):
            continue
        templated = [part.startswith("{") and part.endswith("}") for part in parts]
        if all(t or p == s for p, s, t in zip(parts, segments, templated, strict=True)):
            concrete = tuple(not t for t in templated)
            if best is None or concrete > best[0]:
                best = (concrete, operations)
    if best is None:
        return None
    return ", ".join(m for m in _METHODS if m.lower() in best[1])


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    log.exception("api.unexpected_error", path=request.url.path)
    return _error(
        500,
        {
            "code": "E-INTERNAL-001",
            "message": "an unexpected error occurred; it has been logged",
            "status": 500,
        },
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer every failure with :class:`ErrorBody`, never with a traceback."""
    app.add_exception_handler(InterloomError, _interloom_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Malformed request"),
        (404, "Not found"),
        (422, "Invalid request"),
        (500, "Unexpected error"),
        (503, "Database unavailable"),
    )
}
