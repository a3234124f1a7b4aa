"""HAR 1.2 files (what browsers, proxies and API tools export) as recorded exchanges.

Only what an exchange needs is required: ``log.entries[]`` each with ``request.method``,
``request.url`` and ``response.status``. Anything malformed raises a
:class:`~interloom.core.contracts.traffic.TrafficError` naming the entry, its JSON pointer and,
where it can, the line. Entries a browser never completed (status 0) are left out.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NoReturn

import orjson

from interloom.core.contracts.errors import ContractError
from interloom.core.contracts.model import SourceLocation
from interloom.core.contracts.schemas import escape_pointer_token
from interloom.core.contracts.traffic import (
    Body,
    Exchange,
    Headers,
    RecordedRequest,
    RecordedResponse,
    TrafficError,
    TrafficFormatError,
    media_type_of,
)
from interloom.core.errors import Location
from interloom.formats.contracts.documents import read_document

Path_ = tuple[str | int, ...]
HAR_HINT = "export the traffic again as HAR 1.2 (browser dev tools: Save all as HAR)"


class _Reader:
    """Typed access to the parsed HAR that fails with the location of the faulty field."""

    def __init__(self, data: bytes, file: str) -> None:
        self.data = data
        self.file = file

    def locate(self, path: Path_) -> Location:
        """Where ``path`` is: the line of its key when the file can be scanned for it."""
        pointer = "".join(f"/{escape_pointer_token(token)}" for token in path)
        try:
            place = read_document(self.data, self.file).locate(path)
        except (ContractError, RecursionError):  # best effort: the pointer always says where
            return Location(file=self.file, pointer=pointer)
        return Location(file=self.file, line=place.line, column=place.column, pointer=pointer)

    def fail(self, path: Path_, message: str, hint: str | None = None) -> NoReturn:
        entry = f"entry {path[2]}: " if len(path) > 2 and path[:2] == ("log", "entries") else ""
        raise TrafficError(f"{entry}{message}", location=self.locate(path), hint=hint or HAR_HINT)

    def mapping(self, value: Any, path: Path_, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"'{what}' must be an object, not {_kind(value)}")
        return value

    def field(
        self,
        parent: dict[str, Any],
        key: str,
        path: Path_,
        kind: type | tuple[type, ...],
        wanted: str,
        *,
        required: bool = False,
    ) -> Any:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail((*path, key), f"'{key}' is required", f"add '{key}' ({wanted})")
            return None
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.fail((*path, key), f"'{key}' must be {wanted}, not {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    names = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    return "null" if value is None else names.get(type(value), "a value")


def looks_like_har(data: bytes) -> bool:
    """Whether ``data`` starts like a HAR document (an object whose first key is ``log``)."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and head[1:].lstrip().startswith(b'"log"')


def read_har(data: bytes, file: str) -> list[Exchange]:
    """Every completed exchange of the HAR document ``data`` (the content of ``file``)."""
    return list(iter_har(data, file))


