"""A message moving through a flow."""

from __future__ import annotations

import itertools
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

_PROCESS_PREFIX = f"{uuid.uuid4().hex[:12]}-"
_counter = itertools.count(1)


def _new_process() -> None:
    global _PROCESS_PREFIX, _counter
    _PROCESS_PREFIX = f"{uuid.uuid4().hex[:12]}-"
    _counter = itertools.count(1)


os.register_at_fork(after_in_child=_new_process)


def new_message_id() -> str:
    """A message id unique across processes: a random per-process prefix and a counter.

    Cheaper than a UUID per message, which showed in the relay's profile.
    """
    return f"{_PROCESS_PREFIX}{next(_counter):010d}"


@dataclass(slots=True)
class Message:
    """One business message: its stable id, its body and what the source said about it."""

    flow: str
    body: Any
    id: str = field(default_factory=new_message_id)
    headers: dict[str, str] = field(default_factory=dict)
    received_at: float = field(default_factory=time.time)
    attempt: int = 1

    @property
    def idempotency_key(self) -> str:
        """The key a sink sends with the effect, so a redelivery does not repeat it."""
        return f"{self.flow}:{self.id}"
