"""Reading an ignore file of the contract diff: oasdiff's text lines, or Interloom's YAML.

A text line names an operation and a piece of a finding's message::

    GET /customers/{customerId} removed the optional property 'nickname'
    send stock.changed sent-message-required-property-removed

(a rest that is exactly a rule id matches that rule). A ``.yaml``/``.yml`` file lists entries
under ``ignore:`` with ``id``, ``operation``, ``path``, ``message``, ``reason`` and ``until``.
Anything malformed is an :class:`IgnoreFileError` at its line.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

from interloom.core.contracts.diff.errors import IgnoreFileError
from interloom.core.contracts.diff.ignore import IgnoreRule
from interloom.core.contracts.diff.rules import RULES
from interloom.core.contracts.errors import ContractError
from interloom.core.errors import Location
from interloom.core.suggestions import did_you_mean
from interloom.formats.contracts.yaml_nodes import Path_, Positions, parse_yaml

_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY"})
_ACTIONS = frozenset({"send", "receive", "webhook"})
_FIELDS = ("id", "operation", "path", "message", "reason", "until")


def read_ignore_file(text: str, file: str) -> list[IgnoreRule]:
    """The rules of an ignore file (``file`` names it in errors)."""
    if file.lower().endswith((".yaml", ".yml")):
        return _read_yaml(text, file)
    return _read_lines(text, file)


def _read_lines(text: str, file: str) -> list[IgnoreRule]:
    rules: list[IgnoreRule] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        taken = 2 if words[0].upper() in _METHODS or words[0].lower() in _ACTIONS else 1
        if len(words) < taken:
            raise IgnoreFileError(
                f"'{line}' names no operation",
                location=Location(file=file, line=number, column=1),
                hint="write the method and the path: GET /customers/{id} <part of the message>",
            )
        operation = " ".join(words[:taken])
        rest = " ".join(words[taken:])
        where = Location(file=file, line=number, column=1)
        if rest in RULES:
            rules.append(IgnoreRule(rule_id=rest, operation=operation, location=where))
        else:
            rules.append(IgnoreRule(operation=operation, message=rest or None, location=where))
    return rules


def _read_yaml(text: str, file: str) -> list[IgnoreRule]:
    try:
        data, positions = parse_yaml(text, file)
    except ContractError as error:
        raise IgnoreFileError(error.message, location=error.location, hint=error.hint) from None
    entries: Any = data
    prefix: Path_ = ()
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"ignore"})
        if unknown:
            _fail(f"unknown key '{unknown[0]}'", file, positions, (unknown[0],), "use 'ignore:'")
        entries, prefix = data.get("ignore") or [], ("ignore",)
    if not isinstance(entries, list):
        _fail("'ignore' must be a list of entries", file, positions, prefix, None)
    return [_entry(item, file, positions, (*prefix, index)) for index, item in enumerate(entries)]


def _entry(item: Any, file: str, positions: Positions, path: Path_) -> IgnoreRule:
    if not isinstance(item, dict):
        _fail("an entry must be a mapping (id, operation, path, message…)", file, positions, path)
    for key in item:
        if key not in _FIELDS:
            hint = did_you_mean(str(key), _FIELDS)
            _fail(f"unknown key '{key}'", file, positions, (*path, key), hint)
    values: dict[str, str] = {}
    for key in ("id", "operation", "path", "message", "reason"):
        value = item.get(key)
        if value is not None and not isinstance(value, str | int | float):
            _fail(f"'{key}' must be text", file, positions, (*path, key))
        if value is not None:
            values[key] = str(value)
    if not any(key in values for key in ("id", "operation", "path", "message")):
        _fail(
            "an entry must name at least one of id, operation, path or message",
            file,
            positions,
            path,
        )
    rule_id = values.get("id")
    if rule_id is not None and rule_id not in RULES:
        _fail(f"no rule '{rule_id}'", file, positions, (*path, "id"), did_you_mean(rule_id, RULES))
    return IgnoreRule(
        rule_id=rule_id,
        operation=values.get("operation"),
        path=values.get("path"),
        message=values.get("message"),
        reason=values.get("reason"),
        until=_date(item.get("until"), file, positions, (*path, "until")),
        location=_location(file, positions, path),
    )


def _date(value: Any, file: str, positions: Positions, path: Path_) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        _fail(f"'until' must be a date, not '{value}'", file, positions, path, "write 2027-06-30")


def _location(file: str, positions: Positions, path: Path_) -> Location:
    line, column = positions.get(path, (None, None))
    pointer = "".join(f"/{token}" for token in path)
    return Location(file=file, line=line, column=column, pointer=pointer or None)


def _fail(
    message: str, file: str, positions: Positions, path: Path_, hint: str | None = None
) -> NoReturn:
    raise IgnoreFileError(message, location=_location(file, positions, path), hint=hint)


__all__ = ["read_ignore_file"]