def iter_har(data: bytes, file: str) -> Iterator[Exchange]:
    """The completed exchanges of a HAR document, in file order."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise TrafficError(
            f"not valid JSON: {error.msg}",
            location=Location(file=file, line=error.lineno, column=error.colno),
            hint=HAR_HINT,
        ) from None
    reader = _Reader(data, file)
    if not isinstance(document, dict) or not isinstance(document.get("log"), dict):
        raise TrafficFormatError(
            "not a HAR file: no 'log' object at the root",
            location=Location(file=file, line=1, column=1, pointer="/log"),
            hint=HAR_HINT,
        )
    log = document["log"]
    version = log.get("version")
    if version is not None and not (isinstance(version, str) and version.startswith("1.")):
        reader.fail(("log", "version"), f"HAR version {version!r} is not supported (1.x is)")
    entries = reader.field(log, "entries", ("log",), list, "an array", required=True)
    for index, entry in enumerate(entries):
        exchange = _entry(reader, entry, ("log", "entries", index))
        if exchange is not None:
            yield exchange


def _headers(reader: _Reader, parent: dict[str, Any], path: Path_) -> Headers:
    items = reader.field(parent, "headers", path, list, "an array") or []
    headers: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        where = (*path, "headers", index)
        pair = reader.mapping(item, where, "headers[]")
        name = reader.field(pair, "name", where, str, "a string", required=True)
        value = reader.field(pair, "value", where, (str, int, float), "a string")
        headers.append((name, "" if value is None else str(value)))
    return tuple(headers)


def _header(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def _entry(reader: _Reader, value: Any, path: Path_) -> Exchange | None:
    entry = reader.mapping(value, path, "entries[]")
    request_path = (*path, "request")
    request = reader.mapping(entry.get("request"), request_path, "request")
    method = reader.field(request, "method", request_path, str, "a string", required=True)
    url = reader.field(request, "url", request_path, str, "a string", required=True)
    if "://" not in url:
        reader.fail((*request_path, "url"), f"'url' must be an absolute URL, not {url!r}")
    request_headers = _headers(reader, request, request_path)
    request_body: Body | None = None
    post = reader.field(request, "postData", request_path, dict, "an object")
    if post is not None:
        post_path = (*request_path, "postData")
        mime = reader.field(post, "mimeType", post_path, str, "a string")
        text = reader.field(post, "text", post_path, str, "a string")
        if text:
            request_body = Body(
                media_type=media_type_of(mime or _header(request_headers, "content-type")),
                text=text,
            )
    response_path = (*path, "response")
    response = reader.mapping(entry.get("response"), response_path, "response")
    status = reader.field(response, "status", response_path, int, "an integer", required=True)
    if status == 0:
        return None  # never completed (blocked, aborted, served from a service worker)
    if not 100 <= status <= 599:
        reader.fail((*response_path, "status"), f"'status' {status} is not an HTTP status")
    response_headers = _headers(reader, response, response_path)
    response_body = _content(reader, response, response_path, response_headers)
    started = reader.field(entry, "startedDateTime", path, str, "a date-time")
    started_at: datetime | None = None
    if started is not None:
        try:
            started_at = datetime.fromisoformat(started.replace("Z", "+00:00"))
        except ValueError:
            reader.fail(
                (*path, "startedDateTime"), f"'startedDateTime' {started!r} is not ISO 8601"
            )
    duration = reader.field(entry, "time", path, (int, float), "a number")
    pointer = "".join(f"/{escape_pointer_token(token)}" for token in path)
    return Exchange(
        request=RecordedRequest(
            method=method.upper(), url=url, headers=request_headers, body=request_body
        ),
        response=RecordedResponse(
            status=status,
            reason=reader.field(response, "statusText", response_path, str, "a string") or None,
            headers=response_headers,
            body=response_body,
        ),
        started_at=started_at,
        duration_ms=float(duration) if duration is not None and duration >= 0 else None,
        source=SourceLocation(file=reader.file, pointer=pointer),
    )


def _content(
    reader: _Reader, response: dict[str, Any], path: Path_, headers: Headers
) -> Body | None:
    content_path = (*path, "content")
    content = reader.field(response, "content", path, dict, "an object")
    if content is None:
        return None
    text = reader.field(content, "text", content_path, str, "a string")
    if not text:
        return None
    mime = reader.field(content, "mimeType", content_path, str, "a string")
    media_type = media_type_of(mime or _header(headers, "content-type"))
    encoding = reader.field(content, "encoding", content_path, str, "a string")
    if encoding is None:
        return Body(media_type=media_type, text=text)
    if encoding.lower() != "base64":
        reader.fail(
            (*content_path, "encoding"), f"'encoding' {encoding!r} is not supported (base64 is)"
        )
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        reader.fail((*content_path, "text"), "'text' is not valid base64")
    return Body.from_bytes(raw, media_type)


__all__ = ["iter_har", "looks_like_har", "read_har"]
