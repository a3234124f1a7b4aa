"""The splitter: one message in, one message per item of an array out."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from interloom.core.flows.expressions import UNDEFINED
from interloom.runtime.processors.base import (
    BuildContext,
    MessageRejectedError,
    Mode,
    Processor,
    Split,
    _Config,
    expression,
)
from interloom.runtime.processors.paths import PathConflictError, describe, parse_path, set_path


class SplitConfig(_Config):
    """Each item of the array the expression yields goes on as a message of its own."""

    expression: str = Field(
        description="JSONata yielding the array to split, e.g. lines; one value is one item, "
        "nothing is no item."
    )
    keep: dict[str, str] = Field(
        default_factory=dict,
        description="Dotted field in each item -> JSONata evaluated on the whole message, to "
        "carry fields of the message into its items (items must then be objects).",
    )


def build_split(config: SplitConfig, context: BuildContext) -> Processor:
    """The array expression and the kept fields compiled once."""
    items_of = expression(config.expression, "expression").evaluate
    kept = [
        (parse_path(target, "keep", target), expression(text, "keep", target).evaluate)
        for target, text in config.keep.items()
    ]

    def split(body: Any) -> Split:
        found = items_of(body)
        if found is UNDEFINED:
            return Split(())
        items = list(found) if isinstance(found, list) else [found]
        if not kept:
            return Split(items)
        values = [(path, evaluate(body)) for path, evaluate in kept]
        values = [(path, value) for path, value in values if value is not UNDEFINED]
        result = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise MessageRejectedError(
                    f"item {index} is {describe(item)}: 'keep' can only add fields to objects",
                    [{"pointer": f"/{index}", "message": "not an object"}],
                )
            try:
                for path, value in values:
                    item = set_path(item, path, value)
            except PathConflictError as error:
                raise MessageRejectedError(
                    f"item {index}: {error.reason}",
                    [{"pointer": f"/{index}{error.pointer}", "message": error.reason}],
                ) from None
            result.append(item)
        return Split(result)

    return Processor(split, Mode.SYNC)
