"""csv-parse and csv-emit: rows from CSV text and back, typed columns, located errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.runtime.processors import (
    BuildContext,
    MessageRejectedError,
    Mode,
    Split,
    StepConfigError,
    build_processor,
)

DATA = Path(__file__).resolve().parents[3] / "data" / "processors"
CONTEXT = BuildContext(root=DATA)
ORDERS_CSV = (DATA / "orders.csv").read_text("utf-8")
TYPED = {
    "delimiter": ";",
    "types": {"qty": "integer", "price": "number", "active": "boolean"},
}


def test_each_row_is_a_message_with_typed_columns() -> None:
    processor = build_processor("csv-parse", TYPED, CONTEXT)

    result = processor.process(ORDERS_CSV)

    assert processor.mode is Mode.SYNC
    assert isinstance(result, Split)
    assert list(result.items) == [
        {"sku": "KB-01", "qty": 2, "price": 49.9, "active": True, "note": "keyboard; black"},
        {"sku": "MS-02", "qty": 1, "price": 19.5, "active": False, "note": ""},
    ]


def test_without_split_the_rows_are_one_array_at_the_target() -> None:
    processor = build_processor(
        "csv-parse",
        {**TYPED, "split": False, "source": "file", "target": "rows", "empty_as_null": True},
        CONTEXT,
    )

    result = processor.process({"file": ORDERS_CSV})

    assert processor.mode is Mode.SIMPLE
    assert result["rows"][1]["note"] is None
    assert result["file"] == ORDERS_CSV


def test_columns_name_a_file_without_header() -> None:
    processor = build_processor(
        "csv-parse", {"header": False, "columns": ["a", "b"], "split": False}, CONTEXT
    )

    assert processor.process("1,2\n3,4\n") == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_bytes_are_decoded_with_the_encoding_and_a_bom_is_dropped() -> None:
    processor = build_processor("csv-parse", {"split": False, "encoding": "utf-8-sig"}, CONTEXT)

    assert processor.process("\ufeffname\nZoë\n".encode()) == [{"name": "Zoë"}]


def test_bad_cells_reject_the_message_with_every_line_and_pointer() -> None:
    text = "sku;qty;price;active;note\nA;two;1;yes;\nB;1;1e3;maybe;\nC;1;1\n"

    with pytest.raises(MessageRejectedError, match="line 2 /0/qty") as raised:
        build_processor("csv-parse", TYPED, CONTEXT).process(text)

    assert [(d["line"], d["pointer"]) for d in raised.value.details] == [
        (2, "/0/qty"),
        (3, "/1/active"),
        (4, "/2"),
    ]
    assert raised.value.details[0]["value"] == "two"
    assert raised.value.details[0]["rule"] == "integer"


@pytest.mark.parametrize("cell", ["1_000", "nan", "inf", "0x10", "1,5"])
def test_only_plain_numbers_read_as_numbers(cell: str) -> None:
    processor = build_processor("csv-parse", {"types": {"n": "number"}}, CONTEXT)

    with pytest.raises(MessageRejectedError):
        processor.process(f'n\n"{cell}"\n')


def test_a_header_missing_a_typed_column_rejects_the_message() -> None:
    with pytest.raises(MessageRejectedError, match="no column 'qty'"):
        build_processor("csv-parse", {"types": {"qty": "integer"}}, CONTEXT).process("a\n1\n")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"header": False}, "without a header row, name the columns"),
        ({"delimiter": ";;"}, "exactly one character"),
        ({"encoding": "klingon"}, "unknown encoding 'klingon'"),
        ({"columns": ["a"], "types": {"b": "integer"}}, "'types' names 'b'"),
        ({"types": {"a": "date"}}, "Input should be"),
        ({"target": "rows"}, "'target' is for split: false"),
    ],
)
def test_a_bad_csv_parse_config_is_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(StepConfigError, match=message):
        build_processor("csv-parse", config, CONTEXT)


def test_csv_emit_writes_a_header_and_quotes_where_needed() -> None:
    rows = [{"sku": "A", "note": "a, b", "qty": 2.0}, {"sku": "B", "qty": None, "ok": True}]

    text = build_processor("csv-emit", {}, CONTEXT).process(rows)

    assert text == 'sku,note,qty,ok\r\nA,"a, b",2,\r\nB,,,true\r\n'


def test_csv_emit_with_columns_writes_those_in_order_into_the_target() -> None:
    processor = build_processor(
        "csv-emit",
        {"columns": ["qty", "sku"], "header": False, "line_terminator": "\n", "target": "csv"},
        CONTEXT,
    )

    assert processor.process({"sku": "A", "qty": 1}) == {"sku": "A", "qty": 1, "csv": "1,A\n"}


def test_csv_emit_refuses_what_is_not_rows() -> None:
    with pytest.raises(MessageRejectedError, match="array of objects"):
        build_processor("csv-emit", {}, CONTEXT).process([1, 2])


cells = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=6
) | st.sampled_from(["a,b", 'say "hi"', "two\nlines", " padded "])
tables = st.integers(min_value=1, max_value=4).flatmap(
    lambda width: st.lists(st.lists(cells, min_size=width, max_size=width), max_size=5).map(
        lambda rows: (width, rows)
    )
)


@given(tables)
def test_text_rows_survive_emit_then_parse(table: tuple[int, list[list[str]]]) -> None:
    width, cells_by_row = table
    columns = [f"c{i}" for i in range(width)]
    rows = [dict(zip(columns, row, strict=True)) for row in cells_by_row]
    # A row of one empty cell is written as a blank line, which parse skips.
    rows = [row for row in rows if any(value != "" for value in row.values())]

    text = build_processor("csv-emit", {"columns": columns}, CONTEXT).process(rows)
    parsed = build_processor("csv-parse", {"split": False}, CONTEXT).process(text)

    assert parsed == rows
