"""Recorded flow inputs and replaying them: what one flow version did beside another.

A recording keeps the real inputs a running flow received (see
:mod:`interloom.formats.flow_recording` for the file). Replay runs each of them through two
versions of the flow and compares what each did (:func:`compare_runs`), as one document per
message::

    {"status": "delivered", "error_code": null, "outputs": [...], "sinks": {"sink-0": [...]}}

so a difference reads as a JSON pointer into it: ``/outputs/0/buyer/fullName``, ``/status``.

::

    RecordingError               E-RECORD-001  422  a recording cannot be read or used
    ├── RecordingPathError       E-RECORD-002  400  a recording file outside the project
    ├── RecordingUnsupportedError E-RECORD-003 409  the flow's source is not served over HTTP
    └── ReplayVersionError       E-RECORD-004  422  the other version of the flow is unreadable
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from interloom.core.errors import InterloomError
from interloom.core.flows.comparison import Difference, differences

__all__ = [
    "MessageComparison",
    "RecordedInput",
    "RecordingError",
    "RecordingPathError",
    "RecordingUnsupportedError",
    "ReplayVersionError",
    "RunSummary",
    "compare_runs",
    "pointer_counts",
]


class RecordingError(InterloomError):
    """A flow recording cannot be read or used (not JSON input, another flow's inputs)."""

    code = "E-RECORD-001"
    status = 422


class RecordingPathError(RecordingError):
    """A recording file asked for over the API lies outside the project directory."""

    code = "E-RECORD-002"
    status = 400


class RecordingUnsupportedError(RecordingError):
    """The flow's source is not served over HTTP by the data plane: it is not recorded."""

    code = "E-RECORD-003"
    status = 409


class ReplayVersionError(RecordingError):
    """The other version of a flow cannot be read (a flow file, or git show REV:path)."""

    code = "E-RECORD-004"
    status = 422


@dataclass(frozen=True, slots=True)
class RecordedInput:
    """One input a flow received: its body and headers, the flow version, where it is kept."""

    line: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()
    flow: str | None = None
    version: int | None = None
    status: int | None = None  # what the data plane answered


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a flow version did with one message, as replay compares it."""

    status: str
    error_code: str | None = None
    outputs: Sequence[Any] = ()
    sinks: Mapping[str, Sequence[Any]] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """The summary as one JSON document (pointers of differences point into it)."""
        return {
            "status": self.status,
            "error_code": self.error_code,
            "outputs": list(self.outputs),
            "sinks": {sink: list(bodies) for sink, bodies in self.sinks.items()},
        }


@dataclass(frozen=True, slots=True)
class MessageComparison:
    """One recorded message run through both versions: every difference (old → new)."""

    line: int
    old: RunSummary
    new: RunSummary
    differences: tuple[Difference, ...]

    @property
    def same(self) -> bool:
        """Whether both versions did the same."""
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        """Plain data: each difference as pointer, old value, new value."""
        found = []
        for difference in self.differences:
            item: dict[str, Any] = {"pointer": difference.pointer, "kind": difference.kind.value}
            if difference.kind.value != "unexpected":
                item["old"] = difference.expected
            if difference.kind.value != "missing":
                item["new"] = difference.actual
            found.append(item)
        return {
            "line": self.line,
            "old_status": self.old.status,
            "new_status": self.new.status,
            "differences": found,
        }


def compare_runs(
    line: int, old: RunSummary, new: RunSummary, *, ignore: Iterable[str] = ()
) -> MessageComparison:
    """What differs between the old and the new version's run of one message."""
    found = differences(old.document(), new.document(), ignore=ignore)
    return MessageComparison(line, old, new, tuple(found))


def _general(pointer: str) -> str:
    """A pointer with its array indexes as ``*``: where in the shape a difference is."""
    return "/".join("*" if part.isdigit() else part for part in pointer.split("/"))


def pointer_counts(comparisons: Iterable[MessageComparison]) -> list[tuple[str, int]]:
    """How many messages differ at each place (indexes generalised), most first."""
    counts: Counter[str] = Counter()
    for comparison in comparisons:
        counts.update({_general(d.pointer) for d in comparison.differences})
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
