"""File sink: write each message as a file, atomically, named after its message id.

The file is written under a temporary name in the target folder, flushed to disk, then
renamed over its final name: a reader never sees half a file. The name comes from the
message id, so a redelivered message rewrites the same file with the same content — no
second file, no second effect.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interloom.connectors.file_formats import (
    FileFormat,
    FileFormatError,
    format_of,
    render_csv,
    render_json,
    render_xml,
)
from interloom.connectors.registry import connector
from interloom.connectors.spec import ConnectorContext, SinkError
from interloom.core.messages import Message

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDERS = frozenset({"id", "flow"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class FileSinkConfig(BaseModel):
    """The folder, the file name and the format of the files written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(
        description="Folder the files go to; relative to the project directory.",
        examples=["outbox/shipments"],
    )
    name: str = Field(
        default="{id}.json",
        description="File name; {id} (required) is the message id, {flow} the flow id.",
        examples=["shipment-{id}.xml"],
    )
    format: FileFormat = Field(
        default=FileFormat.AUTO, description="json, csv, xml, or auto (from the name)."
    )
    xml_root: str = Field(
        default="message",
        pattern=r"^[A-Za-z_][A-Za-z0-9._-]*$",
        description="XML: the root element, unless the body is an object with one key.",
    )
    csv_columns: list[str] | None = Field(
        default=None, description="CSV: the columns, in order; none: the body's keys."
    )
    csv_delimiter: str = Field(
        default=",", min_length=1, max_length=1, description="CSV: the field separator."
    )
    fsync: bool = Field(
        default=True, description="Flush each file to disk before it is renamed into place."
    )

    @field_validator("name")
    @classmethod
    def _names_by_id(cls, name: str) -> str:
        used = set(_PLACEHOLDER.findall(name))
        unknown = used - _PLACEHOLDERS
        if unknown:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; use {{id}}, {{flow}}")
        if "id" not in used:
            raise ValueError("the name must contain {id}, so that a redelivery rewrites one file")
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError("the name is a file name: no folders, not starting with '.'")
        return name


@connector(
    "file",
    kind="sink",
    config=FileSinkConfig,
    description="Write each message to a file in a folder, as JSON, CSV or XML.\n\nThe file "
    "is written under a temporary name, flushed, then renamed into place: other programs "
    "never see a partial file.",
    guarantees="At-least-once delivery, effect once: the file name comes from the message "
    "id, so a redelivered message replaces its own file with identical content.",
    examples=[
        {"path": "outbox/shipments", "name": "shipment-{id}.json"},
        {"path": "/data/exchange/wms", "name": "{flow}-{id}.xml", "xml_root": "shipment"},
        {"path": "outbox/stock", "name": "{id}.csv", "csv_columns": ["sku", "quantity"]},
    ],
)
class FileSink:
    """Writes one file per message."""

    def __init__(self, config: FileSinkConfig, context: ConnectorContext) -> None:
        self.config = config
        self.folder = context.resolve(config.path)
        self.format = format_of(config.name.replace("{id}", "x"), config.format)

    async def connect(self) -> None:
        """Make the folder if it is missing."""
        try:
            await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)
        except OSError as error:
            raise SinkError(f"cannot make the folder {self.folder}: {error.strerror}") from None

    def file_for(self, message: Message) -> Path:
        """Where the message's file goes."""
        name = self.config.name.replace("{id}", _UNSAFE.sub("_", message.id)).replace(
            "{flow}", _UNSAFE.sub("_", message.flow)
        )
        return self.folder / name

    def render(self, body: Any) -> bytes:
        """The file's content."""
        if self.format is FileFormat.CSV:
            return render_csv(
                body, columns=self.config.csv_columns, delimiter=self.config.csv_delimiter
            )
        if self.format is FileFormat.XML:
            return render_xml(body, root=self.config.xml_root)
        return render_json(body)

    async def write(self, message: Message, body: Any) -> Path:
        """Write the file atomically; return its path."""
        try:
            content = self.render(body)
        except (FileFormatError, TypeError) as error:
            raise SinkError(f"the message cannot be written: {error}", retryable=False) from None
        target = self.file_for(message)
        try:
            await asyncio.to_thread(self._write, target, content)
        except OSError as error:
            raise SinkError(f"cannot write {target}: {error.strerror}") from None
        return target

    def _write(self, target: Path, content: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(temporary, "wb") as file:
                file.write(content)
                if self.config.fsync:
                    file.flush()
                    os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        if self.config.fsync:
            _sync_folder(self.folder)

    async def close(self) -> None:
        """Nothing to release."""


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
