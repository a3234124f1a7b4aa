"""Reading contract files into the canonical model, confined to their own directory tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from interloom.core.contracts.model import Contract
from interloom.core.errors import Location, NotFoundError
from interloom.formats.contracts.detect import import_contract


def read_contract(path: Path, *, root: Path | None = None, name: str | None = None) -> Contract:
    """Import the contract at ``path``; other files it references must lie under ``root``.

    ``root`` defaults to the contract's own directory, so a reference can never read files
    outside the tree the user pointed at. ``name`` is the file as locations show it (default:
    ``path``), e.g. relative to the project directory.
    """
    if not path.is_file():
        raise NotFoundError(f"no contract file {path}", location=Location(file=str(path)))
    boundary = (root or path.parent).resolve()

    def resolve_file(relative: str) -> bytes:
        target = (path.parent / relative).resolve()
        if not target.is_relative_to(boundary):
            # Reported by the importer as an unresolvable reference, with its location.
            raise ValueError(f"it lies outside {boundary}; references stay in that tree")
        return target.read_bytes()

    return import_contract(path.read_bytes(), name or str(path), resolve_file=resolve_file)


def inspect_contract(path: Path, *, root: Path | None = None) -> dict[str, Any]:
    """What importing ``path`` gives: format, version, counts, operations, every warning."""
    return read_contract(path, root=root).summary()
