"""Running a message through steps that split, route, hold or await.

``run_steps`` takes one message (the *source* message) through a sequence of compiled
steps and says what became of it:

- ``deliveries``: the bodies that reached the end, each with its message id and the sinks it
  goes to (``None``: all of them). A split message's items get derived ids
  ``<parent id>/<index>`` (nested splits: ``a/1/0``), so that a redelivery of the source
  message sends each item with the same idempotency key as the first time.
- ``parked``: items of a split message that a later step rejected; each becomes a dead letter
  of its own (the other items go on), to be replayed from the step that rejected it.
- ``dropped`` and ``held``: items a step dropped (filter, route to no sink, dedupe, cleanse)
  or that an aggregator took into a group.

A step rejecting the source message itself (not an item of it) raises
:class:`StepRaisedError` around the :class:`MessageRejectedError`, as does any other error of
a step, so that the caller knows which step failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from interloom.core.errors import InterloomError
from interloom.core.messages import Message
from interloom.runtime.processors import (
    DROP,
    HELD,
    Aggregation,
    MessageRejectedError,
    Mode,
    Routed,
    Split,
    StepContext,
)
from interloom.storage.message_store import MessageStore

if TYPE_CHECKING:
    from interloom.runtime.pipeline import CompiledFlow
    from interloom.runtime.steps import CompiledStep


@dataclass(slots=True)
class Delivery:
    """A body that passed every step: its message id and the sinks it goes to."""

    id: str
    body: Any
    sinks: tuple[int, ...] | None


@dataclass(slots=True)
class Parked:
    """An item of a split message that a step rejected: it becomes a dead letter of its own."""

    id: str
    body: Any
    step: str
    error: MessageRejectedError
    sinks: tuple[int, ...] | None


@dataclass(slots=True)
class Outcome:
    """What became of a source message and the items it was split into."""

    deliveries: list[Delivery] = field(default_factory=list)
    parked: list[Parked] = field(default_factory=list)
    dropped: int = 0
    held: int = 0


class StepRaisedError(Exception):
    """A step failed on the source message: which step, and the error it raised."""

    def __init__(self, step: str, error: Exception) -> None:
        super().__init__(f"step '{step}': {error}")
        self.step = step
        self.error = error


def _narrowed(chosen: tuple[int, ...] | None, routed: tuple[int, ...]) -> tuple[int, ...]:
    # A second router narrows the first one's choice.
    return routed if chosen is None else tuple(i for i in chosen if i in routed)


async def run_steps(
    steps: Sequence[CompiledStep],
    body: Any,
    message_id: str,
    *,
    flow: str,
    attempt: int = 1,
    sinks: tuple[int, ...] | None = None,
) -> Outcome:
    """Take a source message through ``steps``; see the module docstring."""
    outcome = Outcome()
    # Depth first, so that items keep their order: (next step, body, id, sinks, is an item).
    pending: list[tuple[int, Any, str, tuple[int, ...] | None, bool]] = [
        (0, body, message_id, sinks, False)
    ]
    count = len(steps)
    while pending:
        index, body, current_id, chosen, is_item = pending.pop()
        while index < count:
            step = steps[index]
            try:
                if step.mode is Mode.ASYNC:
                    out = await step.process(body, StepContext(flow, current_id, attempt))
                else:
                    out = step.process(body)
            except MessageRejectedError as error:
                if not is_item:
                    raise StepRaisedError(step.id, error) from error
                outcome.parked.append(Parked(current_id, body, step.id, error, chosen))
                break
            except Exception as error:
                raise StepRaisedError(step.id, error) from error
            if out is DROP:
                outcome.dropped += 1
                break
            if out is HELD:
                outcome.held += 1
                break
            kind = out.__class__
            if kind is Split:
                pending.extend(
                    (index + 1, item, f"{current_id}/{n}", chosen, True)
                    for n, item in reversed(list(enumerate(out.items)))
                )
                break
            if kind is Routed:
                chosen = _narrowed(chosen, out.sinks)
                if not chosen:
                    outcome.dropped += 1
                    break
                body = out.body
            else:
                body = out
            index += 1
        else:
            outcome.deliveries.append(Delivery(current_id, body, chosen))
    return outcome


# --- messages that resume inside a flow ---------------------------------------------------
# A message the runtime itself puts in the store (an aggregate, or an item parked as a dead
# letter) does not start at the flow's first step. Its stored body starts with a NUL byte (no
# JSON text does), a small JSON header saying where it resumes, a newline, then the JSON body:
#   {"at": "step-id"}    run from that step on (a parked item: the step that rejected it)
#   {"emit": "step-id"}  the body is a group of that aggregator: build the aggregate, then
#                        run the steps after it
# and optionally "sinks": [indexes] when a router had chosen them.

RESUME_MARK = b"\x00"


def resumable(body: Any, header: dict[str, Any]) -> bytes:
    """The stored form of a message that resumes inside its flow."""
    return RESUME_MARK + orjson.dumps(header) + b"\n" + orjson.dumps(body)


def resumable_group(key: str, items: Sequence[bytes], step: str) -> bytes:
    """The stored form of an aggregator's group, from its items' JSON as stored."""
    body = b'{"key":' + orjson.dumps(key) + b',"items":[' + b",".join(items) + b"]}"
    return RESUME_MARK + orjson.dumps({"emit": step}) + b"\n" + body


def split_resumable(stored: bytes) -> tuple[dict[str, Any] | None, bytes]:
    """The resume header of a stored body (None for an ordinary message) and its JSON."""
    if stored[:1] != RESUME_MARK:
        return None, stored
    header, _, body = stored[1:].partition(b"\n")
    parsed = orjson.loads(header)
    return (parsed if isinstance(parsed, dict) else {}), body


class ResumeError(InterloomError):
    """A stored message resumes at a step its flow no longer has."""

    code = "E-STEP-003"
    status = 409


@dataclass(frozen=True, slots=True)
class Resumption:
    """Where a stored message goes on: the steps left, its sinks, the aggregate to build."""

    steps: Sequence[CompiledStep]
    sinks: tuple[int, ...] | None
    aggregation: Aggregation | None


def resumption(flow: CompiledFlow, header: dict[str, Any]) -> Resumption:
    """The steps a stored message with this resume header runs; :class:`ResumeError` if gone."""
    step_id = header.get("emit") or header.get("at")
    index = flow.step_index(str(step_id)) if step_id is not None else None
    if index is None:
        raise ResumeError(
            f"the message resumes at step '{step_id}', which flow '{flow.id}' no longer has",
            hint="restore the step, or discard the dead letter",
        )
    sinks = None
    if "sinks" in header:
        sinks = tuple(i for i, sink in enumerate(flow.sink_ids) if sink in header["sinks"])
    if "emit" in header:
        handle = flow.steps[index].processor
        aggregation = handle.handle if handle is not None else None
        if not isinstance(aggregation, Aggregation):
            raise ResumeError(
                f"the message is a group of aggregator '{step_id}', which is no aggregator now"
            )
        return Resumption(flow.steps[index + 1 :], sinks, aggregation)
    return Resumption(flow.steps[index:], sinks, None)


def rejection_text(error: Exception) -> str:
    """A rejection as one line for a dead letter: the message and its first details."""
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    details = getattr(error, "details", None)
    if isinstance(error, MessageRejectedError) and details:
        parts = []
        for detail in details[:5]:
            where = detail.get("pointer") or detail.get("field") or ""
            parts.append(f"{where} {detail.get('message', '')}".strip())
        more = f" (+{len(details) - 5} more)" if len(details) > 5 else ""
        text = f"{text}: {'; '.join(parts)}{more}"
    return text


async def write_deliveries(flow: CompiledFlow, outcome: Outcome, attempt: int = 1) -> None:
    """Write each delivery to its sinks, in order; :class:`StepRaisedError` names the sink."""
    sinks = flow.sinks
    everywhere = range(len(sinks))
    for delivery in outcome.deliveries:
        message = Message(flow.id, delivery.body, id=delivery.id, attempt=attempt)
        for index in everywhere if delivery.sinks is None else delivery.sinks:
            try:
                await sinks[index].write(message, delivery.body)
            except Exception as error:
                raise StepRaisedError(f"sinks[{index}]", error) from error


async def park(store: MessageStore, flow: CompiledFlow, parked: Sequence[Parked]) -> None:
    """Make each parked item a dead letter of its own, replayable from the step that refused it."""
    for item in parked:
        header: dict[str, Any] = {"at": item.step}
        if item.sinks is not None:
            header["sinks"] = [flow.sink_ids[i] for i in item.sinks]
        await store.put(flow.id, item.id, resumable(item.body, header))
        await store.dead_letter(item.id, rejection_text(item.error), item.step)
