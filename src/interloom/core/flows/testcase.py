"""Flow test files (``flows/tests/*.yaml``): messages to run through a flow, what to expect.

::

    flow: w1
    cases:
      - name: an order is mapped
        input_file: data/order.json          # or input: {...} inline, or inputs: [...]
        fakes:                                # per sink id or enrich step id
          sink-0: {status: 201}
        expect:
          status: delivered
          output_file: golden/order.mapped.json
          ignore: [/placedAt]

Paths are relative to the test file. Files are JSON (``.json``) or YAML.

What can go wrong running them::

    FlowTestError                E-TEST-001  422  a test file or case cannot be run
    ├── FlowTestFileError        E-TEST-002  422  an input or golden file cannot be read
    ├── UnfakedCallError         E-TEST-003  422  a step called a system the test did not fake
    └── FakeKeyError             E-TEST-004  422  a fake for a sink or step the flow lacks
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from interloom.core.definition import Definition, SlugId, Text
from interloom.core.errors import InterloomError
from interloom.core.flows.comparison import Match

__all__ = [
    "CaseExpectation",
    "FakeAnswer",
    "FakeFailure",
    "FakeKeyError",
    "FakeSpec",
    "FlowTestCase",
    "FlowTestError",
    "FlowTestFile",
    "FlowTestFileError",
    "LineageExpectation",
    "MessageStatus",
    "UnfakedCallError",
    "answers_of",
    "plain_json",
]


class FlowTestError(InterloomError):
    """A flow test file or case cannot be run (its flow is missing or does not compile)."""

    code = "E-TEST-001"
    status = 422


class FlowTestFileError(FlowTestError):
    """A file a test case names (an input, a golden output) cannot be read."""

    code = "E-TEST-002"
    status = 422


class UnfakedCallError(FlowTestError):
    """A step called another system, and the test gave no answer for it (no network)."""

    code = "E-TEST-003"
    status = 422

    def __init__(self, owner: str, method: str, url: str) -> None:
        super().__init__(
            f"step '{owner}' called {method} {url}, and the test has no fake for it",
            hint=f"add an answer under fakes.{owner}, e.g. {{status: 200, body: {{...}}}}",
        )
        self.owner = owner


class FakeKeyError(FlowTestError):
    """A test fakes a sink or step its flow does not have (or a step that calls nothing)."""

    code = "E-TEST-004"
    status = 422

    def __init__(self, message: str, *, key: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.key = key


def plain_json(value: Any) -> Any:
    """``value`` as plain JSON data: YAML readers' subclasses of int, float and str undone."""
    if isinstance(value, dict):
        return {str(key): plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (int, float, str):
        if isinstance(value, kind) and type(value) is not kind:
            return kind(value)
    return value


JsonValue = Annotated[Any, BeforeValidator(plain_json)]
"""Any JSON value (a message body, an output)."""

POINTER_PATTERN = r"^(/([^~]|~[01])*)*$"
Pointer = Annotated[
    str,
    Field(
        pattern=POINTER_PATTERN,
        description="A JSON pointer (RFC 6901): '' for the whole document, else /a/0/b.",
        examples=["/lines/2/qty"],
    ),
]
IgnoredPointer = Annotated[
    str,
    Field(
        pattern=POINTER_PATTERN,
        description="A JSON pointer; a '*' token stands for any member or index.",
        examples=["/id", "/lines/*/createdAt"],
    ),
]


class MessageStatus(StrEnum):
    """What became of a message, as the runtime would report it."""

    DELIVERED = "delivered"  # every sink took it (or its items)
    REJECTED = "rejected"  # a step refused it before the caller got an answer (4xx)
    FILTERED = "filtered"  # a step dropped it (filter, route to no sink, dedupe…)
    DEAD_LETTERED = "dead_lettered"  # parked for a person: bad data, or tries used up
    FAILED = "failed"  # a sync reply answered 5xx (a sink or a call failed)
    AGGREGATED = "aggregated"  # an aggregator kept it in a group


class FakeFailure(StrEnum):
    """A failure a fake answers with instead of a status."""

    CONNECTION = "connection"  # the host cannot be reached
    TIMEOUT = "timeout"  # no answer in time


class FakeAnswer(Definition):
    """One answer of a faked sink or enrichment call: a status and body, or a failure."""

    status: int = Field(default=200, ge=100, le=599, description="The HTTP status answered.")
    body: JsonValue = Field(default=None, description="The answer's body (JSON); none by default.")
    headers: dict[str, str] = Field(default_factory=dict)
    error: FakeFailure | None = Field(
        default=None, description="Fail instead of answering: connection or timeout."
    )

    @model_validator(mode="after")
    def _failure_alone(self) -> FakeAnswer:
        given = self.model_fields_set
        if self.error is not None and given & {"status", "body", "headers"}:
            raise ValueError("an answer with 'error' has no status, body or headers")
        return self


FakeSpec = FakeAnswer | Annotated[list[FakeAnswer], Field(min_length=1)]
"""One answer for every call, or a sequence of answers (the last one repeats)."""


def answers_of(spec: FakeSpec) -> list[FakeAnswer]:
    """The answers of a fake, in the order calls get them."""
    return list(spec) if isinstance(spec, list) else [spec]


class LineageExpectation(Definition):
    """The input fields each output field comes from (the flow's field lineage)."""

    step: SlugId | None = Field(
        default=None,
        description="A map or set step: its own lineage (default: the flow end to end, "
        "from what the source takes in to what the sinks get).",
    )
    fields: dict[str, list[str]] = Field(
        min_length=1,
        description="Output field (dotted, [] for arrays) -> the input fields it comes from.",
        examples=[{"buyer.customerNo": ["customer.id"]}],
    )


_OUTPUT_FORMS = ("output", "output_file", "outputs", "outputs_file")


class CaseExpectation(Definition):
    """What a case expects of the flow; only what is given is checked."""

    status: MessageStatus | list[MessageStatus] | None = Field(
        default=None,
        description="The status of the message (of each, in order, when a list; of every "
        "input when one value).",
    )
    output: JsonValue = Field(
        default=None, description="The one message the flow delivered (its body)."
    )
    output_file: str | None = Field(
        default=None, description="A JSON file holding the expected output (a golden file)."
    )
    outputs: list[JsonValue] | None = Field(
        default=None, description="Every message the flow delivered, in order."
    )
    outputs_file: str | None = Field(
        default=None, description="A JSON file holding the array of expected outputs."
    )
    sinks: dict[SlugId, list[JsonValue]] | None = Field(
        default=None,
        description="Sink id -> every body it received, in order (retries included).",
    )
    error_code: str | None = Field(
        default=None, pattern=r"^[EW]-[A-Z]+-[0-9]{3}$", examples=["E-MSG-001"]
    )
    error_pointer: Pointer | None = Field(
        default=None, description="A JSON pointer the rejection names (one of its details)."
    )
    error_message: str | None = Field(default=None, description="Text the error message contains.")
    lineage: LineageExpectation | None = None
    match: Match = Field(
        default=Match.EXACT,
        description="exact: outputs equal; subset: the expected members are there, with "
        "these values (the output may hold more).",
    )
    ignore: list[IgnoredPointer] = Field(
        default_factory=list,
        description="Members left out of the comparison of outputs and sink bodies.",
    )

    @model_validator(mode="after")
    def _one_output_form(self) -> CaseExpectation:
        given = [name for name in _OUTPUT_FORMS if name in self.model_fields_set]
        if len(given) > 1:
            raise ValueError(f"give one of {', '.join(_OUTPUT_FORMS)}, not {' and '.join(given)}")
        return self

    @property
    def output_form(self) -> str | None:
        """Which of output, output_file, outputs, outputs_file the case gives (if any)."""
        return next((name for name in _OUTPUT_FORMS if name in self.model_fields_set), None)


_INPUT_FORMS = ("input", "input_file", "inputs")


class FlowTestCase(Definition):
    """One case: the message(s) sent, the fakes' answers, what is expected."""

    name: Text
    description: str | None = None
    input: JsonValue = Field(default=None, description="The message body (inline JSON or YAML).")
    input_file: str | None = Field(
        default=None, description="A file holding the message body (JSON, or YAML)."
    )
    inputs: list[JsonValue] | None = Field(
        default=None, min_length=1, description="Several messages, sent one after the other."
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="Request headers (e.g. Idempotency-Key)."
    )
    fakes: dict[SlugId, FakeSpec] = Field(
        default_factory=dict,
        description="Sink id or enrich step id -> its answer(s); sinks answer 200 by default.",
    )
    expect: CaseExpectation
    skip: str | None = Field(default=None, description="Skip the case, for this reason.")

    @model_validator(mode="after")
    def _one_input_form(self) -> FlowTestCase:
        given = [name for name in _INPUT_FORMS if name in self.model_fields_set]
        if len(given) != 1:
            what = "none" if not given else " and ".join(given)
            raise ValueError(f"give exactly one of input, input_file, inputs (got {what})")
        return self

    @property
    def input_form(self) -> str:
        """Which of input, input_file, inputs the case gives."""
        return next(name for name in _INPUT_FORMS if name in self.model_fields_set)


class FlowTestFile(Definition):
    """A flow test file (``flows/tests/*.yaml``): cases run through one flow."""

    flow: SlugId = Field(description="The id of the flow under test.")
    description: str | None = None
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Environment variables for ${VAR} in the flow, over the process's own.",
    )
    fakes: dict[SlugId, FakeSpec] = Field(
        default_factory=dict, description="Answers for every case (a case's own fakes win)."
    )
    cases: list[FlowTestCase] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> FlowTestFile:
        seen: set[str] = set()
        for case in self.cases:
            if case.name in seen:
                raise ValueError(f"two cases are named '{case.name}'; names are unique per file")
            seen.add(case.name)
        return self
