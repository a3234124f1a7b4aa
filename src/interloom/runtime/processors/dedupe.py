"""Dedupe: a message whose key was already seen within the window is a repeat, and goes no further.

The keys are kept in the database, so a restart forgets none of them. The first message with
a key defines the window (seconds from its sighting, or the last ``window_keys`` keys); the
same message delivered again (a retry) is not a repeat of itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import structlog
from pydantic import Field, model_validator

from interloom.core.flows.expressions import UNDEFINED
from interloom.runtime.processors.aggregation import group_key
from interloom.runtime.processors.base import (
    DROP,
    BuildContext,
    MessageRejectedError,
    Mode,
    Processor,
    StepContext,
    StepFailedError,
    _Config,
    expression,
)

log = structlog.get_logger(__name__)

# Keys that fell out of a window are deleted at most this often per step.
_PRUNE_EVERY_SECONDS = 60.0


class OnDuplicate(StrEnum):
    """What happens to a repeat."""

    DROP = "drop"  # counted as filtered
    DEAD_LETTER = "dead_letter"  # rejected with the earlier message's id


class DedupeConfig(_Config):
    """Let a key through once per window; drop (or dead-letter) the repeats."""

    key: str = Field(description="JSONata giving the message's identity, e.g. orderId.")
    window_seconds: float | None = Field(
        default=None, gt=0, le=366 * 86_400, description="A repeat within this many seconds."
    )
    window_keys: int | None = Field(
        default=None, ge=1, le=10_000_000, description="A repeat among the last n keys."
    )
    on_duplicate: OnDuplicate = OnDuplicate.DROP

    @model_validator(mode="after")
    def _one_window(self) -> DedupeConfig:
        if (self.window_seconds is None) == (self.window_keys is None):
            raise ValueError("give exactly one of 'window_seconds' and 'window_keys'")
        return self


def build_dedupe(config: DedupeConfig, context: BuildContext) -> Processor:
    """The key compiled once; the keys seen kept in the runtime's processor state."""
    key_of = expression(config.key, "key").evaluate
    resources, step = context.resources, context.step
    seconds, keys = config.window_seconds, config.window_keys
    dead_letter = config.on_duplicate is OnDuplicate.DEAD_LETTER
    next_prune = [0.0]

    async def dedupe(body: Any, message: StepContext) -> Any:
        state = resources.state
        if state is None:
            raise StepFailedError(
                f"step '{step}' keeps its keys in the database, which is not open here",
                hint="run the flow in the server (interloom serve), which opens the database",
            )
        found = key_of(body)
        if found is UNDEFINED:
            raise MessageRejectedError(
                f"the dedupe key ({config.key}) selects nothing in this message",
                [{"pointer": "", "message": "no dedupe key", "field": "key"}],
            )
        key = group_key(found)
        now = resources.clock()
        if now >= next_prune[0]:
            next_prune[0] = now + _PRUNE_EVERY_SECONDS
            await state.prune_keys(
                message.flow, step, now, window_seconds=seconds, window_keys=keys
            )
        earlier = await state.sight(
            message.flow,
            step,
            key,
            message.message_id,
            now,
            window_seconds=seconds,
            window_keys=keys,
        )
        if earlier is None:
            return body
        seen = datetime.fromtimestamp(earlier.seen_at, UTC).isoformat(timespec="seconds")
        reason = f"key {key!r} was seen in message {earlier.message_id} at {seen}"
        if dead_letter:
            raise MessageRejectedError(
                f"a repeat: {reason}",
                [{"pointer": "", "message": reason, "rule": "dedupe", "value": key}],
            )
        log.info("step.duplicate.dropped", flow=message.flow, step=step, reason=reason)
        return DROP

    return Processor(dedupe, Mode.ASYNC)
