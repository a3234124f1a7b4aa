"""Interloom recordings (JSON Lines, version 1): written, read back, and errors located."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.core.contracts.traffic import (
    Body,
    Exchange,
    RecordedRequest,
    RecordedResponse,
    TrafficError,
    TrafficFormatError,
)
from interloom.formats.traffic import iter_traffic
from interloom.formats.traffic.recording import (
    RecordingWriter,
    encode_exchange,
    read_recording,
)

header_text = st.text(
    st.characters(min_codepoint=32, max_codepoint=126, exclude_characters=":"), max_size=12
)
headers = st.lists(st.tuples(header_text.filter(bool), header_text), max_size=4).map(tuple)
bodies = st.one_of(
    st.none(),
    st.binary(min_size=1, max_size=40).map(lambda data: Body.from_bytes(data, None)),
    st.text(min_size=1, max_size=40).map(lambda text: Body.from_bytes(text.encode(), None)),
)


def _exchange(
    method: str,
    path: str,
    status: int,
    request_headers: tuple[tuple[str, str], ...],
    response_headers: tuple[tuple[str, str], ...],
    request_body: Body | None,
    response_body: Body | None,
    started: datetime | None,
    duration: float | None,
) -> Exchange:
    return Exchange(
        request=RecordedRequest(
            method=method,
            url=f"http://127.0.0.1:9202/{path}",
            headers=request_headers,
            body=request_body,
        ),
        response=RecordedResponse(
            status=status, reason="Reason", headers=response_headers, body=response_body
        ),
        started_at=started,
        duration_ms=duration,
    )


exchanges = st.builds(
    _exchange,
    st.sampled_from(["GET", "POST", "PATCH"]),
    st.text("abc/123", max_size=12),
    st.integers(min_value=100, max_value=599),
    headers,
    headers,
    bodies,
    bodies,
    st.none() | st.datetimes(timezones=st.just(UTC)),
    st.none() | st.floats(min_value=0, max_value=1e6).map(lambda f: round(f, 3)),
)


@given(st.lists(exchanges, max_size=5))
def test_what_the_writer_appends_the_reader_reads_back(recorded: list[Exchange]) -> None:
    stream = io.BytesIO()
    writer = RecordingWriter(stream)
    for exchange in recorded:
        writer.write(exchange)

    read = read_recording(stream.getvalue(), "r.jsonl")

    assert writer.written == len(recorded)
    assert [e.model_copy(update={"source": None}) for e in read] == [
        e.model_copy(update={"source": None}) for e in recorded
    ]
    assert [e.reference for e in read] == [f"r.jsonl:{n}" for n in range(1, len(recorded) + 1)]


def test_one_line_per_exchange_in_the_documented_shape() -> None:
    exchange = Exchange(
        request=RecordedRequest(
            method="GET", url="http://127.0.0.1:9202/customers/42", headers=(("accept", "*/*"),)
        ),
        response=RecordedResponse(
            status=200,
            reason="OK",
            headers=(("content-type", "application/json"),),
            body=Body(media_type="application/json", text='{"id": 42}', truncated=True),
        ),
        started_at=datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
        duration_ms=12.5,
    )

    line = encode_exchange(exchange)

    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert json.loads(line) == {
        "v": 1,
        "time": "2025-03-04T09:30:00+00:00",
        "duration_ms": 12.5,
        "request": {
            "method": "GET",
            "url": "http://127.0.0.1:9202/customers/42",
            "headers": [["accept", "*/*"]],
        },
        "response": {
            "status": 200,
            "reason": "OK",
            "headers": [["content-type", "application/json"]],
            "body": {"text": '{"id": 42}', "truncated": True},
        },
    }
    (read,) = read_recording(line, "r.jsonl")
    assert read.response.body is not None
    assert read.response.body.media_type == "application/json"


def test_blank_lines_unknown_keys_and_concatenation_are_fine() -> None:
    line = (
        b'{"v": 1, "flow": "order-to-wms", "request": {"method": "GET", "url": "http://a/x"},'
        b' "response": {"status": 204}}'
    )

    read = list(iter_traffic(line + b"\n\n" + line + b"\n", "two.log"))

    assert [e.reference for e in read] == ["two.log:1", "two.log:3"]


@pytest.mark.parametrize(
    ("text", "error", "line", "pointer", "message"),
    [
        (b'{"v": 1', TrafficError, 1, None, "not valid JSON"),
        (b"[1, 2]", TrafficError, 1, None, "a JSON object"),
        (b'{"request": {}}', TrafficFormatError, 1, "/v", "no 'v'"),
        (b'{"v": 2, "request": {}}', TrafficFormatError, 1, "/v", "version 2"),
        (b'{"v": 1, "response": {"status": 200}}', TrafficError, 1, "/request", "required"),
        (
            b'{"v": 1, "request": {"method": "GET", "url": "http://a/"},'
            b' "response": {"status": 9}}',
            TrafficError,
            1,
            "/response/status",
            "not an HTTP status",
        ),
        (
            b'{"v": 1, "request": {"method": "GET", "url": "http://a/", "headers": [["a"]]},'
            b' "response": {"status": 200}}',
            TrafficError,
            1,
            "/request/headers/0",
            "[name, value]",
        ),
        (
            b'{"v": 1, "request": {"method": "GET", "url": "http://a/", "body": {}},'
            b' "response": {"status": 200}}',
            TrafficError,
            1,
            "/request/body",
            "'text' or 'base64'",
        ),
        (
            b'{"v": 1, "time": "soon", "request": {"method": "GET", "url": "http://a/"},'
            b' "response": {"status": 200}}',
            TrafficError,
            1,
            "/time",
            "ISO 8601",
        ),
    ],
)
def test_malformed_lines_are_located(
    text: bytes, error: type[TrafficError], line: int, pointer: str | None, message: str
) -> None:
    good = (
        b'{"v": 1, "request": {"method": "GET", "url": "http://a/"}, "response": {"status": 200}}'
    )

    with pytest.raises(error) as caught:
        read_recording(good + b"\n" + text + b"\n", "r.jsonl")

    location = caught.value.location
    assert location is not None
    assert (location.file, location.line, location.pointer) == ("r.jsonl", line + 1, pointer)
    assert message in caught.value.message
