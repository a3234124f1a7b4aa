"""File source on a real folder: records become items, files move to processed/ or failed/."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from interloom.connectors.file_source import FileSource, FileSourceConfig
from interloom.connectors.spec import Batch, ConnectorContext, SourceContext


async def _stop_at_once(seconds: float) -> bool:
    return True


async def _source(root: Path, **config: Any) -> FileSource:
    settings = FileSourceConfig.model_validate({"path": "inbox", "min_age_seconds": 0, **config})
    source = FileSource(settings, ConnectorContext("orders", root))
    await source.connect(SourceContext("orders", None, time.time, _stop_at_once))
    return source


def _drop(root: Path, name: str, content: str) -> Path:
    path = root / "inbox" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, "utf-8")
    return path


async def test_a_json_array_gives_a_message_per_element_and_the_file_moves_once_acked(
    tmp_path: Path,
) -> None:
    source = await _source(tmp_path)
    _drop(tmp_path, "orders.json", '[{"id": 1}, {"id": 2}]')

    batch = await source.read()

    assert [item.body for item in batch.items] == [{"id": 1}, {"id": 2}]
    assert (tmp_path / "inbox" / "orders.json").exists()  # not moved before it is persisted
    await source.ack(batch)
    assert not (tmp_path / "inbox" / "orders.json").exists()
    assert (tmp_path / "inbox" / "processed" / "orders.json").read_text("utf-8").startswith("[")


async def test_without_split_a_json_file_is_one_message(tmp_path: Path) -> None:
    source = await _source(tmp_path, split=False)
    _drop(tmp_path, "orders.json", '[{"id": 1}, {"id": 2}]')

    batch = await source.read()

    assert [item.body for item in batch.items] == [[{"id": 1}, {"id": 2}]]


async def test_csv_rows_become_objects_keyed_by_the_header(tmp_path: Path) -> None:
    source = await _source(tmp_path, pattern="*.csv", csv_delimiter=";")
    _drop(tmp_path, "stock.csv", 'sku;qty\nA-1;5\n"B;2";7\n')

    batch = await source.read()

    assert [item.body for item in batch.items] == [
        {"sku": "A-1", "qty": "5"},
        {"sku": "B;2", "qty": "7"},
    ]


async def test_xml_items_at_a_path_become_messages(tmp_path: Path) -> None:
    source = await _source(tmp_path, xml_items="orders.order")
    _drop(
        tmp_path,
        "orders.xml",
        '<orders><order id="1"><sku>A</sku></order><order id="2"><sku>B</sku></order></orders>',
    )

    batch = await source.read()

    assert [item.body for item in batch.items] == [
        {"@id": "1", "sku": "A"},
        {"@id": "2", "sku": "B"},
    ]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.json", '{"id": 1,\n "total": }', "bad.json:2:11: not valid JSON"),
        ("bad.csv", "sku,qty\nA,1\nB,2,3\n", "bad.csv:3: 3 fields where the header has 2"),
        ("bad.xml", "<order><sku>A</order>", "bad.xml:1:16: not well-formed XML: mismatched tag"),
        ("bad.txt", "hello", "bad.txt: cannot tell the format from the extension"),
    ],
)
async def test_a_malformed_file_lands_in_failed_with_the_reason(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    source = await _source(tmp_path)
    _drop(tmp_path, name, content)
    _drop(tmp_path, "good.json", '{"id": 7}')

    batch = await source.read()

    assert [item.body for item in batch.items] == [{"id": 7}]  # the next file is read
    failed = tmp_path / "inbox" / "failed"
    assert (failed / name).read_text("utf-8") == content
    assert (failed / f"{name}.error").read_text("utf-8").startswith(reason)
    assert not (tmp_path / "inbox" / name).exists()


async def test_a_file_read_again_gives_the_same_keys_and_a_changed_one_new_keys(
    tmp_path: Path,
) -> None:
    source = await _source(tmp_path)
    _drop(tmp_path, "orders.json", '[{"id": 1}, {"id": 2}]')
    first = await source.read()
    await source.nack(first, "the store is down")  # not persisted: it stays

    again = await source.read()
    _drop(tmp_path, "orders.json", '[{"id": 1}, {"id": 3}]')
    changed = await source.read()

    assert [i.key for i in again.items] == [i.key for i in first.items]
    assert len({i.key for i in first.items}) == 2
    assert not {i.key for i in changed.items} & {i.key for i in first.items}


async def test_a_file_of_the_same_name_processed_twice_is_kept_beside_the_first(
    tmp_path: Path,
) -> None:
    source = await _source(tmp_path)
    for content in ('{"n": 1}', '{"n": 2}'):
        _drop(tmp_path, "order.json", content)
        await source.ack(await source.read())

    processed = tmp_path / "inbox" / "processed"
    assert sorted(p.name for p in processed.iterdir()) == ["order-2.json", "order.json"]


async def test_a_file_still_being_written_waits_and_hidden_files_are_ignored(
    tmp_path: Path,
) -> None:
    source = await _source(tmp_path, min_age_seconds=60)
    _drop(tmp_path, "fresh.json", "{}")
    _drop(tmp_path, ".partial.json", "{")

    batch = await source.read()

    assert batch == Batch()
    assert (tmp_path / "inbox" / "fresh.json").exists()
