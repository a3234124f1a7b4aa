"""Recording the inputs of running flows: switch it on and off, say how far it got.

Recording runs in the server (the data plane appends each input a flow takes in, see
:mod:`interloom.runtime.recording`). It is switched on per flow through the management API
(``POST /api/v1/flows/{id}/recording``), at start-up (``interloom serve --record FLOW=FILE``),
or by ``interloom record FLOW``, which asks a running server over the API. A file named over
the API must lie inside the project directory (the server writes it); relative names are
relative to the project directory; the default is ``.interloom/recordings/FLOW-TIME.jsonl``.

A switch made over the API is an audited record (``flows.recording.start`` / ``.stop`` for
``flow:ID``). Every server process follows the switches made since its run began
(:func:`follow_recording_switches`, every ``REFRESH_SECONDS``), so that with several worker
processes each records the flow's inputs it takes in, all to the one file. A limit counts the
lines every process appended; the process that sees it reached records the stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import structlog
from pydantic import BaseModel, Field

from interloom.core.errors import ConfigError, InterloomError, NotFoundError
from interloom.core.flows.recording import RecordingPathError, RecordingUnsupportedError
from interloom.core.suggestions import did_you_mean
from interloom.runtime.recording import FlowRecorder, Recorders
from interloom.services.flow_runtime import FlowRuntime
from interloom.services.project import ProjectLoad
from interloom.services.workspace import Workspace
from interloom.storage.audit import AuditEntry, add_audit_entry, latest_entries_by_entity

__all__ = [
    "RECORDINGS_FOLDER",
    "RecordingClient",
    "RecordingRequest",
    "RecordingStatus",
    "check_record_options",
    "follow_recording_switches",
    "recording_status",
    "set_recording",
    "start_recordings",
    "switch_recording",
]

log = structlog.get_logger(__name__)

RECORDINGS_FOLDER = ".interloom/recordings"
SERVER_URL_ENV_VAR = "INTERLOOM_SERVER_URL"
STARTED = "flows.recording.start"
STOPPED = "flows.recording.stop"
REFRESH_SECONDS = 1.0


class RecordingRequest(BaseModel):
    """Switch a flow's recording on (to a file, up to a limit) or off."""

    on: bool = Field(description="true: record the flow's inputs from now on; false: stop.")
    file: str | None = Field(
        default=None,
        max_length=1000,
        description="Where to append them, inside the project directory (relative to it); "
        "default .interloom/recordings/FLOW-TIME.jsonl.",
    )
    limit: int | None = Field(
        default=None, ge=1, le=10_000_000, description="Stop after this many inputs."
    )


class RecordingStatus(BaseModel):
    """Whether a flow is being recorded, where to, and how many inputs so far."""

    flow: str
    on: bool
    file: str | None = None
    limit: int | None = None
    recorded: int = Field(
        default=0,
        description="Inputs appended to the file since the recording began, by every server "
        "process of the project.",
    )
    started_at: datetime | None = None
    stopped_at: datetime | None = None


def _status(flow: str, recorder: FlowRecorder | None, root: Path | None) -> RecordingStatus:
    if recorder is None:
        return RecordingStatus(flow=flow, on=False)
    shown = str(recorder.path)
    if root is not None and recorder.path.is_relative_to(root):
        shown = recorder.path.relative_to(root).as_posix()
    return RecordingStatus(
        flow=flow,
        on=not recorder.done,
        file=shown,
        limit=recorder.limit,
        recorded=recorder.lines_in_file(),
        started_at=recorder.started_at,
        stopped_at=recorder.stopped_at,
    )


def _recordable(runtime: FlowRuntime, flow_id: str) -> None:
    flow = runtime.compiled.get(flow_id)
    if flow is None:
        if flow_id in runtime.unavailable:
            raise RecordingUnsupportedError(
                f"flow '{flow_id}' is not running: {runtime.unavailable[flow_id][1]}"
            )
        known = [*runtime.compiled, *runtime.unavailable]
        raise NotFoundError(f"no flow '{flow_id}'", hint=did_you_mean(flow_id, known))
    if flow.source is None:
        raise RecordingUnsupportedError(
            f"flow '{flow_id}' reads from a {flow.connector} source; only flows whose source "
            "is served over HTTP (http, webhook) are recorded",
            hint="record what the source reads where it comes from, e.g. a copy of the files",
        )


