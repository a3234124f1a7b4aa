"""The connector contract: what a connector declares and the lifecycle it follows.

A connector is one module declaring a :class:`ConnectorSpec` (through the ``@connector``
decorator of :mod:`interloom.connectors.registry`): its name, whether it is a source or a sink,
its config model (which generates its docs, its validation and ``interloom connectors
describe``), a description, examples, and what it guarantees.

Three shapes of connector object:

- a **sink** (:class:`Sink`): ``connect()``, ``write(message, body)`` for each message,
  ``close()``. Every effect carries the message's idempotency key (``flow:message-id``).
- a **pull source** (:class:`PullSource`), run in the background by the runtime:
  ``connect(context)``, ``read()`` a :class:`Batch`, then ``ack(batch)`` once the batch is
  persisted in the durable store (or ``nack(batch, error)`` when it could not be), ``close()``.
  A batch carries the source's new state (its cursor): the runtime saves it only after the
  batch's messages are durable, so a crash in between reads the same items again, with the
  same message ids, rather than losing them.
- a **push source**: an HTTP route served by the data plane
  (:class:`~interloom.connectors.http_source.HttpSource` and its subclasses).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from pydantic import BaseModel

from interloom.core.errors import InterloomError, NotFoundError
from interloom.core.messages import Message

if TYPE_CHECKING:
    from interloom.connectors.interface_contracts import InterfaceContracts


class ConnectorKind(StrEnum):
    """What a connector does in a flow."""

    SOURCE = "source"
    SINK = "sink"
    BOTH = "both"  # one class and one config serve as source and as sink

    def serves(self, role: ConnectorKind) -> bool:
        """Whether a connector of this kind can play ``role`` (source or sink)."""
        return self is role or self is ConnectorKind.BOTH


class SinkError(InterloomError):
    """The downstream system did not take the message (it may be retried)."""

    code = "E-SINK-001"
    status = 502

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.downstream_status = status


class SourceError(InterloomError):
    """A source could not read (its system is unreachable, or answered what it cannot use)."""

    code = "E-SOURCE-001"
    status = 502


class ConnectorNotFoundError(NotFoundError):
    """No connector of that name is installed."""

    code = "E-CONNECTOR-001"
    status = 404


@dataclass(frozen=True, slots=True)
class ConnectorContext:
    """What a connector is built with: its flow, the project directory and the environment."""

    flow: str
    root: Path
    environ: Mapping[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    interface: str | None = None
    """The interface the endpoint names (``interface:SYSTEM.ID``), if any."""
    interfaces: InterfaceContracts | None = None
    """The project's interfaces and their contracts, for connectors that call by contract."""

    def resolve(self, path: str) -> Path:
        """A path of the config: relative ones are relative to the project directory."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate


# --- sinks ----------------------------------------------------------------------------------


@runtime_checkable
class Sink(Protocol):
    """Writes each message to a system; raises :class:`SinkError` when it did not."""

    async def connect(self) -> None:
        """Open connections (idempotent; ``write`` connects on first use too)."""

    async def write(self, message: Message, body: Any) -> Any:
        """Apply the effect of one message, carrying ``message.idempotency_key``."""

    async def close(self) -> None:
        """Release connections."""


# --- pull sources ---------------------------------------------------------------------------


class _Unchanged:
    """The state of a batch that leaves the source's state as it was."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged()


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One message read by a source, with the natural key its stable message id comes from.

    The same item read twice (after a crash, or an overlapping poll) has the same key, hence
    the same message id and idempotency key: the store and the sinks see it once.
    """

    key: str
    body: Any


@dataclass(slots=True)
class Batch:
    """What one ``read`` gives: items, the state to save once they are durable, a token.

    ``token`` is the source's own handle on the batch (the file it came from), for ``ack``.
    """

    items: list[SourceItem] = field(default_factory=list)
    state: Any = UNCHANGED
    token: Any = None


Wait = Callable[[float], Awaitable[bool]]


async def _sleep(seconds: float) -> bool:
    await asyncio.sleep(seconds)
    return False


@dataclass(slots=True)
class SourceContext:
    """What the runtime gives a pull source when it connects.

    ``state`` is what the source's last acknowledged batch asked to save (None at first).
    ``wait(seconds)`` sleeps, and returns True early when the source is being stopped: a
    source waits through it (never ``asyncio.sleep``) so that it stops at once and so that
    tests can drive its clock.
    """

    flow: str
    state: Any = None
    clock: Callable[[], float] = time.time
    wait: Wait = _sleep


@runtime_checkable
class PullSource(Protocol):
    """A source the runtime runs in the background: it reads, the runtime persists, it acks."""

    async def connect(self, context: SourceContext) -> None:
        """Start reading from where ``context.state`` says."""

    async def read(self) -> Batch:
        """Wait for the next items (an empty batch when stopping, or when there was nothing)."""

    async def ack(self, batch: Batch) -> None:
        """The batch is durable and its state saved: move on (advance, move the file…)."""

    async def nack(self, batch: Batch, error: str) -> None:
        """The batch could not be persisted: it will be read again."""

    async def close(self) -> None:
        """Release what ``connect`` opened."""


# --- the spec -------------------------------------------------------------------------------

Factory = Callable[[Any, ConnectorContext], Any]


@dataclass(frozen=True, slots=True)
class ConnectorSpec:
    """A connector: its name, kind, config model, and how to build it.

    ``factory(config, context)`` builds the connector object from a validated ``config``.
    ``guarantees`` says, in a sentence or two, what a user may rely on (delivery, effect).
    ``origin`` is ``interloom`` for the built-in connectors, else the distribution that
    registered it.
    """

    name: str
    kind: ConnectorKind
    config: type[BaseModel]
    factory: Factory
    description: str
    guarantees: str
    examples: tuple[Mapping[str, Any], ...] = ()
    origin: str = "interloom"

    @property
    def summary(self) -> str:
        """The first line of the description."""
        return self.description.strip().splitlines()[0] if self.description.strip() else ""
