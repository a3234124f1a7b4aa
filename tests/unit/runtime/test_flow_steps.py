"""Compiling a flow's steps: errors name the flow, step and field, at their line in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from interloom.core.flows.definition import Flow
from interloom.core.problems import Code
from interloom.formats.project_files import parse_file
from interloom.runtime.processors import Mode, StepConfigError
from interloom.runtime.steps import compile_steps, step_problems

FLOW = """\
id: orders
name: Orders
source:
  connector: http
  config: {path: /orders}
steps:
  - id: keep
    kind: filter
    config:
      expression: total > 0
  - id: where
    kind: route
    config:
      routes:
        - when: country = 'NL'
          to: [wms-nl, erpp]
  - id: oops
    kind: enrichh
  - id: shape
    kind: set
    config:
      fields: {total: "$sum(lines.qty"}
      extra: 1
sinks:
  - id: wms-nl
    connector: http
    config: {url: "http://127.0.0.1:1/wms"}
  - connector: http
    config: {url: "http://127.0.0.1:1/erp"}
"""


def parsed(text: str = FLOW) -> tuple[Flow, object]:
    result = parse_file(text, "flows/orders.yaml", Flow)
    assert result.loaded is not None, result.problems
    return result.loaded.model, result.loaded.source


def test_the_first_broken_step_stops_compiling_with_its_place_in_the_file() -> None:
    flow, source = parsed()

    with pytest.raises(StepConfigError) as raised:
        compile_steps(flow, Path("."), {}, source_map=source)  # type: ignore[arg-type]

    error = raised.value
    assert error.message == "flow 'orders' step 'where' (route): no sink 'erpp' in flow 'orders'"
    assert error.hint == "the flow's sinks: wms-nl, sink-1"
    assert str(error.location) == "flows/orders.yaml:16:24 steps[1].config.routes[0].to[1]"


def test_validate_reports_every_broken_step_at_its_line() -> None:
    flow, source = parsed()

    problems = step_problems(flow, source, Path("."))  # type: ignore[arg-type]

    assert [(p.code, p.line, p.path) for p in problems] == [
        (Code.STEP_CONFIG, 16, "steps[1].config.routes[0].to[1]"),
        (Code.UNKNOWN_PROCESSOR, 18, "steps[2].kind"),
        (Code.STEP_CONFIG, 23, "steps[3].config.extra"),
    ]
    assert problems[1].hint == "did you mean 'enrich'?"
    assert problems[2].hint == "known fields: fields, values"


def test_an_expression_error_is_located_at_its_field() -> None:
    fixed = (
        FLOW.replace("      extra: 1\n", "")
        .replace("kind: enrichh", "kind: remove\n    config: {fields: [a]}")
        .replace("erpp", "sink-1")
    )
    flow, source = parsed(fixed)

    problems = step_problems(flow, source, Path("."))  # type: ignore[arg-type]

    (problem,) = problems
    assert problem.code is Code.STEP_CONFIG
    assert (problem.line, problem.path) == (23, "steps[3].config.fields.total")
    assert "JSONata syntax error" in problem.message


def test_a_flow_of_simple_steps_compiles_to_simple_steps() -> None:
    flow, source = parsed(
        FLOW.split("  - id: where")[0] + "sinks:\n  - connector: http\n    config: {url: x}\n"
    )

    steps = compile_steps(flow, Path("."), {}, source_map=source)  # type: ignore[arg-type]

    assert [(s.id, s.mode) for s in steps] == [("keep", Mode.SIMPLE)]


def test_sinks_without_an_id_are_numbered_from_zero() -> None:
    flow, _ = parsed()

    assert flow.sink_ids == ["wms-nl", "sink-1"]
