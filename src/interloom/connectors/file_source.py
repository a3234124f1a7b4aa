"""File source: watch a folder, make each file's records messages, then move the file away.

The folder is polled. A file's messages are persisted first; only then is the file moved to
``processed/``. A file that does not parse goes to ``failed/`` with a ``.error`` file beside
it giving the reason. A crash between persisting and moving reads the file again; its
messages keep their ids (file name, content digest, record number), so the sinks see each
once.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field

from interloom.connectors.file_formats import (
    FileFormat,
    FileFormatError,
    format_of,
    parse_csv,
    parse_json,
    parse_xml,
)
from interloom.connectors.registry import connector
from interloom.connectors.spec import (
    Batch,
    ConnectorContext,
    SourceContext,
    SourceError,
    SourceItem,
)

log = structlog.get_logger(__name__)


class FileSourceConfig(BaseModel):
    """The folder to watch, which files, and how to read them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(
        description="Folder to watch; relative to the project directory.", examples=["inbox"]
    )
    pattern: str = Field(default="*", description="Glob of the file names to read.")
    format: FileFormat = Field(
        default=FileFormat.AUTO, description="json, csv, xml, or auto (from the extension)."
    )
    split: bool = Field(
        default=True,
        description="JSON: a top-level array gives a message per element (false: one per file).",
    )
    xml_items: str | None = Field(
        default=None,
        description="XML: dotted path of a repeated element, a message each "
        "(e.g. orders.order); none: one message per file.",
    )
    csv_delimiter: str = Field(
        default=",", min_length=1, max_length=1, description="CSV: the field separator."
    )
    encoding: str = Field(default="utf-8", description="Text encoding of CSV files.")
    interval_seconds: float = Field(
        default=2.0, ge=0.01, le=3600, description="Time between looks at the folder."
    )
    min_age_seconds: float = Field(
        default=1.0,
        ge=0,
        le=3600,
        description="Files changed more recently are left for later (they may still be "
        "being written); write files under another name and rename them to be safe.",
    )
    processed_folder: str = Field(
        default="processed", description="Where read files go; relative to path."
    )
    failed_folder: str = Field(
        default="failed", description="Where unreadable files go, with a .error file each."
    )


@dataclass(frozen=True, slots=True)
class _Read:
    """The file a batch came from."""

    path: Path


def _unique_target(folder: Path, name: str) -> Path:
    """``folder/name``, or ``stem-2.ext``, ``stem-3.ext``… when that is taken."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 1
    while target.exists():
        number += 1
        target = folder / f"{stem}-{number}{suffix}"
    return target


@connector(
    "file",
    kind="source",
    config=FileSourceConfig,
    description="Read files dropped in a folder: each JSON document (or element of a "
    "top-level array), CSV row or XML document (or repeated element) becomes a message."
    "\n\nThe folder is polled; files are read in order of modification time. A read file "
    "moves to processed/; a file that does not parse moves to failed/ beside a .error file "
    "with the reason.",
    guarantees="A file's messages are persisted before it is moved to processed/: nothing "
    "is lost. A file read again after a crash gives the same message ids (name, content "
    "digest, record number), so the sinks see each record once.",
    examples=[
        {"path": "inbox/orders", "pattern": "*.json"},
        {"path": "/data/exchange/stock", "pattern": "stock-*.csv", "csv_delimiter": ";"},
        {"path": "inbox/invoices", "pattern": "*.xml", "xml_items": "invoices.invoice"},
    ],
)
class FileSource:
    """Polls a folder; its state is the folder itself (read files are moved out of it)."""

    def __init__(self, config: FileSourceConfig, context: ConnectorContext) -> None:
        self.config = config
        self.folder = context.resolve(config.path)
        self.processed = self.folder / config.processed_folder
        self.failed = self.folder / config.failed_folder
        self._context: SourceContext | None = None
        self._queue: list[Path] = []

    async def connect(self, context: SourceContext) -> None:
        """Make the folder and its processed and failed folders if they are missing."""
        self._context = context
        try:
            for folder in (self.folder, self.processed, self.failed):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SourceError(f"cannot use the folder {self.folder}: {error.strerror}") from None

    async def read(self) -> Batch:
        """The messages of the next file (waiting for one); unreadable files go to failed/."""
        context = self._context
        assert context is not None, "connect first"
        while True:
            if not self._queue:
                self._queue = await asyncio.to_thread(self._waiting_files, context.clock())
            if not self._queue:
                if await context.wait(self.config.interval_seconds):
                    return Batch()
                continue
            path = self._queue.pop(0)
            try:
                items = await asyncio.to_thread(self._items_of, path)
            except FileNotFoundError:
                continue  # taken away meanwhile
            except OSError as error:
                raise SourceError(f"cannot read {path}: {error.strerror}") from None
            except FileFormatError as error:
                await asyncio.to_thread(self._fail, path, error.message)
                continue
            return Batch(items=items, token=_Read(path))

    def _waiting_files(self, now: float) -> list[Path]:
        found: list[tuple[float, str, Path]] = []
        for path in self.folder.glob(self.config.pattern):
            try:
                stat = path.stat()
            except OSError:
                continue
            if not path.is_file() or path.name.startswith("."):
                continue
            if now - stat.st_mtime < self.config.min_age_seconds:
                continue
            found.append((stat.st_mtime, path.name, path))
        return [path for _, _, path in sorted(found)]

    def _items_of(self, path: Path) -> list[SourceItem]:
        data = path.read_bytes()
        name = path.name
        kind = format_of(name, self.config.format)
        records: list[Any]
        if kind is FileFormat.JSON:
            records = parse_json(data, name, split=self.config.split)
        elif kind is FileFormat.CSV:
            records = list(
                parse_csv(
                    data, name, delimiter=self.config.csv_delimiter, encoding=self.config.encoding
                )
            )
        else:
            records = parse_xml(data, name, items=self.config.xml_items)
        digest = hashlib.sha256(data).hexdigest()[:32]
        return [
            SourceItem(key=f"{name}:{digest}:{number}", body=record)
            for number, record in enumerate(records, start=1)
        ]

    def _fail(self, path: Path, reason: str) -> None:
        try:
            target = _unique_target(self.failed, path.name)
            os.replace(path, target)
            target.with_name(target.name + ".error").write_text(reason + "\n", "utf-8")
        except OSError as error:
            log.error("file_source.move_failed", file=str(path), error=str(error))
            return
        log.warning("file_source.file_failed", file=str(path), moved_to=str(target), reason=reason)

    async def ack(self, batch: Batch) -> None:
        """The file's messages are persisted: move it to processed/."""
        read = batch.token
        if not isinstance(read, _Read):
            return
        try:
            await asyncio.to_thread(self._move, read.path, self.processed)
        except FileNotFoundError:
            return
        except OSError as error:
            # Left in place, it will be read again: its messages keep their ids.
            log.error("file_source.move_failed", file=str(read.path), error=str(error))

    @staticmethod
    def _move(path: Path, folder: Path) -> None:
        os.replace(path, _unique_target(folder, path.name))

    async def nack(self, batch: Batch, error: str) -> None:
        """The file's messages were not persisted: it stays, and is read again."""

    async def close(self) -> None:
        """Nothing to release."""
