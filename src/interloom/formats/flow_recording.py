"""Flow recordings: a flow's real inputs, one Interloom traffic recording line each.

A flow recording is an Interloom traffic recording (format version 1, ``docs/traffic.md``):
each line is the exchange of one input — the request the flow's source received and the
answer the data plane gave — with one key of its own, which version-1 readers ignore::

    {"v": 1, "time": "…", "duration_ms": 1.9,
     "request": {"method": "POST", "url": "http://127.0.0.1:8000/orders",
                 "headers": [["content-type", "application/json"]],
                 "body": {"text": "{\\"orderId\\": …}"}},
     "response": {"status": 202, "headers": [["content-type", "application/json"]],
                  "body": {"text": "{\\"id\\": …, \\"status\\": \\"accepted\\"}"}},
     "flow": {"id": "w1", "version": 3}}

So the traffic tools read it as they are (``contracts infer`` drafts the contract of what the
flow receives), and ``replay`` reads the inputs back. Credentials in headers
(``Authorization``, cookies, API keys, signatures) are kept by name, their values replaced.
A recording of other traffic (``observe --record``) can be replayed too: its request bodies
are the inputs, and the flow is named on the command line.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from interloom.core.contracts.traffic import Exchange, Headers
from interloom.core.errors import Location
from interloom.core.flows.recording import RecordedInput, RecordingError
from interloom.formats.traffic.recording import (
    RECORDING_VERSION,
    exchange_record,
    iter_recording,
)

__all__ = [
    "FLOW_KEY",
    "REDACTED",
    "flow_exchange_line",
    "flow_input_line",
    "read_flow_recording",
    "redacted_headers",
]

FLOW_KEY = "flow"
REDACTED = "[redacted]"
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
_SECRET_WORDS = ("secret", "token", "signature", "password", "api-key", "apikey")


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_HEADERS or any(word in lowered for word in _SECRET_WORDS)


def redacted_headers(headers: Headers) -> Headers:
    """``headers`` with the values of credential headers replaced by ``[redacted]``."""
    return tuple((name, REDACTED if _is_secret(name) else value) for name, value in headers)


def flow_exchange_line(exchange: Exchange, flow: str, version: int) -> bytes:
    """One line of a flow recording (newline included)."""
    record = exchange_record(exchange)
    record[FLOW_KEY] = {"id": flow, "version": version}
    return orjson.dumps(record) + b"\n"


def _body(data: bytes) -> dict[str, Any] | None:
    if not data:
        return None
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def flow_input_line(
    *,
    flow: str,
    version: int,
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    status: int,
    answer_headers: Sequence[tuple[str, str]],
    answer: bytes,
    started: datetime,
    duration_ms: float,
) -> bytes:
    """One line of a flow recording, built straight from what the data plane holds.

    The same line as :func:`flow_exchange_line` gives for the same exchange (request headers
    redacted here), without building the exchange's models on the hot path of a recorded flow.
    """
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": [[name, value] for name, value in redacted_headers(tuple(headers))],
    }
    if (request_body := _body(body)) is not None:
        request["body"] = request_body
    response: dict[str, Any] = {
        "status": status,
        "reason": None,
        "headers": [[name, value] for name, value in answer_headers],
    }
    if (response_body := _body(answer)) is not None:
        response["body"] = response_body
    record = {
        "v": RECORDING_VERSION,
        "time": started.isoformat(),
        "duration_ms": round(duration_ms, 3),
        "request": request,
        "response": response,
        FLOW_KEY: {"id": flow, "version": version},
    }
    return orjson.dumps(record) + b"\n"


def _flow_key(raw: bytes) -> tuple[str | None, int | None]:
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:  # pragma: no cover - iter_recording parsed it already
        return None, None
    found = record.get(FLOW_KEY) if isinstance(record, dict) else None
    if not isinstance(found, dict):
        return None, None
    flow, version = found.get("id"), found.get("version")
    return (
        flow if isinstance(flow, str) else None,
        version if isinstance(version, int) and not isinstance(version, bool) else None,
    )


def read_flow_recording(data: bytes, file: str) -> list[RecordedInput]:
    """Every recorded input of ``data`` (the content of ``file``), in order.

    :class:`~interloom.core.contracts.traffic.TrafficError` for a malformed line;
    :class:`RecordingError` for a request whose body is not JSON.
    """
    lines = data.splitlines()
    inputs = []
    for exchange in iter_recording(lines, file):
        number = exchange.source.line if exchange.source and exchange.source.line else 0
        flow, version = _flow_key(lines[number - 1]) if number else (None, None)
        body = exchange.request.body
        value: Any = None
        if body is not None:
            parsed, value = body.json_value()
            if not parsed:
                reason = "was truncated" if body.truncated else "is not JSON"
                raise RecordingError(
                    f"the request body {reason}: it cannot be replayed",
                    location=Location(file=file, line=number, pointer="/request/body"),
                    hint="a flow takes JSON messages; record with a body limit that keeps them",
                )
        inputs.append(
            RecordedInput(
                line=number,
                body=value,
                headers=exchange.request.headers,
                flow=flow,
                version=version,
                status=exchange.response.status,
            )
        )
    return inputs
