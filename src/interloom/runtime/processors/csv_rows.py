"""CSV in and out: ``csv-parse`` turns CSV text into rows (objects), ``csv-emit`` the reverse.

``csv-parse`` reads a header row (or is given the column names), types the columns it is
told to (integer, number, boolean; text otherwise), and makes each row a message of its own
(``split: true``, the default: each continues through the following steps) or puts the rows
in one array. A cell that does not read as its column's type rejects the whole message with
every such cell listed; to keep the good rows of a file with bad ones, read those columns as
text and let a ``cleanse`` step judge each row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from enum import StrEnum
from typing import Any

import orjson
from pydantic import Field, field_validator, model_validator

from interloom.runtime.processors.base import (
    BuildContext,
    MessageRejectedError,
    Mode,
    Processor,
    Split,
    StepConfigError,
    _Config,
)
from interloom.runtime.processors.paths import (
    MISSING,
    PathConflictError,
    describe,
    get_path,
    parse_path,
    set_path,
)

_MAX_DETAILS = 20
# What int() and float() read besides plain numbers ('1_000', 'nan', 'inf') is no CSV number.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


class ColumnType(StrEnum):
    """How a column's cells are read."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"


def _one_character(value: str) -> str:
    if len(value) != 1:
        raise ValueError("must be exactly one character")
    return value


class CsvParseConfig(_Config):
    """Read CSV text (the message, or one of its fields) into rows."""

    source: str | None = Field(
        default=None, description="Dotted field holding the CSV; default: the message itself."
    )
    header: bool = Field(default=True, description="The first row names the columns.")
    columns: list[str] | None = Field(
        default=None,
        description="Column names, in order; required without a header (with one, they "
        "replace its names).",
    )
    types: dict[str, ColumnType] = Field(
        default_factory=dict, description="Column name -> string | integer | number | boolean."
    )
    delimiter: str = ","
    quotechar: str = '"'
    encoding: str = Field(default="utf-8-sig", description="How to decode a source given as bytes.")
    split: bool = Field(default=True, description="Each row a message of its own.")
    target: str | None = Field(
        default=None,
        description="Without split: dotted field for the rows (default: the message is the array).",
    )
    empty_as_null: bool = Field(
        default=False, description="Read empty text cells as null (typed ones always are)."
    )
    true_values: list[str] = Field(default_factory=lambda: ["true", "yes", "y", "1"])
    false_values: list[str] = Field(default_factory=lambda: ["false", "no", "n", "0"])
    max_rows: int = Field(default=100_000, ge=1, le=10_000_000)

    _check_delimiter = field_validator("delimiter", "quotechar")(_one_character)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding '{value}'") from None
        return value

    @model_validator(mode="after")
    def _names(self) -> CsvParseConfig:
        if not self.header and not self.columns:
            raise ValueError("without a header row, name the columns in 'columns'")
        if self.columns is not None:
            if len(set(self.columns)) != len(self.columns):
                raise ValueError("'columns' names a column twice")
            unknown = sorted(set(self.types) - set(self.columns))
            if unknown:
                raise ValueError(f"'types' names '{unknown[0]}', which is not in 'columns'")
        if self.split and self.target is not None:
            raise ValueError("'target' is for split: false (with split, each row is a message)")
        return self


class CsvEmitConfig(_Config):
    """Write rows (an array of objects, or one object) as CSV text."""

    source: str | None = Field(
        default=None, description="Dotted field holding the rows; default: the message itself."
    )
    target: str | None = Field(
        default=None, description="Dotted field for the CSV text; default: it is the message."
    )
    columns: list[str] | None = Field(
        default=None, description="Columns in order; default: the rows' fields as first seen."
    )
    header: bool = True
    delimiter: str = ","
    quotechar: str = '"'
    line_terminator: str = Field(default="\r\n", pattern=r"^(\r\n|\n)$")

    _check_delimiter = field_validator("delimiter", "quotechar")(_one_character)


def _source_text(value: Any, encoding: str, where: str) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode(encoding)
        except UnicodeDecodeError as error:
            raise MessageRejectedError(
                f"the CSV is not {encoding}: {error.reason} at byte {error.start}",
                [{"pointer": where, "message": f"not {encoding}"}],
            ) from None
    if not isinstance(value, str):
        raise MessageRejectedError(
            f"the CSV to parse is {describe(value)}, not a text",
            [{"pointer": where, "message": "not a text"}],
        )
    return value.removeprefix("\ufeff")


class _Reader:
    """Typed cells: each column's reader, and the booleans' words."""

    def __init__(self, config: CsvParseConfig) -> None:
        self.types = dict(config.types)
        self.empty_as_null = config.empty_as_null
        self.true = {word.lower() for word in config.true_values}
        self.false = {word.lower() for word in config.false_values}

    def cell(self, column: str, text: str) -> Any:
        kind = self.types.get(column, ColumnType.STRING)
        if kind is ColumnType.STRING:
            return None if (self.empty_as_null and text == "") else text
        text = text.strip()
        if text == "":
            return None
        if kind is ColumnType.INTEGER:
            if not _INTEGER.fullmatch(text):
                raise ValueError(f"'{text}' is not a whole number")
            return int(text)
        if kind is ColumnType.NUMBER:
            if not _NUMBER.fullmatch(text):
                raise ValueError(f"'{text}' is not a number")
            return float(text)
        word = text.lower()
        if word in self.true:
            return True
        if word in self.false:
            return False
        raise ValueError(f"'{text}' is none of {sorted(self.true | self.false)}")


