"""Which fields each step of a flow reads, where they came from, and what the sinks receive.

Field lineage (:mod:`interloom.core.flows.lineage`) says, for one mapping, which input fields
each output field is computed from. Whether a change to a contract reaches a flow needs the
whole flow: the fields *every* step reads (a filter's condition, an enricher's URL and body, a
route's conditions, as well as the mappings), traced back through the steps before it to where
they came from — the message the source received, or the answer an ``enrich`` step fetched —
and the fields the sinks finally receive.

Fields are dotted paths without array markers (``lines.sku``); ``""`` is the whole message.
A step whose reshaping is not traced here (``aggregate``, ``xml-to-json``, a processor of an
installed package…) or whose settings do not parse ends the trace: what follows it is unknown,
and :attr:`FlowFieldUse.traced` says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from interloom.core.errors import InterloomError
from interloom.core.flows.definition import Flow, Step
from interloom.core.flows.lineage import expression_lineage, mapping_lineage, set_lineage

__all__ = [
    "FieldRead",
    "FieldWrite",
    "FlowFieldUse",
    "Origin",
    "Relation",
    "field_relation",
    "flow_field_use",
    "normalise_field",
]

# ``{expression}`` in an enricher's URL template; ``${VAR}`` is an environment variable.
_URL_EXPRESSION = re.compile(r"(?<!\$)\{([^{}]+)\}")
# Steps that read fields but leave the message's shape alone.
_KEEPS_SHAPE = frozenset({"validate", "filter", "route", "dedupe", "cleanse"})


def normalise_field(text: str) -> str:
    """A lineage or config path as a plain dotted field: ``$.lines[].sku`` → ``lines.sku``.

    ``$`` (the message itself) is ``""``; a wildcard ends the path at the object holding it.
    """
    parts = [part.removesuffix("[]") for part in text.strip().split(".")]
    if parts and parts[0] in ("$", "$$", ""):
        parts = parts[1:]
    kept: list[str] = []
    for part in parts:
        if part in ("*", "**", "", "$"):
            break
        kept.append(part)
    return ".".join(kept)


def _join(base: str, rest: str) -> str:
    return f"{base}.{rest}" if base and rest else base or rest


class Relation(StrEnum):
    """How one field stands to another (:func:`field_relation`)."""

    SAME = "same"
    INSIDE = "inside"
    """The first field lies inside the second (``customer.email`` inside ``customer``)."""
    HOLDS = "holds"
    """The first field holds the second (``customer`` holds ``customer.email``)."""


def field_relation(first: str, second: str) -> Relation | None:
    """``same``, ``inside``, ``holds`` or ``None`` (unrelated) for two dotted fields."""
    if first == second:
        return Relation.SAME
    if second == "" or first.startswith(second + "."):
        return Relation.INSIDE
    if first == "" or second.startswith(first + "."):
        return Relation.HOLDS
    return None


@dataclass(frozen=True, slots=True, order=True)
class Origin:
    """Where a field's value came from: a field of the source's message or of an answer."""

    path: str
    answer_of: str | None = None
    """The ``enrich`` step whose answer holds the field; ``None``: the source's message."""

    def below(self, rest: str) -> Origin:
        """The origin of a field ``rest`` inside this one."""
        return Origin(_join(self.path, rest), self.answer_of)


@dataclass(frozen=True, slots=True)
class FieldRead:
    """A step reads ``field`` (as the message holds it then), which comes from ``origins``."""

    step: str
    kind: str
    field: str
    origins: frozenset[Origin]


@dataclass(frozen=True, slots=True)
class FieldWrite:
    """A field of the message the sinks receive, the step that wrote it and its origins."""

    field: str
    step: str | None
    """The step that wrote it last; ``None`` for an answer an enricher put there."""
    origins: frozenset[Origin]


@dataclass(frozen=True, slots=True)
class FlowFieldUse:
    """Every field a flow's steps read, and the fields its sinks receive, with their origins."""

    flow: str
    reads: tuple[FieldRead, ...]
    outputs: tuple[FieldWrite, ...]
    """Empty when the trace stopped early (see :attr:`traced`)."""
    passes_through: bool
    """No step replaced the message: source fields no step wrote reach the sinks as they came."""
    traced: bool
    """False when a step could not be followed; what comes after it is unknown."""
    untraced: tuple[str, ...] = ()
    """Why the trace stopped: ``step 'x' (aggregate): …``."""
    answers: Mapping[str, str] = field(default_factory=dict)
    """Enrich step id → the field its answer was put in (``""`` when merged by expression)."""
    opaque_answers: frozenset[str] = frozenset()
    """Enrich steps whose answer was merged by an expression: where its fields go is unknown."""

    def reads_from(self, answer_of: str | None) -> Iterator[tuple[FieldRead, Origin]]:
        """Each read with each of its origins in the source's message (or one step's answer)."""
        for read in self.reads:
            for origin in sorted(read.origins):
                if origin.answer_of == answer_of:
                    yield read, origin

    def outputs_from(self, answer_of: str | None) -> Iterator[tuple[FieldWrite, Origin]]:
        """Each output field with each of its origins in the source's message or an answer."""
        for output in self.outputs:
            for origin in sorted(output.origins):
                if origin.answer_of == answer_of:
                    yield output, origin


