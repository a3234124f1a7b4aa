"""Replay: run recorded inputs through the current flow and another version of it, compare.

The other version is a flow file, or ``git:REV`` — the flow's own file as it was at revision
REV (``git show REV:flows/orders.yaml``). Both versions run in the flow harness with the same
fakes (sinks answer 200 unless told; calls of enrich steps answer what ``--fakes`` says), one
harness each for the whole recording, so state such as dedupe keys builds up as it did live.
Files the flow reads (JSON Schemas) come from the working tree for both.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from interloom.core.errors import Location, NotFoundError
from interloom.core.flows.definition import Flow
from interloom.core.flows.recording import (
    MessageComparison,
    RecordedInput,
    RecordingError,
    ReplayVersionError,
    RunSummary,
    compare_runs,
    pointer_counts,
)
from interloom.core.flows.testcase import FakeAnswer, FakeSpec, FlowTestFileError, answers_of
from interloom.core.project import Loaded
from interloom.core.suggestions import did_you_mean
from interloom.formats.flow_recording import read_flow_recording
from interloom.formats.project_files import parse_file
from interloom.runtime.harness import FlowHarness, MessageRun
from interloom.services.flow_test_files import read_data_file
from interloom.services.project import load_project

__all__ = [
    "ReplayReport",
    "load_fakes",
    "read_other_version",
    "replay_recording",
    "replay_recording_sync",
]

GIT_PREFIX = "git:"
_SHOWN_COMPARISONS = 1000


class ReplayReport(BaseModel):
    """Every recorded message run through both versions, and where they differ."""

    flow: str
    recording: str
    against: str
    old_version: int
    new_version: int
    messages: int = 0
    same: int = 0
    different: int = 0
    skipped: int = Field(default=0, description="Inputs of other flows in the recording.")
    places: list[dict[str, Any]] = Field(
        default_factory=list, description="Where messages differ (indexes as *), most first."
    )
    comparisons: list[dict[str, Any]] = Field(
        default_factory=list, description="Each message that differs: pointer, old, new."
    )
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether both versions did the same with every message."""
        return self.different == 0


def load_fakes(path: Path) -> dict[str, list[FakeAnswer]]:
    """A fakes file: sink or step id -> answer(s), as under ``fakes`` in a test file."""
    data = read_data_file(path, str(path))
    try:
        specs = TypeAdapter(dict[str, FakeSpec]).validate_python(data or {})
    except ValidationError as error:
        first = error.errors()[0]
        pointer = "".join(f"/{part}" for part in first["loc"])
        raise FlowTestFileError(
            f"not a fakes file: {first['msg']}",
            location=Location(file=str(path), pointer=pointer),
            hint="a mapping of sink or step id to {status, body} or a list of them",
        ) from None
    return {key: answers_of(spec) for key, spec in specs.items()}


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ReplayVersionError(f"git could not be run: {error}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ReplayVersionError(
            f"git {' '.join(args)}: {reason[-1] if reason else 'failed'}",
            hint="name a revision git knows (a commit, a tag, HEAD~1) of the project's repository",
        )
    return done.stdout.decode("utf-8", "replace")


def read_other_version(root: Path, current: Loaded[Flow], against: str) -> tuple[Flow, str]:
    """The flow ``against`` names (a file, or ``git:REV``), and how to show where it is from."""
    if against.startswith(GIT_PREFIX):
        revision = against.removeprefix(GIT_PREFIX)
        if not revision:
            raise ReplayVersionError("git: needs a revision, e.g. git:HEAD~1")
        top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
        flow_file = (root / current.source.file).resolve()
        try:
            inside = flow_file.relative_to(top.resolve()).as_posix()
        except ValueError:
            raise ReplayVersionError(f"{flow_file} is not in the git repository {top}") from None
        shown = f"{revision}:{inside}"
        text = _git(top, "show", shown)
    else:
        path = Path(against).expanduser()
        shown = str(path)
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ReplayVersionError(f"cannot read the flow file {shown}: {error}") from None
    parsed = parse_file(text, shown, Flow)
    if parsed.loaded is None:
        problem = parsed.problems[0]
        more = len(parsed.problems) - 1
        raise ReplayVersionError(
            f"{shown} is not a valid flow: {problem.render()}"
            + (f" (and {more} more)" if more else ""),
        )
    return parsed.loaded.model, shown


def _flow_of_recording(inputs: Sequence[RecordedInput], flow: str | None, shown: str) -> str:
    if flow is not None:
        return flow
    named = sorted({i.flow for i in inputs if i.flow is not None})
    if len(named) == 1:
        return named[0]
    if not named:
        raise RecordingError(
            f"{shown} does not say which flow received its inputs",
            hint="name the flow with --flow",
        )
    raise RecordingError(
        f"{shown} holds inputs of several flows: {', '.join(named)}",
        hint="choose one with --flow",
    )