def default_recording_file(flow_id: str) -> str:
    """``.interloom/recordings/FLOW-20260105T101500Z.jsonl``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{RECORDINGS_FOLDER}/{flow_id}-{stamp}.jsonl"


def _recording_path(root: Path, file: str, *, confined: bool) -> Path:
    path = Path(file).expanduser()
    resolved = (path if path.is_absolute() else root / path).resolve()
    if confined and not resolved.is_relative_to(root.resolve()):
        raise RecordingPathError(
            f"the recording file {file} lies outside the project directory",
            hint="name a file inside the project, e.g. .interloom/recordings/orders.jsonl",
        )
    return resolved


def set_recording(
    runtime: FlowRuntime,
    root: Path,
    flow_id: str,
    request: RecordingRequest,
    *,
    confined: bool = True,
) -> RecordingStatus:
    """Switch ``flow_id``'s recording on or off; its status now.

    ``confined``: the file must lie inside the project directory (as asked over the API).
    """
    recorders: Recorders = runtime.data_plane.recorders
    if not request.on:
        if flow_id not in runtime.compiled and flow_id not in recorders.finished:
            _recordable(runtime, flow_id)
        return _status(flow_id, recorders.stop(flow_id), root)
    _recordable(runtime, flow_id)
    path = _recording_path(root, request.file or default_recording_file(flow_id), confined=confined)
    recorder = FlowRecorder(flow_id, path, request.limit)
    try:
        recorders.start(recorder)
    except OSError as error:
        raise ConfigError(
            f"cannot open the recording file {path}: {error.strerror or error}"
        ) from None
    return _status(flow_id, recorder, root)


async def switch_recording(
    workspace: Workspace, flow_id: str, request: RecordingRequest, *, actor: str
) -> RecordingStatus:
    """:func:`set_recording` as asked over the API: the file confined, the switch audited."""
    before = recording_status(workspace.flows, workspace.root, flow_id)
    after = set_recording(workspace.flows, workspace.root, flow_id, request)
    recorder = workspace.flows.data_plane.recorders.get(flow_id) if request.on else None
    async with workspace.database.transaction() as session:
        entry = await add_audit_entry(
            session,
            actor=actor,
            action=STARTED if request.on else STOPPED,
            entity=f"flow:{flow_id}",
            before=before.model_dump(mode="json", include={"on", "file", "recorded"}),
            after={
                **after.model_dump(mode="json", include={"on", "file", "limit", "recorded"}),
                "offset": recorder.offset if recorder is not None else None,
            },
        )
        if recorder is not None:  # before the commit: this process's follower knows it as its own
            recorder.switch = entry.id
    return after


async def follow_recording_switches(
    workspace: Workspace, stop: asyncio.Event, *, since: datetime
) -> None:
    """Keep this process's recordings in step with the switches made since ``since``."""
    while not stop.is_set():
        try:
            await apply_recording_switches(workspace, since=since)
        except Exception:  # a database hiccup must not end the following
            log.exception("flow.recording.refresh_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), REFRESH_SECONDS)


async def apply_recording_switches(workspace: Workspace, *, since: datetime) -> None:
    """Start or stop this process's recordings as the newest switch of each flow says."""
    async with workspace.database.session() as session:
        latest = await latest_entries_by_entity(session, (STARTED, STOPPED), entity_prefix="flow:")
    recorders: Recorders = workspace.flows.data_plane.recorders
    for entity, entry in latest.items():
        if entry.occurred_at < since:  # switched in an earlier run: the server was restarted
            continue
        flow = entity.removeprefix("flow:")
        if entry.action == STOPPED:
            if flow in recorders:
                recorders.stop(flow)
            continue
        recorder = recorders.get(flow) or recorders.finished.get(flow)
        if recorder is None or recorder.switch != entry.id:
            recorder = _follow_start(workspace, flow, entry)
        if recorder.limit is not None and recorder.lines_in_file() >= recorder.limit:
            if recorders.get(flow) is recorder:
                recorders.stop(flow)
            await _record_limit_reached(workspace, flow, recorder)


def _follow_start(workspace: Workspace, flow: str, entry: AuditEntry) -> FlowRecorder:
    """Record ``flow`` as the switch ``entry`` made in another process asks."""
    after = entry.after if isinstance(entry.after, dict) else {}
    file, limit, offset = after.get("file"), after.get("limit"), after.get("offset")
    path = _recording_path(workspace.root, str(file), confined=False)
    recorder = FlowRecorder(
        flow,
        path,
        limit if isinstance(limit, int) else None,
        offset=offset if isinstance(offset, int) else None,
        switch=entry.id,
    )
    recorders: Recorders = workspace.flows.data_plane.recorders
    try:
        if not isinstance(file, str):
            raise ConfigError(f"the recording switch #{entry.id} names no file")
        _recordable(workspace.flows, flow)
        recorders.start(recorder)
    except (InterloomError, OSError) as error:
        # Not recorded here (the flow does not run in this process, say): do not try again.
        log.error("flow.recording.not_followed", flow=flow, switch=entry.id, error=str(error))
        recorders.stop(flow)
        recorders.finished[flow] = recorder
    return recorder


async def _record_limit_reached(workspace: Workspace, flow: str, recorder: FlowRecorder) -> None:
    """Record the stop of a recording that reached its limit, for the other processes."""
    recorded = recorder.lines_in_file()
    async with workspace.database.transaction() as session:
        await add_audit_entry(
            session,
            actor="interloom",
            action=STOPPED,
            entity=f"flow:{flow}",
            before={"on": True, "file": str(recorder.path), "recorded": recorded},
            after={"on": False, "limit": recorder.limit, "recorded": recorded},
        )


def recording_status(runtime: FlowRuntime, root: Path, flow_id: str) -> RecordingStatus:
    """Whether ``flow_id`` is being recorded, and how far its last recording got."""
    recorders: Recorders = runtime.data_plane.recorders
    recorder = recorders.get(flow_id) or recorders.finished.get(flow_id)
    if recorder is None and flow_id not in runtime.compiled:
        _recordable(runtime, flow_id)
    return _status(flow_id, recorder, root)


def parse_record_option(spec: str) -> tuple[str, str]:
    """``FLOW=FILE`` of ``serve --record``; ConfigError when it is not that."""
    flow, sep, file = spec.partition("=")
    if not sep or not flow.strip() or not file.strip():
        raise ConfigError(
            f"--record {spec!r}: expected FLOW=FILE",
            hint="e.g. --record order-to-wms=.interloom/recordings/orders.jsonl",
        )
    return flow.strip(), file.strip()


def check_record_options(load: ProjectLoad, specs: Sequence[str]) -> None:
    """Fail fast on a ``serve --record`` option that is not FLOW=FILE or names no flow."""
    known = [loaded.model.id for loaded in load.project.flows]
    for spec in specs:
        flow, _ = parse_record_option(spec)
        if flow not in known:
            raise ConfigError(
                f"--record {spec!r}: no flow '{flow}'",
                hint=did_you_mean(flow, known) or f"flows: {', '.join(known) or 'none'}",
            )


def start_recordings(runtime: FlowRuntime, root: Path, specs: Sequence[str]) -> None:
    """Record the flows ``serve --record FLOW=FILE`` named, from start-up (any file path).

    A flow that cannot be recorded (not running, not served over HTTP) is logged, and the
    server serves on.
    """
    for spec in specs:
        try:
            flow, file = parse_record_option(spec)
            request = RecordingRequest(on=True, file=file)
            set_recording(runtime, root, flow, request, confined=False)
        except InterloomError as error:
            log.error("flow.recording.refused", option=spec, error=str(error))


# --- asking a running server (interloom record) --------------------------------------------


class RecordingClient:
    """Switches a running server's recording through its management API."""

    def __init__(self, server: str, *, timeout: float = 10.0) -> None:
        self.server = server.rstrip("/")
        self._client = httpx.Client(base_url=self.server, timeout=timeout)

    def __enter__(self) -> RecordingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def _call(self, method: str, flow: str, body: dict[str, Any] | None = None) -> RecordingStatus:
        url = f"/api/v1/flows/{flow}/recording"
        try:
            response = self._client.request(method, url, json=body)
        except httpx.HTTPError as error:
            raise ConfigError(
                f"cannot reach the Interloom server at {self.server}: {error}",
                hint=f"start it with 'interloom serve', or name it with --server "
                f"(or ${SERVER_URL_ENV_VAR})",
            ) from None
        if response.status_code >= 400:
            try:
                data = response.json()
            except ValueError:
                data = {}
            raise InterloomError(
                str(data.get("message") or f"the server answered {response.status_code}"),
                hint=data.get("hint"),
                code=str(data.get("code") or "E-INTERNAL-001"),
            )
        return RecordingStatus.model_validate(response.json())

    def start(self, flow: str, file: str | None, limit: int | None) -> RecordingStatus:
        """Switch the flow's recording on."""
        return self._call("POST", flow, {"on": True, "file": file, "limit": limit})

    def status(self, flow: str) -> RecordingStatus:
        """How far the flow's recording got."""
        return self._call("GET", flow)

    def stop(self, flow: str) -> RecordingStatus:
        """Switch the flow's recording off."""
        return self._call("POST", flow, {"on": False})

    def wait(self, flow: str, *, interval: float = 0.5, on_status: Any = None) -> RecordingStatus:
        """Poll until the recording stops (its limit reached, or stopped elsewhere)."""
        while True:
            status = self.status(flow)
            if on_status is not None:
                on_status(status)
            if not status.on:
                return status
            time.sleep(interval)