class _UntraceableError(Exception):
    """A step the trace cannot follow (reported in :attr:`FlowFieldUse.untraced`)."""


@dataclass
class _Message:
    """The message between two steps, as far as the trace knows it."""

    known: dict[str, frozenset[Origin]] = field(default_factory=dict)
    """Fields steps have written → their origins."""
    writers: dict[str, str | None] = field(default_factory=dict)
    whole: bool = True
    """Still the source's message: a field no step wrote is the source's field."""
    removed: set[str] = field(default_factory=set)
    answers: dict[str, str] = field(default_factory=dict)
    """Field an answer was put in → the enrich step."""

    def resolve(self, name: str) -> frozenset[Origin]:
        """The origins of field ``name`` of the message now."""
        overwritten = (Relation.SAME, Relation.INSIDE)
        if any(field_relation(name, removed) in overwritten for removed in self.removed):
            return frozenset()
        best: tuple[int, frozenset[Origin]] | None = None
        inner: set[Origin] = set()  # fields written inside it: reading it reads them too
        for key, origins in self.known.items():
            relation = field_relation(name, key)
            if relation in overwritten:
                rest = name[len(key) + 1 :] if key else name
                if best is None or len(key) >= best[0]:
                    best = (len(key), frozenset(o.below(rest) for o in origins))
            elif relation is Relation.HOLDS:
                inner.update(origins)
        for target, step in self.answers.items():
            relation = field_relation(name, target)
            if relation in overwritten:
                rest = name[len(target) + 1 :] if target else name
                if best is None or len(target) >= best[0]:
                    best = (len(target), frozenset({Origin(rest, step)}))
            elif relation is Relation.HOLDS:
                inner.add(Origin("", step))
        if best is not None:
            return best[1] | inner
        if self.whole:
            inner.add(Origin(name))
        return frozenset(inner)

    def resolve_all(self, names: Iterable[str]) -> frozenset[Origin]:
        found: set[Origin] = set()
        for name in names:
            found.update(self.resolve(name))
        return frozenset(found)

    def forget_under(self, name: str) -> None:
        """Drop what the trace knows of ``name`` and the fields inside it (it is overwritten)."""

        def kept(key: str) -> bool:
            return field_relation(key, name) not in (Relation.SAME, Relation.INSIDE)

        self.known = {k: v for k, v in self.known.items() if kept(k)}
        self.writers = {k: v for k, v in self.writers.items() if k in self.known}
        self.answers = {k: v for k, v in self.answers.items() if kept(k)}
        self.removed = {r for r in self.removed if kept(r)}


@dataclass
class _Use:
    """What the trace learns of the enrich steps on the way."""

    answers: dict[str, str] = field(default_factory=dict)
    opaque: set[str] = field(default_factory=set)


def _sources(lineage: Mapping[str, list[str]]) -> set[str]:
    return {normalise_field(source) for sources in lineage.values() for source in sources}


