"""Dotted field paths into a message: read, set, remove and rewrite without touching the input.

``customer.address.city`` names a nested field; ``lines[].sku`` names the field of every item
of an array (where a path allows it). Writes copy the objects along the path and share the
rest, so a body another step still holds (or a compiled expression returned) is never changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from interloom.runtime.processors.base import StepConfigError, pointer

EACH = "[]"
MISSING: Any = object()


class PathConflictError(ValueError):
    """A path goes through something that is not an object (or not an array, for ``[]``)."""

    def __init__(self, at: list[str | int], reason: str) -> None:
        super().__init__(reason)
        self.pointer = pointer(at)
        self.reason = reason


def parse_path(text: str, *field: str | int, each: bool = False) -> tuple[str, ...]:
    """The segments of a dotted path; ``[]`` segments only where ``each`` allows them."""
    segments: list[str] = []
    for part in text.split("."):
        name, marker = (part[:-2], True) if part.endswith(EACH) else (part, False)
        if not name or "[" in name or "]" in name:
            raise StepConfigError(
                f"'{text}' is not a field path",
                field=field,
                hint="write nested fields as dotted names, e.g. customer.address.city"
                + (", and lines[].sku for each item of an array" if each else ""),
            )
        segments.append(name)
        if marker:
            if not each:
                raise StepConfigError(
                    f"'{text}': [] is not allowed here",
                    field=field,
                    hint="name one field, e.g. customer.address.city",
                )
            segments.append(EACH)
    return tuple(segments)


def get_path(body: Any, path: tuple[str, ...]) -> Any:
    """The value at a path without ``[]``, or :data:`MISSING`."""
    value = body
    for segment in path:
        if type(value) is not dict:
            return MISSING
        value = value.get(segment, MISSING)
        if value is MISSING:
            return MISSING
    return value


def set_path(body: Any, path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``body`` with ``value`` at ``path``; missing objects on the way are created."""
    if not isinstance(body, dict):
        raise PathConflictError([], f"the message is {describe(body)}, not an object")
    result = dict(body)
    node = result
    for depth, segment in enumerate(path[:-1]):
        child = node.get(segment, MISSING)
        if child is MISSING or child is None:
            child = {}
        elif not isinstance(child, dict):
            raise PathConflictError(
                list(path[: depth + 1]), f"'{segment}' is {describe(child)}, not an object"
            )
        else:
            child = dict(child)
        node[segment] = child
        node = child
    node[path[-1]] = value
    return result


def remove_path(body: Any, path: tuple[str, ...]) -> Any:
    """A copy of ``body`` without the field at ``path`` (the body itself if it has none)."""
    if not path or not isinstance(body, dict) or path[0] not in body:
        return body
    if len(path) == 1:
        result = dict(body)
        del result[path[0]]
        return result
    child = body[path[0]]
    updated = remove_path(child, path[1:])
    if updated is child:
        return body
    result = dict(body)
    result[path[0]] = updated
    return result


Rewrite = Callable[[Any, list[str | int]], Any]


def rewrite_path(body: Any, path: tuple[str, ...], rewrite: Rewrite) -> Any:
    """A copy of ``body`` with ``rewrite(value, location)`` at each value the path reaches.

    A missing field is passed as :data:`MISSING` (its result is then only kept if it is a
    value); a rewrite returning :data:`MISSING` leaves the field out. Values on the way that
    are not objects (or arrays, for ``[]``) are left alone.
    """
    return _rewrite(body, path, rewrite, [])


def _rewrite(node: Any, path: tuple[str, ...], rewrite: Rewrite, at: list[str | int]) -> Any:
    if not path:
        return rewrite(node, at)
    head, rest = path[0], path[1:]
    if head == EACH:
        if not isinstance(node, list):
            return node
        return [_rewrite(item, rest, rewrite, [*at, i]) for i, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    current = node.get(head, MISSING)
    if rest and current is MISSING:
        # Nothing to rewrite below a missing object; the rewrite still hears of the field.
        if EACH not in rest:
            rewrite(MISSING, [*at, head, *rest])
        return node
    current_updated = _rewrite(current, rest, rewrite, [*at, head])
    if current_updated is current:
        return node
    result = dict(node)
    if current_updated is MISSING:
        result.pop(head, None)
    else:
        result[head] = current_updated
    return result


def describe(value: Any) -> str:
    """What kind of JSON value this is, for messages: "a string", "an array"…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
