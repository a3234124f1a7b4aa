"""The model of flow test files: what a case must give, and what it may not mix."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from interloom.core.flows.testcase import (
    FakeAnswer,
    FakeFailure,
    FlowTestCase,
    FlowTestFile,
    MessageStatus,
    answers_of,
    plain_json,
)


def case(**fields: Any) -> dict[str, Any]:
    return {"name": "a case", "input": {"a": 1}, "expect": {}, **fields}


def test_a_minimal_file_loads_with_its_defaults() -> None:
    loaded = FlowTestFile.model_validate({"flow": "w1", "cases": [case()]})

    only = loaded.cases[0]
    assert only.input_form == "input"
    assert only.expect.output_form is None
    assert only.expect.match.value == "exact"
    assert loaded.fakes == {}
    assert loaded.env == {}


def test_an_explicit_null_input_is_an_input() -> None:
    loaded = FlowTestCase.model_validate({"name": "n", "input": None, "expect": {}})

    assert loaded.input_form == "input"
    assert loaded.input is None


@pytest.mark.parametrize(
    "fields",
    [
        {"input": None, "input_file": "a.json"},
        {"input": 1, "inputs": [1]},
    ],
)
def test_a_case_gives_one_input_form(fields: dict[str, Any]) -> None:
    data = {"name": "n", "expect": {}, **fields}

    with pytest.raises(ValidationError, match="exactly one of input, input_file, inputs"):
        FlowTestCase.model_validate(data)


def test_a_case_without_input_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"got none"):
        FlowTestCase.model_validate({"name": "n", "expect": {}})


def test_an_expectation_gives_one_output_form() -> None:
    with pytest.raises(ValidationError, match="not output and output_file"):
        FlowTestCase.model_validate(case(expect={"output": {}, "output_file": "g.json"}))


def test_an_error_answer_has_no_status() -> None:
    with pytest.raises(ValidationError, match="no status, body or headers"):
        FakeAnswer.model_validate({"error": "timeout", "status": 200})


def test_a_fake_is_one_answer_or_a_sequence() -> None:
    loaded = FlowTestCase.model_validate(
        case(fakes={"sink-0": {"status": 503}, "crm": [{"error": "timeout"}, {"body": {"x": 1}}]})
    )

    assert [a.status for a in answers_of(loaded.fakes["sink-0"])] == [503]
    crm = answers_of(loaded.fakes["crm"])
    assert crm[0].error is FakeFailure.TIMEOUT
    assert crm[1].body == {"x": 1}


def test_case_names_are_unique_in_a_file() -> None:
    with pytest.raises(ValidationError, match="two cases are named 'a case'"):
        FlowTestFile.model_validate({"flow": "w1", "cases": [case(), case()]})


def test_status_is_one_value_or_a_list() -> None:
    one = FlowTestCase.model_validate(case(expect={"status": "rejected"}))
    several = FlowTestCase.model_validate(case(expect={"status": ["delivered", "filtered"]}))

    assert one.expect.status is MessageStatus.REJECTED
    assert several.expect.status == [MessageStatus.DELIVERED, MessageStatus.FILTERED]


@pytest.mark.parametrize("pointer", ["lines/2", "/a~2"])
def test_an_error_pointer_must_be_a_json_pointer(pointer: str) -> None:
    with pytest.raises(ValidationError):
        FlowTestCase.model_validate(case(expect={"error_pointer": pointer}))


def test_yaml_scalar_subclasses_become_plain_json() -> None:
    class YamlFloat(float):
        pass

    class YamlText(str):
        pass

    data = plain_json({"n": YamlFloat(2.5), "s": [YamlText("x")], "b": True})

    assert data == {"n": 2.5, "s": ["x"], "b": True}
    assert type(data["n"]) is float
    assert type(data["s"][0]) is str
