"""Processors: the steps of a flow, each compiled once from its config into a callable."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jsonschema_rs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from interloom.core.errors import InterloomError, Location
from interloom.core.flows.expressions import UNDEFINED, compile_expression, compile_mapping

DROP = object()
"""Returned by a processor to end the message's journey here (a filter said no)."""

Process = Callable[[Any], Any]
M = TypeVar("M", bound=BaseModel)


class StepConfigError(InterloomError):
    """A step's config is not what its processor accepts."""

    code = "E-FLOW-002"
    status = 422


class MessageRejectedError(InterloomError):
    """The message breaks the flow's contract: the source answers 422 with every detail."""

    code = "E-MSG-001"
    status = 422

    def __init__(self, message: str, details: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.details = details


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValidateConfig(_Config):
    """Check each message against a JSON Schema (2020-12 or draft-07)."""

    schema_file: str = Field(
        alias="schema", description="JSON Schema file, relative to the project directory."
    )
    max_errors: int = Field(default=20, ge=1, le=1000)


class MapConfig(_Config):
    """Build the outgoing message with JSONata: one expression, or one per target field."""

    expression: str | None = None
    fields: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> MapConfig:
        if (self.expression is None) == (self.fields is None):
            raise ValueError("give either 'expression' or 'fields'")
        return self


class FilterConfig(_Config):
    """Keep a message when the JSONata expression is truthy; drop it otherwise."""

    expression: str


def _pointer(path: list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def build_validate(config: ValidateConfig, root: Path) -> Process:
    """A compiled validator raising :class:`MessageRejectedError` with RFC 6901 pointers."""
    path = root / config.schema_file
    try:
        schema = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise StepConfigError(
            f"cannot read the schema {config.schema_file}: {error}",
            location=Location(file=config.schema_file),
        ) from None
    validator = jsonschema_rs.validator_for(schema)
    limit = config.max_errors

    def validate(body: Any) -> Any:
        if validator.is_valid(body):
            return body
        details = []
        for error in validator.iter_errors(body):
            pointer = _pointer(list(error.instance_path))
            details.append({"pointer": pointer, "message": error.message})
            if len(details) >= limit:
                break
        raise MessageRejectedError("the message does not match its schema", details)

    return validate


def build_map(config: MapConfig, root: Path) -> Process:
    """A compiled JSONata mapping; a message it maps to nothing is rejected, not forwarded."""
    if config.fields is not None:
        return compile_mapping(config.fields).evaluate
    assert config.expression is not None
    evaluate = compile_expression(config.expression).evaluate

    def map_message(body: Any) -> Any:
        result = evaluate(body)
        if result is UNDEFINED:
            raise MessageRejectedError("the mapping selects nothing in this message", [])
        return result

    return map_message


def build_filter(config: FilterConfig, root: Path) -> Process:
    """A compiled JSONata predicate; a falsy result drops the message."""
    test = compile_expression(config.expression).test

    def keep(body: Any) -> Any:
        return body if test(body) else DROP

    return keep


@dataclass(frozen=True, slots=True)
class ProcessorSpec:
    """A processor kind: its config model and how to build it."""

    kind: str
    config: type[_Config]
    build: Callable[[Any, Path], Process]
    description: str


PROCESSORS: dict[str, ProcessorSpec] = {
    spec.kind: spec
    for spec in (
        ProcessorSpec("validate", ValidateConfig, build_validate, ValidateConfig.__doc__ or ""),
        ProcessorSpec("map", MapConfig, build_map, MapConfig.__doc__ or ""),
        ProcessorSpec("filter", FilterConfig, build_filter, FilterConfig.__doc__ or ""),
    )
}


def build_processor(kind: str, config: dict[str, Any], root: Path) -> Process:
    """Compile one step; :class:`StepConfigError` when its kind or config is wrong."""
    spec = PROCESSORS.get(kind)
    if spec is None:
        raise StepConfigError(
            f"no processor '{kind}'", hint=f"available: {', '.join(sorted(PROCESSORS))}"
        )
    return spec.build(parse_config(spec.config, config, kind), root)


def parse_config(model: type[M], data: dict[str, Any], what: str) -> M:
    """``data`` as ``model``; :class:`StepConfigError` names the first field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise StepConfigError(
            f"{what} config: {where + ': ' if where else ''}{first['msg']}"
        ) from None
