"""What became of the messages a flow harness ran: status, outputs, error, tries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interloom.core.errors import InterloomError
from interloom.core.flows.testcase import MessageStatus
from interloom.runtime.fakes import FakeCall

__all__ = ["DeadLetter", "HarnessResult", "MessageRun", "RunError", "run_error"]


@dataclass(slots=True)
class RunError:
    """Why a message did not get through: the error's code, message, step and pointers."""

    code: str
    message: str
    step: str | None = None
    hint: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pointers(self) -> list[str]:
        """The JSON pointers the error's details name."""
        return [str(d["pointer"]) for d in self.details if d.get("pointer") is not None]

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.step is not None:
            data["step"] = self.step
        if self.hint:
            data["hint"] = self.hint
        if self.details:
            data["details"] = self.details
        return data


@dataclass(slots=True)
class DeadLetter:
    """An item of a split message that a step rejected: a dead letter of its own."""

    id: str
    step: str
    error: RunError


@dataclass(slots=True)
class MessageRun:
    """What became of one message: its status, what it delivered, the error, the tries."""

    id: str
    status: MessageStatus
    outputs: list[Any] = field(default_factory=list)
    error: RunError | None = None
    attempts: int = 1
    dead_letters: list[DeadLetter] = field(default_factory=list)
    origin: str = "input"  # or "aggregate": a group an aggregator emitted

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        data: dict[str, Any] = {
            "id": self.id,
            "origin": self.origin,
            "status": self.status.value,
            "attempts": self.attempts,
            "outputs": self.outputs,
        }
        if self.error is not None:
            data["error"] = self.error.to_dict()
        if self.dead_letters:
            data["dead_letters"] = [
                {"id": d.id, "step": d.step, "error": d.error.to_dict()} for d in self.dead_letters
            ]
        return data


@dataclass(slots=True)
class HarnessResult:
    """Every message run, what each sink received, every call each fake answered."""

    messages: list[MessageRun]
    sinks: dict[str, list[Any]]
    calls: dict[str, list[FakeCall]]

    @property
    def outputs(self) -> list[Any]:
        """Every body the flow delivered, in order."""
        return [body for run in self.messages for body in run.outputs]

    @property
    def inputs(self) -> list[MessageRun]:
        """The runs of the messages sent (not of the aggregates emitted)."""
        return [run for run in self.messages if run.origin == "input"]


def run_error(error: BaseException, step: str | None) -> RunError:
    if isinstance(error, InterloomError):
        details = list(getattr(error, "details", None) or [])
        return RunError(error.code, error.message, step, error.hint, details)
    return RunError("E-INTERNAL-001", f"{type(error).__name__}: {error}", step)
