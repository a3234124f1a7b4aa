"""HAR 1.2 files: what is read from an entry, and malformed files located to the field."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from interloom.core.contracts.traffic import TrafficError, TrafficFormatError
from interloom.formats.traffic import iter_traffic
from interloom.formats.traffic.har import looks_like_har, read_har

CRM_HAR = Path(__file__).resolve().parents[3] / "data" / "traffic" / "crm.har"


def har(*entries: Any, version: str = "1.2") -> bytes:
    document = {
        "log": {
            "version": version,
            "creator": {"name": "t", "version": "1"},
            "entries": list(entries),
        }
    }
    return json.dumps(document, indent=2).encode()


def entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "startedDateTime": "2025-03-04T09:30:00.125Z",
        "time": 42.5,
        "request": {
            "method": "post",
            "url": "https://crm.example.com/customers?x=1&x=2&empty=",
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "postData": {"mimeType": "application/json", "text": '{"name": "A"}'},
        },
        "response": {
            "status": 201,
            "statusText": "Created",
            "headers": [
                {"name": "Set-Cookie", "value": "a=1"},
                {"name": "Set-Cookie", "value": "b=2"},
            ],
            "content": {"mimeType": "application/json; charset=utf-8", "text": '{"id": 7}'},
        },
    }
    base.update(changes)
    return base


def test_an_entry_becomes_an_exchange() -> None:
    (exchange,) = read_har(har(entry()), "t.har")

    request, response = exchange.request, exchange.response
    assert (request.method, request.path) == ("POST", "/customers")
    assert request.query == (("x", "1"), ("x", "2"), ("empty", ""))
    assert request.body is not None
    assert request.body.json_value() == (True, {"name": "A"})
    assert (response.status, response.reason) == (201, "Created")
    assert [value for name, value in response.headers if name == "Set-Cookie"] == ["a=1", "b=2"]
    assert response.body is not None
    assert response.body.media_type == "application/json"
    assert exchange.duration_ms == 42.5
    assert exchange.started_at is not None
    assert exchange.started_at.utcoffset() is not None
    assert exchange.reference == "t.har /log/entries/0"


def test_base64_content_is_decoded_and_incomplete_entries_left_out() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x01"
    binary = entry(
        response={
            "status": 200,
            "content": {
                "mimeType": "image/png",
                "encoding": "base64",
                "text": base64.b64encode(png).decode(),
            },
        }
    )
    aborted = entry(response={"status": 0, "content": {}})

    exchanges = read_har(har(binary, aborted), "t.har")

    assert len(exchanges) == 1
    body = exchanges[0].response.body
    assert body is not None
    assert body.data() == png
    assert body.media_type == "image/png"


def test_the_crm_fixture_reads_completely() -> None:
    exchanges = read_har(CRM_HAR.read_bytes(), str(CRM_HAR))

    assert len(exchanges) == 30
    assert {e.request.method for e in exchanges} == {"GET", "POST", "PATCH", "DELETE"}
    assert all(e.request.origin == "https://crm.example.com" for e in exchanges)


@pytest.mark.parametrize(
    ("document", "message", "pointer", "key"),
    [
        (b'{"log": {"entries": [\n  {"request": }\n]}}', "not valid JSON", None, '{"request": }'),
        (
            har(entry(request={"url": "https://a.example/x"})),
            "entry 0: 'method' is required",
            "/log/entries/0/request/method",
            '"request"',
        ),
        (
            har(entry(), entry(response={"status": "200"})),
            "entry 1: 'status' must be an integer",
            "/log/entries/1/response/status",
            '"status": "200"',
        ),
        (
            har(entry(request={"method": "GET", "url": "/relative"})),
            "absolute URL",
            "/log/entries/0/request/url",
            '"url": "/relative"',
        ),
        (
            har(entry(startedDateTime="yesterday")),
            "not ISO 8601",
            "/log/entries/0/startedDateTime",
            '"startedDateTime"',
        ),
        (
            har(entry(response={"status": 200, "content": {"text": "%%", "encoding": "base64"}})),
            "not valid base64",
            "/log/entries/0/response/content/text",
            None,
        ),
        (
            har(entry(response={"status": 200, "headers": [{"value": "x"}]})),
            "'name' is required",
            "/log/entries/0/response/headers/0/name",
            None,
        ),
        (har("not an entry"), "'entries[]' must be an object", "/log/entries/0", None),
        (b'{"log": {"version": "1.2"}}', "'entries' is required", "/log/entries", '"log"'),
        (har(entry(), version="2.0"), "not supported", "/log/version", '"version": "2.0"'),
    ],
)
def test_malformed_files_are_located(
    document: bytes, message: str, pointer: str | None, key: str | None
) -> None:
    with pytest.raises(TrafficError) as caught:
        read_har(document, "broken.har")

    error = caught.value
    assert error.code == "E-TRAFFIC-001"
    assert message in error.message
    assert error.location is not None
    assert error.location.file == "broken.har"
    assert error.location.pointer == pointer
    if key is not None:  # the line reported is the line of the faulty field
        assert error.location.line is not None
        assert key in document.decode().splitlines()[error.location.line - 1]
    assert error.hint


def test_a_json_document_without_log_is_not_a_har_file() -> None:
    with pytest.raises(TrafficFormatError) as caught:
        read_har(b'{"entries": []}', "x.har")

    assert caught.value.code == "E-TRAFFIC-002"


def test_format_is_recognised_by_content_when_the_name_does_not_say() -> None:
    data = har(entry())

    assert looks_like_har(data)
    assert len(list(iter_traffic(data, "capture.json"))) == 1
    with pytest.raises(TrafficFormatError):
        list(iter_traffic(b"GET / HTTP/1.1\r\n", "capture.txt"))
