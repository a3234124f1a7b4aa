"""Reading and writing the files of the file connectors: JSON, CSV and XML.

Reading gives the messages of one file (a JSON document or each element of its top-level
array, each CSV row as an object keyed by the header, an XML document as xmltodict builds it
or each element under a path); a file that does not parse raises :class:`FileFormatError`
with the line at fault. Writing renders one message's body.
"""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from pathlib import PurePath
from typing import Any
from xml.parsers.expat import ExpatError

import orjson
import xmltodict

from interloom.core.errors import InterloomError


class FileFormat(StrEnum):
    """How a file's bytes become messages (auto: from the file's extension)."""

    AUTO = "auto"
    JSON = "json"
    CSV = "csv"
    XML = "xml"


class FileFormatError(InterloomError):
    """A file does not parse in its format, or a message cannot be written in it."""

    code = "E-DATA-001"
    status = 422


_EXTENSIONS = {
    ".json": FileFormat.JSON,
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".xml": FileFormat.XML,
}


def format_of(name: str, declared: FileFormat) -> FileFormat:
    """The format to read or write ``name`` in: the declared one, or its extension's."""
    if declared is not FileFormat.AUTO:
        return declared
    found = _EXTENSIONS.get(PurePath(name).suffix.lower())
    if found is None:
        raise FileFormatError(
            f"{name}: cannot tell the format from the extension",
            hint="name files .json, .csv or .xml, or set 'format'",
        )
    return found


def parse_json(data: bytes, name: str, *, split: bool) -> list[Any]:
    """A JSON document: one message, or (split) one per element of a top-level array."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise FileFormatError(
            f"{name}:{error.lineno}:{error.colno}: not valid JSON: {error.msg}"
        ) from None
    if split and isinstance(document, list):
        return document
    return [document]


def parse_csv(data: bytes, name: str, *, delimiter: str, encoding: str) -> list[dict[str, str]]:
    """One object per row, keyed by the header row; a row of another width is an error."""
    text = _decode(data, name, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[dict[str, str]] = []
    try:
        header = next(reader, None)
        if header is None:
            return rows
        if len(set(header)) != len(header) or any(not column for column in header):
            raise FileFormatError(f"{name}:1: the header row has empty or repeated column names")
        for row in reader:
            if not row:
                continue  # a blank line
            if len(row) != len(header):
                raise FileFormatError(
                    f"{name}:{reader.line_num}: {len(row)} fields where the header has "
                    f"{len(header)}"
                )
            rows.append(dict(zip(header, row, strict=True)))
    except csv.Error as error:
        raise FileFormatError(f"{name}:{reader.line_num}: not valid CSV: {error}") from None
    return rows


def parse_xml(data: bytes, name: str, *, items: str | None) -> list[Any]:
    """The document as xmltodict makes it, or each element at the dotted path ``items``."""
    try:
        document = xmltodict.parse(data, disable_entities=True)
    except ExpatError as error:
        raise FileFormatError(
            f"{name}:{error.lineno}:{error.offset + 1}: not well-formed XML: {_expat_reason(error)}"
        ) from None
    except ValueError as error:  # entities, which are refused
        raise FileFormatError(f"{name}: refused XML: {error}") from None
    if items is None:
        return [document]
    found: Any = document
    for step in items.split("."):
        if not isinstance(found, dict) or step not in found:
            return []  # no such element: no item
        found = found[step]
    return found if isinstance(found, list) else [found]


def _expat_reason(error: ExpatError) -> str:
    return str(error).split(":", 1)[0]


def _decode(data: bytes, name: str, encoding: str) -> str:
    try:
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise FileFormatError(
            f"{name}: not {encoding} text at byte {error.start}",
            hint="set 'encoding' to the file's encoding",
        ) from None


def render_json(body: Any) -> bytes:
    """The body as JSON, ending with a new line."""
    return orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n"


def render_csv(body: Any, *, columns: list[str] | None, delimiter: str) -> bytes:
    """A header row and a row per object (the body is an object, or an array of objects)."""
    rows = body if isinstance(body, list) else [body]
    if not all(isinstance(row, dict) for row in rows):
        raise FileFormatError("a CSV file is written from an object or an array of objects")
    names = columns or list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in names])
    return out.getvalue().encode()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def render_xml(body: Any, *, root: str) -> bytes:
    """The body as XML under the element ``root`` (an object with one key is its own root)."""
    document = body if isinstance(body, dict) and len(body) == 1 else {root: body}
    try:
        text: str = xmltodict.unparse(document, pretty=True, full_document=True)
    except (ValueError, TypeError) as error:
        raise FileFormatError(f"the message cannot be written as XML: {error}") from None
    return text.encode() + b"\n"
