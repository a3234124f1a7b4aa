"""Interloom's traffic recording: JSON Lines, one exchange per line (format version 1).

::

    {"v": 1, "time": "2025-03-04T09:30:00.125000+00:00", "duration_ms": 12.5,
     "request": {"method": "GET", "url": "http://127.0.0.1:9202/customers/42",
                 "headers": [["accept", "application/json"]]},
     "response": {"status": 200, "reason": "OK",
                  "headers": [["content-type", "application/json"]],
                  "body": {"text": "{\\"id\\": 42}"}}}

(one line in the file). ``v``, ``request.method``, ``request.url`` and ``response.status`` are
required; headers are ``[name, value]`` pairs in the order they travelled; a body is
``{"text": …}`` when it is UTF-8, else ``{"base64": …}``, with ``"truncated": true`` when the
recorder kept only its start; its media type is the ``content-type`` header's. Keys this
version does not define are ignored, so a recorder may add its own; a change that old readers
would misread gets a new ``v``. Lines append, so two recordings concatenated are one recording.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any, NoReturn

import orjson

from interloom.core.contracts.model import SourceLocation
from interloom.core.contracts.traffic import (
    Body,
    Exchange,
    Headers,
    RecordedRequest,
    RecordedResponse,
    TrafficError,
    TrafficFormatError,
    header_value,
    media_type_of,
)
from interloom.core.errors import Location

RECORDING_VERSION = 1
RECORDING_HINT = "each line of an Interloom recording is one exchange; see docs/traffic.md"


def _body_record(body: Body | None) -> dict[str, Any] | None:
    if body is None:
        return None
    record: dict[str, Any] = (
        {"text": body.text} if body.text is not None else {"base64": body.base64 or ""}
    )
    if body.truncated:
        record["truncated"] = True
    return record


def exchange_record(exchange: Exchange) -> dict[str, Any]:
    """``exchange`` as the plain data of one recording line."""
    request, response = exchange.request, exchange.response
    record: dict[str, Any] = {"v": RECORDING_VERSION}
    if exchange.started_at is not None:
        record["time"] = exchange.started_at.isoformat()
    if exchange.duration_ms is not None:
        record["duration_ms"] = round(exchange.duration_ms, 3)
    record["request"] = {
        "method": request.method,
        "url": request.url,
        "headers": [list(pair) for pair in request.headers],
    }
    if request.body is not None:
        record["request"]["body"] = _body_record(request.body)
    record["response"] = {
        "status": response.status,
        "reason": response.reason,
        "headers": [list(pair) for pair in response.headers],
    }
    if response.body is not None:
        record["response"]["body"] = _body_record(response.body)
    return record


def encode_exchange(exchange: Exchange) -> bytes:
    """One recording line, newline included."""
    return orjson.dumps(exchange_record(exchange)) + b"\n"


class RecordingWriter:
    """Appends exchanges to a binary stream, one line each, flushed so nothing waits in a
    buffer when the recorder stops."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.written = 0

    def write(self, exchange: Exchange) -> None:
        """Append ``exchange``."""
        self._stream.write(encode_exchange(exchange))
        self._stream.flush()
        self.written += 1


