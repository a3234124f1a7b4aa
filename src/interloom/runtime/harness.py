"""Running a flow on test messages, with fake sinks and fake calls, as the runtime runs it.

The flow is compiled as the server compiles it (:func:`compile_flow`). Its sinks and the
HTTP calls of its steps (enrich) then answer from the test's script instead of the network
(:mod:`interloom.runtime.fakes`): an HTTP sink or an enrich step keeps its own code and gets a
fake transport in place of its pooled client, so its status handling (``success_statuses``,
what is retried) is the real one; a sink that is not HTTP is replaced by one that records what
it is given.

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
from pathlib import Path
from typing import Any

import orjson

from interloom.connectors.http_transport import HttpTransport
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
from interloom.runtime.fakes import FakeSession, FakeSink, FakeTransport
from interloom.runtime.group_timer import aggregator_steps, group_message_id
from interloom.runtime.message_runs import (
    DeadLetter,
    HarnessResult,
    MessageRun,
    RunError,
    run_error,
)
from interloom.runtime.pipeline import CompiledFlow, compile_flow
from interloom.runtime.processors import (
    DROP,
    Aggregation,
    StepFailedError,
    StepResources,
)
from interloom.runtime.sink_guard import GuardedSink, unguarded
from interloom.runtime.steps import CompiledStep
from interloom.storage.processor_state import ProcessorState

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


def _retryable(error: BaseException) -> bool:
    """Whether the delivery worker tries the message again after this error."""
    if isinstance(error, SinkError):
        return error.retryable
    if isinstance(error, StepFailedError | StorageError):
        return True
    return not isinstance(error, InterloomError)  # a crash is retried, bad data is not


class _Clock:
    """The harness's clock: a fixed start, a millisecond further for each message sent."""

    def __init__(self) -> None:
        self.ticks = 0

    def __call__(self) -> float:
        return _EPOCH + self.ticks * _TICK


def _holds_transport(thing: Any) -> bool:
    """Whether ``thing`` calls out through a pooled client kept in ``_transport``."""
    return isinstance(getattr(thing, "_transport", None), HttpTransport | FakeTransport)


class FlowHarness:
    """One compiled flow with fakes in place of its sinks and calls; see the module doc."""

    def __init__(
        self,
        flow: Flow,
        compiled: CompiledFlow,
        resources: StepResources,
        sessions: dict[str, FakeSession],
        clock: _Clock,
    ) -> None:
        self.flow = flow
        self.compiled = compiled
        self.resources = resources
        self.sessions = sessions
        self.messages: list[MessageRun] = []
        self._clock = clock
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
        clock = _Clock()
        resources = StepResources(clock=clock)
        compiled = compile_flow(
            flow, root, dict(environ or {}), source_map=source_map, resources=resources
        )
        fakes = dict(fakes or {})
        sessions: dict[str, FakeSession] = {}
        sinks = list(compiled.sinks)
        for index, sink_id in enumerate(compiled.sink_ids):
            session = FakeSession(sink_id, fakes.pop(sink_id, ()))
            sessions[sink_id] = session
            sink = unguarded(sinks[index])  # a throttle or circuit breaker stays in front
            if _holds_transport(sink):
                sink._transport = FakeTransport(session)
            elif isinstance(guarded := sinks[index], GuardedSink):
                guarded.inner = FakeSink(session, flow.sinks[index].connector)
            else:
                sinks[index] = FakeSink(session, flow.sinks[index].connector)
        compiled.sinks = sinks
        calling = [s for s in compiled.steps if _holds_transport(_handle(s))]
        for step in calling:
            session = FakeSession(step.id, fakes.pop(step.id, ()), default=None)
            sessions[step.id] = session
            _handle(step)._transport = FakeTransport(session)
        if fakes:
            stray = sorted(fakes)[0]
            known = [*compiled.sink_ids, *(s.id for s in calling)]
            raise FakeKeyError(
                f"flow '{flow.id}' has no sink or calling step '{stray}' to fake",
                key=stray,
                hint=did_you_mean(stray, known) or f"fake one of: {', '.join(known)}",
            )
        return cls(flow, compiled, resources, sessions, clock)

    def now(self) -> float:
        """The harness's clock: a fixed start, a millisecond further for each message."""
        return self._clock()

    async def __aenter__(self) -> FlowHarness:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _open_state(self) -> None:
        if not self._needs_state or self.resources.state is not None:
            return
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
        self._clock.ticks += 1
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
            return MessageRun(message_id, status, error=run_error(error, raised.step))
        return _settled(message_id, outcome, attempts=1)

    async def _durable(self, body: Any, message_id: str) -> MessageRun:
        flow = self.compiled
        if flow.source is not None:  # the data plane admits it, then persists it
            try:
                body = flow.admit(body)
            except InterloomError as error:
                step = _failing_admission(flow, body)
                return MessageRun(message_id, MessageStatus.REJECTED, error=run_error(error, step))
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
                    error=run_error(failure, raised.step),
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
        DeadLetter(item.id, item.step, run_error(item.error, item.step)) for item in outcome.parked
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
