"""Printing results: Rich tables for people, JSON for machines (``--output json``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import orjson
import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from interloom.core.errors import InterloomError

# Lines are never wrapped: a problem line stays one line for grep and for editors.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class OutputFormat(StrEnum):
    """How a command prints its result."""

    TEXT = "text"
    JSON = "json"


OutputOption = Annotated[
    OutputFormat,
    typer.Option(
        "--output", "-o", help="text for people, json for machines.", case_sensitive=False
    ),
]


def to_data(value: Any) -> Any:
    """Plain JSON-ready data from models, lists of models and plain values."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [to_data(item) for item in value]
    if isinstance(value, dict):
        return {key: to_data(item) for key, item in value.items()}
    return value


def plural(count: int, noun: str) -> str:
    """``1 system``, ``4 systems``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def print_json(value: Any) -> None:
    """Write ``value`` as indented JSON on stdout."""
    sys.stdout.write(orjson.dumps(to_data(value), option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A Rich table on stdout."""
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


def fail(error: InterloomError, output: OutputFormat = OutputFormat.TEXT) -> NoReturn:
    """Report ``error`` (no traceback) and exit with status 1 (inside or outside a command)."""
    if output is OutputFormat.JSON:
        print_json({"error": error.to_dict()})
    else:
        err_console.print(f"[bold red]error[/] {error}", highlight=False, soft_wrap=True)
    raise SystemExit(1)
