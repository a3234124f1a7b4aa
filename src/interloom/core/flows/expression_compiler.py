"""Compile a JSONata syntax tree into Python source that follows jsonata-python's semantics.

The tree is the post-processed AST of jsonata-python's parser, copied into typed :class:`Node`
values by :mod:`interloom.core.flows.expressions`. :func:`compile_tree` turns it into the
source of one Python function ``(input, frame) -> value`` (plus helpers for nested objects,
arrays and mapped paths), compiled once with :func:`compile`; nothing is dispatched on node
type while a message is evaluated. The hot constructs are inlined (field lookups on objects,
arithmetic on numbers, string concatenation, common function calls); every other case calls
the runtime helpers below, which mirror jsonata-python's evaluator step for step.

Values: JSON null is ``None``; a missing value is :data:`UNDEFINED`. A *sequence* (what a path
step yields, which JSONata flattens and unwraps when it holds one item) is a :class:`Seq`; an
array built by ``[...]`` as the first or last step of a path is a :class:`Cons`, never
flattened into its neighbours. Both are ``list`` subclasses, so results serialise as JSON.

Sections: values and operators; function signatures and the compiled functions; runtime
helpers called by the generated code; the generator. Nodes outside the compiled subset are
listed in :attr:`Compilation.unsupported`; the caller then evaluates the expression with
jsonata-python instead.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Context, Decimal, InvalidOperation
from typing import Any, Final, NoReturn

__all__ = [
    "UNDEFINED",
    "Compilation",
    "Cons",
    "EvaluationFailure",
    "Evaluator",
    "Frame",
    "Node",
    "Seq",
    "compile_tree",
    "is_truthy",
]


class _Undefined:
    """JSONata's ``undefined``: no value at all (JSON null is ``None``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final[Any] = _Undefined()
"""The value of an expression that selects nothing; object constructors drop such keys."""

_MISSING: Final = object()


class Seq(list[Any]):
    """A sequence: flattened by path steps, unwrapped when it holds one item."""

    keep_singleton = False
    outer_wrapper = False


class Cons(list[Any]):
    """An array constructed at the first or last step of a path: kept as one value."""


