"""Recording a flow's inputs as the data plane takes them in (``interloom record``).

The data plane keeps a :class:`Recorders` table, flow id to :class:`FlowRecorder`. When it is
empty — recording is off everywhere — a request costs one more check of it. For a flow being
recorded, the request runs as always, its answer is captured on the way out, and the exchange
is appended to the recording file (:mod:`interloom.formats.flow_recording`) with the flow's
version. Only what the flow took in is recorded: a request refused before (not JSON, too
large, a bad signature) is not an input of the flow.

Each line is written with one ``write`` on a file opened for appending, so several server
processes recording the same flow to one file do not interleave their lines. A recorder stops
by itself after ``limit`` inputs counted in its process; :meth:`FlowRecorder.lines_in_file`
counts what every process appended since the recording began (from ``offset``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from interloom.core.messages import Message
from interloom.formats.flow_recording import flow_input_line
from interloom.runtime.pipeline import CompiledFlow

log = structlog.get_logger(__name__)

Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Run = Callable[[CompiledFlow, Message, Send], Awaitable[None]]


@dataclass(slots=True)
class FlowRecorder:
    """Appends each input of one flow to a recording file, up to ``limit`` inputs."""

    flow: str
    path: Path
    limit: int | None = None
    recorded: int = 0
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stopped_at: datetime | None = None
    offset: int | None = None  # the file's size when the recording began; None: at open
    switch: int | None = None  # the id of the audited switch that started it, if one did
    _fd: int | None = None
    _counted: tuple[int, int] = (0, 0)  # (bytes, lines) of the file counted so far

    def open(self) -> FlowRecorder:
        """Create the file (and its folder) or append to it; OSError when that fails."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if self.offset is None:
            self.offset = os.fstat(self._fd).st_size
        return self

    def lines_in_file(self) -> int:
        """Lines appended to the file since ``offset``, by any process (reads only new bytes)."""
        start = self.offset or 0
        counted_to, lines = self._counted
        position = max(start, counted_to)
        try:
            with self.path.open("rb") as file:
                file.seek(position)
                while chunk := file.read(1 << 20):
                    lines += chunk.count(b"\n")
                    position += len(chunk)
        except FileNotFoundError:
            return lines
        self._counted = (position, lines)
        return lines

    @property
    def done(self) -> bool:
        """Whether the recorder has stopped: closed, or its limit reached."""
        return self._fd is None or (self.limit is not None and self.recorded >= self.limit)

    def write(self, line: bytes) -> bool:
        """Append one line; False (and nothing written) once the recorder is done."""
        if self.done:
            return False
        assert self._fd is not None
        os.write(self._fd, line)
        self.recorded += 1
        return True

    def close(self) -> None:
        """Stop recording and close the file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self.stopped_at = datetime.now(UTC)


class Recorders(dict[str, FlowRecorder]):
    """The flows being recorded (flow id to recorder); ``finished`` keeps the last stopped one
    of each flow, so that its count can still be asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.finished: dict[str, FlowRecorder] = {}

    def start(self, recorder: FlowRecorder) -> None:
        """Record ``recorder.flow`` with ``recorder`` (stopping the one before)."""
        self.stop(recorder.flow)
        self[recorder.flow] = recorder.open()
        log.info("flow.recording.started", flow=recorder.flow, file=str(recorder.path))

    def stop(self, flow: str) -> FlowRecorder | None:
        """Stop recording ``flow``; its recorder (None when it was not being recorded)."""
        recorder = self.pop(flow, None)
        if recorder is None:
            return self.finished.get(flow)
        recorder.close()
        self.finished[flow] = recorder
        log.info("flow.recording.stopped", flow=flow, recorded=recorder.recorded)
        return recorder

    def close(self) -> None:
        """Stop every recording."""
        for flow in list(self):
            self.stop(flow)


def _text(value: bytes) -> str:
    return value.decode("latin-1")


def _url(scope: Scope) -> str:
    host = next((_text(v) for k, v in scope["headers"] if k == b"host"), None)
    if host is None:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    query = scope.get("query_string") or b""
    suffix = "?" + _text(query) if query else ""
    return f"{scope.get('scheme', 'http')}://{host}{scope['path']}{suffix}"


async def run_recorded(
    recorders: Recorders,
    recorder: FlowRecorder,
    run: Run,
    flow: CompiledFlow,
    message: Message,
    scope: Scope,
    body: bytes,
    send: Send,
) -> None:
    """Run ``message`` through ``flow`` as ``run`` does; append the exchange to the recording."""
    status = 500
    answer_headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []

    async def captured(event: MutableMapping[str, Any]) -> None:
        nonlocal status, answer_headers
        if event["type"] == "http.response.start":
            status = event["status"]
            answer_headers = [(_text(k), _text(v)) for k, v in event.get("headers", ())]
        elif event["type"] == "http.response.body":
            chunks.append(event.get("body", b""))
        await send(event)

    started, clock = datetime.now(UTC), time.perf_counter()
    try:
        await run(flow, message, captured)
    finally:
        try:
            line = flow_input_line(
                flow=flow.id,
                version=flow.version,
                method=scope["method"],
                url=_url(scope),
                headers=[(_text(k), _text(v)) for k, v in scope["headers"]],
                body=body,
                status=status,
                answer_headers=answer_headers,
                answer=b"".join(chunks),
                started=started,
                duration_ms=(time.perf_counter() - clock) * 1000,
            )
            recorder.write(line)
        except OSError as error:  # a full disk stops the recording, never the flow
            log.error("flow.recording.failed", flow=flow.id, error=str(error))
            recorder.close()
        if recorder.done and recorders.get(flow.id) is recorder:
            recorders.stop(flow.id)
