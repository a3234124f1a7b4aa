"""Comparing JSON documents: the differences, each at its JSON pointer, and a readable diff.

Used by flow tests (expected against actual output) and by replay (one flow version's output
against another's). Values are compared as JSON: ``1`` equals ``1.0``, ``true`` is not ``1``,
object key order does not matter, array order does.

- ``exact``: the documents are equal.
- ``subset``: every member the expected document names is in the actual one with a matching
  value (recursively); the actual document may hold more members. Arrays match element by
  element and must have the same length.

Ignored pointers (``/id``, ``/lines/*/createdAt``; ``*`` stands for any member or index) are
left out of both documents before they are compared.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "Difference",
    "DifferenceKind",
    "Match",
    "differences",
    "escape_token",
    "parse_pointer",
    "pretty_json",
    "resolve_pointer",
    "unified_diff",
    "without_pointers",
]

WILDCARD = "*"


class Match(StrEnum):
    """How an expected document is matched against the actual one."""

    EXACT = "exact"
    SUBSET = "subset"


class DifferenceKind(StrEnum):
    """What differs at a pointer."""

    CHANGED = "changed"  # both have a value there, and they differ
    MISSING = "missing"  # expected there, absent from the actual document
    UNEXPECTED = "unexpected"  # in the actual document only


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference: where, what kind, the expected (old) and actual (new) values."""

    pointer: str
    kind: DifferenceKind
    expected: Any = None
    actual: Any = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the values that exist at the pointer, and the kind."""
        data: dict[str, Any] = {"pointer": self.pointer, "kind": self.kind.value}
        if self.kind is not DifferenceKind.UNEXPECTED:
            data["expected"] = self.expected
        if self.kind is not DifferenceKind.MISSING:
            data["actual"] = self.actual
        return data


def escape_token(token: str | int) -> str:
    """One reference token of a JSON pointer (RFC 6901): ``~`` and ``/`` escaped."""
    return str(token).replace("~", "~0").replace("/", "~1")


def parse_pointer(pointer: str) -> list[str]:
    """The unescaped tokens of a JSON pointer; ValueError when it does not start with ``/``."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {pointer!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def resolve_pointer(document: Any, pointer: str) -> tuple[bool, Any]:
    """``(True, value)`` at ``pointer`` in ``document``, ``(False, None)`` when nothing is."""
    current = document
    for token in parse_pointer(pointer):
        if isinstance(current, dict):
            if token not in current:
                return False, None
            current = current[token]
        elif isinstance(current, list):
            if not token.isdigit() or int(token) >= len(current):
                return False, None
            current = current[int(token)]
        else:
            return False, None
    return True, current


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_scalar(expected: Any, actual: Any) -> bool:
    if _is_number(expected) and _is_number(actual):
        return bool(expected == actual)
    return type(expected) is type(actual) and bool(expected == actual)


def _walk(expected: Any, actual: Any, match: Match, pointer: str, found: list[Difference]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            at = f"{pointer}/{escape_token(key)}"
            if key in actual:
                _walk(value, actual[key], match, at, found)
            else:
                found.append(Difference(at, DifferenceKind.MISSING, expected=value))
        if match is Match.EXACT:
            for key, value in actual.items():
                if key not in expected:
                    at = f"{pointer}/{escape_token(key)}"
                    found.append(Difference(at, DifferenceKind.UNEXPECTED, actual=value))
        return
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
            _walk(left, right, match, f"{pointer}/{index}", found)
        for index in range(len(actual), len(expected)):
            found.append(
                Difference(f"{pointer}/{index}", DifferenceKind.MISSING, expected=expected[index])
            )
        for index in range(len(expected), len(actual)):
            found.append(
                Difference(f"{pointer}/{index}", DifferenceKind.UNEXPECTED, actual=actual[index])
            )
        return
    if (
        isinstance(expected, dict | list)
        or isinstance(actual, dict | list)
        or not _same_scalar(expected, actual)
    ):
        found.append(Difference(pointer, DifferenceKind.CHANGED, expected, actual))


def _drop(value: Any, tokens: Sequence[str]) -> Any:
    """``value`` without what ``tokens`` (a parsed pointer, ``*`` for any) point at."""
    if not tokens:
        return value
    head, rest = tokens[0], tokens[1:]
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            if head in (WILDCARD, key):
                if rest:
                    kept[key] = _drop(item, rest)
                continue
            kept[key] = item
        return kept
    if isinstance(value, list):
        if head == WILDCARD:
            return [] if not rest else [_drop(item, rest) for item in value]
        if head.isdigit() and int(head) < len(value):
            index = int(head)
            if not rest:
                return value[:index] + value[index + 1 :]
            return [*value[:index], _drop(value[index], rest), *value[index + 1 :]]
    return value


def without_pointers(value: Any, pointers: Iterable[str]) -> Any:
    """A copy of ``value`` without the members the pointers name (``*``: any member)."""
    for pointer in pointers:
        tokens = parse_pointer(pointer)
        value = None if not tokens else _drop(value, tokens)
    return value


def differences(
    expected: Any, actual: Any, *, match: Match = Match.EXACT, ignore: Iterable[str] = ()
) -> list[Difference]:
    """Every difference between ``expected`` and ``actual``, in document order."""
    ignored = list(ignore)
    if ignored:
        expected = without_pointers(expected, ignored)
        actual = without_pointers(actual, ignored)
    found: list[Difference] = []
    _walk(expected, actual, match, "", found)
    return found


def _shaped_like(actual: Any, expected: Any) -> Any:
    """``actual`` with only the members ``expected`` names: what a subset match looked at."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: _shaped_like(actual[k], v) for k, v in expected.items() if k in actual}
    if isinstance(expected, list) and isinstance(actual, list):
        shaped = [_shaped_like(a, e) for e, a in zip(expected, actual, strict=False)]
        return shaped + actual[len(expected) :]
    return actual


def pretty_json(value: Any) -> str:
    """``value`` as indented JSON with sorted keys: stable text for diffs and golden files."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def unified_diff(
    expected: Any,
    actual: Any,
    *,
    match: Match = Match.EXACT,
    ignore: Iterable[str] = (),
    labels: tuple[str, str] = ("expected", "actual"),
) -> str:
    """A unified diff of the two documents as pretty JSON ('' when they are equal).

    In a subset match, members the expected document does not name are left out of the
    actual one, so the diff shows only what was compared.
    """
    ignored = list(ignore)
    if ignored:
        expected = without_pointers(expected, ignored)
        actual = without_pointers(actual, ignored)
    if match is Match.SUBSET:
        actual = _shaped_like(actual, expected)
    left = pretty_json(expected).splitlines(keepends=True)
    right = pretty_json(actual).splitlines(keepends=True)
    lines = difflib.unified_diff(left, right, fromfile=labels[0], tofile=labels[1], n=3)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
