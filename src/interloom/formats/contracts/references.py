"""``$ref`` resolution across the files of one contract, safe on cycles and located on failure.

Files are read only through the ``resolve_file`` callback the caller passes in, with paths
relative to the directory of the imported contract; the formats layer never walks directories.
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urljoin

from interloom.core.contracts.errors import ContractError, ContractReferenceError
from interloom.formats.contracts.documents import (
    Document,
    Node,
    Path_,
    file_relative_to,
    pointer_of,
    read_document,
)

ResolveFile = Callable[[str], bytes]
"""Reads a file given its path relative to the imported contract's directory."""


def _value_at(document: Document, path: Path_) -> Any:
    value = document.data
    for token in path:
        value = value[token]
    return value


class References:
    """The documents of one import and the ``$ref`` resolution between them."""

    def __init__(self, root: Document, resolve_file: ResolveFile | None) -> None:
        self.root = root
        self._resolve_file = resolve_file
        self.documents: dict[str, Document] = {root.relative: root}
        self._ids: dict[str, dict[str, Path_]] = {}

    def load(self, relative: str, at: Node) -> Document:
        """The document of another file of the contract, read once."""
        if relative in self.documents:
            return self.documents[relative]
        data = self.read_file(relative, at)
        document = read_document(data, file_relative_to(self.root.file, relative), relative)
        self.documents[relative] = document
        return document

    def read_file(self, relative: str, at: Node) -> bytes:
        """The bytes of another file of the contract; a located error when it cannot be read."""
        if self._resolve_file is None:
            at.fail(
                f"'{relative}' is another file, and no directory was given to read it from",
                hint="import the contract from its file so that relative references resolve",
                error=ContractReferenceError,
            )
        try:
            return self._resolve_file(relative)
        except ContractError:
            raise
        except (OSError, LookupError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            at.fail(f"'{relative}' cannot be read: {reason}", error=ContractReferenceError)

    def target(self, ref: str, at: Node) -> Node:
        """The node a ``$ref`` at ``at`` points to, without following further references."""
        file_part, _, fragment = ref.partition("#")
        file_part = unquote(file_part)
        fragment = unquote(fragment)
        document = at.document
        if file_part:
            found = self._by_id(document, file_part)
            if found is not None:
                document, base = found
                if not fragment:
                    return Node(document, base, _value_at(document, base))
            elif file_part.startswith(("http://", "https://", "urn:")) or "://" in file_part:
                at.fail(
                    f"$ref '{ref}' points outside the contract's files",
                    hint="remote references are not fetched: save the file next to the "
                    "contract and refer to it by a relative path",
                    error=ContractReferenceError,
                )
            else:
                relative = file_relative_to(document.relative, file_part)
                document = self.load(relative, at)
        if fragment and not fragment.startswith("/"):
            anchors = self._index(document)
            if f"#{fragment}" not in anchors:
                at.fail(f"$ref '{ref}' names no anchor '{fragment}'", error=ContractReferenceError)
            path = anchors[f"#{fragment}"]
            return Node(document, path, _value_at(document, path))
        return self._walk(document, fragment, ref, at)

    def _walk(self, document: Document, fragment: str, ref: str, at: Node) -> Node:
        value = document.data
        path: list[str | int] = []
        tokens = fragment.split("/")[1:] if fragment else []
        for raw in tokens:
            token = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(value, dict) and token in value:
                value = value[token]
                path.append(token)
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                value = value[int(token)]
                path.append(int(token))
            else:
                where = pointer_of(tuple(path)) or "the document root"
                close = (
                    difflib.get_close_matches(token, [str(k) for k in value], 1, 0.6)
                    if (isinstance(value, dict))
                    else []
                )
                in_file = f" of {document.file}" if document is not at.document else ""
                at.fail(
                    f"$ref '{ref}' points at nothing: no '{token}' under {where}{in_file}",
                    hint=f"did you mean '{close[0]}'?" if close else None,
                    error=ContractReferenceError,
                )
        return Node(document, tuple(path), value)

    def follow(self, node: Node) -> Node:
        """``node`` itself, or what its chain of ``$ref`` ends at; a cycle is a located error."""
        seen: set[tuple[str, Path_]] = set()
        while isinstance(node.value, dict) and "$ref" in node.value:
            ref_node = node.child("$ref")
            ref = ref_node.value
            if not isinstance(ref, str):
                ref_node.fail("'$ref' must be a string")
            here = (node.document.relative, node.path)
            if here in seen:
                ref_node.fail(
                    f"$ref '{ref}' is circular: it leads back to itself",
                    error=ContractReferenceError,
                )
            seen.add(here)
            node = self.target(ref, ref_node)
        return node

    def _by_id(self, document: Document, file_part: str) -> tuple[Document, Path_] | None:
        """A JSON Schema ``$id`` in an already read document that matches ``file_part``."""
        base = document.data.get("$id") if isinstance(document.data, dict) else None
        absolute = urljoin(base, file_part) if isinstance(base, str) else file_part
        for candidate in self.documents.values():
            index = self._index(candidate)
            if absolute in index:
                return candidate, index[absolute]
        return None

    def _index(self, document: Document) -> dict[str, Path_]:
        """``$id`` URIs and ``#anchor`` names of a document, to the paths they name."""
        if document.relative in self._ids:
            return self._ids[document.relative]
        index: dict[str, Path_] = {}
        root = document.data
        base = root.get("$id") if isinstance(root, dict) else None
        base = base if isinstance(base, str) else ""
        stack: list[tuple[Path_, Any]] = [((), root)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, dict):
                node_id = value.get("$id")
                if isinstance(node_id, str) and path:
                    if node_id.startswith("#"):  # draft-07 location-independent identifier
                        index[node_id] = path
                    else:
                        index[urljoin(base, node_id)] = path
                anchor = value.get("$anchor")
                if isinstance(anchor, str):
                    index[f"#{anchor}"] = path
                stack += [((*path, str(k)), v) for k, v in value.items()]
            elif isinstance(value, list):
                stack += [((*path, i), v) for i, v in enumerate(value)]
        if base:
            index[base] = ()
        self._ids[document.relative] = index
        return index


def file_stem(relative: str) -> str:
    """A file's name without directory and extension: ``schemas/Customer.yaml`` → ``Customer``."""
    name = posixpath.basename(relative)
    return name.split(".", 1)[0] or name
