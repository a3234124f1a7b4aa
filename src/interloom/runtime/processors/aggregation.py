"""The aggregator: messages collected into groups by key, each group emitted as one message.

A message's item joins the open group of its key, in the database (so a restart loses
nothing), and the message's own journey ends there (:data:`HELD`). A group completes when it
holds ``count`` items, ``window_seconds`` after its first item, or after ``max_wait_seconds``
without a new item, whichever comes first. The runtime's group timer then puts the group in
the message store as a message of the flow, and the delivery worker turns it into the
aggregate (``output`` over ``$items``) and runs the steps after the aggregator and the sinks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import Field, model_validator

from interloom.core.flows.expressions import UNDEFINED, CompiledExpression
from interloom.runtime.processors.base import (
    HELD,
    BuildContext,
    MessageRejectedError,
    Mode,
    Processor,
    StepContext,
    StepFailedError,
    _Config,
    expression,
)

_WEEK = 7 * 86_400.0


class AggregateConfig(_Config):
    """Collect messages into groups by key; emit each complete group as one message."""

    key: str | None = Field(
        default=None,
        description="JSONata giving the group key; without it all messages form one group.",
    )
    item: str | None = Field(
        default=None, description="JSONata giving what to collect of each message (default all)."
    )
    count: int | None = Field(default=None, ge=1, le=100_000, description="Complete at n items.")
    window_seconds: float | None = Field(
        default=None, gt=0, le=_WEEK, description="Complete this long after the first item."
    )
    max_wait_seconds: float | None = Field(
        default=None, gt=0, le=_WEEK, description="Complete after this long without a new item."
    )
    output: str | None = Field(
        default=None,
        description="JSONata building the aggregate from $items (also the input), $key and "
        "$count; default: the array of items.",
    )

    @model_validator(mode="after")
    def _completes(self) -> AggregateConfig:
        if self.count is None and self.window_seconds is None and self.max_wait_seconds is None:
            raise ValueError(
                "give at least one of 'count', 'window_seconds' and 'max_wait_seconds', "
                "or a group never completes"
            )
        return self


@dataclass(frozen=True, slots=True)
class Aggregation:
    """What the runtime needs of an aggregator step: its id and how to build the aggregate."""

    step: str
    output: CompiledExpression | None

    def emit(self, group: Mapping[str, Any]) -> Any:
        """The aggregate of a group (``{"key": ..., "items": [...]}``)."""
        items = group["items"]
        if self.output is None:
            return items
        bindings = {"items": items, "key": group["key"], "count": len(items)}
        result = self.output.evaluate(items, bindings)
        if result is UNDEFINED:
            raise MessageRejectedError("the aggregate's output expression selects nothing", [])
        return result


def group_key(value: Any) -> str:
    """A key value as the text groups are stored under."""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def build_aggregate(config: AggregateConfig, context: BuildContext) -> Processor:
    """Key, item and output compiled once; groups kept in the runtime's processor state."""
    key_of = expression(config.key, "key").evaluate if config.key is not None else None
    item_of = expression(config.item, "item").evaluate if config.item is not None else None
    output = expression(config.output, "output") if config.output is not None else None
    resources, step = context.resources, context.step
    count, window, max_wait = config.count, config.window_seconds, config.max_wait_seconds

    async def aggregate(body: Any, message: StepContext) -> Any:
        state = resources.state
        if state is None:
            raise StepFailedError(
                f"step '{step}' keeps its groups in the database, which is not open here",
                hint="run the flow in the server (interloom serve), which opens the database",
            )
        key = ""
        if key_of is not None:
            found = key_of(body)
            if found is UNDEFINED:
                raise MessageRejectedError(
                    f"the group key ({config.key}) selects nothing in this message",
                    [{"pointer": "", "message": "no group key", "field": "key"}],
                )
            key = group_key(found)
        item = body if item_of is None else item_of(body)
        if item is UNDEFINED:
            raise MessageRejectedError(
                f"the item ({config.item}) selects nothing in this message",
                [{"pointer": "", "message": "no item", "field": "item"}],
            )
        collected = await state.collect(
            message.flow,
            step,
            key,
            message.message_id,
            orjson.dumps(item),
            resources.clock(),
            count=count,
            window=window,
            max_wait=max_wait,
        )
        if collected.complete:
            resources.wake()
        return HELD

    return Processor(aggregate, Mode.ASYNC, handle=Aggregation(step, output))
