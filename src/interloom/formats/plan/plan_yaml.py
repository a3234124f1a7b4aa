"""A plan written as a ``plan/*.yaml`` file people read and review in git.

The output is deterministic (same plan, same bytes): sections and keys in the model's order,
fields left at their defaults omitted, plain finish-to-start predecessors as a flow list of ids
(``depends_on: [T-1, T-2]``), working hours as ``{start: "08:00", end: "12:00"}``, dates bare
and date-times as ``2027-01-04T08:00``. Reading the text back gives the same plan.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from io import StringIO
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from interloom.core.delivery.calendar import WorkingInterval
from interloom.core.delivery.plan import Dependency, Plan

_FLOW_LISTS = frozenset({"depends_on", "tags"})


def _interval(interval: WorkingInterval) -> CommentedMap:
    end = "24:00" if interval.end == dt.time(0) else interval.end.strftime("%H:%M")
    start = interval.start.strftime("%H:%M")
    # Quoted: YAML 1.1 readers take 08:00 for a number in base 60.
    node = CommentedMap(
        [("start", DoubleQuotedScalarString(start)), ("end", DoubleQuotedScalarString(end))]
    )
    node.fa.set_flow_style()
    return node


def _flow(items: list[Any]) -> CommentedSeq:
    node = CommentedSeq(items)
    node.fa.set_flow_style()
    return node


def _scalar(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%dT%H:%M")
        return text + (f":{value.second:02d}" if value.second else "")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _dependency(dependency: Dependency) -> Any:
    data = _node(dependency)
    if list(data) == ["task"]:
        return dependency.task
    return data


_LEADING = ("id", "name")
"""Written first, and ``id`` always, so that every item reads from its name."""


def _node(model: BaseModel) -> CommentedMap:
    """The model's fields that differ from their defaults: id and name first, then in order."""
    fields = type(model).model_fields
    order = [n for n in _LEADING if n in fields] + [n for n in fields if n not in _LEADING]
    node = CommentedMap()
    for name in order:
        info, value = fields[name], getattr(model, name)
        default = not info.is_required() and value == info.get_default(call_default_factory=True)
        if default and name != "id":
            continue
        node[name] = _value(name, value)
    return node


def _value(name: str, value: Any) -> Any:
    if isinstance(value, Dependency):
        return _dependency(value)
    if isinstance(value, WorkingInterval):
        return _interval(value)
    if isinstance(value, BaseModel):
        return _node(value)
    if isinstance(value, list | tuple):
        items = [_value(name, item) for item in value]
        if name == "intervals" or (name in _FLOW_LISTS and all(isinstance(i, str) for i in items)):
            return _flow(items)
        if all(isinstance(i, CommentedMap) and i.fa.flow_style() for i in items) and items:
            return _flow(items)
        return CommentedSeq(items)
    return _scalar(value)


def _week(week: Any) -> CommentedMap:
    node = CommentedMap()
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
        node[day] = _flow([_interval(i) for i in getattr(week, day)])
    return node


def plan_yaml(plan: Plan, *, comment: str | None = None) -> str:
    """The plan as the text of one plan file; ``comment`` goes on top, one ``#`` per line."""
    document = _node(plan)
    for index, calendar in enumerate(plan.calendars):
        if calendar.week is not None:
            document["calendars"][index]["week"] = _week(calendar.week)
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 100
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = StringIO()
    if comment:
        out.write("".join(f"# {line}".rstrip() + "\n" for line in comment.splitlines()))
    yaml.dump(document, out)
    return out.getvalue()
