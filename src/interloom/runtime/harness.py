"""Running a flow on test messages, with fake sinks and fake calls, as the runtime runs it.

The flow is compiled as the server compiles it (:func:`compile_flow`). Its sinks and the
HTTP calls of its steps (enrich) then answer from the test's script instead of the network
(:mod:`interloom.runtime.fakes`): a sink keeps its own code and gets a fake session, so its
status handling (``success_statuses``, what is retried) is the real one; a sink that is not
HTTP is replaced by one that records what it is given.

Each message goes where the runtime would send it:

- a **sync** source: every step, then the sinks; a rejection is ``rejected`` (the caller's
  422), a failed sink or call is ``failed`` (the caller's 502);
- a **durable** source: the leading validations, as the data plane runs them before it
  answers (``rejected``), then the rest as the delivery worker runs it, through the JSON the
  store would keep, with the flow's retries (no waiting) and dead letters;
- a **background** source (schedule, file, SQL…): every step as the delivery worker runs it.

Steps are executed by :mod:`interloom.runtime.execution`, the code the data plane and the
worker use. Aggregators and dedupe keep their state in a scratch SQLite database of the
harness; the groups an aggregator completes are emitted as the group timer would emit them,
and at :meth:`FlowHarness.finish` every group with a time limit is emitted (time has passed).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from interloom.connectors.spec import SinkError
from interloom.core.errors import InterloomError, StorageError
from interloom.core.flows.definition import Flow
from interloom.core.flows.retry import gives_up
from interloom.core.flows.testcase import (
    FakeAnswer,
    FakeKeyError,
    MessageStatus,
    UnfakedCallError,
)
from interloom.core.messages import Message
from interloom.core.project import SourceMap
from interloom.core.suggestions import did_you_mean
from interloom.runtime.execution import (
    Outcome,
    StepRaisedError,
    resumable_group,
    resumption,
    run_steps,
    split_resumable,
    write_deliveries,
)
from interloom.runtime.fakes import FakeCall, FakeSession
from interloom.runtime.group_timer import aggregator_steps, group_message_id
from interloom.runtime.pipeline import CompiledFlow, compile_flow
from interloom.runtime.processors import (
    DROP,
    Aggregation,
    StepFailedError,
    StepResources,
)
from interloom.runtime.steps import CompiledStep

__all__ = [
    "FlowHarness",
    "HarnessResult",
    "MessageRun",
    "RunError",
    "run_flow",
]

STATEFUL_KINDS = frozenset({"aggregate", "dedupe"})
_EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z: the harness's clock starts here
_TICK = 0.001  # and moves on by a millisecond for each message
_LATER = 10 * 365 * 86_400.0  # far enough ahead that every time limit has passed


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


def _run_error(error: BaseException, step: str | None) -> RunError:
    if isinstance(error, InterloomError):
        details = list(getattr(error, "details", None) or [])
        return RunError(error.code, error.message, step, error.hint, details)
    return RunError("E-INTERNAL-001", f"{type(error).__name__}: {error}", step)


def _retryable(error: BaseException) -> bool:
    """Whether the delivery worker tries the message again after this error."""
    if isinstance(error, SinkError):
        return error.retryable
    if isinstance(error, StepFailedError | StorageError):
        return True
    return not isinstance(error, InterloomError)  # a crash is retried, bad data is not


def _holds_session(thing: Any) -> bool:
    """Whether ``thing`` calls out through a pooled aiohttp session kept in ``_session``."""
    if thing is None or not hasattr(thing, "_session"):
        return False
    return isinstance(thing._session, type(None) | aiohttp.ClientSession | FakeSession)


class _RecordingSink:
    """Stands for a sink that is not HTTP (file, SQL…): records each body, answers as told."""

    def __init__(self, session: FakeSession, connector: str) -> None:
        self.session = session
        self.connector = connector

    async def connect(self) -> None:
        """Nothing to open."""

    async def write(self, message: Message, body: Any) -> Any:
        """Record ``body``; fail as the script says (a 5xx, 408, 429 or failure is retried)."""
        pending = self.session.request(
            "WRITE",
            f"{self.connector}:",
            json=body,
            headers={"Idempotency-Key": message.idempotency_key},
        )
        try:
            async with pending as answer:
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SinkError(f"{self.connector} sink: {error}") from None
        if not 200 <= status < 300:
            retryable = status >= 500 or status in (408, 429)
            raise SinkError(
                f"{self.connector} sink answered {status}", retryable=retryable, status=status
            )
        return status

    async def close(self) -> None:
        """Nothing to close."""


class FlowHarness:
    """One compiled flow with fakes in place of its sinks and calls; see the module doc."""

    def __init__(
        self,
        flow: Flow,
        compiled: CompiledFlow,
        resources: StepResources,
        sessions: dict[str, FakeSession],
    ) -> None:
        self.flow = flow
        self.compiled = compiled
        self.resources = resources
        self.sessions = sessions
        self.messages: list[MessageRun] = []
        self._ticks = 0
        self._scratch: Path | None = None
        self._needs_state = any(step.kind in STATEFUL_KINDS for step in compiled.steps)

    @classmethod
    def build(
        cls,
        flow: Flow,
        root: Path,
        *,
        environ: Mapping[str, str] | None = None,
        fakes: Mapping[str, Sequence[FakeAnswer]] | None = None,
        source_map: SourceMap | None = None,
    ) -> FlowHarness:
        """Compile ``flow`` and put the fakes in place; :class:`FakeKeyError` for a stray key.

        Sinks without a fake answer 200; a step's call without one fails the test (the
        harness never reaches the network).
        """
        harness_clock: list[FlowHarness] = []
        resources = StepResources(clock=lambda: harness_clock[0].now())
        compiled = compile_flow(
            flow, root, dict(environ or {}), source_map=source_map, resources=resources
        )
        fakes = dict(fakes or {})
        sessions: dict[str, FakeSession] = {}
        sinks = list(compiled.sinks)
        for index, sink_id in enumerate(compiled.sink_ids):
            session = FakeSession(sink_id, fakes.pop(sink_id, ()))
            sessions[sink_id] = session
            if _holds_session(sinks[index]):
                sinks[index]._session = session  # type: ignore[attr-defined]
            else:
                sinks[index] = _RecordingSink(session, flow.sinks[index].connector)
        compiled.sinks = sinks
        calling = [s for s in compiled.steps if _holds_session(_handle(s))]
        for step in calling:
            session = FakeSession(step.id, fakes.pop(step.id, ()), default=None)
            sessions[step.id] = session
            _handle(step)._session = session
        if fakes:
            stray = sorted(fakes)[0]
            known = [*compiled.sink_ids, *(s.id for s in calling)]
            raise FakeKeyError(
                f"flow '{flow.id}' has no sink or calling step '{stray}' to fake",
                key=stray,
                hint=did_you_mean(stray, known) or f"fake one of: {', '.join(known)}",
            )
        harness = cls(flow, compiled, resources, sessions)
        harness_clock.append(harness)
        return harness

    def now(self) -> float:
        """The harness's clock: a fixed start, a millisecond further for each message."""
        return _EPOCH + self._ticks * _TICK

    async def __aenter__(self) -> FlowHarness:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _open_state(self) -> None:
        if not self._needs_state or self.resources.state is not None:
            return
        from interloom.storage.processor_state import ProcessorState

        self._scratch = Path(tempfile.mkdtemp(prefix="interloom-test-"))
        self.resources.state = await ProcessorState.open(f"sqlite:///{self._scratch}/state.db")

    async def close(self) -> None:
        """Close what the flow and the scratch state hold."""
        await self.compiled.close_steps()
        for sink in self.compiled.sinks:
            await sink.close()
        if self.resources.state is not None:
            await self.resources.state.close()
            self.resources.state = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    # --- sending --------------------------------------------------------------------------

    async def send(self, body: Any, headers: Mapping[str, str] | None = None) -> MessageRun:
        """Run one message through the flow, as its source and the worker would."""
        await self._open_state()
        self._ticks += 1
        message_id = _message_id(headers or {}, len(self.inputs) + 1)
        flow = self.compiled
        if flow.source is not None and not flow.durable:
            run = await self._sync(body, message_id)
        else:
            run = await self._durable(body, message_id)
        self.messages.append(run)
        await self._emit_groups(self.now())
        return run

    @property
    def inputs(self) -> list[MessageRun]:
        """The runs of the messages sent so far."""
        return [run for run in self.messages if run.origin == "input"]

    async def finish(self) -> HarnessResult:
        """Emit the aggregators' groups whose time would have run out; the whole result."""
        await self._emit_groups(self.now() + _LATER)
        return self.result()

    def result(self) -> HarnessResult:
        """What happened so far."""
        sinks = {
            sink_id: [call.body for call in self.sessions[sink_id].calls]
            for sink_id in self.compiled.sink_ids
        }
        calls = {owner: list(session.calls) for owner, session in self.sessions.items()}
        return HarnessResult(list(self.messages), sinks, calls)

    async def _sync(self, body: Any, message_id: str) -> MessageRun:
        flow = self.compiled
        try:
            outcome = await run_steps(flow.steps, body, message_id, flow=flow.id)
            await write_deliveries(flow, outcome)
        except StepRaisedError as raised:
            error = _unwrapped(raised)
            failed = isinstance(error, SinkError | StepFailedError | StorageError)
            if not isinstance(error, InterloomError):
                failed = True  # the data plane answers 500
            status = MessageStatus.FAILED if failed else MessageStatus.REJECTED
            return MessageRun(message_id, status, error=_run_error(error, raised.step))
        return _settled(message_id, outcome, attempts=1)

    async def _durable(self, body: Any, message_id: str) -> MessageRun:
        flow = self.compiled
        if flow.source is not None:  # the data plane admits it, then persists it
            try:
                body = flow.admit(body)
            except InterloomError as error:
                step = _failing_admission(flow, body)
                return MessageRun(message_id, MessageStatus.REJECTED, error=_run_error(error, step))
            if body is DROP:
                return MessageRun(message_id, MessageStatus.FILTERED)
        return await self._deliver(orjson.dumps(body), message_id, flow.delivery_steps)

    async def _deliver(
        self,
        stored: bytes,
        message_id: str,
        steps: Sequence[CompiledStep],
        *,
        sinks: tuple[int, ...] | None = None,
        aggregation: Aggregation | None = None,
        origin: str = "input",
    ) -> MessageRun:
        """The delivery worker's work on one stored message, every try without the wait."""
        flow = self.compiled
        policy = flow.error_policy
        attempt = 1
        while True:
            try:
                body = orjson.loads(stored)
                if aggregation is not None:
                    try:
                        body = aggregation.emit(body)
                    except InterloomError as refused:
                        raise StepRaisedError(aggregation.step, refused) from refused
                outcome = await run_steps(
                    steps, body, message_id, flow=flow.id, attempt=attempt, sinks=sinks
                )
                await write_deliveries(flow, outcome, attempt)
            except StepRaisedError as raised:
                failure = _unwrapped(raised)
                retryable = _retryable(failure)
                if retryable and attempt < policy.max_attempts:
                    attempt += 1
                    continue
                # Tries used up: a dead letter; without dead letters the worker would go on
                # trying at its longest delay, and the harness stops here: failed.
                status = MessageStatus.DEAD_LETTERED
                if retryable and not gives_up(policy, attempt):
                    status = MessageStatus.FAILED
                return MessageRun(
                    message_id,
                    status,
                    error=_run_error(failure, raised.step),
                    attempts=attempt,
                    origin=origin,
                )
            run = _settled(message_id, outcome, attempts=attempt)
            run.origin = origin
            return run

    async def _emit_groups(self, now: float) -> None:
        """Emit complete (or, later, expired) aggregator groups as the group timer does."""
        state = self.resources.state
        if state is None:
            return
        steps = aggregator_steps({self.compiled.id: self.compiled})
        if not steps:
            return
        while groups := await state.claim_due(now, steps, limit=100):
            for group in groups:
                items = await state.items(group.id)
                header, raw = split_resumable(resumable_group(group.key, items, group.step))
                assert header is not None
                resumed = resumption(self.compiled, header)
                run = await self._deliver(
                    raw,
                    group_message_id(group),
                    resumed.steps,
                    sinks=resumed.sinks,
                    aggregation=resumed.aggregation,
                    origin="aggregate",
                )
                self.messages.append(run)
                await state.finish(group.id)