class EvaluationFailure(Exception):  # noqa: N818 - an internal signal, mapped to ExpressionError
    """A JSONata error raised while evaluating: the code, its message, where in the text."""

    def __init__(self, code: str, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position


class Frame:
    """Variable bindings of one scope; blocks open a child frame."""

    __slots__ = ("bindings", "parent")

    def __init__(self, bindings: dict[str, Any], parent: Frame | None = None) -> None:
        self.bindings = bindings
        self.parent = parent

    def lookup(self, name: str) -> Any:
        frame: Frame | None = self
        while frame is not None:
            value = frame.bindings.get(name, _MISSING)
            if value is not _MISSING:
                return value
            frame = frame.parent
        return UNDEFINED

    def root(self) -> Frame:
        frame = self
        while frame.parent is not None:
            frame = frame.parent
        return frame


Evaluator = Callable[[Any, Frame], Any]


@dataclass(frozen=True, slots=True)
class Node:
    """One node of jsonata-python's processed AST, typed (see ``expressions.parse_tree``)."""

    kind: str
    value: Any = None
    position: int = 0
    steps: tuple[Node, ...] = ()
    stages: tuple[Node, ...] = ()
    predicates: tuple[Node, ...] = ()
    lhs: Node | None = None
    rhs: Node | None = None
    expression: Node | None = None
    expressions: tuple[Node, ...] = ()
    pairs: tuple[tuple[Node, Node], ...] = ()
    group: tuple[tuple[Node, Node], ...] | None = None
    procedure: Node | None = None
    arguments: tuple[Node, ...] = ()
    condition: Node | None = None
    then: Node | None = None
    otherwise: Node | None = None
    others: tuple[Node, ...] = ()
    keep_array: bool = False
    keep_singleton_array: bool = False
    consarray: bool = False
    binds_tuple: bool = False

    def children(self) -> tuple[Node, ...]:
        """Every direct child node, in source order as far as the tree keeps it."""
        found: list[Node] = [*self.steps, *self.stages, *self.predicates]
        for single in (self.lhs, self.rhs, self.expression, self.procedure):
            if single is not None:
                found.append(single)
        found += self.expressions
        for key, value in self.pairs:
            found += (key, value)
        for key, value in self.group or ():
            found += (key, value)
        found += self.arguments
        for single in (self.condition, self.then, self.otherwise):
            if single is not None:
                found.append(single)
        found += self.others
        return tuple(found)


# --- values -------------------------------------------------------------------------------


def fail(code: str, message: str, position: int | None = None) -> NoReturn:
    """Raise an :class:`EvaluationFailure`."""
    raise EvaluationFailure(code, message, position)


def is_truthy(value: Any) -> bool:
    """JSONata's boolean cast: "", 0, [], {}, false, null and undefined are false."""
    kind = type(value)
    if kind is str:
        return bool(value)
    if kind is bool:
        return bool(value)
    if kind is int or kind is float:
        return bool(value)
    if isinstance(value, list):
        if len(value) == 1:
            return is_truthy(value[0])
        return any(is_truthy(item) for item in value)
    if isinstance(value, dict):
        return len(value) > 0
    return False


def is_number(value: Any) -> bool:
    """A JSON number (not a boolean, not NaN); infinities are an error, as in jsonata."""
    kind = type(value)
    if kind is int:
        return True
    if kind is float:
        if math.isinf(value):
            fail("D1001", f"Number out of range: {value}")
        return not math.isnan(value)
    return False


def number_result(value: float) -> Any:
    """An arithmetic result as jsonata-python returns it: integral floats become ints."""
    if value.is_integer():
        return int(value)
    if math.isinf(value):
        fail("D1001", f"Number out of range: {value}")
    if math.isnan(value):
        return UNDEFINED
    return value


def function_result(value: Any) -> Any:
    """A function's numeric result normalised the way jsonata-python's ``_call`` does."""
    kind = type(value)
    if kind is float:
        if value.is_integer():
            return int(value)
        if math.isinf(value):
            fail("D1001", f"Number out of range: {value}")
        return value
    if kind is int and value != float(value):
        return float(value)
    return value


def append(first: Any, second: Any) -> Any:
    """JSONata's ``$append`` as the evaluator uses it: undefined is no item, arrays extend."""
    if first is UNDEFINED:
        return second
    if second is UNDEFINED:
        return first
    result = list(first) if isinstance(first, list) else [first]
    if isinstance(second, list):
        result.extend(second)
    else:
        result.append(second)
    return result


def lookup(value: Any, key: str) -> Any:
    """The value of field ``key``: mapped over arrays, flattening one level."""
    if type(value) is dict:
        return value.get(key, UNDEFINED)
    if isinstance(value, list):
        result = Seq()
        for item in value:
            found = lookup(item, key)
            if found is not UNDEFINED:
                if isinstance(found, list):
                    result.extend(found)
                else:
                    result.append(found)
        return result
    if isinstance(value, dict):
        return value.get(key, UNDEFINED)
    return UNDEFINED


def unwrap(value: Any, keep_array: bool) -> Any:
    """End of every evaluation: an empty sequence is undefined, a singleton its item."""
    if type(value) is Seq:
        if keep_array:
            value.keep_singleton = True
        if not value:
            return UNDEFINED
        if len(value) == 1 and not value.keep_singleton:
            return value[0]
    return value


def deep_equal(left: Any, right: Any) -> bool:
    """Structural equality where ``true`` never equals ``1``."""
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(deep_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(deep_equal(left[k], right[k]) for k in left)
    if left == right:
        return isinstance(left, bool) == isinstance(right, bool)
    return False


def _decimal_text(value: int | float) -> str:
    number = Decimal(value)
    context = Context(prec=15)
    if number == number.to_integral():
        try:
            return str(number.quantize(Decimal(1), context=context)).lower()
        except InvalidOperation:
            pass
    return str(number.normalize(context)).lower()


def stringify(value: Any, prettify: bool = False) -> Any:
    """``$string``: strings unchanged, numbers to 15 significant digits, the rest as JSON."""
    if type(value) is Seq and value.outer_wrapper:
        value = value[0]
    if value is UNDEFINED:
        return UNDEFINED
    if isinstance(value, str):
        return value
    kind = type(value)
    if kind is int or kind is float:
        return _decimal_text(value)
    if prettify:
        return json.dumps(value, indent="  ")
    return json.dumps(value, separators=(",", ":"))


def type_name(value: Any) -> str:
    """The JSONata type of a value, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "undefined"


def show(value: Any) -> str:
    """A value quoted for an error message, shortened."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- operators ----------------------------------------------------------------------------


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """``+ - * / %`` with jsonata's checks: non-numbers raise, undefined gives undefined."""
    if left is not UNDEFINED and not is_number(left):
        fail(
            "T2001",
            f'The left side of the "{op}" operator must evaluate to a number, '
            f"got {type_name(left)} {show(left)}",
        )
    if right is not UNDEFINED and not is_number(right):
        fail(
            "T2002",
            f'The right side of the "{op}" operator must evaluate to a number, '
            f"got {type_name(right)} {show(right)}",
        )
    if left is UNDEFINED or right is UNDEFINED:
        return UNDEFINED
    a, b = float(left), float(right)
    if op == "+":
        return number_result(a + b)
    if op == "-":
        return number_result(a - b)
    if op == "*":
        return number_result(a * b)
    if b == 0:
        fail("D1001", f'Number out of range: division by zero in "{op}"')
    if op == "/":
        return number_result(a / b)
    return number_result(math.fmod(a, b))


def equality(op: str, left: Any, right: Any) -> bool:
    """``=`` and ``!=``: false when either side is undefined."""
    if left is UNDEFINED or right is UNDEFINED:
        return False
    if type(left) is int:
        left = float(left)
    if type(right) is int:
        right = float(right)
    same = deep_equal(left, right)
    return same if op == "=" else not same


def _comparable(value: Any) -> bool:
    return value is UNDEFINED or isinstance(value, str) or type(value) in (int, float)


def comparison(op: str, left: Any, right: Any) -> Any:
    """``< <= > >=`` over two numbers or two strings; undefined when a side is undefined."""
    if not _comparable(left) or not _comparable(right):
        culprit = left if left is not UNDEFINED else right
        fail(
            "T2010",
            f'The expressions either side of operator "{op}" must evaluate to '
            f"numeric or string values, got {type_name(culprit)} {show(culprit)}",
        )
    if left is UNDEFINED or right is UNDEFINED:
        return UNDEFINED
    if type(left) is not type(right):
        if isinstance(left, str) or isinstance(right, str):
            fail(
                "T2009",
                f"The values {show(left)} and {show(right)} either side of operator "
                f'"{op}" must be of the same data type',
            )
        left, right = float(left), float(right)
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def concatenate(left: Any, right: Any) -> str:
    """``&``: both sides as strings, undefined as ""."""
    text = "" if left is UNDEFINED else stringify(left)
    return text + ("" if right is UNDEFINED else stringify(right))


def membership(left: Any, right: Any) -> bool:
    """``in``: is ``left`` an item of ``right`` (a single value counts as one item)."""
    if left is UNDEFINED or right is UNDEFINED:
        return False
    items = right if isinstance(right, list) else [right]
    return any(item == left for item in items)


def value_range(left: Any, right: Any) -> Any:
    """``[a..b]``: the integers from ``a`` to ``b``."""
    if left is not UNDEFINED and (isinstance(left, bool) or not isinstance(left, int)):
        fail("T2003", "The left side of the range operator (..) must evaluate to an integer")
    if right is not UNDEFINED and (isinstance(right, bool) or not isinstance(right, int)):
        fail("T2004", "The right side of the range operator (..) must evaluate to an integer")
    if left is UNDEFINED or right is UNDEFINED or left > right:
        return UNDEFINED
    if right - left + 1 > 1e7:
        fail(
            "D2014",
            "The size of the sequence allocated by the range operator (..) must not "
            f"exceed 1e7; attempted to allocate {right - left + 1}",
        )
    return list(range(left, right + 1))


# --- function signatures ------------------------------------------------------------------

_SYMBOLS: Final[dict[type, str]] = {
    str: "s",
    bool: "b",
    int: "n",
    float: "n",
    list: "a",
    Seq: "a",
    Cons: "a",
    dict: "o",
}


def _symbol(value: Any) -> str:
    symbol = _SYMBOLS.get(type(value))
    if symbol is not None:
        return symbol
    if isinstance(value, str):
        return "s"
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int | float):
        return "n"
    if isinstance(value, list):
        return "a"
    if isinstance(value, dict):
        return "o"
    return "m"  # undefined and null both match an optional parameter, as in jsonata-python


@dataclass(slots=True)
class _Parameter:
    kind: str
    regex: str
    context: bool = False
    subtype: str | None = None


@dataclass(frozen=True, slots=True)
class Signature:
    """A JSONata function signature such as ``<s-nn?:s>``, validating and fixing arguments."""

    name: str
    text: str
    parameters: tuple[_Parameter, ...]
    pattern: re.Pattern[str]

    @classmethod
    def parse(cls, name: str, text: str) -> Signature:
        """The signature ``text`` of function ``name``."""
        parameters: list[_Parameter] = []
        position = 1
        while position < len(text):
            symbol = text[position]
            if symbol == ":":
                break
            if symbol in "snblo":
                parameters.append(_Parameter(symbol, f"[{symbol}m]"))
            elif symbol in "ax":
                parameters.append(_Parameter(symbol, "[asnblfom]"))
            elif symbol == "f":
                parameters.append(_Parameter(symbol, "f"))
            elif symbol == "j":
                parameters.append(_Parameter(symbol, "[asnblom]"))
            elif symbol == "-":
                parameters[-1].context = True
                parameters[-1].regex += "?"
            elif symbol in "?+":
                parameters[-1].regex += symbol
            elif symbol == "(":
                end = text.index(")", position)
                choice = text[position + 1 : end]
                parameters.append(_Parameter(f"({choice})", f"[{choice}m]"))
                position = end
            elif symbol == "<":
                end = text.index(">", position)
                parameters[-1].subtype = text[position + 1 : end]
                position = end
            position += 1
        regex = "^" + "".join(f"({p.regex})" for p in parameters) + "$"
        return cls(name, text, tuple(parameters), re.compile(regex))

    def validate(self, args: Sequence[Any], context: Any) -> list[Any]:
        """``args`` as the function receives them: context filled in, singletons wrapped."""
        supplied = "".join(map(_symbol, args))
        match = self.pattern.fullmatch(supplied)
        if match is None:
            kinds = ", ".join(map(type_name, args))
            fail(
                "T0410",
                f"The arguments ({kinds}) do not match the signature {self.text} of "
                f"function ${self.name}",
            )
        validated: list[Any] = []
        index = 0
        for number, parameter in enumerate(self.parameters, start=1):
            arg = args[index] if index < len(args) else UNDEFINED
            matched = match.group(number)
            if matched == "":
                if parameter.context:
                    if not re.fullmatch(parameter.regex, _symbol(context)):
                        fail(
                            "T0411",
                            f"Context value is not a compatible type with argument "
                            f"{index + 1} of function ${self.name}",
                        )
                    validated.append(context)
                else:
                    validated.append(arg)
                    index += 1
                continue
            for single in matched:
                arg = args[index] if index < len(args) else UNDEFINED
                if parameter.kind == "a":
                    if single == "m":
                        arg = UNDEFINED
                    else:
                        self._check_items(parameter, single, matched, arg, index)
                        if single != "a":
                            arg = [arg]
                validated.append(arg)
                index += 1
        return validated

    def _check_items(
        self, parameter: _Parameter, single: str, matched: str, arg: Any, index: int
    ) -> None:
        subtype = parameter.subtype
        if subtype is None:
            return
        ok = True
        if single != "a":
            ok = matched == subtype
        elif arg:
            first = _symbol(arg[0])
            ok = first == subtype[0] and all(_symbol(item) == first for item in arg)
        if not ok:
            fail(
                "T0412",
                f"Argument {index + 1} of function ${self.name} must be an array of "
                f"{_SUBTYPE_NAMES.get(subtype, subtype)}",
            )


_SUBTYPE_NAMES: Final = {"n": "numbers", "s": "strings", "o": "objects", "b": "booleans"}


# --- functions ----------------------------------------------------------------------------


def _fn_sum(values: Any) -> Any:
    return UNDEFINED if values is UNDEFINED else sum(values)


def _fn_count(values: Any) -> Any:
    return 0 if values is UNDEFINED else len(values)


def _fn_max(values: Any) -> Any:
    return UNDEFINED if values is UNDEFINED or not values else max(values)


def _fn_min(values: Any) -> Any:
    return UNDEFINED if values is UNDEFINED or not values else min(values)


def _fn_average(values: Any) -> Any:
    return UNDEFINED if values is UNDEFINED or not values else sum(values) / len(values)


def _fn_string(value: Any, prettify: Any) -> Any:
    return stringify(value, bool(prettify))


def _null_argument(name: str) -> NoReturn:
    fail("T0410", f"Argument 1 of function ${name} does not match the function signature")


def _fn_substring(text: Any, start: Any, length: Any) -> Any:
    if text is None or start is None or length is None:
        _null_argument("substring")
    if text is UNDEFINED:
        return UNDEFINED
    if start is UNDEFINED:
        return text if length is UNDEFINED else ""
    begin = int(start)
    if length is UNDEFINED:
        return _substr(text, begin, len(text))
    count = int(length)
    return "" if count <= 0 else _substr(text, begin, count)


def _substr(text: str, start: int, length: int) -> str:
    size = len(text)
    if start >= size:
        return ""
    if start < 0:
        start = max(size + start, 0)
    if length < 0:
        return ""
    return text[start : min(start + min(length, size), size)]


def _fn_substring_before(text: Any, chars: Any) -> Any:
    if text is None or chars is None:
        _null_argument("substringBefore")
    if text is UNDEFINED:
        return UNDEFINED
    if chars is UNDEFINED:
        return text
    found = text.find(chars)
    return text[:found] if found > -1 else text


def _fn_substring_after(text: Any, chars: Any) -> Any:
    if text is None or chars is None:
        _null_argument("substringAfter")
    if text is UNDEFINED:
        return UNDEFINED
    if chars is UNDEFINED:
        return text
    found = text.find(chars)
    return text[found + len(chars) :] if found > -1 else text


def _string_function(name: str, apply: Callable[[str], Any]) -> Callable[[Any], Any]:
    def function(text: Any) -> Any:
        if text is UNDEFINED:
            return UNDEFINED
        if text is None:
            _null_argument(name)
        return apply(text)

    return function


_WHITESPACE: Final = re.compile("[ \t\n\r]+")


def _trim(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip(" ")


def _fn_contains(text: Any, token: Any) -> Any:
    if text is UNDEFINED or text is None:
        return UNDEFINED
    if not isinstance(token, str):
        fail("T0410", "Argument 2 of function $contains must be a string")
    return token in text


def _fn_join(strings: Any, separator: Any) -> Any:
    if strings is UNDEFINED:
        return UNDEFINED
    if separator is UNDEFINED:
        separator = ""
    if not isinstance(separator, str):
        fail("T0410", "Argument 2 of function $join must be a string")
    return separator.join(strings)


def _fn_exists(value: Any) -> bool:
    return value is not UNDEFINED


def _fn_not(value: Any) -> Any:
    return UNDEFINED if value is UNDEFINED else not is_truthy(value)


def _fn_boolean(value: Any) -> Any:
    return UNDEFINED if value is UNDEFINED else is_truthy(value)


def _fn_number(value: Any) -> Any:
    if value is UNDEFINED:
        return UNDEFINED
    if value is None:
        _null_argument("number")
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | float):
        return value
    text = str(value)
    try:
        for prefix, base in (("0x", 16), ("0B", 2), ("0O", 8)):
            if text.startswith(prefix):
                return int(text[2:], base)
        result = float(text)
    except ValueError:
        fail("D3030", f"Unable to cast value to a number: {show(value)}")
    if math.isnan(result):
        fail("D3030", f"Unable to cast value to a number: {show(value)}")
    return result


def _numeric_function(apply: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def function(value: Any) -> Any:
        return UNDEFINED if value is UNDEFINED else apply(value)

    return function


def _fn_abs(value: Any) -> Any:
    if value is UNDEFINED:
        return UNDEFINED
    return abs(float(value)) if isinstance(value, float) else abs(int(value))


def _fn_round(value: Any, precision: Any) -> Any:
    if value is UNDEFINED:
        return UNDEFINED
    if value is None or precision is None:
        _null_argument("round")
    digits = None if precision is UNDEFINED else precision
    # Half-to-even on the decimal text, so $round(2.675, 2) is 2.68 as in JSONata.
    return float(round(Decimal(str(value)), digits))


def _fn_keys(value: Any) -> Seq:
    if isinstance(value, list):
        names: dict[str, None] = {}
        for item in value:
            names.update(dict.fromkeys(_fn_keys(item)))
        return Seq(names)
    if isinstance(value, dict):
        return Seq(value)
    return Seq()


def _fn_lookup(value: Any, key: Any) -> Any:
    if not isinstance(key, str):
        return UNDEFINED
    return lookup(value, key)


def _fn_merge(objects: Any) -> Any:
    if objects is UNDEFINED:
        return UNDEFINED
    return {key: value for item in objects for key, value in item.items()}


def _fn_split(text: Any, separator: Any, limit: Any) -> Any:
    if text is UNDEFINED:
        return UNDEFINED
    if text is None:
        _null_argument("split")
    if not isinstance(separator, str):
        fail("T0410", "Argument 2 of function $split must be a string")
    if limit is None:
        _null_argument("split")
    if limit is not UNDEFINED and int(limit) < 0:
        fail("D3020", "Third argument of split function must evaluate to a positive number")
    if limit is not UNDEFINED and int(limit) == 0:
        return []
    parts = list(text) if separator == "" else text.split(separator)
    return parts if limit is UNDEFINED else parts[: int(limit)]


_GROUP_REFERENCE: Final = re.compile(r"\$([$0])")


def _fn_replace(text: Any, pattern: Any, replacement: Any, limit: Any) -> Any:
    if text is UNDEFINED:
        return UNDEFINED
    if text is None:
        _null_argument("replace")
    if not isinstance(pattern, str):
        fail("T0410", "Argument 2 of function $replace must be a string")
    if pattern == "":
        fail("D3010", "Second argument of replace function cannot be an empty string")
    if not isinstance(replacement, str):
        fail("T0410", "Argument 3 of function $replace must be a string")
    if limit is None:
        _null_argument("replace")
    if limit is not UNDEFINED and limit < 0:
        fail("D3011", "Fourth argument of replace function must evaluate to a positive number")
    # A literal pattern has no groups: "$0" is the match, "$$" a dollar, any other "$" stays.
    substitute = _GROUP_REFERENCE.sub(lambda m: pattern if m.group(1) == "0" else "$", replacement)
    if limit is UNDEFINED:
        return text.replace(pattern, substitute)
    return text.replace(pattern, substitute, math.ceil(limit))


def _fn_append(first: Any, second: Any) -> Any:
    return append(first, second)


def _timestamp(frame: Frame) -> int:
    root = frame.root()
    millis = root.bindings.get(" now")
    if millis is None:
        millis = root.bindings[" now"] = time.time_ns() // 1_000_000
    return int(millis)


def _fn_millis(frame: Frame) -> int:
    return _timestamp(frame)


def _fn_now(frame: Frame) -> str:
    millis = _timestamp(frame)
    moment = datetime.fromtimestamp(millis / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def _numbers(values: Any) -> bool:
    """Is ``values`` an array of numbers only (so ``$sum`` and friends need no validation)?"""
    if type(values) not in (list, Seq, Cons):
        return False
    for value in values:  # noqa: SIM110 - a loop is faster than all() over a generator
        if type(value) is not int and type(value) is not float:
            return False
    return True


_SAFE_INT: Final = 2**53
_ONE_STRING = "({t}.{method}() if type({t} := {a}) is str else {slow})"
_ONE_INTEGRAL = (
    "({function}({t}) if type({t} := {a}) is float else {t} "
    "if type({t}) is int and -" + str(_SAFE_INT) + " <= {t} <= " + str(_SAFE_INT) + " else {slow})"
)


@dataclass(frozen=True, slots=True)
class Builtin:
    """A compiled JSONata function: signature, implementation, and inline form for hot calls."""

    name: str
    signature: Signature
    implementation: Callable[..., Any]
    inline: str | None = None
    """Python for a one-argument call: ``{a}`` the argument, ``{t}`` a temporary, ``{slow}``
    the validated call; only used where validation could not change the argument."""
    needs_frame: bool = False
    may_yield_sequence: bool = False


def _builtin(
    name: str,
    signature: str,
    implementation: Callable[..., Any],
    inline: str | None = None,
    *,
    needs_frame: bool = False,
    may_yield_sequence: bool = False,
) -> Builtin:
    parsed = Signature.parse(name, signature)
    return Builtin(name, parsed, implementation, inline, needs_frame, may_yield_sequence)


BUILTINS: Final[dict[str, Builtin]] = {
    b.name: b
    for b in (
        _builtin(
            "sum", "<a<n>:n>", _fn_sum, "(_fres(sum({t})) if _numbers({t} := {a}) else {slow})"
        ),
        _builtin(
            "count",
            "<a:n>",
            _fn_count,
            "(len({t}) if isinstance({t} := {a}, list) else 0 if {t} is U or {t} is None else 1)",
        ),
        _builtin(
            "max",
            "<a<n>:n>",
            _fn_max,
            "(_fres(max({t})) if _numbers({t} := {a}) and {t} else {slow})",
        ),
        _builtin(
            "min",
            "<a<n>:n>",
            _fn_min,
            "(_fres(min({t})) if _numbers({t} := {a}) and {t} else {slow})",
        ),
        _builtin(
            "average",
            "<a<n>:n>",
            _fn_average,
            "(_fres(sum({t}) / len({t})) if _numbers({t} := {a}) and {t} else {slow})",
        ),
        _builtin("string", "<x-b?:s>", _fn_string, "({t} if type({t} := {a}) is str else {slow})"),
        _builtin("substring", "<s-nn?:s>", _fn_substring),
        _builtin("substringBefore", "<s-s:s>", _fn_substring_before),
        _builtin("substringAfter", "<s-s:s>", _fn_substring_after),
        _builtin(
            "lowercase",
            "<s-:s>",
            _string_function("lowercase", str.lower),
            _ONE_STRING.replace("{method}", "lower"),
        ),
        _builtin(
            "uppercase",
            "<s-:s>",
            _string_function("uppercase", str.upper),
            _ONE_STRING.replace("{method}", "upper"),
        ),
        _builtin(
            "length",
            "<s-:n>",
            _string_function("length", len),
            "(len({t}) if type({t} := {a}) is str else {slow})",
        ),
        _builtin(
            "trim",
            "<s-:s>",
            _string_function("trim", _trim),
            "(_trim({t}) if type({t} := {a}) is str else {slow})",
        ),
        _builtin("contains", "<s-(sf):b>", _fn_contains),
        _builtin("split", "<s-(sf)n?:a<s>>", _fn_split),
        _builtin("replace", "<s-(sf)(sf)n?:s>", _fn_replace),
        _builtin("join", "<a<s>s?:s>", _fn_join),
        _builtin("number", "<(nsb)-:n>", _fn_number),
        _builtin(
            "floor",
            "<n-:n>",
            _numeric_function(lambda v: math.floor(float(v))),
            _ONE_INTEGRAL.replace("{function}", "_floor"),
        ),
        _builtin(
            "ceil",
            "<n-:n>",
            _numeric_function(lambda v: math.ceil(float(v))),
            _ONE_INTEGRAL.replace("{function}", "_ceil"),
        ),
        # Half to even, like JSONata; round(float) is exact on the binary value, which gives
        # the same integer as jsonata-python's rounding of the shortest decimal text.
        _builtin("round", "<n-n?:n>", _fn_round, _ONE_INTEGRAL.replace("{function}", "round")),
        _builtin("abs", "<n-:n>", _fn_abs),
        _builtin("boolean", "<x-:b>", _fn_boolean, "_fn_boolean({a})"),
        _builtin("not", "<x-:b>", _fn_not, "_fn_not({a})"),
        _builtin("exists", "<x:b>", _fn_exists, "(({t} := {a}) is not U)"),
        _builtin("keys", "<x-:a<s>>", _fn_keys, "_fn_keys({a})", may_yield_sequence=True),
        _builtin("lookup", "<x-s:x>", _fn_lookup, may_yield_sequence=True),
        _builtin("merge", "<a<o>:o>", _fn_merge),
        _builtin("append", "<xx:a>", _fn_append),
        _builtin("now", "<:s>", _fn_now, needs_frame=True),
        _builtin("millis", "<:n>", _fn_millis, needs_frame=True),
    )
}
"""The functions compiled to Python; calls of any other JSONata function are interpreted."""

_BOOLEAN_FUNCTIONS: Final = frozenset({"exists", "not", "boolean", "contains"})


# --- runtime helpers (called by the generated code, once per message) ---------------------

_PYTHON_ERRORS: Final = (TypeError, ValueError, AttributeError, ArithmeticError, KeyError)


def _raise_at(error: Exception, position: int | None) -> NoReturn:
    """Give an evaluation error the position of the node being evaluated, when it has none."""
    if isinstance(error, EvaluationFailure):
        if error.position is None:
            error.position = position
        raise error
    raise EvaluationFailure("", f"{type(error).__name__}: {error}", position) from error


def _invoke(builtin: Builtin, args: Sequence[Any], context: Any, position: int) -> Any:
    """A function call with jsonata's signature validation (context, singleton arrays)."""
    try:
        validated = builtin.signature.validate(args, context)
        return function_result(builtin.implementation(*validated))
    except (EvaluationFailure, *_PYTHON_ERRORS) as error:
        _raise_at(error, position)


def _invoke_frame(
    builtin: Builtin, args: Sequence[Any], context: Any, frame: Frame, position: int
) -> Any:
    try:
        builtin.signature.validate(args, context)
        return builtin.implementation(frame)
    except EvaluationFailure as error:
        _raise_at(error, position)


def _fres(value: Any) -> Any:
    try:
        return function_result(value)
    except EvaluationFailure as error:
        _raise_at(error, None)


def _real(value: float, position: int) -> Any:
    """A non-integral arithmetic result: infinities are an error, NaN is undefined."""
    try:
        return number_result(value)
    except EvaluationFailure as error:
        _raise_at(error, position)


def _operator(compute: Callable[[str, Any, Any], Any]) -> Callable[[str, Any, Any, int], Any]:
    def at(op: str, left: Any, right: Any, position: int) -> Any:
        try:
            return compute(op, left, right)
        except EvaluationFailure as error:
            _raise_at(error, position)

    return at


def _negate(value: Any, position: int) -> Any:
    if value is UNDEFINED:
        return UNDEFINED
    if not is_number(value):
        fail("D1002", f"Cannot negate a non-numeric value: {show(value)}", position)
    return _real(-float(value), position)


def _context(value: Any, mangle: bool) -> Any:
    """``$``: the context, the top-level array itself rather than its wrapper."""
    if type(value) is Seq:
        if value.outer_wrapper:
            return value[0]
        if mangle:
            return unwrap(value, False)
    return value


def _bind(frame: Frame, name: str, value: Any) -> Any:
    frame.bindings[name] = value
    return value


def _names(value: Any, keys: tuple[str, ...]) -> Any:
    """A path of field names, over objects and arrays alike (the general walk, unwrapped)."""
    sequence = value if isinstance(value, list) else (value,)
    last = len(keys) - 1
    for index, key in enumerate(keys):
        results = []
        for item in sequence:
            if type(item) is dict:
                found = item.get(key, UNDEFINED)
            else:
                found = lookup(item, key)
                if type(found) is Seq:
                    found = unwrap(found, False)
            if found is not UNDEFINED:
                results.append(found)
        if index == last and len(results) == 1:
            only = results[0]
            if isinstance(only, list) and type(only) is not Seq:
                return only
        flattened = Seq()
        for result in results:
            if isinstance(result, list) and type(result) is not Cons:
                flattened.extend(result)
            else:
                flattened.append(result)
        if not flattened:
            return UNDEFINED
        sequence = flattened
    return unwrap(sequence, False)


_Stage = Callable[[Any, Frame], Any]
_StepPlan = tuple[Evaluator, tuple[_Stage, ...], bool]


def _path(
    value: Any, frame: Frame, steps: tuple[_StepPlan, ...], relative: bool, keep_singleton: bool
) -> Any:
    """Any path: each step over each item of the sequence so far (not unwrapped)."""
    sequence: Any = value if relative and isinstance(value, list) else Seq((value,))
    result: Any = sequence
    last = len(steps) - 1
    for index, (evaluate, stages, consarray) in enumerate(steps):
        if index == 0 and consarray:
            result = evaluate(sequence, frame)
        else:
            result = _step(evaluate, stages, sequence, frame, index == last)
        if result is UNDEFINED or not result:
            break
        sequence = result
    if keep_singleton and result is not UNDEFINED:
        if type(result) is Cons:
            result = Seq((result,))
        if type(result) is Seq:
            result.keep_singleton = True
    return result


def _step(
    evaluate: Evaluator, stages: tuple[_Stage, ...], sequence: Any, frame: Frame, last: bool
) -> Any:
    results = []
    for item in sequence:
        result = evaluate(item, frame)
        for stage in stages:
            result = stage(result, frame)
        if result is not UNDEFINED:
            results.append(result)
    if last:
        return _last_step(results, mangle=False)
    return _flatten_results(results)


def _flatten_results(results: list[Any]) -> Seq:
    flattened = Seq()
    for result in results:
        if isinstance(result, list) and type(result) is not Cons:
            flattened.extend(result)
        else:
            flattened.append(result)
    return flattened


def _last_step(results: list[Any], mangle: bool = True) -> Any:
    """The results of a path's last step: one array stays itself, the rest are flattened."""
    if len(results) == 1:
        only = results[0]
        if isinstance(only, list) and type(only) is not Seq:
            return only
    flattened = _flatten_results(results)
    return unwrap(flattened, False) if mangle else flattened


def _index(value: Any, index: int) -> Any:
    """``[n]``: the n-th item (negative counts from the end), as a sequence."""
    if value is UNDEFINED:
        return Seq()
    items = value if isinstance(value, list) else (value,)
    if index < 0:
        index += len(items)
    if 0 <= index < len(items):
        item = items[index]
        if isinstance(item, list):
            return item
        return Seq((item,))
    return Seq()


def _filter(test: Evaluator, value: Any, frame: Frame) -> Seq:
    """``[predicate]``: the items for which it is truthy, or whose index it names."""
    results = Seq()
    if value is UNDEFINED:
        return results
    items = value if isinstance(value, list) else (value,)
    for index, item in enumerate(items):
        result = test(item, frame)
        if is_number(result):
            result = (result,)
        if isinstance(result, list | tuple) and all(map(is_number, result)):
            for wanted in result:
                position = int(wanted)
                if position < 0:
                    position += len(items)
                if position == index:
                    results.append(item)
        elif is_truthy(result):
            results.append(item)
    return results


def _group_data(items: list[Any]) -> Any:
    """The context of every field when an object constructor with constant keys meets an array."""
    if not items:
        return UNDEFINED
    data = items[0]
    for item in items[1:]:
        data = append(data, item)
    return data


def _group(
    pairs: tuple[tuple[Evaluator, Evaluator], ...], value: Any, frame: Frame, position: int
) -> dict[str, Any]:
    """An object constructor (or group-by) with computed keys, over each item of ``value``."""
    items = value if isinstance(value, list) else (value,)
    if not items:
        items = (UNDEFINED,)
    groups: dict[str, list[Any]] = {}
    for item in items:
        for index, (key_of, _) in enumerate(pairs):
            key = key_of(item, frame)
            if key is UNDEFINED:
                continue
            if not isinstance(key, str):
                fail(
                    "T1003",
                    f"Key in object structure must evaluate to a string; got: {show(key)}",
                    position,
                )
            entry = groups.get(key)
            if entry is None:
                groups[key] = [item, index]
            elif entry[1] != index:
                fail(
                    "D1009", f"Multiple key definitions evaluate to same key: {show(key)}", position
                )
            else:
                entry[0] = append(entry[0], item)
    result = {}
    for key, (data, index) in groups.items():
        item = pairs[index][1](data, frame)
        if item is not UNDEFINED:
            result[key] = item
    return result


def _flatten(value: Any, into: list[Any]) -> list[Any]:
    if isinstance(value, list):
        for item in value:
            _flatten(item, into)
    else:
        into.append(value)
    return into


def _wildcard(value: Any) -> Any:
    results: list[Any] = Seq()
    if type(value) is Seq and value.outer_wrapper and value:
        value = value[0]
    if isinstance(value, dict):
        members: Any = value.values()
    elif isinstance(value, list):
        members = value
    else:
        return results
    for member in members:
        if isinstance(member, list):
            results = append(results, _flatten(member, []))  # no longer a sequence
        else:
            results.append(member)
    return results


def _descendants(value: Any) -> Any:
    if value is UNDEFINED:
        return UNDEFINED
    results = Seq()
    _collect_descendants(value, results)
    return results[0] if len(results) == 1 else results


def _collect_descendants(value: Any, into: list[Any]) -> None:
    if isinstance(value, list):
        for member in value:
            _collect_descendants(member, into)
        return
    into.append(value)
    if isinstance(value, dict):
        for member in value.values():
            _collect_descendants(member, into)


def _no_function(name: str, suggest: bool, procedure: Any, position: int) -> None:
    if suggest and procedure is UNDEFINED:
        fail("T1005", f"Attempted to invoke a non-function. Did you mean ${name}?", position)


def _not_callable(name: str, position: int) -> NoReturn:
    fail("T1006", f"Attempted to invoke a non-function: {name}", position)


def _unsupported() -> NoReturn:
    fail("S0000", "this expression is evaluated by jsonata-python")


_RUNTIME: Final[dict[str, Any]] = {
    "U": UNDEFINED,
    "Seq": Seq,
    "Cons": Cons,
    "Frame": Frame,
    "int": int,
    "float": float,
    "str": str,
    "type": type,
    "len": len,
    "list": list,
    "dict": dict,
    "isinstance": isinstance,
    "round": round,
    "sum": sum,
    "max": max,
    "min": min,
    "_NUM": (int, float),
    "_ORDERED": (int, float, str),
    "_floor": math.floor,
    "_ceil": math.ceil,
    "_trim": _trim,
    "_fn_boolean": _fn_boolean,
    "_fn_not": _fn_not,
    "_fn_keys": _fn_keys,
    "_numbers": _numbers,
    "_fres": _fres,
    "_real": _real,
    "_invoke": _invoke,
    "_invoke_frame": _invoke_frame,
    "_arith": _operator(arithmetic),
    "_compare": _operator(comparison),
    "_range": _operator(lambda _op, left, right: value_range(left, right)),
    "_equal": equality,
    "_concat": concatenate,
    "_member": membership,
    "_truthy": is_truthy,
    "_negate": _negate,
    "_context": _context,
    "_bind": _bind,
    "_unwrap": unwrap,
    "_lookup": lookup,
    "_names": _names,
    "_path": _path,
    "_last_step": _last_step,
    "_index": _index,
    "_filter": _filter,
    "_group": _group,
    "_group_data": _group_data,
    "_wildcard": _wildcard,
    "_descendants": _descendants,
    "_no_function": _no_function,
    "_not_callable": _not_callable,
    "_unsupported": _unsupported,
}


# --- the compiler: JSONata tree to Python source ------------------------------------------


@dataclass(slots=True)
class Compilation:
    """The evaluator of a tree, its Python source, and what kept it from compiling."""

    evaluate: Evaluator
    source: str
    unsupported: list[tuple[str, int]] = field(default_factory=list)
    reads_frame: bool = True
    """False when no variable, binding or clock is used: any frame (or a shared one) will do."""


def compile_tree(node: Node, jsonata_functions: frozenset[str] = frozenset()) -> Compilation:
    """Compile ``node``; ``jsonata_functions`` are the names jsonata-python knows as functions.

    The tree becomes Python source, compiled once: simple paths, object and array
    constructors, operators, conditions and common function calls are inlined; sequences,
    predicates and group-by go through the runtime helpers above.
    """
    generator = _Generator(jsonata_functions)
    body = generator.value(node, "v", seq=True)
    generator.definitions.append(f"def _evaluate(v, f):\n    return {body}\n")
    source = "\n".join(generator.definitions)
    namespace = dict(generator.namespace)
    try:
        exec(compile(source, "<jsonata>", "exec"), namespace)  # noqa: S102 - our own source
    except (SyntaxError, RecursionError, MemoryError):
        generator.unsupported.append(("an expression nested too deeply to compile", 0))
        return Compilation(lambda value, frame: _unsupported(), source, generator.unsupported)
    evaluate = namespace["_evaluate"]
    return Compilation(evaluate, source, generator.unsupported, generator.reads_frame)


_DEPTH_PER_FUNCTION: Final = 12
_DIRECT_CALL: Final = re.compile(r"(_[a-z]\d+)\(v, f\)")
_INLINE_OPERAND: Final = 160  # longer right operands are evaluated into a tuple instead
_MAX_FLOAT: Final = "1.7976931348623157e+308"


class _Generator:
    """Python source for a tree: ``value`` gives an expression over the context ``ctx``.

    ``seq`` says whether the context may be a sequence (the top level, or the first step of
    a path that constructs an array); everywhere else it is a single item.
    """

    def __init__(self, jsonata_functions: frozenset[str]) -> None:
        self.jsonata_functions = jsonata_functions
        self.unsupported: list[tuple[str, int]] = []
        self.definitions: list[str] = []
        self.namespace: dict[str, Any] = dict(_RUNTIME)
        self.cache: dict[tuple[str, int, bool], tuple[Node, str]] = {}
        self.dicts: set[str] = set()  # context variables known to hold a dict here
        self.reads_frame = False
        self.count = 0

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def constant(self, value: Any) -> str:
        name = self.fresh("_k")
        self.namespace[name] = value
        return name

    def define(self, prefix: str, body: list[str]) -> str:
        name = self.fresh(prefix)
        lines = "".join(f"    {line}\n" for line in body)
        self.definitions.append(f"def {name}(v, f):\n{lines}")
        return name

    def cached(self, kind: str, node: Node, seq: bool, build: Callable[[], str]) -> str:
        """One definition per node (and context kind), however often it is referred to."""
        key = (kind, id(node), seq)
        entry = self.cache.get(key)
        if entry is None or entry[0] is not node:
            entry = self.cache[key] = (node, build())
        return entry[1]

    def function(self, node: Node, seq: bool = False) -> str:
        """The name of a generated ``(value, frame)`` function evaluating ``node``."""

        def build() -> str:
            expression = self.value(node, "v", seq)
            direct = _DIRECT_CALL.fullmatch(expression)
            if direct:
                return direct.group(1)
            return self.define("_n", [f"return {expression}"])

        return self.cached("function", node, seq, build)

    def refuse(self, what: str, node: Node) -> str:
        self.unsupported.append((what, node.position))
        return "_unsupported()"

    # Every node: its own value, then predicates, then group-by, then unwrapping, as in
    # jsonata's ``_eval``.
    def value(self, node: Node, ctx: str, seq: bool, depth: int = 0) -> str:
        if depth > _DEPTH_PER_FUNCTION:
            return f"{self.function(node, seq)}({ctx}, f)"
        depth += 1
        if node.binds_tuple:
            return self.refuse("a focus, index or parent binding (@, #, %)", node)
        grouped = node.group is not None and node.kind != "path"
        if not (node.predicates or grouped or node.keep_array):
            return self.raw(node, ctx, seq, depth, mangle=True)
        result = self.raw(node, ctx, seq, depth, mangle=False)
        for predicate in node.predicates:
            result = f"{self.stage(predicate)}({result}, f)"
        if node.group is not None and grouped:
            result = f"_group({self.pairs(node, True)}, {result}, f, {node.position})"
        return f"_unwrap({result}, {node.keep_array})"

    def raw(self, node: Node, ctx: str, seq: bool, depth: int, mangle: bool) -> str:
        kind = node.kind
        if kind in ("string", "number", "value"):
            return f"({node.value!r})"
        if kind == "variable":
            return self.variable(node, ctx, seq, mangle)
        if kind == "name":
            key = repr(str(node.value))
            if not mangle:
                return f"_lookup({ctx}, {key})"
            if ctx in self.dicts:
                return f"{ctx}.get({key}, U)"
            slow = f"_unwrap(_lookup({ctx}, {key}), False)"
            return f"({ctx}.get({key}, U) if type({ctx}) is dict else {slow})"
        if kind == "wildcard":
            return f"_unwrap(_wildcard({ctx}), False)" if mangle else f"_wildcard({ctx})"
        if kind == "descendant":
            return f"_unwrap(_descendants({ctx}), False)" if mangle else f"_descendants({ctx})"
        if kind == "path":
            return self.path(node, ctx, seq, depth, mangle)
        if kind == "unary":
            return self.unary(node, ctx, seq, depth)
        if kind == "binary":
            return self.binary(node, ctx, seq, depth)
        if kind == "condition":
            return self.condition(node, ctx, seq, depth)
        if kind == "block":
            return self.block(node, ctx, seq, depth)
        if kind == "bind":
            return self.bind(node, ctx, seq, depth)
        if kind == "function":
            return self.call(node, ctx, seq, depth, mangle, None)
        if kind == "apply":
            return self.apply(node, ctx, seq, depth, mangle)
        return self.refuse(f"a {kind} expression", node)

    # --- variables

    def variable(self, node: Node, ctx: str, seq: bool, mangle: bool) -> str:
        name = str(node.value)
        if name == "":
            return f"(_context({ctx}, {mangle}) if type({ctx}) is Seq else {ctx})" if seq else ctx
        if name in self.jsonata_functions:
            return self.refuse(f"${name} used as a value", node)
        self.reads_frame = True
        return f"f.lookup({name!r})"

    # --- paths

    def path(self, node: Node, ctx: str, seq: bool, depth: int, mangle: bool) -> str:
        steps = node.steps
        simple = not node.keep_singleton_array and node.group is None and mangle
        if simple and all(_is_plain_name(step) for step in steps):
            keys = tuple(str(step.value) for step in steps)
            if len(keys) > _DEPTH_PER_FUNCTION:
                return f"_names({ctx}, {keys!r})"
            return self.names(keys, ctx)
        if simple and len(steps) > 1 and all(_is_plain_name(s) for s in steps[:-1]):
            last = steps[-1]
            if not last.stages and not last.consarray and last.kind not in ("variable", "name"):
                name = self.cached("mapping", node, seq, lambda: self.mapping(node, seq))
                return f"{name}({ctx}, f)"
        general = self.general_path(node, ctx, seq)
        if node.group is not None:
            return f"_group({self.pairs(node, True)}, {general}, f, {node.position})"
        return f"_unwrap({general}, False)" if mangle else general

    def names(self, keys: tuple[str, ...], ctx: str) -> str:
        """``a.b.c``: dictionary lookups while the data are objects, else the general walk."""
        slow = f"_names({ctx}, {keys!r})"
        expression = ""
        for index in range(len(keys) - 1, -1, -1):
            holder = ctx if index == 0 else f"_t{self.count}_{index}"
            lookup_here = f"{holder}.get({keys[index]!r}, U)"
            if index == len(keys) - 1:
                expression = lookup_here
            else:
                inner = f"_t{self.count}_{index + 1}"
                expression = f"({expression} if type({inner} := {lookup_here}) is dict else {slow})"
        self.count += 1
        if ctx in self.dicts:
            return expression if len(keys) == 1 else f"({expression})"
        return f"({expression} if type({ctx}) is dict else {slow})"

    def mapping(self, node: Node, seq: bool) -> str:
        """``a.b.X``: navigate objects by name, then evaluate ``X`` on each item."""
        *names, last = node.steps
        general = f"_unwrap({self.general_path(node, 'v', seq)}, False)"
        body = ["if type(v) is not dict:", f"    return {general}"]
        body.append(f"s = v.get({str(names[0].value)!r}, U)")
        for step in names[1:]:
            body += [
                "if type(s) is dict:",
                f"    s = s.get({str(step.value)!r}, U)",
                "elif isinstance(s, list):",
                f"    return {general}",
                "else:",
                "    return U",
            ]
        body += [
            "if type(s) is list:",
            "    items = s",
            "elif s is U:",
            "    return U",
            "elif isinstance(s, list):",
            f"    return {general}",
            "else:",
            "    items = (s,)",
        ]
        evaluate = self.function(last)
        if _is_object_constructor(last):
            # Objects are never undefined and never arrays: no flattening to do.
            body += [
                "r = Seq()",
                "for it in items:",
                f"    r.append({evaluate}(it, f))",
                "if len(r) == 1:",
                "    return r[0]",
                "return r if r else U",
            ]
        else:
            body += [
                "r = []",
                "for it in items:",
                f"    x = {evaluate}(it, f)",
                "    if x is not U:",
                "        r.append(x)",
                "return _last_step(r)",
            ]
        return self.define("_m", body)

    def general_path(self, node: Node, ctx: str, seq: bool) -> str:
        plans = []
        for index, step in enumerate(node.steps):
            first_cons = index == 0 and step.consarray
            # The first step sees the context itself (a variable step, or an array
            # constructor), which may be a sequence; later steps see single items.
            function = self.function(step, seq=index == 0 and (seq or first_cons))
            stages = ", ".join(self.stage(stage) for stage in step.stages)
            plans.append(f"({function}, ({stages}{',' if step.stages else ''}), {first_cons})")
        steps = self.fresh("_p")
        self.definitions.append(f"{steps} = ({', '.join(plans)},)\n")
        relative = node.steps[0].kind != "variable"
        return f"_path({ctx}, f, {steps}, {relative}, {node.keep_singleton_array})"

    def stage(self, stage: Node) -> str:
        return self.cached("stage", stage, False, lambda: self.define_stage(stage))

    def define_stage(self, stage: Node) -> str:
        expression = stage.expression
        if stage.kind != "filter" or expression is None:
            self.refuse(f"a {stage.kind} stage", stage)
            return "_unsupported"
        if expression.kind == "number" and not expression.predicates:
            index = int(expression.value)
            return self.define("_s", [f"return _index(v, {index})"])
        test = self.function(expression)
        return self.define("_s", [f"return _filter({test}, v, f)"])

    def pairs(self, node: Node, group: bool) -> str:
        """The (key, value) functions of an object constructor, or of a group-by."""

        def build() -> str:
            pairs = node.group if group and node.group is not None else node.pairs
            compiled = [f"({self.function(k)}, {self.function(v)})" for k, v in pairs]
            name = self.fresh("_g")
            self.definitions.append(f"{name} = ({', '.join(compiled)},)\n")
            return name

        return self.cached("group" if group else "pairs", node, False, build)

    # --- constructors

    def unary(self, node: Node, ctx: str, seq: bool, depth: int) -> str:
        if node.value == "[":
            return self.array(node, ctx, seq)
        if node.value == "{":
            return self.object(node, ctx)
        if node.value == "-" and node.expression is not None:
            return f"_negate({self.value(node.expression, ctx, seq, depth)}, {node.position})"
        return self.refuse(f"unary {node.value}", node)

    def array(self, node: Node, ctx: str, seq: bool) -> str:
        return f"{self.cached('array', node, seq, lambda: self.define_array(node, seq))}({ctx}, f)"

    def define_array(self, node: Node, seq: bool) -> str:
        body = ["r = Cons()" if node.consarray else "r = []"]
        for item in node.expressions:
            body.append(f"x = {self.value(item, 'v', seq)}")
            if str(item.value) == "[":  # a nested constructor is one item, not spread
                body += ["if x is not U:", "    r.append(x)"]
            else:
                body += [
                    "if isinstance(x, list):",
                    "    r.extend(x)",
                    "elif x is not U:",
                    "    r.append(x)",
                ]
        body.append("return r")
        return self.define("_a", body)

    def object(self, node: Node, ctx: str) -> str:
        keys = [key.value for key, _ in node.pairs if key.kind == "string" and not _decorated(key)]
        if len(keys) != len(node.pairs) or len(set(keys)) != len(keys):
            return f"_group({self.pairs(node, False)}, {ctx}, f, {node.position})"
        name = self.cached("object", node, False, lambda: self.define_object(node, keys))
        return f"{name}({ctx}, f)"

    def define_object(self, node: Node, keys: list[str]) -> str:
        # Over a dict (the usual case) the fields look names up directly. Otherwise: with
        # constant keys every key groups all items of an array, so all fields share one
        # context (jsonata's grouping reduced to what it does here).
        known = self.fresh("d")
        body = ["if type(v) is dict:", f"    {known} = v", "    r = {}"]
        self.dicts.add(known)
        for key, (_, value) in zip(keys, node.pairs, strict=True):
            body += [
                f"    x = {self.value(value, known, False)}",
                "    if x is not U:",
                f"        r[{key!r}] = x",
            ]
        self.dicts.discard(known)
        body += ["    return r", "if isinstance(v, list):", "    v = _group_data(v)", "r = {}"]
        for key, (_, value) in zip(keys, node.pairs, strict=True):
            body += [
                f"x = {self.value(value, 'v', False)}",
                "if x is not U:",
                f"    r[{key!r}] = x",
            ]
        body.append("return r")
        return self.define("_o", body)

    # --- operators

    def binary(self, node: Node, ctx: str, seq: bool, depth: int) -> str:
        op = str(node.value)
        assert node.lhs is not None
        assert node.rhs is not None
        left, right = node.lhs, node.rhs
        a, b = self.value(left, ctx, seq, depth), self.value(right, ctx, seq, depth)
        position = node.position
        if op in ("and", "or"):
            return f"({self.truth(left, a)} {op} {self.truth(right, b)})"
        if op in ("+", "-", "*", "/"):
            return self.arithmetic(op, left, right, a, b, position)
        if op in ("<", "<=", ">", ">="):
            ta, tb = self.fresh("_t"), self.fresh("_t")
            return (
                f"({ta} {op} {tb} if (({ta} := {a}), ({tb} := {b})) and type({ta}) is type({tb}) "
                f"and type({ta}) in _ORDERED else _compare({op!r}, {ta}, {tb}, {position}))"
            )
        if op in ("=", "!="):
            return f"_equal({op!r}, {a}, {b})"
        if op == "&":
            ta, tb = self.fresh("_t"), self.fresh("_t")
            return (
                f"({ta} + {tb} if (({ta} := {a}), ({tb} := {b})) and type({ta}) is str "
                f"and type({tb}) is str else _concat({ta}, {tb}))"
            )
        if op == "in":
            return f"_member({a}, {b})"
        if op == "..":
            return f"_range('..', {a}, {b}, {position})"
        if op == "%":
            return f"_arith('%', {a}, {b}, {position})"
        return self.refuse(f"the operator {op}", node)

    def arithmetic(self, op: str, left: Node, right: Node, a: str, b: str, position: int) -> str:
        """Numbers inline (as floats, integral results as ints); anything else via ``_arith``."""
        ta, tb, tr = self.fresh("_t"), self.fresh("_t"), self.fresh("_t")
        literal_a, literal_b = _number_literal(left), _number_literal(right)
        slow = f"_arith({op!r}, {ta}, {tb}, {position})"
        if literal_b is not None and not (op == "/" and literal_b == 0):
            compute = f"{ta} {op} {float(literal_b)!r}"  # int op float is float arithmetic
            test = f"type({ta} := {a}) in _NUM"
            slow = f"_arith({op!r}, {ta}, {literal_b!r}, {position})"
        elif literal_a is not None:
            compute = f"{float(literal_a)!r} {op} {tb}"
            test = f"type({tb} := {b}) in _NUM" + (f" and {tb} != 0" if op == "/" else "")
            slow = f"_arith({op!r}, {literal_a!r}, {tb}, {position})"
        else:
            compute = f"float({ta}) {op} {tb}"
            nonzero = f" and {tb} != 0" if op == "/" else ""
            if len(b) <= _INLINE_OPERAND:
                # The right side is evaluated in the test only when the left is a number;
                # the slow path evaluates it otherwise, keeping the order left, right.
                test = f"type({ta} := {a}) in _NUM and type({tb} := {b}) in _NUM{nonzero}"
                second = f"({tb} if type({ta}) in _NUM else {b})"
                slow = f"_arith({op!r}, {ta}, {second}, {position})"
            else:
                test = (
                    f"(({ta} := {a}), ({tb} := {b})) and type({ta}) in _NUM "
                    f"and type({tb}) in _NUM{nonzero}"
                )
        finite = f"{tr} if -{_MAX_FLOAT} <= {tr} <= {_MAX_FLOAT} else _real({tr}, {position})"
        number = f"(int({tr}) if ({tr} := {compute}).is_integer() else {finite})"
        return f"({number} if {test} else {slow})"

    def truth(self, node: Node, expression: str, *, as_bool: bool = True) -> str:
        """JSONata truthiness of an expression; booleans (or undefined) need no cast."""
        if _yields_boolean(node):
            return f"bool({expression})" if as_bool else expression
        t = self.fresh("_t")
        return f"(({t} != '') if type({t} := {expression}) is str else _truthy({t}))"

    def condition(self, node: Node, ctx: str, seq: bool, depth: int) -> str:
        assert node.condition is not None
        assert node.then is not None
        test = self.truth(
            node.condition, self.value(node.condition, ctx, seq, depth), as_bool=False
        )
        then = self.value(node.then, ctx, seq, depth)
        otherwise = "U" if node.otherwise is None else self.value(node.otherwise, ctx, seq, depth)
        return f"({then} if {test} else {otherwise})"

    def block(self, node: Node, ctx: str, seq: bool, depth: int) -> str:
        expressions = node.expressions
        if not expressions:
            return "U"
        scoped = any(_binds(expression) for expression in expressions)
        if len(expressions) == 1 and not scoped:
            return self.value(expressions[0], ctx, seq, depth)

        def build() -> str:
            body = ["f = Frame({}, f)"] if scoped else []
            body += [self.value(expression, "v", seq) for expression in expressions[:-1]]
            body.append(f"return {self.value(expressions[-1], 'v', seq)}")
            return self.define("_b", body)

        return f"{self.cached('block', node, seq, build)}({ctx}, f)"

    def bind(self, node: Node, ctx: str, seq: bool, depth: int) -> str:
        assert node.lhs is not None
        assert node.rhs is not None
        name = str(node.lhs.value)
        if name in self.jsonata_functions:
            return self.refuse(f"${name} rebound", node)
        self.reads_frame = True
        return f"_bind(f, {name!r}, {self.value(node.rhs, ctx, seq, depth)})"

    # --- functions

    def apply(self, node: Node, ctx: str, seq: bool, depth: int, mangle: bool) -> str:
        assert node.lhs is not None
        assert node.rhs is not None
        first = self.value(node.lhs, ctx, seq, depth)
        if node.rhs.kind == "function":
            return self.call(node.rhs, ctx, seq, depth, mangle, first)
        if node.rhs.kind == "variable" and str(node.rhs.value) in BUILTINS:
            synthetic = Node("function", "(", node.rhs.position, procedure=node.rhs)
            return self.call(synthetic, ctx, seq, depth, mangle, first)
        return self.refuse("~> to a function value", node)

    def call(
        self, node: Node, ctx: str, seq: bool, depth: int, mangle: bool, first: str | None
    ) -> str:
        procedure = node.procedure
        assert procedure is not None
        name = str(procedure.value)
        args = [self.value(argument, ctx, seq, depth) for argument in node.arguments]
        if first is not None:
            args.insert(0, first)
        position = node.position
        if procedure.kind == "variable" and name in BUILTINS:
            if name == "now" and args:
                return self.refuse("$now with a picture or time zone", node)
            return self.builtin(BUILTINS[name], args, ctx, mangle, position)
        if procedure.kind == "variable" and name in self.jsonata_functions:
            return self.refuse(f"the function ${name}", node)
        if procedure.kind not in ("variable", "path"):
            return self.refuse("a call of a computed function", node)
        # ``sum(x)`` (no $) or ``$nothing(x)``: an error when evaluated, as in jsonata-python.
        if procedure.kind == "path":
            name = str(procedure.steps[0].value)
        suggest = procedure.kind == "path" and name in self.jsonata_functions
        found = self.value(procedure, ctx, seq, depth)
        check = f"_no_function({name!r}, {suggest}, {found}, {position})"
        return f"({check}, {', '.join([*args, ''])} _not_callable({name!r}, {position}))[-1]"

    def builtin(
        self, builtin: Builtin, args: list[str], ctx: str, mangle: bool, position: int
    ) -> str:
        function = self.constant(builtin)
        arguments = "(" + "".join(f"{arg}, " for arg in args) + ")"
        if builtin.needs_frame:
            self.reads_frame = True
            return f"_invoke_frame({function}, {arguments}, {ctx}, f, {position})"
        if len(args) == 1 and builtin.inline is not None:
            t = self.fresh("_t")
            slow = f"_invoke({function}, ({t},), {ctx}, {position})"
            call = builtin.inline.format(t=t, a=args[0], slow=slow)
        else:
            call = f"_invoke({function}, {arguments}, {ctx}, {position})"
        if builtin.may_yield_sequence and mangle:
            return f"_unwrap({call}, False)"
        return call


def _decorated(node: Node) -> bool:
    return bool(node.predicates or node.keep_array or node.group is not None)


def _is_plain_name(step: Node) -> bool:
    return step.kind == "name" and not step.stages and not _decorated(step) and not step.binds_tuple


def _is_object_constructor(node: Node) -> bool:
    return node.kind == "unary" and node.value == "{" and not _decorated(node)


def _number_literal(node: Node) -> int | float | None:
    if node.kind == "number" and not _decorated(node):
        value = node.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    return None


def _yields_boolean(node: Node) -> bool:
    """Does ``node`` evaluate to true, false or undefined (whose Python truth is JSONata's)?"""
    if _decorated(node):
        return False
    if node.kind == "binary":
        return str(node.value) in ("=", "!=", "<", "<=", ">", ">=", "and", "or", "in")
    if node.kind == "function" and node.procedure is not None:
        return node.procedure.kind == "variable" and str(node.procedure.value) in _BOOLEAN_FUNCTIONS
    return node.kind == "value" and isinstance(node.value, bool)


def _binds(node: Node) -> bool:
    """Does evaluating ``node`` bind a variable in the current frame (not in a nested block)?"""
    if node.kind == "bind":
        return True
    if node.kind in ("block", "lambda"):
        return False
    return any(_binds(child) for child in node.children())