def _text(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _UntraceableError(f"'{key}' is not an expression")
    return value


def _expression_reads(*expressions: str | None) -> set[str]:
    found: set[str] = set()
    for expression in expressions:
        if expression is not None:
            found |= _sources(expression_lineage(expression))
    return found


def _mapping(config: Mapping[str, Any]) -> dict[str, list[str]]:
    expression = config.get("expression")
    fields = config.get("fields")
    if isinstance(expression, str):
        return expression_lineage(expression)
    if isinstance(fields, dict) and all(isinstance(v, str) for v in fields.values()):
        return mapping_lineage(fields)
    raise _UntraceableError("its mapping is neither an expression nor fields of expressions")


def _rewrite(message: _Message, step: Step, lineage: Mapping[str, list[str]]) -> None:
    """A new message from ``lineage`` (target → sources): what ``map`` does."""
    resolved = {
        normalise_field(target): message.resolve_all(normalise_field(s) for s in sources)
        for target, sources in lineage.items()
    }
    message.known = resolved
    message.writers = dict.fromkeys(resolved, step.id)
    message.whole = False
    message.removed = set()
    message.answers = {}


def _step(message: _Message, step: Step, reads: list[FieldRead], use: _Use) -> None:
    """Record what ``step`` reads, then change ``message`` as the step changes it."""
    config: Mapping[str, Any] = step.config

    def read(names: Iterable[str]) -> None:
        for name in sorted(set(names)):
            reads.append(FieldRead(step.id, step.kind, name, message.resolve(name)))

    kind = step.kind
    if kind == "map":
        lineage = _mapping(config)
        read(_sources(lineage))
        _rewrite(message, step, lineage)
    elif kind == "set":
        computed = config.get("fields") or {}
        literal = config.get("values") or {}
        if not isinstance(computed, dict) or not isinstance(literal, dict):
            raise _UntraceableError("'fields' and 'values' must be mappings")
        lineage = set_lineage(computed, list(literal))
        read(_sources(lineage))
        resolved = {
            normalise_field(target): message.resolve_all(normalise_field(s) for s in sources)
            for target, sources in lineage.items()
        }
        for target, origins in resolved.items():
            message.forget_under(target)
            message.known[target] = origins
            message.writers[target] = step.id
    elif kind == "remove":
        names = config.get("fields") or []
        if not isinstance(names, list):
            raise _UntraceableError("'fields' must be a list")
        for name in (normalise_field(str(n)) for n in names):
            message.forget_under(name)
            message.removed.add(name)
    elif kind == "enrich":
        url = _text(config, "url") or ""
        parts = _URL_EXPRESSION.findall(url)
        read(_expression_reads(*parts, _text(config, "body")))
        merge = _text(config, "merge")
        if merge is not None:
            lineage = expression_lineage(merge)
            read(_sources(lineage))
            _rewrite(message, step, lineage)
            use.opaque.add(step.id)
            use.answers[step.id] = ""
        else:
            target = normalise_field(_text(config, "target") or "")
            message.forget_under(target)
            message.answers[target] = step.id
            use.answers[step.id] = target
    elif kind == "split":
        expression = _text(config, "expression")
        keep = config.get("keep") or {}
        if expression is None or not isinstance(keep, dict):
            raise _UntraceableError("'expression' and 'keep' are needed to follow it")
        items = _expression_reads(expression)
        kept = {name: _expression_reads(str(text)) for name, text in keep.items()}
        read(items | {s for sources in kept.values() for s in sources})
        if len(items) != 1:
            raise _UntraceableError("its items are computed, not a field")
        (array,) = items
        # Kept fields are read from the whole message, before it becomes its items.
        carried = {normalise_field(n): message.resolve_all(s) for n, s in kept.items()}
        message.known = {"": message.resolve(array), **carried}
        message.writers = dict.fromkeys(message.known, step.id)
        message.whole, message.removed, message.answers = False, set(), {}
    elif kind in _KEEPS_SHAPE:
        if kind == "filter":
            read(_expression_reads(_text(config, "expression")))
        elif kind == "dedupe":
            read(_expression_reads(_text(config, "key")))
        elif kind == "route":
            routes = config.get("routes") or []
            conditions = [r.get("when") for r in routes if isinstance(r, dict)]
            read(_expression_reads(*(c for c in conditions if isinstance(c, str))))
        elif kind == "cleanse":
            rules = config.get("rules") or []
            names = [r.get("field") for r in rules if isinstance(r, dict)]
            read(normalise_field(n) for n in names if isinstance(n, str))
    else:
        raise _UntraceableError("this kind of step is not traced")


def flow_field_use(flow: Flow) -> FlowFieldUse:
    """What each step of ``flow`` reads and what its sinks receive, traced to their origins."""
    message = _Message()
    reads: list[FieldRead] = []
    use = _Use()
    untraced: list[str] = []
    for step in flow.steps:
        try:
            _step(message, step, reads, use)
        except (_UntraceableError, InterloomError, TypeError, ValueError, KeyError) as error:
            reason = error.message if isinstance(error, InterloomError) else str(error)
            untraced.append(f"step '{step.id}' ({step.kind}): {reason or type(error).__name__}")
            break
    outputs = [
        FieldWrite(name, message.writers.get(name), origins)
        for name, origins in sorted(message.known.items())
    ]
    outputs += [
        FieldWrite(target, None, frozenset({Origin("", step)}))
        for target, step in sorted(message.answers.items())
    ]
    if untraced:  # what the sinks receive is not known past a step the trace lost
        outputs = []
    return FlowFieldUse(
        flow=flow.id,
        reads=tuple(reads),
        outputs=tuple(outputs),
        passes_through=message.whole,
        traced=not untraced,
        untraced=tuple(untraced),
        answers=dict(use.answers),
        opaque_answers=frozenset(use.opaque),
    )
