"""Deciding on a message as a whole: ``validate`` against a schema, ``filter`` by a predicate."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
from pydantic import Field

from interloom.connectors.interface_contracts import InterfaceContractError
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

    schema_file: str | None = Field(
        default=None,
        alias="schema",
        description="JSON Schema file, relative to the project directory. Without it, the "
        "step's interface gives the schema: its operation's request body, or its message "
        "payload (AsyncAPI).",
    )
    max_errors: int = Field(default=20, ge=1, le=1000)


def _schema_file_validator(schema_file: str, root: Path) -> Any:
    try:
        schema = json.loads((root / schema_file).read_text("utf-8"))
        return jsonschema_rs.validator_for(schema)
    except (OSError, ValueError) as error:
        raise StepConfigError(
            f"cannot read the schema {schema_file}: {error}",
            field=("schema",),
            hint="give a JSON Schema file relative to the project directory",
        ) from None


def _interface_validator(context: BuildContext) -> Any:
    if context.interface is None:
        raise StepConfigError(
            "no schema to validate against",
            field=("schema",),
            hint="give 'schema' (a JSON Schema file), or an 'interface:' on the step",
        )
    try:
        return context.contracts().validator(context.interface)
    except InterfaceContractError as error:
        raise StepConfigError.from_interface(error) from None


def build_validate(config: ValidateConfig, context: BuildContext) -> Processor:
    """A compiled validator raising :class:`MessageRejectedError` with RFC 6901 pointers."""
    if config.schema_file is not None:
        validator = _schema_file_validator(config.schema_file, context.root)
    else:
        validator = _interface_validator(context)
    limit = config.max_errors

    def validate(body: Any) -> Any:
        # One pass: iter_errors on a valid body costs less than is_valid (4 µs against 7 on
        # the W1 order), and an invalid one is not walked twice.
        errors = validator.iter_errors(body)
        first = next(errors, None)
        if first is None:
            return body
        details = []
        for error in itertools.chain((first,), errors):
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