def build_csv_parse(config: CsvParseConfig, context: BuildContext) -> Processor:
    """The dialect and the column readers fixed once."""
    source = parse_path(config.source, "source") if config.source else None
    target = parse_path(config.target, "target") if config.target else None
    where = "/" + "/".join(source) if source else ""
    reader = _Reader(config)
    dialect = {"delimiter": config.delimiter, "quotechar": config.quotechar, "strict": True}

    def parse(body: Any) -> Any:
        value = body if source is None else get_path(body, source)
        if value is MISSING:
            raise MessageRejectedError(
                f"the message has no field {config.source}",
                [{"pointer": where, "message": "missing"}],
            )
        rows = _rows(_source_text(value, config.encoding, where), config, reader, dialect)
        if config.split:
            return Split(rows)
        if target is None:
            return rows
        try:
            return set_path(body, target, rows)
        except PathConflictError as error:
            raise MessageRejectedError(
                f"cannot write the rows: {error.reason}",
                [{"pointer": error.pointer, "message": error.reason}],
            ) from None

    return Processor(parse, Mode.SYNC if config.split else Mode.SIMPLE)


def _rows(
    text: str, config: CsvParseConfig, reader: _Reader, dialect: dict[str, Any]
) -> list[dict[str, Any]]:
    lines = csv.reader(io.StringIO(text, newline=""), **dialect)
    names = config.columns
    rows: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    try:
        if config.header:
            header = next(lines, None)
            if header is None:
                return []
            names = names or [name.strip() for name in header]
            _check_header(names, config)
        assert names is not None
        width = len(names)
        for cells in lines:
            if not cells or cells == [""]:
                continue  # a blank line
            line = lines.line_num
            index = len(rows)
            if len(cells) != width:
                details.append(
                    {
                        "pointer": f"/{index}",
                        "line": line,
                        "message": f"{len(cells)} fields where the columns are {width}",
                    }
                )
            else:
                row: dict[str, Any] = {}
                for name, text in zip(names, cells, strict=True):
                    try:
                        row[name] = reader.cell(name, text)
                    except ValueError as error:
                        kind = config.types[name]
                        details.append(
                            {
                                "pointer": f"/{index}/{name}",
                                "line": line,
                                "value": text,
                                "rule": kind.value,
                                "message": str(error),
                            }
                        )
                rows.append(row)
            if len(details) >= _MAX_DETAILS:
                break
            if len(rows) > config.max_rows:
                raise MessageRejectedError(
                    f"the CSV has more than {config.max_rows} rows",
                    [{"pointer": "", "message": "too many rows", "line": line}],
                )
    except csv.Error as error:
        raise MessageRejectedError(
            f"the CSV does not parse at line {lines.line_num}: {error}",
            [{"pointer": "", "line": lines.line_num, "message": str(error)}],
        ) from None
    if details:
        count = f"{len(details)}{'+' if len(details) >= _MAX_DETAILS else ''}"
        first = details[0]
        raise MessageRejectedError(
            f"the CSV does not read ({count} problem{'s' if len(details) > 1 else ''}): "
            f"line {first['line']} {first['pointer']}: {first['message']}",
            details,
        )
    return rows


def _check_header(names: list[str], config: CsvParseConfig) -> None:
    unknown = sorted(set(config.types) - set(names))
    if unknown:
        raise MessageRejectedError(
            f"the header has no column '{unknown[0]}' (typed in 'types')",
            [{"pointer": "", "line": 1, "message": f"columns: {', '.join(names)}"}],
        )
    if len(set(names)) != len(names):
        twice = next(name for name in names if names.count(name) > 1)
        raise MessageRejectedError(
            f"the header names column '{twice}' twice",
            [{"pointer": "", "line": 1, "message": "duplicate column"}],
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()


def build_csv_emit(config: CsvEmitConfig, context: BuildContext) -> Processor:
    """The dialect and columns fixed once."""
    source = parse_path(config.source, "source") if config.source else None
    target = parse_path(config.target, "target") if config.target else None
    where = "/" + "/".join(source) if source else ""
    if config.columns is not None and len(set(config.columns)) != len(config.columns):
        raise StepConfigError("'columns' names a column twice", field=("columns",))

    def emit(body: Any) -> Any:
        value = body if source is None else get_path(body, source)
        rows = [value] if isinstance(value, dict) else value
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise MessageRejectedError(
                "csv-emit writes an array of objects (or one object)",
                [{"pointer": where, "message": f"{describe(value)}, not rows"}],
            )
        columns = config.columns or _columns(rows)
        out = io.StringIO()
        writer = csv.writer(
            out,
            delimiter=config.delimiter,
            quotechar=config.quotechar,
            lineterminator=config.line_terminator,
        )
        if config.header:
            writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell_text(row.get(name)) for name in columns])
        text = out.getvalue()
        if target is None:
            return text
        try:
            return set_path(body, target, text)
        except PathConflictError as error:
            raise MessageRejectedError(
                f"cannot write the CSV: {error.reason}",
                [{"pointer": error.pointer, "message": error.reason}],
            ) from None

    return Processor(emit)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for name in row:
            seen.setdefault(name, None)
    return list(seen)