def _handle(step: CompiledStep) -> Any:
    return step.processor.handle if step.processor is not None else None


def _unwrapped(raised: StepRaisedError) -> BaseException:
    """The step's error; a call without a fake is the test's fault, not the flow's: raised."""
    if isinstance(raised.error, UnfakedCallError):
        raise raised.error
    return raised.error


def _message_id(headers: Mapping[str, str], number: int) -> str:
    """The id the data plane gives: from the sender's Idempotency-Key, else a test id."""
    for name, value in headers.items():
        if name.lower() == "idempotency-key" and value:
            return "c:" + value
    return f"test-{number}"


def _failing_admission(flow: CompiledFlow, body: Any) -> str | None:
    """Which admission step refused ``body`` (the data plane does not say; the test does)."""
    for step in flow.admission_steps:
        try:
            body = step.process(body)
        except Exception:
            return step.id
        if body is DROP:
            return None
    return None


def _settled(message_id: str, outcome: Outcome, *, attempts: int) -> MessageRun:
    dead_letters = [
        DeadLetter(item.id, item.step, _run_error(item.error, item.step)) for item in outcome.parked
    ]
    if outcome.deliveries:
        status = MessageStatus.DELIVERED
    elif outcome.held:
        status = MessageStatus.AGGREGATED
    elif outcome.parked:
        status = MessageStatus.DEAD_LETTERED
    else:
        status = MessageStatus.FILTERED
    return MessageRun(
        message_id,
        status,
        outputs=[delivery.body for delivery in outcome.deliveries],
        attempts=attempts,
        dead_letters=dead_letters,
    )


async def run_flow(
    flow: Flow,
    root: Path,
    inputs: Sequence[Any],
    *,
    headers: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    fakes: Mapping[str, Sequence[FakeAnswer]] | None = None,
    source_map: SourceMap | None = None,
) -> HarnessResult:
    """Send each input through ``flow`` with fakes; what happened to each, and to the sinks."""
    harness = FlowHarness.build(flow, root, environ=environ, fakes=fakes, source_map=source_map)
    async with harness:
        for body in inputs:
            await harness.send(body, headers)
        return await harness.finish()
