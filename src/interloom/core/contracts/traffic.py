"""Recorded HTTP traffic: exchanges of a request and its response, as read from HAR files or
Interloom's own recordings, and the errors of reading them.

::

    TrafficError                     E-TRAFFIC-001  422  a recording is malformed
    └── TrafficFormatError           E-TRAFFIC-002  422  unknown recording format or version

An :class:`Exchange` keeps what inference and drift need: method, URL, headers and bodies,
status, when it started and how long it took, and where it was read from (``source``), so a
report can point at the example it cites.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson
from pydantic import BaseModel, ConfigDict

from interloom.core.contracts.model import SourceLocation
from interloom.core.errors import InterloomError

Headers = tuple[tuple[str, str], ...]
"""Header fields in the order they travelled; a name may repeat."""


class TrafficError(InterloomError):
    """A traffic recording (HAR or Interloom JSON Lines) is malformed."""

    code = "E-TRAFFIC-001"
    status = 422


class TrafficFormatError(TrafficError):
    """A traffic file is in no recording format Interloom reads, or in an unsupported version."""

    code = "E-TRAFFIC-002"
    status = 422


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def media_type_of(content_type: str | None) -> str | None:
    """``application/json`` from ``Application/JSON; charset=utf-8``; ``None`` when empty."""
    if not content_type:
        return None
    essence = content_type.split(";", 1)[0].strip().lower()
    return essence or None


def is_json_media_type(media_type: str | None) -> bool:
    """Whether a media type carries JSON: ``application/json`` or a ``+json`` suffix."""
    if media_type is None:
        return False
    return media_type in ("application/json", "text/json") or media_type.endswith("+json")


def header_value(headers: Headers, name: str) -> str | None:
    """The first value of header ``name`` (case-insensitive), if any."""
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def path_segments(path: str) -> tuple[str, ...]:
    """``("customers", "42")`` from ``/customers/42/``: decoded, without empty segments."""
    return tuple(unquote(part) for part in path.split("/") if part)


class Body(_Model):
    """A message body: its text, or its bytes in base64 when they are not UTF-8 text.

    ``truncated`` says the recorder kept only the first part; such a body is not inferred from
    or validated.
    """

    media_type: str | None = None
    text: str | None = None
    base64: str | None = None
    truncated: bool = False

    @classmethod
    def from_bytes(
        cls, data: bytes, content_type: str | None, *, truncated: bool = False
    ) -> Body | None:
        """The body of ``data`` (``None`` when empty), as text when it decodes as UTF-8."""
        if not data:
            return None
        media_type = media_type_of(content_type)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            encoded = base64.b64encode(data).decode("ascii")
            return cls(media_type=media_type, base64=encoded, truncated=truncated)
        return cls(media_type=media_type, text=text, truncated=truncated)

    def data(self) -> bytes:
        """The bytes of the body."""
        if self.text is not None:
            return self.text.encode("utf-8")
        if self.base64 is not None:
            try:
                return base64.b64decode(self.base64, validate=False)
            except (binascii.Error, ValueError):
                return b""
        return b""

    @property
    def is_json(self) -> bool:
        """Whether the body is declared as JSON (by its media type)."""
        return is_json_media_type(self.media_type)

    def json_value(self) -> tuple[bool, Any]:
        """``(True, value)`` when the body parses as JSON, else ``(False, None)``."""
        if self.truncated:
            return False, None
        text = self.text if self.text is not None else None
        if text is None:
            try:
                text = self.data().decode("utf-8")
            except UnicodeDecodeError:
                return False, None
        try:  # strict RFC 8259: NaN and Infinity are not JSON
            return True, orjson.loads(text)
        except orjson.JSONDecodeError:
            return False, None


class RecordedRequest(_Model):
    """What the client sent."""

    method: str
    url: str
    headers: Headers = ()
    body: Body | None = None

    @property
    def path(self) -> str:
        """The URL's path as sent (percent-encoded), ``/`` when empty."""
        return urlsplit(self.url).path or "/"

    @property
    def segments(self) -> tuple[str, ...]:
        """The path's segments, each percent-decoded (an encoded ``/`` stays in its segment)."""
        return path_segments(self.path)

    @property
    def query(self) -> tuple[tuple[str, str], ...]:
        """The query parameters in order; a name may repeat."""
        return tuple(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` of the URL (empty for a relative URL)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""

    def header(self, name: str) -> str | None:
        """The first value of header ``name``, if any."""
        return header_value(self.headers, name)


class RecordedResponse(_Model):
    """What the server answered."""

    status: int
    reason: str | None = None
    headers: Headers = ()
    body: Body | None = None

    def header(self, name: str) -> str | None:
        """The first value of header ``name``, if any."""
        return header_value(self.headers, name)


class Exchange(_Model):
    """One request and its response, as recorded."""

    request: RecordedRequest
    response: RecordedResponse
    started_at: datetime | None = None
    duration_ms: float | None = None
    source: SourceLocation | None = None
    """Where the exchange was read from: ``file:line`` of a recording, ``file`` and pointer of
    a HAR entry. Not part of a recording."""

    @property
    def reference(self) -> str:
        """How a report cites this exchange: its source, else its method and URL."""
        if self.source is not None:
            return str(self.source)
        return f"{self.request.method} {self.request.url}"

    def describe(self) -> str:
        """``GET /customers/42 → 200``."""
        return f"{self.request.method} {self.request.path} → {self.response.status}"


__all__ = [
    "Body",
    "Exchange",
    "Headers",
    "RecordedRequest",
    "RecordedResponse",
    "TrafficError",
    "TrafficFormatError",
    "header_value",
    "is_json_media_type",
    "media_type_of",
    "path_segments",
]