class _Line:
    def __init__(self, file: str, number: int) -> None:
        self.file = file
        self.number = number

    def fail(
        self, pointer: str, message: str, *, error: type[TrafficError] = TrafficError
    ) -> NoReturn:
        raise error(
            message,
            location=Location(file=self.file, line=self.number, pointer=pointer or None),
            hint=RECORDING_HINT,
        )

    def field(
        self,
        parent: dict[str, Any],
        key: str,
        pointer: str,
        kind: type | tuple[type, ...],
        wanted: str,
        *,
        required: bool = False,
    ) -> Any:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(f"{pointer}/{key}", f"'{key}' is required ({wanted})")
            return None
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.fail(f"{pointer}/{key}", f"'{key}' must be {wanted}")
        return value

    def headers(self, parent: dict[str, Any], pointer: str) -> Headers:
        items = self.field(parent, "headers", pointer, list, "an array of [name, value]") or []
        try:
            pairs = tuple((name, value) for name, value in items)
        except (TypeError, ValueError):
            pairs = ()
        if len(pairs) == len(items) and all(
            type(name) is str and type(value) is str for name, value in pairs
        ):
            return pairs
        for index, item in enumerate(items):
            if (
                not isinstance(item, list)
                or len(item) != 2
                or not all(isinstance(part, str) for part in item)
            ):
                self.fail(f"{pointer}/headers/{index}", "a header must be [name, value] strings")
        return pairs  # pragma: no cover - every malformed item fails above

    def body(self, parent: dict[str, Any], pointer: str, headers: Headers) -> Body | None:
        record = self.field(parent, "body", pointer, dict, "an object")
        if record is None:
            return None
        where = f"{pointer}/body"
        media_type = media_type_of(header_value(headers, "content-type"))
        truncated = self.field(record, "truncated", where, bool, "true or false") or False
        text = self.field(record, "text", where, str, "a string")
        if text is not None:
            return Body(media_type=media_type, text=text, truncated=truncated)
        encoded = self.field(record, "base64", where, str, "a string")
        if encoded is None:
            self.fail(where, "a body has 'text' or 'base64'")
        return Body(media_type=media_type, base64=encoded, truncated=truncated)


def looks_like_recording(data: bytes) -> bool:
    """Whether ``data`` starts like an Interloom recording (a first line with ``"v"``)."""
    first = data.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    try:
        record = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(record, dict) and "v" in record and "request" in record


def iter_recording(lines: Iterable[bytes], file: str) -> Iterator[Exchange]:
    """The exchanges of a recording, given its lines (blank lines are skipped)."""
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        if number == 1 and text.startswith(b"\xef\xbb\xbf"):
            text = text[3:]
        yield _exchange(text, _Line(file, number))


def read_recording(data: bytes, file: str) -> list[Exchange]:
    """Every exchange of the recording ``data`` (the content of ``file``)."""
    return list(iter_recording(data.splitlines(), file))


def _exchange(text: bytes, line: _Line) -> Exchange:
    try:
        record = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise TrafficError(
            f"not valid JSON: {error.msg}",
            location=Location(file=line.file, line=line.number, column=error.colno),
            hint=RECORDING_HINT,
        ) from None
    if not isinstance(record, dict):
        line.fail("", "a line must be a JSON object (one exchange)")
    version = record.get("v")
    if version is None:
        line.fail("/v", "not an Interloom recording: the line has no 'v'", error=TrafficFormatError)
    if version != RECORDING_VERSION:
        line.fail(
            "/v",
            f"recording format version {version!r} is not supported (this Interloom reads "
            f"{RECORDING_VERSION})",
            error=TrafficFormatError,
        )
    request = line.field(record, "request", "", dict, "an object", required=True)
    method = line.field(request, "method", "/request", str, "a string", required=True)
    url = line.field(request, "url", "/request", str, "a string", required=True)
    request_headers = line.headers(request, "/request")
    response = line.field(record, "response", "", dict, "an object", required=True)
    status = line.field(response, "status", "/response", int, "an integer", required=True)
    if not 100 <= status <= 599:
        line.fail("/response/status", f"'status' {status} is not an HTTP status")
    response_headers = line.headers(response, "/response")
    started = line.field(record, "time", "", str, "an ISO 8601 date-time")
    started_at: datetime | None = None
    if started is not None:
        try:
            started_at = datetime.fromisoformat(started.replace("Z", "+00:00"))
        except ValueError:
            line.fail("/time", f"'time' {started!r} is not an ISO 8601 date-time")
    duration = line.field(record, "duration_ms", "", (int, float), "a number")
    return Exchange(
        request=RecordedRequest(
            method=method.upper(),
            url=url,
            headers=request_headers,
            body=line.body(request, "/request", request_headers),
        ),
        response=RecordedResponse(
            status=status,
            reason=line.field(response, "reason", "/response", str, "a string"),
            headers=response_headers,
            body=line.body(response, "/response", response_headers),
        ),
        started_at=started_at,
        duration_ms=float(duration) if duration is not None else None,
        source=SourceLocation(file=line.file, line=line.number),
    )


__all__ = [
    "RECORDING_VERSION",
    "RecordingWriter",
    "encode_exchange",
    "exchange_record",
    "iter_recording",
    "looks_like_recording",
    "read_recording",
]
