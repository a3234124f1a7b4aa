"""JSONata expressions of flow steps: parsed once by jsonata-python, compiled once to Python.

``compile_expression(text)`` parses ``text`` with jsonata-python's parser, copies the syntax
tree into typed :class:`~interloom.core.flows.expression_compiler.Node` values (the only
place that touches jsonata's untyped objects) and compiles it into Python source. An
expression using a construct outside the compiled subset (lambdas, regular expressions,
order-by, ``@``/``#``/``%`` bindings, functions without a compiled form) still works: it is
evaluated by jsonata-python's interpreter, and ``compiled_fully`` is false.

``compile_mapping(fields)`` is the flow DSL's field-by-field form: target paths (dotted for
nested objects) each with an expression, equivalent to one object constructor.

Errors: a text that does not parse raises :class:`ExpressionError` (``E-FLOW-010``) with the
position; a message the expression cannot be evaluated on raises
:class:`ExpressionEvaluationError` (``E-FLOW-011``), located where the tree allows.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any, Final

from interloom.core.errors import InterloomError, Location
from interloom.core.flows.expression_compiler import (
    UNDEFINED,
    EvaluationFailure,
    Evaluator,
    Frame,
    Node,
    Seq,
    compile_tree,
    is_truthy,
)

__all__ = [
    "UNDEFINED",
    "CompiledExpression",
    "CompiledMapping",
    "ExpressionError",
    "ExpressionEvaluationError",
    "compile_expression",
    "compile_mapping",
    "is_truthy",
    "parse_tree",
]


class ExpressionError(InterloomError):
    """A JSONata expression of a flow that does not compile (syntax, mapping targets)."""

    code = "E-FLOW-010"
    status = 422

    def __init__(
        self,
        message: str,
        *,
        expression: str,
        position: int | None = None,
        jsonata_code: str | None = None,
        target: str | None = None,
        hint: str | None = None,
    ) -> None:
        line, column = _line_and_column(expression, position)
        location = Location(line=line, column=column, path=target) if line or target else None
        where = f" at line {line}, column {column}" if line is not None else ""
        if line == 1:
            where = f" at column {column}"
        super().__init__(f"{message}{where}", location=location, hint=hint)
        self.expression = expression
        self.position = position
        self.jsonata_code = jsonata_code
        self.target = target

    def __str__(self) -> str:
        where = f" {self.target}:" if self.target else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.code}{where} {self.message}{hint}"


class ExpressionEvaluationError(ExpressionError):
    """A JSONata expression failed on a message: wrong types, bad arguments, no such function."""

    code = "E-FLOW-011"
    status = 422


def _line_and_column(text: str, position: int | None) -> tuple[int | None, int | None]:
    """jsonata positions point just past the offending token: its last character, 1-based."""
    if position is None or position < 0:
        return None, None
    end = max(min(position, len(text)), 1)
    line = text.count("\n", 0, end - 1) + 1
    column = end - (text.rfind("\n", 0, end - 1) + 1)
    return line, column


_HINTS: Final[dict[str, str]] = {
    "S0101": "close the string with the quote that opens it",
    "S0102": "numbers must fit a 64-bit float",
    "S0103": 'escape sequences are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX',
    "S0105": "close the quoted name with a backquote (`)",
    "S0106": "close the comment with */",
    "S0201": "check the operators and brackets around this point",
    "S0202": "every (, [ and { needs its closing bracket; pairs in {} are separated by commas",
    "S0203": "the expression ends too early: close every (, [ and {",
    "S0207": "the expression ends too early: an operand is missing",
    "S0211": "an operand is missing before this token",
    "S0213": "a path step must be a field name; quote odd names with backquotes",
    "T0410": "check the number and types of the function's arguments",
    "T0411": "pass the argument explicitly; the context value has the wrong type",
    "T0412": "the function takes an array of one type",
    "T1003": "object keys must evaluate to strings",
    "T1005": "functions are called with a leading $, e.g. $sum(lines.qty)",
    "T1006": "only functions can be called: $name(...) with a JSONata function name",
    "T2001": "arithmetic needs numbers: check the field, or convert it with $number()",
    "T2002": "arithmetic needs numbers: check the field, or convert it with $number()",
    "T2009": "compare numbers with numbers and strings with strings",
    "T2010": "only numbers and strings can be ordered",
    "D1001": "the result is not a finite number (a division by zero?)",
    "D1002": "only numbers can be negated",
    "D1009": "two keys of the object evaluate to the same name",
    "D3030": "the string is not a number",
}
_SYNTAX_HINT: Final = "JSONata syntax: https://docs.jsonata.org/overview"


def _excerpt(text: str, position: int | None) -> str:
    if position is None or position < 0:
        return ""
    before = text[max(0, position - 24) : position].replace("\n", " ")
    return f'near "{"…" if position > 24 else ""}{before}"'


def _hint(text: str, code: str | None, position: int | None, default: str | None) -> str | None:
    parts = [_HINTS.get(code or "", default or ""), _excerpt(text, position)]
    return "; ".join(part for part in parts if part) or None


def _syntax_error(text: str, error: Exception, target: str | None) -> ExpressionError:
    code = getattr(error, "error", None)
    position = getattr(error, "location", None)
    message = f"JSONata syntax error {code}: {error}" if code else f"JSONata syntax error: {error}"
    return ExpressionError(
        message,
        expression=text,
        position=position if isinstance(position, int) else None,
        jsonata_code=code if isinstance(code, str) else None,
        target=target,
        hint=_hint(text, code, position if isinstance(position, int) else None, _SYNTAX_HINT),
    )


def _evaluation_error(
    text: str, code: str, message: str, position: int | None, target: str | None
) -> ExpressionEvaluationError:
    label = f"JSONata evaluation error {code}: " if code else "JSONata evaluation error: "
    return ExpressionEvaluationError(
        label + message,
        expression=text,
        position=position,
        jsonata_code=code or None,
        target=target,
        hint=_hint(text, code, position, None),
    )


# --- the typed adapter over jsonata-python's parser ---------------------------------------


def _import_jsonata() -> Any:
    """jsonata-python, without its import-time ``sys.setrecursionlimit(10000)``.

    That limit is process-wide: it would change how deep every other parser in the server
    may recurse before failing. Deep expressions fail as ``ExpressionError`` instead.
    """
    limit = sys.getrecursionlimit()
    try:
        return importlib.import_module("jsonata")
    finally:
        sys.setrecursionlimit(limit)


jsonata = _import_jsonata()


def _jsonata_function_names() -> frozenset[str]:
    return frozenset(str(name) for name in jsonata.Jsonata.static_frame.bindings)


_JSONATA_FUNCTIONS: Final = _jsonata_function_names()


def parse_tree(text: str, *, target: str | None = None) -> tuple[Node, Any]:
    """The typed syntax tree of ``text`` and jsonata-python's parsed expression object."""
    try:
        parsed = jsonata.Jsonata(text)
        return _node(parsed.ast), parsed
    except RecursionError:
        raise _too_deep(text, target) from None
    except jsonata.JException as error:
        raise _syntax_error(text, error, target) from None
    except (IndexError, RuntimeError, ValueError) as error:
        # The tokenizer reads past the end on some truncated input ("/*", "a.`").
        raise _syntax_error(text, error, target) from None


