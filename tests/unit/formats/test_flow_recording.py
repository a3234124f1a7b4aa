"""Flow recordings: traffic recording lines with the flow, read back as replayable inputs."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from interloom.core.contracts.traffic import (
    Body,
    Exchange,
    RecordedRequest,
    RecordedResponse,
    TrafficFormatError,
)
from interloom.core.flows.recording import RecordingError
from interloom.formats.flow_recording import (
    REDACTED,
    flow_exchange_line,
    flow_input_line,
    read_flow_recording,
    redacted_headers,
)
from interloom.formats.traffic.recording import read_recording


def exchange(body: bytes, status: int = 202) -> Exchange:
    return Exchange(
        request=RecordedRequest(
            method="POST",
            url="http://127.0.0.1:8000/orders",
            headers=(("content-type", "application/json"), ("idempotency-key", "k-1")),
            body=Body.from_bytes(body, "application/json"),
        ),
        response=RecordedResponse(status=status, headers=(("content-type", "application/json"),)),
        started_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        duration_ms=1.5,
    )


def test_a_line_reads_back_as_the_input_with_its_flow_and_version() -> None:
    data = flow_exchange_line(exchange(b'{"orderId": "A"}'), "w1", 3)
    data += flow_exchange_line(exchange(b'{"orderId": "B"}', 422), "w1", 4)

    first, second = read_flow_recording(data, "w1.jsonl")

    assert (first.line, first.flow, first.version, first.body) == (1, "w1", 3, {"orderId": "A"})
    assert ("idempotency-key", "k-1") in first.headers
    assert (second.line, second.version, second.status) == (2, 4, 422)


def test_a_flow_recording_is_a_traffic_recording() -> None:
    data = flow_exchange_line(exchange(b'{"orderId": "A"}'), "w1", 1)

    [read] = read_recording(data, "w1.jsonl")

    assert read.request.url == "http://127.0.0.1:8000/orders"
    assert orjson.loads(data)["flow"] == {"id": "w1", "version": 1}


def test_a_traffic_recording_without_flow_is_read_with_no_flow() -> None:
    record = {
        "v": 1,
        "request": {"method": "POST", "url": "http://x/o", "body": {"text": "[1, 2]"}},
        "response": {"status": 200},
    }

    [item] = read_flow_recording(orjson.dumps(record) + b"\n", "seen.jsonl")

    assert (item.flow, item.version, item.body) == (None, None, [1, 2])


def test_a_body_that_is_not_json_is_a_located_error() -> None:
    data = flow_exchange_line(exchange(b"<order/>"), "w1", 1)

    with pytest.raises(RecordingError) as raised:
        read_flow_recording(b"\n" + data, "w1.jsonl")

    assert str(raised.value.location) == "w1.jsonl:2 /request/body"


def test_another_format_version_is_refused() -> None:
    with pytest.raises(TrafficFormatError):
        read_flow_recording(b'{"v": 2, "request": {}, "response": {}}\n', "new.jsonl")


@pytest.mark.parametrize(
    "name",
    ["Authorization", "cookie", "X-Api-Key", "Payments-Signature", "X-Auth-Token", "x-secret"],
)
def test_credential_headers_keep_their_name_not_their_value(name: str) -> None:
    assert redacted_headers(((name, "s3cret"), ("accept", "application/json"))) == (
        (name, REDACTED),
        ("accept", "application/json"),
    )


def test_the_data_plane_s_line_is_the_line_of_the_same_exchange() -> None:
    recorded = exchange(b'{"orderId": "A"}')
    answer = b'{"id": "m-1", "status": "accepted"}'
    full = recorded.model_copy(
        update={
            "response": RecordedResponse(
                status=202,
                headers=(("content-type", "application/json"),),
                body=Body.from_bytes(answer, "application/json"),
            )
        }
    )

    fast = flow_input_line(
        flow="w1",
        version=2,
        method="POST",
        url=recorded.request.url,
        headers=recorded.request.headers,
        body=b'{"orderId": "A"}',
        status=202,
        answer_headers=[("content-type", "application/json")],
        answer=answer,
        started=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        duration_ms=1.5,
    )

    assert orjson.loads(fast) == orjson.loads(flow_exchange_line(full, "w1", 2))


def test_a_body_that_is_not_utf8_is_kept_in_base64() -> None:
    line = flow_input_line(
        flow="w1",
        version=1,
        method="POST",
        url="http://x/in",
        headers=[],
        body=b"\xff\xfe",
        status=400,
        answer_headers=[],
        answer=b"",
        started=datetime(2026, 1, 5, tzinfo=UTC),
        duration_ms=0.1,
    )

    record = orjson.loads(line)
    assert record["request"]["body"] == {"base64": "//4="}
    assert "body" not in record["response"]
