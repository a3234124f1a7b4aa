"""What every processor shares: its errors, what it may return, and how it is built.

A processor is compiled once from its step's config (expressions parsed and compiled, files
read, sink ids resolved) into a :class:`Processor`. At run time it is called once per message:

- ``Mode.SIMPLE``: ``process(body)`` returns the next body or :data:`DROP`. Flows made only
  of simple steps run the same tight loop as before (the W1 hot path).
- ``Mode.SYNC``: ``process(body)`` may also return a :class:`Split` (each item goes on as its
  own message), a :class:`Routed` body (only some sinks get it) or :data:`HELD`.
- ``Mode.ASYNC``: ``await process(body, context)``, with the same outcomes; for steps that
  call other systems (enrich) or keep state in the database (aggregate, dedupe).

A message the step cannot accept raises :class:`MessageRejectedError` (answered 422, or
dead-lettered: retrying bad data changes nothing); a step whose downstream call failed raises
:class:`StepFailedError`, which is retried per the flow's error policy.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from interloom.connectors.interface_contracts import InterfaceContractError, InterfaceContracts
from interloom.core.errors import InterloomError, Location
from interloom.core.flows.expressions import CompiledExpression, ExpressionError, compile_mapping
from interloom.core.flows.expressions import CompiledMapping as CompiledMapping

if TYPE_CHECKING:
    from interloom.storage.processor_state import ProcessorState

FieldPath = tuple[str | int, ...]
INTERFACE_FIELD = "<interface>"
"""A :class:`StepConfigError` field that stands for the step's ``interface``, not its config."""


class _Sentinel:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


DROP: Any = _Sentinel("DROP")
"""Returned by a processor to end the message's journey here (a filter said no)."""

HELD: Any = _Sentinel("HELD")
"""Returned by the aggregator: the message is kept in a group, which goes on later."""


class Split:
    """The message becomes several: each item continues through the following steps."""

    __slots__ = ("items",)

    def __init__(self, items: Sequence[Any]) -> None:
        self.items = items


class Routed:
    """The body goes on to the sinks at these indexes only (a router chose them)."""

    __slots__ = ("body", "sinks")

    def __init__(self, body: Any, sinks: tuple[int, ...]) -> None:
        self.body = body
        self.sinks = sinks


class Mode(IntEnum):
    """How the runtime calls a processor."""

    SIMPLE = 0  # process(body) -> body | DROP
    SYNC = 1  # process(body) -> body | DROP | HELD | Split | Routed
    ASYNC = 2  # await process(body, context) -> the same


class StepContext(NamedTuple):
    """What an asynchronous step knows of the message it works on."""

    flow: str
    message_id: str
    attempt: int


Process = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Processor:
    """A compiled step: the callable, how to call it, and what it holds open."""

    process: Process
    mode: Mode = Mode.SIMPLE
    close: Callable[[], Awaitable[None]] | None = None
    handle: Any = None
    """The step's own object, for the runtime services that work with it (an aggregation)."""


class StepConfigError(InterloomError):
    """A step's config is not what its processor accepts."""

    code = "E-FLOW-002"
    status = 422

    def __init__(
        self,
        message: str,
        *,
        field: FieldPath = (),
        hint: str | None = None,
        location: Location | None = None,
        problem: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint, location=location)
        self.field = field
        self.problem = problem
        """The ``validate`` problem code, when more precise than E-FLOW-002 (E-FLOW-021…)."""

    @classmethod
    def from_interface(cls, error: InterfaceContractError) -> StepConfigError:
        """A contract look-up's error, at the config field it names (or at ``interface``)."""
        return cls(
            error.message,
            field=error.field if error.field is not None else (INTERFACE_FIELD,),
            hint=error.hint,
            problem="E-REF-001" if error.dangling else error.code,
        )


class MessageRejectedError(InterloomError):
    """The message breaks the flow's contract: the source answers 422 with every detail."""

    code = "E-MSG-001"
    status = 422

    def __init__(self, message: str, details: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.details = details


class StepFailedError(InterloomError):
    """A step's call to another system failed (5xx, timeout): the message is tried again."""

    code = "E-STEP-002"
    status = 502


def pointer(path: Sequence[str | int]) -> str:
    """The RFC 6901 JSON pointer of a path."""
    text = "/".join(map(str, path))
    if "~" not in text and text.count("/") == len(path) - 1:  # no part to escape
        return "/" + text if path else ""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def format_field(path: FieldPath) -> str:
    """A config field path as people write it: ``routes[1].to[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(slots=True)
class StepResources:
    """What the runtime lends its steps: the state store, the clock, the timers' wake-up."""

    state: ProcessorState | None = None
    clock: Callable[[], float] = time.time
    wake: Callable[[], None] = field(default=lambda: None)


@dataclass(frozen=True, slots=True)
class BuildContext:
    """Where a step is compiled: its project, flow, position and the flow's sinks."""

    root: Path
    flow: str = "flow"
    step: str = "step"
    sinks: tuple[str, ...] = ("sink-0",)
    environ: Mapping[str, str] = field(default_factory=dict)
    resources: StepResources = field(default_factory=StepResources)
    interface: str | None = None
    """The interface the step names (``interface:SYSTEM.ID``), if any."""
    interfaces: InterfaceContracts | None = None
    """The project's interfaces and contracts (read from ``root`` when not given)."""

    def contracts(self) -> InterfaceContracts:
        """The project's interfaces and contracts."""
        return self.interfaces if self.interfaces is not None else InterfaceContracts(self.root)


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=BaseModel)


def parse_config(model: type[M], data: dict[str, Any], what: str) -> M:
    """``data`` as ``model``; :class:`StepConfigError` names the first field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        where = format_field(loc)
        message = str(first["msg"]).removeprefix("Value error, ")
        raise StepConfigError(
            f"{what} config: {where + ': ' if where else ''}{message}", field=loc
        ) from None


def expression(text: str, *field: str | int) -> CompiledExpression:
    """Compile a config field's JSONata once; a syntax error is a :class:`StepConfigError`."""
    try:
        return CompiledExpression(text, target=format_field(field) or None)
    except ExpressionError as error:
        raise StepConfigError(error.message, field=field, hint=error.hint) from None


def mapping(fields: Mapping[str, str], *field: str | int) -> CompiledMapping:
    """Compile a field-by-field mapping once; errors name the target field."""
    try:
        return compile_mapping(fields)
    except ExpressionError as error:
        target = (*field, error.target) if error.target else field
        raise StepConfigError(error.message, field=target, hint=error.hint) from None
