"""A message moving through a flow."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any


def new_message_id() -> str:
    """A fresh, sortable message id (UUID 7 where available, else UUID 4)."""
    maker = getattr(uuid, "uuid7", None)
    return str(maker() if maker is not None else uuid.uuid4())


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