def _too_deep(text: str, target: str | None) -> ExpressionError:
    return ExpressionError(
        "the expression is nested too deeply to compile",
        expression=text,
        target=target,
        hint="name intermediate results with variables: ($net := ...; $net * rate)",
    )


def _nodes(symbols: Any) -> tuple[Node, ...]:
    return tuple(_node(symbol) for symbol in symbols or ())


def _pairs(pairs: Any) -> tuple[tuple[Node, Node], ...]:
    return tuple((_node(key), _node(value)) for key, value in pairs or ())


def _optional(symbol: Any) -> Node | None:
    return None if symbol is None else _node(symbol)


def _stage(symbol: Any) -> Node:
    kind = str(symbol.type)
    expression = getattr(symbol, "expr", None)
    return Node(
        kind,
        symbol.value,
        int(symbol.position or 0),
        expression=_node(expression) if kind == "filter" and expression is not None else None,
    )


def _node(symbol: Any) -> Node:
    """A typed copy of one ``Parser.Symbol`` and its subtree."""
    kind = str(symbol.type)
    others: list[Node] = []
    if kind == "sort":
        others += (_node(term.expression) for term in symbol.terms or ())
    if kind == "lambda" and symbol.body is not None:
        others.append(_node(symbol.body))
    if kind == "transform":
        others += (_node(s) for s in (symbol.pattern, symbol.update, symbol.delete) if s)
    group = getattr(symbol, "group", None)
    return Node(
        kind=kind,
        value=symbol.value,
        position=int(symbol.position or 0),
        steps=_nodes(symbol.steps),
        stages=tuple(_stage(s) for s in symbol.stages or ()),
        predicates=tuple(_stage(s) for s in symbol.predicate or ()),
        lhs=_optional(symbol.lhs) if not isinstance(symbol.lhs, list) else None,
        rhs=_optional(symbol.rhs) if not isinstance(symbol.rhs, list) else None,
        expression=_optional(symbol.expression),
        expressions=_nodes(symbol.expressions),
        pairs=_pairs(symbol.lhs_object) if kind == "unary" else (),
        group=_pairs(group.lhs_object) if group is not None else None,
        procedure=_optional(symbol.procedure),
        arguments=_nodes(symbol.arguments) if kind != "lambda" else (),
        condition=_optional(symbol.condition),
        then=_optional(symbol.then),
        otherwise=_optional(symbol._else),
        others=tuple(others),
        keep_array=bool(symbol.keep_array),
        keep_singleton_array=bool(symbol.keep_singleton_array),
        consarray=bool(symbol.consarray),
        binds_tuple=(
            symbol.tuple is not None
            or symbol.focus is not None
            or symbol.index is not None
            or symbol.ancestor is not None
            or symbol.seeking_parent is not None
        ),
    )


