"""Reshaping a message: ``map`` builds a new one, ``set`` and ``remove`` edit fields in place."""

from __future__ import annotations

import itertools
from typing import Any

from pydantic import Field, model_validator

from interloom.core.flows.expressions import UNDEFINED
from interloom.runtime.processors.base import (
    BuildContext,
    MessageRejectedError,
    Processor,
    StepConfigError,
    _Config,
    expression,
    mapping,
)
from interloom.runtime.processors.paths import (
    PathConflictError,
    parse_path,
    remove_path,
    set_path,
)


class MapConfig(_Config):
    """Build the outgoing message with JSONata: one expression, or one per target field."""

    expression: str | None = None
    fields: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> MapConfig:
        if (self.expression is None) == (self.fields is None):
            raise ValueError("give either 'expression' or 'fields'")
        return self


def build_map(config: MapConfig, context: BuildContext) -> Processor:
    """A compiled JSONata mapping; a message it maps to nothing is rejected, not forwarded."""
    if config.fields is not None:
        return Processor(mapping(config.fields, "fields").evaluate)
    assert config.expression is not None
    evaluate = expression(config.expression, "expression").evaluate

    def map_message(body: Any) -> Any:
        result = evaluate(body)
        if result is UNDEFINED:
            raise MessageRejectedError("the mapping selects nothing in this message", [])
        return result

    return Processor(map_message)


class SetConfig(_Config):
    """Set fields of the message: computed by JSONata (``fields``) or given (``values``)."""

    fields: dict[str, str] = Field(
        default_factory=dict,
        description="Dotted target path -> JSONata expression, evaluated on the incoming "
        "message; an undefined result leaves the field as it is.",
    )
    values: dict[str, Any] = Field(
        default_factory=dict, description="Dotted target path -> literal value (any JSON)."
    )

    @model_validator(mode="after")
    def _something(self) -> SetConfig:
        if not self.fields and not self.values:
            raise ValueError("give 'fields' (expressions) or 'values' (literals), or both")
        both = sorted(set(self.fields) & set(self.values))
        if both:
            raise ValueError(f"'{both[0]}' is in both 'fields' and 'values'; keep one")
        return self


def build_set(config: SetConfig, context: BuildContext) -> Processor:
    """Every expression compiled once; all of them read the message as it came in."""
    computed = [
        (parse_path(target, "fields", target), expression(text, "fields", target).evaluate)
        for target, text in config.fields.items()
    ]
    given = [
        (parse_path(target, "values", target), value) for target, value in config.values.items()
    ]
    _check_overlaps([path for path, _ in computed] + [path for path, _ in given])

    def set_fields(body: Any) -> Any:
        results = [(path, evaluate(body)) for path, evaluate in computed]
        try:
            for path, value in results:
                if value is not UNDEFINED:
                    body = set_path(body, path, value)
            for path, value in given:
                body = set_path(body, path, value)
        except PathConflictError as error:
            raise _conflict(error) from None
        return body

    return Processor(set_fields)


def _check_overlaps(paths: list[tuple[str, ...]]) -> None:
    ordered = sorted(paths)
    for first, second in itertools.pairwise(ordered):
        if second[: len(first)] == first:
            whole, part = ".".join(first), ".".join(second)
            raise StepConfigError(
                f"'{whole}' is set whole and '{part}' inside it",
                field=("fields",),
                hint=f"set '{whole}' either whole or field by field, not both",
            )


def _conflict(error: PathConflictError) -> MessageRejectedError:
    return MessageRejectedError(
        f"cannot set a field here: {error.reason}",
        [{"pointer": error.pointer, "message": error.reason}],
    )


class RemoveConfig(_Config):
    """Remove fields from the message; a field it does not have is no error."""

    fields: list[str] = Field(min_length=1, description="Dotted paths of the fields to remove.")


def build_remove(config: RemoveConfig, context: BuildContext) -> Processor:
    """The paths parsed once; each removal copies only the objects along its path."""
    paths = [parse_path(text, "fields", index) for index, text in enumerate(config.fields)]

    def remove_fields(body: Any) -> Any:
        for path in paths:
            body = remove_path(body, path)
        return body

    return Processor(remove_fields)
