"""Deciding on a message as a whole: ``validate`` against a schema, ``filter`` by a predicate."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
from pydantic import Field

from interloom.runtime.processors.base import (
    DROP,
    BuildContext,
    MessageRejectedError,
    Processor,
    StepConfigError,
    _Config,
    expression,
    pointer,
)


class ValidateConfig(_Config):
    """Check each message against a JSON Schema (2020-12 or draft-07)."""

    schema_file: str = Field(
        alias="schema", description="JSON Schema file, relative to the project directory."
    )
    max_errors: int = Field(default=20, ge=1, le=1000)


def build_validate(config: ValidateConfig, context: BuildContext) -> Processor:
    """A compiled validator raising :class:`MessageRejectedError` with RFC 6901 pointers."""
    path = context.root / config.schema_file
    try:
        schema = json.loads(path.read_text("utf-8"))
        validator = jsonschema_rs.validator_for(schema)
    except (OSError, ValueError) as error:
        raise StepConfigError(
            f"cannot read the schema {config.schema_file}: {error}",
            field=("schema",),
            hint="give a JSON Schema file relative to the project directory",
        ) from None
    limit = config.max_errors

    def validate(body: Any) -> Any:
        if validator.is_valid(body):
            return body
        details = []
        for error in validator.iter_errors(body):
            details.append(
                {"pointer": pointer(list(error.instance_path)), "message": error.message}
            )
            if len(details) >= limit:
                break
        raise MessageRejectedError("the message does not match its schema", details)

    return Processor(validate)


class FilterConfig(_Config):
    """Keep a message when the JSONata expression is truthy; drop it otherwise."""

    expression: str


def build_filter(config: FilterConfig, context: BuildContext) -> Processor:
    """A compiled JSONata predicate; a falsy result drops the message."""
    test = expression(config.expression, "expression").test

    def keep(body: Any) -> Any:
        return body if test(body) else DROP

    return Processor(keep)