def _interpreter(parsed: Any) -> Evaluator:
    """An evaluator running jsonata-python on the root of the message (the fallback)."""
    parsed.set_output_convert_nulls(False)  # keep JSON null apart from undefined
    null = jsonata.Utils.NULL_VALUE
    convert_nulls = jsonata.Utils.convert_nulls

    def interpret(value: Any, frame: Frame) -> Any:
        root = frame.root().bindings
        data = root.get("$")
        bindings = {k: v for k, v in root.items() if k != "$" and not k.startswith(" ")}
        try:
            result = parsed.evaluate(data, bindings or None)
        except jsonata.JException as error:
            position = error.location if error.location >= 0 else None
            raise EvaluationFailure(str(error.error), str(error), position) from None
        except _PYTHON_FAILURES as error:
            raise EvaluationFailure("", f"{type(error).__name__}: {error}") from None
        if result is None:
            return UNDEFINED
        return None if result is null else convert_nulls(result)

    return interpret


# --- compiled expressions -----------------------------------------------------------------

_PYTHON_FAILURES: Final = (
    RecursionError,
    TypeError,
    ValueError,
    AttributeError,
    ArithmeticError,
    LookupError,
)
"""What evaluating may raise besides JSONata's own errors: reported as E-FLOW-011 too."""

_NO_VARIABLES: Final = Frame({})
"""The frame of expressions that read no variable: shared, never written."""


class CompiledExpression:
    """A JSONata expression, parsed and compiled once, evaluated per message."""

    __slots__ = (
        "_evaluate",
        "compiled_fully",
        "reads_frame",
        "source",
        "target",
        "text",
        "tree",
        "unsupported",
    )

    def __init__(self, text: str, *, target: str | None = None) -> None:
        self.text = text
        self.target = target
        self.tree, parsed = parse_tree(text, target=target)
        try:
            compilation = compile_tree(self.tree, _JSONATA_FUNCTIONS)
        except RecursionError:
            raise _too_deep(text, target) from None
        self.unsupported: tuple[str, ...] = tuple(
            f"{what} (column {_line_and_column(text, position)[1]})"
            for what, position in compilation.unsupported
        )
        self.compiled_fully = not compilation.unsupported
        self.source = compilation.source
        """The generated Python, for the curious and for debugging."""
        self.reads_frame = compilation.reads_frame or not self.compiled_fully
        self._evaluate: Evaluator = (
            compilation.evaluate if self.compiled_fully else _interpreter(parsed)
        )

    def __repr__(self) -> str:
        how = "compiled" if self.compiled_fully else "interpreted"
        return f"<CompiledExpression {how} {self.text!r}>"

    def evaluate(self, data: Any, bindings: Mapping[str, Any] | None = None) -> Any:
        """The result on ``data`` (JSON values), or :data:`UNDEFINED` when there is none.

        ``bindings`` are variables (``{"tenant": "x"}`` is ``$tenant``). The result may share
        arrays and objects with ``data``; arrays may be ``list`` subclasses.
        """
        if self.reads_frame:
            frame = Frame({"$": data} if bindings is None else {**bindings, "$": data})
        else:
            frame = _NO_VARIABLES
        value = data
        if type(data) is list:  # a top-level array is one input, not a sequence of inputs
            value = Seq((data,))
            value.outer_wrapper = True
        try:
            return self._evaluate(value, frame)
        except EvaluationFailure as failure:
            raise self._error(failure) from None
        except _PYTHON_FAILURES as error:
            raise self._error(EvaluationFailure("", f"{type(error).__name__}: {error}")) from None

    def test(self, data: Any, bindings: Mapping[str, Any] | None = None) -> bool:
        """JSONata's truth of the result: for filters and conditions."""
        return is_truthy(self.evaluate(data, bindings))

    def _error(self, failure: EvaluationFailure) -> ExpressionEvaluationError:
        return _evaluation_error(
            self.text, failure.code, failure.message, failure.position, self.target
        )


