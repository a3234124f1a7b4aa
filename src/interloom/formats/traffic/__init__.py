"""Recorded traffic: HAR 1.2 files and Interloom's own JSON Lines recordings."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from interloom.core.contracts.traffic import Exchange, TrafficFormatError
from interloom.core.errors import Location
from interloom.formats.traffic.har import iter_har, looks_like_har
from interloom.formats.traffic.recording import iter_recording, looks_like_recording

HAR_EXTENSIONS = (".har",)
RECORDING_EXTENSIONS = (".jsonl", ".ndjson")


def iter_traffic(data: bytes, file: str) -> Iterator[Exchange]:
    """The exchanges of a HAR file or an Interloom recording, recognised by extension, else by
    content."""
    extension = posixpath.splitext(file.lower())[1]
    if extension in HAR_EXTENSIONS:
        return iter_har(data, file)
    if extension in RECORDING_EXTENSIONS:
        return iter_recording(data.splitlines(), file)
    if looks_like_har(data):
        return iter_har(data, file)
    if looks_like_recording(data) or not data.strip():
        return iter_recording(data.splitlines(), file)
    raise TrafficFormatError(
        "not a traffic recording Interloom reads",
        location=Location(file=file, line=1),
        hint="give a HAR 1.2 file (.har) or an Interloom recording (.jsonl)",
    )


__all__ = ["HAR_EXTENSIONS", "RECORDING_EXTENSIONS", "iter_traffic"]