class _Side:
    """One version of the flow in its harness, and what it did with each message."""

    def __init__(self, harness: FlowHarness) -> None:
        self.harness = harness

    async def run(self, item: RecordedInput) -> RunSummary:
        harness = self.harness
        before_runs = len(harness.messages)
        before = {sid: len(s.calls) for sid, s in harness.sessions.items()}
        await harness.send(item.body, dict(item.headers))
        return self._summary(harness.messages[before_runs:], before)

    async def finish(self) -> RunSummary | None:
        harness = self.harness
        before_runs = len(harness.messages)
        before = {sid: len(s.calls) for sid, s in harness.sessions.items()}
        await harness.finish()
        runs = harness.messages[before_runs:]
        return self._summary(runs, before) if runs else None

    def _summary(self, runs: Sequence[MessageRun], before: Mapping[str, int]) -> RunSummary:
        sessions = self.harness.sessions
        first = runs[0] if runs else None
        return RunSummary(
            status=first.status.value if first is not None else "none",
            error_code=first.error.code if first is not None and first.error else None,
            outputs=[body for run in runs for body in run.outputs],
            sinks={
                sid: [call.body for call in sessions[sid].calls[before[sid] :]]
                for sid in self.harness.compiled.sink_ids
            },
        )


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What a replay runs: the chosen inputs, both versions, and the report to fill."""

    inputs: list[RecordedInput]
    current: Loaded[Flow]
    other: Flow
    report: ReplayReport


def _prepare(root: Path, recording: Path, against: str, flow: str | None) -> _Prepared:
    """Read the recording, the project's flow and the other version (files and git)."""
    shown = str(recording)
    try:
        data = recording.read_bytes()
    except OSError as error:
        raise RecordingError(
            f"cannot read the recording {shown}: {error.strerror or error}"
        ) from None
    inputs = read_flow_recording(data, shown)
    flow_id = _flow_of_recording(inputs, flow, shown)
    chosen = [i for i in inputs if i.flow in (None, flow_id)]
    project = load_project(root).project
    current = next((f for f in project.flows if f.model.id == flow_id), None)
    if current is None:
        known = [f.model.id for f in project.flows]
        raise NotFoundError(
            f"no flow '{flow_id}' in {root}",
            hint=did_you_mean(flow_id, known) or f"flows: {', '.join(known) or 'none'}",
        )
    other, other_shown = read_other_version(root, current, against)
    report = ReplayReport(
        flow=flow_id,
        recording=shown,
        against=other_shown,
        old_version=other.version,
        new_version=current.model.version,
        skipped=len(inputs) - len(chosen),
    )
    return _Prepared(chosen, current, other, report)


async def replay_recording(
    root: Path,
    recording: Path,
    against: str,
    *,
    flow: str | None = None,
    fakes: Mapping[str, Sequence[FakeAnswer]] | None = None,
    ignore: Sequence[str] = (),
    on_message: Callable[[int, int], None] | None = None,
) -> ReplayReport:
    """Run each input of ``recording`` through the current flow and the ``against`` version.

    ``on_message(done, total)`` is called after each message (for a progress bar).
    """
    started = time.perf_counter()
    prepared = await asyncio.to_thread(_prepare, root, recording, against, flow)
    chosen, current, other, report = (
        prepared.inputs,
        prepared.current,
        prepared.other,
        prepared.report,
    )
    environ = dict(os.environ)
    old = FlowHarness.build(other, root, environ=environ, fakes=fakes)
    new = FlowHarness.build(
        current.model, root, environ=environ, fakes=fakes, source_map=current.source
    )
    comparisons: list[MessageComparison] = []
    try:
        sides = (_Side(old), _Side(new))
        for done, item in enumerate(chosen, start=1):
            before, after = [await side.run(item) for side in sides]
            comparisons.append(compare_runs(item.line, before, after, ignore=ignore))
            if on_message is not None:
                on_message(done, len(chosen))
        last_old, last_new = [await side.finish() for side in sides]
        if last_old is not None or last_new is not None:  # aggregates emitted at the end
            nothing = RunSummary(status="none")
            comparisons.append(compare_runs(0, last_old or nothing, last_new or nothing))
    finally:
        await old.close()
        await new.close()
    report.messages = len(comparisons)  # with the groups emitted at the end, if any
    differing = [c for c in comparisons if not c.same]
    report.different = len(differing)
    report.same = len(comparisons) - len(differing)
    report.places = [{"pointer": p, "messages": n} for p, n in pointer_counts(differing)]
    report.comparisons = [c.to_dict() for c in differing[:_SHOWN_COMPARISONS]]
    report.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    return report


def replay_recording_sync(
    root: Path,
    recording: Path,
    against: str,
    **options: Any,
) -> ReplayReport:
    """:func:`replay_recording` for callers without an event loop (the CLI)."""
    return asyncio.run(replay_recording(root, recording, against, **options))