def compile_expression(text: str) -> CompiledExpression:
    """Parse and compile ``text`` once; :class:`ExpressionError` (E-FLOW-010) if it is invalid."""
    return CompiledExpression(text)


# --- the field-by-field mapping -----------------------------------------------------------

_Layout = tuple[tuple[str, "_Layout | CompiledExpression"], ...]


class CompiledMapping:
    """Target fields (dotted paths for nested objects), each computed by one expression."""

    __slots__ = ("_layout", "_reads_frame", "compiled_fully", "fields")

    def __init__(self, fields: Mapping[str, CompiledExpression]) -> None:
        self.fields = dict(fields)
        self.compiled_fully = all(field.compiled_fully for field in self.fields.values())
        self._reads_frame = any(field.reads_frame for field in self.fields.values())
        self._layout = _layout(self.fields)

    def __repr__(self) -> str:
        return f"<CompiledMapping {len(self.fields)} fields>"

    def evaluate(self, data: Any, bindings: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The target object for ``data``; fields whose expression is undefined are omitted."""
        if self._reads_frame:
            frame = Frame({"$": data} if bindings is None else {**bindings, "$": data})
        else:
            frame = _NO_VARIABLES
        return _build(self._layout, data, frame)


def _layout(fields: Mapping[str, CompiledExpression]) -> _Layout:
    tree: dict[str, Any] = {}
    for target, compiled in fields.items():
        segments = target.split(".")
        node = tree
        for depth, segment in enumerate(segments):
            here = ".".join(segments[: depth + 1])
            if segment == "":
                raise ExpressionError(
                    f"target field '{target}' has an empty segment",
                    expression=compiled.text,
                    target=target,
                    hint="write nested targets as dotted names, e.g. buyer.customerNo",
                )
            last = depth == len(segments) - 1
            existing = node.get(segment)
            if isinstance(existing, CompiledExpression) or (last and existing is not None):
                raise ExpressionError(
                    f"target field '{here}' is set both as a value and as an object",
                    expression=compiled.text,
                    target=target,
                    hint=f"map '{here}' either whole or field by field, not both",
                )
            if last:
                node[segment] = compiled
            else:
                node = node.setdefault(segment, {})

    def freeze(level: dict[str, Any]) -> _Layout:
        return tuple(
            (key, freeze(value) if isinstance(value, dict) else value)
            for key, value in level.items()
        )

    return freeze(tree)


def _build(layout: _Layout, data: Any, frame: Frame) -> dict[str, Any]:
    # As inside one object constructor: each field sees the message itself (a top-level array
    # is the single item grouped over, not wrapped), and undefined fields are left out.
    result: dict[str, Any] = {}
    for key, part in layout:
        if isinstance(part, CompiledExpression):
            try:
                value = part._evaluate(data, frame)
            except EvaluationFailure as failure:
                raise part._error(failure) from None
            except _PYTHON_FAILURES as e:
                raise part._error(EvaluationFailure("", f"{type(e).__name__}: {e}")) from None
        else:
            value = _build(part, data, frame)
        if value is not UNDEFINED:
            result[key] = value
    return result


def compile_mapping(fields: Mapping[str, str]) -> CompiledMapping:
    """Compile each target field's expression; errors name the target (``location.path``)."""
    return CompiledMapping(
        {target: CompiledExpression(text, target=target) for target, text in fields.items()}
    )
