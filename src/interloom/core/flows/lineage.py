"""Field lineage of JSONata mappings: for each target field, the source fields it reads.

A target is a dotted path into the result (``buyer.customerNo``), with ``[]`` after a field
holding an array of constructed values (``items[].articleNo``). A source is a dotted path into
the message (``customer.id``, ``lines[].qty``); the root itself is ``$``.

The analysis follows the context as JSONata does: inside ``lines.{...}`` or ``lines.(...)``
``sku`` is ``lines.sku``, ``$`` is ``lines`` and ``$$`` the message root. A source counts when
its value flows into the target or decides it (a condition, a filter, a function argument);
the fields merely stepped through on the way (``lines`` in ``lines.qty``) do not.

Which source fields are arrays is not in the expression; it is inferred where the
expression treats a field as one (mapped with ``.{}`` or ``.[]``, filtered or indexed with
``[...]``, kept with ``[]``, grouped, or aggregated by ``$sum``, ``$count`` and the like) and
can be given by the caller from the contract (``array_paths``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from interloom.core.flows.expression_compiler import Node
from interloom.core.flows.expressions import (
    CompiledExpression,
    CompiledMapping,
    ExpressionError,
    parse_tree,
)

__all__ = ["expression_lineage", "mapping_lineage", "set_lineage"]

Path = tuple[str, ...]
Lineage = dict[str, list[str]]

_AGGREGATES = frozenset({"sum", "count", "max", "min", "average", "join", "merge", "distinct"})
_ARRAY = "[]"
_NOTHING: frozenset[Path] = frozenset()


def expression_lineage(
    expression: str | CompiledExpression, *, array_paths: Iterable[str] = ()
) -> Lineage:
    """Target field → sorted source fields, for one expression (its result is ``$``)."""
    analysis = _Analysis(arrays={_source_path(p) for p in array_paths})
    _trace(analysis, expression, ())
    return analysis.render()


def mapping_lineage(
    mapping: Mapping[str, str] | CompiledMapping, *, array_paths: Iterable[str] = ()
) -> Lineage:
    """Target field → sorted source fields, for the field-by-field form of a map step."""
    fields = mapping.fields if isinstance(mapping, CompiledMapping) else mapping
    analysis = _Analysis(arrays={_source_path(p) for p in array_paths})
    for target, expression in fields.items():
        _trace(analysis, expression, tuple(target.split(".")))
    return analysis.render()


def set_lineage(
    fields: Mapping[str, str | CompiledExpression],
    values: Iterable[str] = (),
    *,
    array_paths: Iterable[str] = (),
) -> Lineage:
    """Target field → sorted source fields, for a ``set`` step: what it writes, and from what.

    ``fields`` are the computed targets (dotted path → expression, evaluated on the incoming
    message, as ``map``'s field-by-field form); ``values`` the targets given literal values,
    which come from no source field. Fields the step does not write keep their lineage.
    """
    analysis = _Analysis(arrays={_source_path(p) for p in array_paths})
    for target, expression in fields.items():
        _trace(analysis, expression, tuple(target.split(".")))
    for target in values:
        analysis.targets.setdefault(tuple(target.split(".")), set())
    return analysis.render()


def _trace(analysis: _Analysis, expression: str | CompiledExpression, target: Path) -> None:
    if isinstance(expression, CompiledExpression):
        tree, text = expression.tree, expression.text
    else:
        tree, text = parse_tree(expression)[0], expression
    try:
        analysis.collect(tree, target, frozenset({()}), {}, _NOTHING)
    except RecursionError:
        raise ExpressionError(
            "the expression is nested too deeply to trace its lineage",
            expression=text,
            target=".".join(target) or None,
        ) from None


def _source_path(text: str) -> Path:
    return tuple(segment.removesuffix(_ARRAY) for segment in text.split(".") if segment)


@dataclass(frozen=True, slots=True)
class _Flow:
    """What an expression's value is made of: fields it passes on, and fields it depends on."""

    values: frozenset[Path] = _NOTHING
    reads: frozenset[Path] = _NOTHING

    @property
    def sources(self) -> frozenset[Path]:
        return self.values | self.reads


_EMPTY = _Flow()
_Variables = dict[str, _Flow]


def _is_constructor(node: Node, value: str) -> bool:
    return node.kind == "unary" and node.value == value


def _decorated(node: Node) -> bool:
    return bool(node.predicates or node.keep_array or node.group is not None or node.stages)


@dataclass
class _Analysis:
    arrays: set[Path] = field(default_factory=set)
    targets: dict[Path, set[Path]] = field(default_factory=dict)

    def render(self) -> Lineage:
        rendered = {
            _render_target(target): sorted({self.render_source(s) for s in sources})
            for target, sources in self.targets.items()
        }
        return dict(sorted(rendered.items()))

    def render_source(self, path: Path) -> str:
        parts = [
            segment + (_ARRAY if path[: index + 1] in self.arrays else "")
            for index, segment in enumerate(path)
        ]
        return ".".join(parts) or "$"

    def mark_arrays(self, paths: Iterable[Path]) -> None:
        self.arrays.update(path for path in paths if path)

    # --- targets: where the result's fields come from

    def collect(
        self,
        node: Node,
        target: Path,
        context: frozenset[Path],
        variables: _Variables,
        decided_by: frozenset[Path],
    ) -> None:
        """Record the sources of every field ``node`` builds under ``target``."""
        if _decorated(node):
            self.leaf(node, target, context, variables, decided_by)
        elif _is_constructor(node, "{") and node.pairs:
            for key, value in node.pairs:
                if key.kind == "string" and not _decorated(key):
                    self.collect(value, (*target, str(key.value)), context, variables, decided_by)
                else:
                    computed = self.flow(key, context, variables).sources
                    self.collect(value, (*target, "*"), context, variables, decided_by | computed)
        elif _is_constructor(node, "[") and node.expressions:
            for item in node.expressions:
                self.collect(item, (*target, _ARRAY), context, variables, decided_by)
        elif node.kind == "path" and self.maps_items(node):
            *navigation, last = node.steps
            stepped = self.flow(Node("path", steps=tuple(navigation)), context, variables)
            moved = any(step.kind != "variable" for step in navigation)
            if moved:
                self.mark_arrays(stepped.values)
            # Items of a sequence inside [...] are spread into that array, not nested.
            spread = bool(target) and target[-1] == _ARRAY
            inner = (*target, _ARRAY) if moved and not spread else target
            self.collect(last, inner, stepped.values, variables, decided_by | stepped.reads)
        elif node.kind == "condition" and node.condition is not None and node.then is not None:
            decision = self.flow(node.condition, context, variables).sources
            for branch in (node.then, node.otherwise):
                if branch is not None:
                    self.collect(branch, target, context, variables, decided_by | decision)
        elif node.kind == "block" and node.expressions:
            scope = dict(variables)
            for expression in node.expressions[:-1]:
                self.flow(expression, context, scope)
            self.collect(node.expressions[-1], target, context, scope, decided_by)
        else:
            self.leaf(node, target, context, variables, decided_by)

    @staticmethod
    def maps_items(node: Node) -> bool:
        """``a.b.{...}`` or ``a.[...]``: a path ending in a constructor that builds items."""
        if len(node.steps) < 2 or node.keep_singleton_array or node.group is not None:
            return False
        last = node.steps[-1]
        return not _decorated(last) and (
            (_is_constructor(last, "{") and bool(last.pairs))
            or (_is_constructor(last, "[") and bool(last.expressions))
        )

    def leaf(
        self,
        node: Node,
        target: Path,
        context: frozenset[Path],
        variables: _Variables,
        decided_by: frozenset[Path],
    ) -> None:
        sources = self.flow(node, context, variables).sources | decided_by
        self.targets.setdefault(target, set()).update(sources)

    # --- values: which source fields an expression's value is made of

    def flow(self, node: Node, context: frozenset[Path], variables: _Variables) -> _Flow:
        """The source fields ``node`` passes on or depends on, evaluated in ``context``."""
        result = self.plain_flow(node, context, variables)
        if node.predicates or node.keep_array or node.group is not None:
            result = self.decorations(node, result, variables)
        return result

    def decorations(self, node: Node, result: _Flow, variables: _Variables) -> _Flow:
        reads = set(result.reads)
        for predicate in node.predicates:
            if predicate.expression is not None:
                reads |= self.flow(predicate.expression, result.values, variables).sources
        for key, value in node.group or ():
            reads |= self.flow(key, result.values, variables).sources
            reads |= self.flow(value, result.values, variables).sources
        self.mark_arrays(result.values)
        values = _NOTHING if node.group is not None else result.values
        return _Flow(values, frozenset(reads))

    def plain_flow(self, node: Node, context: frozenset[Path], variables: _Variables) -> _Flow:
        kind = node.kind
        if kind in ("string", "number", "value", "regex"):
            return _EMPTY
        if kind == "variable":
            return self.variable(node, context, variables)
        if kind == "name":
            return _Flow(frozenset((*c, str(node.value)) for c in context))
        if kind in ("wildcard", "descendant"):
            segment = "*" if kind == "wildcard" else "**"
            return _Flow(frozenset((*c, segment) for c in context))
        if kind == "path":
            return self.path(node, context, variables)
        if kind == "unary" and node.value == "[":
            items = [self.flow(item, context, variables) for item in node.expressions]
            return _Flow(_union(i.values for i in items), _union(i.reads for i in items))
        if kind == "condition" and node.condition is not None and node.then is not None:
            decision = self.flow(node.condition, context, variables)
            branches = [self.flow(b, context, variables) for b in (node.then, node.otherwise) if b]
            return _Flow(
                _union(b.values for b in branches),
                decision.sources | _union(b.reads for b in branches),
            )
        if kind == "block":
            scope = dict(variables)
            result = _EMPTY
            for expression in node.expressions:
                result = self.flow(expression, context, scope)
            return result
        if kind == "bind" and node.lhs is not None and node.rhs is not None:
            bound = self.flow(node.rhs, context, variables)
            variables[str(node.lhs.value)] = bound
            return bound
        if kind in ("function", "partial"):
            return self.call(node, context, variables, ())
        if kind == "apply" and node.lhs is not None and node.rhs is not None:
            first = self.flow(node.lhs, context, variables)
            if node.rhs.kind == "function":
                return self.call(node.rhs, context, variables, (first,), node.lhs)
            return _Flow(reads=first.sources | self.flow(node.rhs, context, variables).sources)
        # Operators, object constructors and anything else compute a new value from
        # everything they read.
        return _Flow(
            reads=_union(self.flow(c, context, variables).sources for c in node.children())
        )

    def variable(self, node: Node, context: frozenset[Path], variables: _Variables) -> _Flow:
        name = str(node.value)
        if name == "":
            return _Flow(context)
        if name == "$":
            return _Flow(frozenset({()}))
        return variables.get(name, _EMPTY)

    def path(self, node: Node, context: frozenset[Path], variables: _Variables) -> _Flow:
        current, reads = context, set[Path]()
        for step in node.steps:
            if step.kind == "name" and not (step.predicates or step.keep_array):
                current = frozenset((*c, str(step.value)) for c in current)
            else:
                if _is_constructor(step, "{") or _is_constructor(step, "["):
                    self.mark_arrays(current)
                stepped = self.flow(step, current, variables)
                reads |= stepped.reads
                current = stepped.values
                if step.kind == "name" and step.keep_array:
                    self.mark_arrays(current)
            for stage in step.stages:
                if stage.expression is not None:
                    reads |= self.flow(stage.expression, current, variables).sources
                self.mark_arrays(current)
        result = _Flow(current, frozenset(reads))
        if node.group is not None:
            return self.decorations(Node("path", group=node.group), result, variables)
        if node.keep_singleton_array:
            self.mark_arrays(current)
        return result

    def call(
        self,
        node: Node,
        context: frozenset[Path],
        variables: _Variables,
        first: tuple[_Flow, ...],
        first_node: Node | None = None,
    ) -> _Flow:
        procedure = node.procedure
        name = str(procedure.value) if procedure is not None else ""
        arguments = [*first, *(self.flow(a, context, variables) for a in node.arguments)]
        if name in _AGGREGATES:
            for argument in (first_node, *node.arguments) if first_node else node.arguments:
                self.mark_containers(argument, context, variables, whole=name == "count")
        reads = _union(argument.sources for argument in arguments)
        if not arguments and name not in ("now", "millis", "random"):
            reads |= context  # $uppercase() reads its context
        return _Flow(reads=reads)

    def mark_containers(
        self, argument: Node, context: frozenset[Path], variables: _Variables, *, whole: bool
    ) -> None:
        """``$sum(lines.qty)`` sums values from the array ``lines``; ``$count(lines)`` counts it."""
        if argument.kind != "path" or _decorated(argument):
            return
        steps = argument.steps
        holder = Node("path", steps=steps[:-1]) if len(steps) > 1 and not whole else argument
        self.mark_arrays(self.flow(holder, context, variables).values)


def _union(sets: Iterable[frozenset[Path]]) -> frozenset[Path]:
    result: set[Path] = set()
    for each in sets:
        result |= each
    return frozenset(result)


def _render_target(target: Path) -> str:
    parts: list[str] = []
    for segment in target:
        if segment == _ARRAY and parts:
            parts[-1] += _ARRAY
        else:
            parts.append(segment)
    return ".".join(parts) or "$"
