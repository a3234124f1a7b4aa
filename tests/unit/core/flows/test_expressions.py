"""Compiled JSONata: the W1 mapping, the subset's semantics against jsonata-python, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interloom.core.flows import expressions
from interloom.core.flows.expressions import (
    UNDEFINED,
    CompiledExpression,
    ExpressionError,
    ExpressionEvaluationError,
    compile_expression,
    compile_mapping,
)

# Through our module: importing jsonata directly would raise the process's recursion limit.
jsonata = expressions.jsonata

W1 = Path(__file__).parents[3] / "data" / "w1"
W1_MAPPING = (W1 / "mapping.jsonata").read_text("utf-8")


def load(name: str) -> Any:
    return json.loads((W1 / name).read_text("utf-8"))


# --- the reference: jsonata-python's interpreter, nulls kept apart from undefined ---------


def interpret(expression: str, data: Any) -> Any:
    parsed = jsonata.Jsonata(expression)
    parsed.set_output_convert_nulls(False)
    result = parsed.evaluate(data)
    if result is None:
        return UNDEFINED
    return None if result is jsonata.Utils.NULL_VALUE else jsonata.Utils.convert_nulls(result)


def outcome(evaluate: Any) -> tuple[str, Any]:
    try:
        return "value", evaluate()
    except Exception as error:  # both sides raise: that is agreement
        return "error", type(error).__name__


def assert_same_as_interpreter(compiled: CompiledExpression, data: Any) -> None:
    # jsonata-python mutates some inputs (an object constructor over [] appends a None),
    # so each side gets its own copy.
    mine = outcome(lambda: compiled.evaluate(json.loads(json.dumps(data))))
    reference = outcome(lambda: interpret(compiled.text, json.loads(json.dumps(data))))
    if mine[0] == reference[0] == "error":
        return
    assert mine[0] == reference[0] == "value", (compiled.text, data, mine, reference)
    ours, theirs = mine[1], reference[1]
    if ours is UNDEFINED or theirs is UNDEFINED:
        assert ours is theirs, (compiled.text, data, ours, theirs)
    else:
        assert ours == theirs, (compiled.text, data, ours, theirs)
        assert json.dumps(ours) == json.dumps(theirs), (compiled.text, data, ours, theirs)


# --- W1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "expected"),
    [("order.json", "order.mapped.json"), ("order-minimal.json", "order-minimal.mapped.json")],
)
def test_w1_mapping_gives_the_downstream_order(order: str, expected: str) -> None:
    mapping = compile_expression(W1_MAPPING)

    result = mapping.evaluate(load(order))

    assert mapping.compiled_fully
    assert result == load(expected)
    assert json.loads(json.dumps(result)) == load(expected)


@pytest.mark.parametrize("order", ["order.json", "order-minimal.json"])
def test_w1_mapping_is_exactly_what_jsonata_python_computes(order: str) -> None:
    assert_same_as_interpreter(compile_expression(W1_MAPPING), load(order))


def test_w1_totals_are_exact_in_cents() -> None:
    result = compile_expression(W1_MAPPING).evaluate(load("order-minimal.json"))

    assert result["total"] == 40.28  # 3 x 0.1 + 2 x 19.99 in floats is 40.279999999999994
    assert result["items"][0]["lineTotal"] == 0.3


def test_w1_field_by_field_gives_the_same_object() -> None:
    fields = json.loads((W1 / "mapping.fields.json").read_text("utf-8"))
    mapping = compile_mapping(fields)

    for order, expected in [
        ("order.json", "order.mapped.json"),
        ("order-minimal.json", "order-minimal.mapped.json"),
    ]:
        assert mapping.evaluate(load(order)) == load(expected)
    assert mapping.compiled_fully
    assert list(mapping.evaluate(load("order.json"))) == list(load("order.mapped.json"))


# --- semantics of the subset ----------------------------------------------------------------

ORDER = {
    "id": "A-1",
    "customer": {"id": "C-9", "name": "Ada", "tags": ["x"]},
    "lines": [
        {"sku": "S1", "qty": 2, "price": 1.5},
        {"sku": "S2", "qty": 1, "price": 10},
        {"sku": "S3", "qty": 3, "price": 0.1, "note": None},
    ],
    "empty": "",
    "zero": 0,
    "nothing": None,
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("customer.id", "C-9"),
        ("customer.missing", UNDEFINED),
        ("missing.id", UNDEFINED),
        ("nothing", None),  # JSON null is a value, not undefined
        ("lines.sku", ["S1", "S2", "S3"]),
        ("lines[0].sku", "S1"),
        ("lines[-1].sku", "S3"),
        ("lines[0 - 1].sku", "S3"),  # a computed index counts from the end too
        ("lines[[0, -1]].sku", ["S1", "S3"]),
        ("lines[qty > 1].sku", ["S1", "S3"]),
        ("lines[qty > 2].sku", "S3"),  # a singleton sequence is its item
        ("lines[qty > 2].sku[]", ["S3"]),  # unless kept as an array
        ("customer.tags", ["x"]),  # an array in the data stays an array
        ("customer.(tags)", ["x"]),  # also when a last step computes it
        ("lines[sku = 'S9']", UNDEFINED),
        ("[lines[qty > 2].sku]", ["S3"]),
        ('{"a": missing, "b": 1}', {"b": 1}),  # undefined keys are left out
        ('{"a": nothing}', {"a": None}),
        ('lines.{"s": sku}', [{"s": "S1"}, {"s": "S2"}, {"s": "S3"}]),
        ("lines.(qty * price)", [3, 10, 0.30000000000000004]),
        ("$sum(lines.(qty * price))", 13.3),
        ("$sum(lines.qty)", 6),
        ("$count(lines)", 3),
        ("$max(lines.price)", 10),
        ("$average(lines.qty)", 2),
        ("$round(2.5)", 2),  # half to even
        ("$round(3.5)", 4),
        ("$round(2.675, 2)", 2.68),  # on the decimal text, as JSONata
        ("10 / 4", 2.5),
        ("10 / 5", 2),  # integral results are ints
        ("7 % 3", 1),
        ("1.5 * 2", 3),
        ('"n=" & 1.0 & "/" & true & null', "n=1/truenull"),
        ("empty ? 'yes' : 'no'", "no"),
        ("zero ? 'yes' : 'no'", "no"),
        ("nothing ? 'yes' : 'no'", "no"),
        ("customer.tags ? 'yes' : 'no'", "yes"),
        ("[] ? 'yes' : 'no'", "no"),
        ("missing ? 'yes' : 'no'", "no"),
        ("missing ? 'yes'", UNDEFINED),
        ("zero and true", False),
        ("empty or 1", True),
        ("$not(empty)", True),
        ("missing = missing", False),
        ("1 = 1.0", True),
        ("true = 1", False),
        ("'b' > 'a'", True),
        ("2 in [1, 2]", True),
        ("[1..4]", [1, 2, 3, 4]),
        ("$$.id", "A-1"),
        ("lines.$$.id", ["A-1", "A-1", "A-1"]),
        ("customer.$.name", "Ada"),
        ("($x := customer.name; $x & '!')", "Ada!"),
        ("$uppercase(customer.name)", "ADA"),
        ("customer.name ~> $uppercase()", "ADA"),
        ("customer.name.$lowercase()", "ada"),
        ("$string(1e21)", "1e+21"),
        ("$string(0.1 + 0.2)", "0.3"),
        ("$string(customer)", '{"id":"C-9","name":"Ada","tags":["x"]}'),
        ("$number('12.5')", 12.5),
        ("$substring('interloom', 5, 3)", "loo"),
        ("$substringBefore('a-b', '-')", "a"),
        ("$trim('  a  b ')", "a b"),
        ("$contains('abc', 'bc')", True),
        ("$split('a,b,c', ',', 2)", ["a", "b"]),
        ("$join(lines.sku, '+')", "S1+S2+S3"),
        ("$replace('a.b.c', '.', '/')", "a/b/c"),
        ("$keys(customer)", ["id", "name", "tags"]),
        ("$lookup(customer, 'name')", "Ada"),
        ("$merge([{'a': 1}, {'b': 2}])", {"a": 1, "b": 2}),
        ("$exists(nothing)", True),
        ("$exists(missing)", False),
        ("$boolean(lines)", True),
        ("$abs(-2.5)", 2.5),
        ("$floor(-2.5)", -3),
        ("$ceil(2.1)", 3),
        ("$length('abc')", 3),
        ("lines{sku: qty}", {"S1": 2, "S2": 1, "S3": 3}),
        ("customer.*", ["C-9", "Ada", "x"]),
    ],
)
def test_compiled_subset_semantics(expression: str, expected: Any) -> None:
    compiled = compile_expression(expression)

    result = compiled.evaluate(ORDER)

    assert compiled.compiled_fully, compiled.unsupported
    if expected is UNDEFINED:
        assert result is UNDEFINED
    else:
        assert result == expected
        assert json.dumps(result) == json.dumps(expected)
    assert_same_as_interpreter(compiled, ORDER)


def test_undefined_is_falsy_and_distinct_from_null() -> None:
    assert not UNDEFINED
    assert UNDEFINED is not None
    assert repr(UNDEFINED) == "UNDEFINED"
    assert compile_expression("nothing").evaluate(ORDER) is None
    assert compile_expression("missing").evaluate(ORDER) is UNDEFINED


def test_a_top_level_array_is_one_input() -> None:
    rows = [{"a": 1}, {"a": 2}]

    assert compile_expression("a").evaluate(rows) == [1, 2]
    assert compile_expression("$[1].a").evaluate(rows) == 2
    assert compile_expression("$count($)").evaluate(rows) == 2
    assert compile_expression("a[0]").evaluate(rows) == 1


def test_bindings_are_variables() -> None:
    compiled = compile_expression("$tenant & ':' & id")

    assert compiled.evaluate(ORDER, {"tenant": "acme"}) == "acme:A-1"
    assert compiled.evaluate(ORDER) == ":A-1"


def test_now_and_millis_are_one_instant_per_evaluation() -> None:
    compiled = compile_expression("[$now(), $millis(), $now()]")

    now, millis, again = compiled.evaluate({})

    assert now == again
    assert now.endswith("Z")
    assert isinstance(millis, int)
    assert now == interpret(f"$fromMillis({millis})", {})


def test_test_gives_jsonata_truth() -> None:
    assert compile_expression("lines[qty > 2]").test(ORDER)
    assert not compile_expression("lines[qty > 5]").test(ORDER)
    assert not compile_expression("empty").test(ORDER)


def test_evaluation_never_parses_again(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = compile_expression(W1_MAPPING)

    def no_parsing(*_: Any, **__: Any) -> None:
        raise AssertionError("parsed while evaluating")

    monkeypatch.setattr(expressions.jsonata, "Jsonata", no_parsing)
    for _ in range(3):
        assert compiled.evaluate(load("order.json")) == load("order.mapped.json")


def test_importing_leaves_the_recursion_limit_alone() -> None:
    # jsonata-python raises it to 10000 when imported; that would be process-wide.
    check = (
        "import sys; before = sys.getrecursionlimit(); "
        "import interloom.core.flows.expressions; "
        "assert sys.getrecursionlimit() == before, sys.getrecursionlimit()"
    )
    subprocess.run([sys.executable, "-c", check], check=True)


def test_results_do_not_leak_sequence_state_between_messages() -> None:
    compiled = compile_expression("lines[qty > 2].sku[]")

    first = compiled.evaluate(ORDER)
    first.append("mutated by the caller")

    assert compiled.evaluate(ORDER) == ["S3"]


# --- fallback to the interpreter --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "construct"),
    [
        ("$formatNumber(1234.5, '#,##0.00')", "$formatNumber"),
        ("lines.$map($, function($l) { $l.qty })", "$map"),
        ("$contains('abc', /b/)", "regex"),
        ("lines^(>qty).sku", "sort"),
        ("lines@$l.$l.sku", "binding"),
        ("lines#$i[$i > 0].sku", "binding"),
        ("lines.{'up': %.id}", "binding"),
        ("$map(lines.sku, $uppercase)", "$uppercase used as a value"),
    ],
)
def test_constructs_outside_the_subset_are_interpreted(expression: str, construct: str) -> None:
    compiled = compile_expression(expression)

    assert not compiled.compiled_fully
    assert any(construct in reason for reason in compiled.unsupported), compiled.unsupported
    assert "(column " in compiled.unsupported[0]
    assert_same_as_interpreter(compiled, ORDER)


def test_an_interpreted_expression_keeps_null_apart_from_undefined() -> None:
    compiled = compile_expression("$formatNumber(1, '0') ? nothing : 0")

    assert not compiled.compiled_fully
    assert compiled.evaluate(ORDER) is None
    assert compile_expression("$formatNumber(1, '0') ? missing : 0").evaluate(ORDER) is UNDEFINED


def test_an_interpreted_expression_reports_errors_as_ours() -> None:
    compiled = compile_expression("$formatNumber(id, '0')")

    with pytest.raises(ExpressionEvaluationError) as caught:
        compiled.evaluate(ORDER)

    assert caught.value.code == "E-FLOW-011"
    assert caught.value.jsonata_code == "T0410"


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "jsonata_code", "column"),
    [
        ("lines[qty > ", "S0203", 12),
        ('{"a": }', "S0211", 7),
        ('"unterminated', "S0101", 13),
        ("a +* b", "S0201", 6),
        ("lines.1", "S0213", 7),
    ],
)
def test_syntax_errors_are_located(expression: str, jsonata_code: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(expression)

    error = caught.value
    assert type(error) is ExpressionError
    assert error.code == "E-FLOW-010"
    assert error.jsonata_code == jsonata_code
    assert error.location is not None
    assert (error.location.line, error.location.column) == (1, column)
    assert f"at column {column}" in error.message
    assert error.hint
    assert error.to_dict()["location"] == {"line": 1, "column": column}


def test_a_syntax_error_on_a_later_line_gives_line_and_column() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression('{\n  "a": x,\n  "b": y +\n}')

    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.column) == (4, 1)
    assert "at line 4, column 1" in str(caught.value)


def test_truncated_input_is_a_syntax_error_not_a_crash() -> None:
    for text in ("", "/*", "a.`b", "$substring("):
        with pytest.raises(ExpressionError) as caught:
            compile_expression(text)
        assert caught.value.code == "E-FLOW-010"


@pytest.mark.parametrize(
    "text", ["(" * 2000 + "1" + ")" * 2000, "a" + " + a" * 600, " & ".join(["a"] * 600)]
)
def test_an_expression_nested_too_deeply_is_refused(text: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)

    assert type(caught.value) is ExpressionError
    assert "nested too deeply" in caught.value.message
    assert caught.value.hint is not None
    assert "variables" in caught.value.hint


def test_long_expressions_that_fit_are_compiled() -> None:
    assert compile_expression("a" + " + a" * 120).evaluate({"a": 1}) == 121
    assert compile_expression(".".join(["a"] * 300)).evaluate({"a": 1}) is UNDEFINED
    wide = "{" + ", ".join(f'"k{i}": a' for i in range(500)) + "}"
    assert len(compile_expression(wide).evaluate({"a": 1})) == 500


@pytest.mark.parametrize(
    ("expression", "jsonata_code", "column"),
    [
        ('"a" * 2', "T2001", 5),
        ("2 * id", "T2002", 3),
        ("lines.(sku - 1)", "T2001", 12),
        ("id < 1", "T2009", 4),
        ("-id", "D1002", 1),
        ("$sum(id)", "T0412", 5),
        ("$uppercase(nothing)", "T0410", 11),
        ("sum(lines.qty)", "T1005", 4),
        ("{id: 1, 'A-1': 2}", "D1009", 1),
        ("{zero: 1}", "T1003", 1),
        ("1 / zero", "D1001", 3),
    ],
)
def test_evaluation_errors_are_located(expression: str, jsonata_code: str, column: int) -> None:
    compiled = compile_expression(expression)

    with pytest.raises(ExpressionEvaluationError) as caught:
        compiled.evaluate(ORDER)

    error = caught.value
    assert error.code == "E-FLOW-011"
    assert error.jsonata_code == jsonata_code
    assert error.location is not None
    assert error.location.column == column
    assert error.expression == expression
    with pytest.raises(Exception):  # noqa: B017, PT011 - jsonata-python fails as well
        interpret(expression, ORDER)


def test_errors_of_a_mapping_name_the_target() -> None:
    with pytest.raises(ExpressionError) as syntax:
        compile_mapping({"ok": "id", "buyer.name": "customer.("})
    assert syntax.value.target == "buyer.name"
    assert str(syntax.value).startswith("E-FLOW-010 buyer.name: ")

    mapping = compile_mapping({"ok": "id", "total": "customer.name * 2"})
    with pytest.raises(ExpressionEvaluationError) as evaluation:
        mapping.evaluate(ORDER)
    assert evaluation.value.target == "total"
    assert evaluation.value.to_dict()["location"] == {"line": 1, "column": 15, "path": "total"}


# --- the field-by-field form --------------------------------------------------------------------


def test_mapping_builds_nested_objects_and_omits_undefined_fields() -> None:
    mapping = compile_mapping(
        {
            "ref": "id",
            "buyer.id": "customer.id",
            "buyer.contact.name": "customer.name",
            "buyer.contact.phone": "customer.phone",
            "gone": "missing",
            "empty.value": "missing",
        }
    )

    assert mapping.evaluate(ORDER) == {
        "ref": "A-1",
        "buyer": {"id": "C-9", "contact": {"name": "Ada"}},
        "empty": {},  # as {"empty": {"value": missing}} gives
    }


def test_mapping_is_one_object_constructor() -> None:
    fields = {"a": "lines[0].sku", "b.c": "$count($)", "d": "$[1]"}
    constructor = '{"a": lines[0].sku, "b": {"c": $count($)}, "d": $[1]}'
    for data in (ORDER, [ORDER, {"lines": [{"sku": "T"}]}], 5):
        expected = compile_expression(constructor).evaluate(data)
        assert compile_mapping(fields).evaluate(data) == expected


def test_mapping_with_an_interpreted_field_evaluates_it_on_the_message() -> None:
    mapping = compile_mapping({"amount": "$formatNumber(zero, '0.00')", "id": "id"})

    assert not mapping.compiled_fully
    assert mapping.fields["id"].compiled_fully
    assert mapping.evaluate(ORDER) == {"amount": "0.00", "id": "A-1"}


@pytest.mark.parametrize(
    "fields",
    [{"a": "1", "a.b": "2"}, {"a.b": "2", "a": "1"}, {"a..b": "1"}, {"": "1"}],
)
def test_mapping_targets_must_not_clash(fields: dict[str, str]) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_mapping(fields)
    assert caught.value.code == "E-FLOW-010"
    assert caught.value.target in fields


# --- where we differ from jsonata-python, on purpose ----------------------------------------------


@pytest.mark.parametrize(
    ("expression", "data", "ours", "theirs"),
    [
        # jsonata-python truncates the remainder to an integer; JSONata gives 1.5.
        ("a % b", {"a": 5.5, "b": 2}, 1.5, 1),
        # jsonata-python lowercases with str.casefold(); JSONata (JavaScript) does not fold.
        ("$lowercase(a)", {"a": "Straße"}, "straße", "strasse"),
        # jsonata-python takes a null inside an array (or found by *) for undefined.
        ("a.$", {"a": [1, None, 2]}, [1, None, 2], [1, 2]),
        ("*", {"a": None}, None, UNDEFINED),
    ],
)
def test_known_differences_follow_the_jsonata_reference(
    expression: str, data: Any, ours: Any, theirs: Any
) -> None:
    assert compile_expression(expression).evaluate(data) == ours
    assert interpret(expression, data) == theirs


def test_the_input_is_not_mutated() -> None:
    data: dict[str, Any] = {"a": []}
    compile_expression("a{'k': 1}").evaluate(data)  # jsonata-python appends None to a
    assert data == {"a": []}


# --- equivalence with jsonata-python on generated documents ------------------------------------

FIELDS = st.sampled_from(["a", "b", "c", "qty", "price", "sku", "lines", "name"])
TEXT = st.text(alphabet="abAB xy-1é", max_size=5)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 2))
    | TEXT
)


def _arrays(items: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    # No null items: jsonata-python reads them as undefined (a kept difference, above).
    return st.lists(items.filter(lambda value: value is not None), max_size=4)


JSON = st.recursive(
    SCALARS,
    lambda inner: _arrays(inner) | st.dictionaries(FIELDS, inner, max_size=4),
    max_leaves=12,
)
LINE = st.fixed_dictionaries(
    {"sku": TEXT, "qty": st.integers(0, 5) | st.floats(0, 5, allow_nan=False)},
    optional={"price": st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 2)) | TEXT},
)
DOCUMENTS = (
    st.fixed_dictionaries(
        {}, optional={"a": JSON, "b": JSON, "c": JSON, "lines": st.lists(LINE, max_size=4) | LINE}
    )
    | st.dictionaries(FIELDS, JSON, max_size=5)
    | _arrays(JSON)
)

CORPUS = [
    "a", "a.b.c", "lines.qty", "lines[0]", "lines[-1].sku", "lines[qty > 1].sku", "a[0][0]",
    "a[]", "a.b[]", "$", "$$", "$[0].a", "[a, b]", "[a, [b]]", "[a][0]", "a.[b, c]", "[1..3]",
    "[a..b]", '{"x": a, "y": b}', '{"x": a, "x": b}', "{a: b}", 'lines.{"s": sku, "q": qty}',
    '[lines.{"s": sku}]', "lines{sku: qty}", "a{b: c}", "-a", "a + b", "a - 1", "2 * a",
    "a / b", "qty * price", "a / 0", "a = b", "a != 'x'", "a < b", "a >= 1", "a & b",
    "a and b", "a or b", "a in b", "a ? b : c", "a ? b", "a ?: b", "a ?? b", "(a; b)",
    "($x := a; [$x, b])", "$count(a)", "$sum(lines.qty)", "$sum(a)", "$max(a)", "$min(a)",
    "$average(a)", "$round(a)", "$round(a, 1)", "$floor(a)", "$ceil(a)", "$abs(a)",
    "$string(a)", "$string(a, true)", "$number(a)", "$boolean(a)", "$not(a)",
    "$uppercase(a)", "$trim(a)", "$length(a)", "$substring(a, 1, 2)", "$substring(a, -2)",
    "$substringAfter(a, 'b')", "$contains(a, 'b')", "$join(a, ',')", "$exists(a.b)",
    "$lookup(a, 'b')", "$merge(a)", "$keys($)", "$split(a, 'b')", "$replace(a, 'b', '$0$0')",
    "$append(a, b)", "a.$uppercase()", "a ~> $string()", "lines.(qty * price)",
    "$sum(lines.(qty * $round(price * 100))) / 100", "a.(b.c)", "a[b]", "a[$ = 1]", "a[[0, 1]]",
    "(a.b)[0]", "$exists(a) ? a : 'none'", '{"k": a.b, "n": {"m": c}}', "sum(a)", "$nothing(a)",
]  # fmt: skip


@cache
def compiled(expression: str) -> CompiledExpression:
    return compile_expression(expression)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CORPUS), DOCUMENTS)
def test_corpus_agrees_with_jsonata_python(expression: str, data: Any) -> None:
    assert compiled(expression).compiled_fully
    assert_same_as_interpreter(compiled(expression), data)


NAMES = FIELDS | st.sampled_from(["$", "$$", "1", "0", "2.5", '"x"', '""', "true", "null"])
BINARY = ["+", "-", "*", "/", "=", "!=", "<", ">=", "&", "and", "or", "in"]
FUNCTIONS = ["sum", "count", "string", "exists", "not", "uppercase", "round", "keys", "number"]


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(FIELDS, FIELDS).map(lambda t: f"{t[0]}.{t[1]}"),
        st.tuples(FIELDS, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(FIELDS, st.integers(-2, 2)).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(FIELDS, inner).map(lambda t: f"{t[0]}.({t[1]})"),
        st.tuples(FIELDS, FIELDS, inner).map(lambda t: f'{t[0]}.{{"{t[1]}": {t[2]}}}'),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.tuples(FIELDS, inner).map(lambda t: f'{{"{t[0]}": {t[1]}}}'),
        st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"${t[0]}({t[1]})"),
        st.tuples(FIELDS, inner, inner).map(lambda t: f"{t[0]}{{{t[1]}: {t[2]}}}"),
        st.tuples(inner, inner).map(lambda t: f"($v := {t[0]}; [$v, {t[1]}])"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}.{t[1]}"),
        inner.map(lambda x: f"-{x}"),
        inner.map(lambda x: f"{x}[]"),
    )


GENERATED = st.recursive(NAMES, _compound, max_leaves=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GENERATED, DOCUMENTS)
def test_generated_expressions_agree_with_jsonata_python(expression: str, data: Any) -> None:
    try:
        compiled_expression = compile_expression(expression)
    except ExpressionError:
        with pytest.raises(jsonata.JException):
            jsonata.Jsonata(expression)
        return
    assert compiled_expression.compiled_fully, compiled_expression.unsupported
    assert_same_as_interpreter(compiled_expression, data)
