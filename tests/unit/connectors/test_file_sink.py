"""File sink: one file per message id, written atomically, the same file on redelivery."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
import xmltodict
from pydantic import ValidationError

from interloom.connectors.file_sink import FileSink, FileSinkConfig
from interloom.connectors.spec import ConnectorContext, SinkError
from interloom.core.messages import Message

ORDER = {"orderId": "SO-1", "lines": [{"sku": "A", "qty": 2}]}


def _sink(root: Path, **config: Any) -> FileSink:
    settings = FileSinkConfig.model_validate({"path": "outbox", **config})
    return FileSink(settings, ConnectorContext("orders", root))


def _files(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "outbox").iterdir())


async def test_a_message_is_written_as_json_named_after_its_id(tmp_path: Path) -> None:
    sink = _sink(tmp_path, name="order-{flow}-{id}.json")
    message = Message("orders", ORDER, id="m-1")

    written = await sink.write(message, ORDER)

    assert written == tmp_path / "outbox" / "order-orders-m-1.json"
    assert orjson.loads(written.read_bytes()) == ORDER


async def test_a_redelivered_message_rewrites_its_own_file_and_makes_no_second_one(
    tmp_path: Path,
) -> None:
    sink = _sink(tmp_path)
    message = Message("orders", ORDER, id="m-1")

    await sink.write(message, ORDER)
    await sink.write(Message("orders", ORDER, id="m-1", attempt=2), ORDER)
    await sink.write(Message("orders", ORDER, id="m-2"), ORDER)

    assert _files(tmp_path) == ["m-1.json", "m-2.json"]  # no temporary file is left behind


async def test_concurrent_deliveries_of_one_message_leave_one_whole_file(tmp_path: Path) -> None:
    sink = _sink(tmp_path, fsync=False)
    big = {"lines": [{"sku": f"S-{n}", "qty": n} for n in range(5000)]}

    await asyncio.gather(*(sink.write(Message("orders", big, id="m-1"), big) for _ in range(8)))

    assert _files(tmp_path) == ["m-1.json"]
    assert orjson.loads((tmp_path / "outbox" / "m-1.json").read_bytes()) == big


async def test_csv_and_xml_files(tmp_path: Path) -> None:
    rows = [{"sku": "A", "qty": 2, "note": None}, {"sku": "B,C", "qty": 1, "extra": True}]
    csv_sink = _sink(tmp_path, name="{id}.csv")
    xml_sink = _sink(tmp_path, name="{id}.xml", xml_root="shipment")

    csv_file = await csv_sink.write(Message("f", rows, id="c"), rows)
    xml_file = await xml_sink.write(Message("f", ORDER, id="x"), ORDER)

    assert csv_file.read_text("utf-8") == 'sku,qty,note,extra\nA,2,,\n"B,C",1,,true\n'
    assert xmltodict.parse(xml_file.read_bytes()) == {
        "shipment": {"orderId": "SO-1", "lines": {"sku": "A", "qty": "2"}}
    }


async def test_a_body_that_cannot_be_written_as_csv_is_not_retried(tmp_path: Path) -> None:
    sink = _sink(tmp_path, name="{id}.csv")

    with pytest.raises(SinkError) as raised:
        await sink.write(Message("f", [1, 2], id="c"), [1, 2])

    assert raised.value.retryable is False


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("orders.json", "the name must contain {id}"),
        ("{id}-{date}.json", "unknown placeholder {date}"),
        ("../{id}.json", "no folders"),
    ],
)
def test_a_name_that_could_write_two_files_for_one_message_is_refused(
    name: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        FileSinkConfig.model_validate({"path": "out", "name": name})
