"""Guards in front of a sink: a throttle (rate and concurrency) and a circuit breaker.

A flow's sink may declare ``throttle:`` and ``circuit_breaker:`` (core.flows.definition);
``guard_sinks`` wraps those sinks, and only those: a sink without guards is called as it is.

- **Throttle**: a request rate as a token bucket (GCRA: each request reserves the next free
  slot, so waiting requests keep their order) and a most-at-once count. A message that would
  wait longer than ``max_wait_seconds`` fails this try with a retryable :class:`ThrottledError`.
- **Circuit breaker**: closed, it counts the calls of the last ``window_seconds``; when at
  least ``minimum_calls`` were made and ``failure_rate`` of them failed (a failure is an error
  worth retrying: 5xx, 408, 429, time-outs, refused connections — a 4xx about one message says
  nothing about the system), it opens. Open, calls fail at once with :class:`CircuitOpenError`
  (retryable) and delivery workers lease no messages of the flow, so waiting messages spend
  no tries; after ``open_seconds`` it is half-open and lets ``half_open_calls`` probes through:
  all succeed and it closes, one fails and it opens again.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

import structlog

from interloom.connectors.spec import Sink, SinkError
from interloom.core.flows.definition import CircuitBreaker, Flow, Throttle
from interloom.core.messages import Message

log = structlog.get_logger(__name__)

Clock = Callable[[], float]


class CircuitOpenError(SinkError):
    """The sink's circuit is open: it failed too often lately, so it is not called for now."""

    code = "E-SINK-002"
    status = 503


class ThrottledError(SinkError):
    """The sink's throttle would make this message wait longer than it may."""

    code = "E-SINK-003"
    status = 503


class CircuitState(StrEnum):
    """Where a circuit breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class Breaker:
    """The circuit breaker of one sink (see the module doc)."""

    def __init__(self, config: CircuitBreaker, name: str, clock: Clock = time.monotonic) -> None:
        self.config = config
        self.name = name
        self._clock = clock
        self._calls: deque[tuple[float, bool]] = deque()  # (when, failed) in the window
        self._failures = 0
        self.state = CircuitState.CLOSED
        self.opened_at = 0.0
        self._probes = 0  # probes let through while half-open
        self._probe_successes = 0

    @property
    def open_until(self) -> float | None:
        """While open, the clock time when probing starts; None when calls may go."""
        if self.state is CircuitState.OPEN:
            return self.opened_at + self.config.open_seconds
        return None

    def blocked(self) -> bool:
        """Whether a call now would be refused (open, and not yet time to probe)."""
        until = self.open_until
        return until is not None and self._clock() < until

    def allow(self) -> None:
        """Let a call through, or raise :class:`CircuitOpenError`."""
        if self.state is CircuitState.OPEN:
            if self._clock() < self.opened_at + self.config.open_seconds:
                self.refuse()
            self._to(CircuitState.HALF_OPEN)
        if self.state is CircuitState.HALF_OPEN:
            if self._probes >= self.config.half_open_calls:
                raise CircuitOpenError(
                    f"circuit half-open for {self.name}: waiting for its probe calls"
                )
            self._probes += 1

    def refuse(self) -> None:
        """Raise the :class:`CircuitOpenError` of an open circuit."""
        wait = self.opened_at + self.config.open_seconds - self._clock()
        raise CircuitOpenError(
            f"circuit open for {self.name}: it failed too often lately; "
            f"next probe in {max(wait, 0.0):.1f} s"
        )

    def withdraw(self) -> None:
        """A call let through did not happen after all (it was throttled)."""
        if self.state is CircuitState.HALF_OPEN and self._probes:
            self._probes -= 1

    def record(self, failed: bool) -> None:
        """Count the outcome of a call that was let through."""
        if self.state is CircuitState.HALF_OPEN:
            if failed:
                log.warning(
                    "sink.circuit.opened",
                    sink=self.name,
                    probe_failed=True,
                    open_seconds=self.config.open_seconds,
                )
                self._open()
                return
            self._probe_successes += 1
            if self._probe_successes >= self.config.half_open_calls:
                self._to(CircuitState.CLOSED)
            return
        if self.state is CircuitState.OPEN:
            return  # a call let through before it opened: already counted as the reason
        now = self._clock()
        self._calls.append((now, failed))
        self._failures += failed
        horizon = now - self.config.window_seconds
        while self._calls and self._calls[0][0] < horizon:
            self._failures -= self._calls.popleft()[1]
        calls = len(self._calls)
        if (
            failed
            and calls >= self.config.minimum_calls
            and self._failures >= self.config.failure_rate * calls
        ):
            log.warning(
                "sink.circuit.opened",
                sink=self.name,
                failed=self._failures,
                calls=calls,
                open_seconds=self.config.open_seconds,
            )
            self._open()

    def _open(self) -> None:
        self.opened_at = self._clock()
        self._to(CircuitState.OPEN)

    def _to(self, state: CircuitState) -> None:
        if state is not CircuitState.OPEN and self.state is not state:
            log.info("sink.circuit." + state.value.replace("-", "_"), sink=self.name)
        self.state = state
        self._probes = self._probe_successes = 0
        self._calls.clear()
        self._failures = 0


class Limiter:
    """The throttle of one sink (see the module doc)."""

    def __init__(self, config: Throttle, name: str, clock: Clock = time.monotonic) -> None:
        self.config = config
        self.name = name
        self._clock = clock
        rate = config.rate_per_second
        self._interval = 1.0 / rate if rate else 0.0
        burst = config.burst if config.burst is not None else max(1, int(rate or 1))
        self._tolerance = (burst - 1) * self._interval
        self._tat = 0.0  # theoretical arrival time of the next request
        self._slots = asyncio.Semaphore(config.concurrency) if config.concurrency else None

    async def acquire(self) -> None:
        """Wait for this request's turn; :class:`ThrottledError` if it would take too long."""
        limit = self.config.max_wait_seconds
        started = self._clock()
        if self._interval:
            tat = max(self._tat, started)
            wait = tat - started - self._tolerance
            if wait > limit:
                raise ThrottledError(
                    f"{self.name} is throttled to {self.config.rate_per_second:g} requests/s: "
                    f"this message would wait {wait:.1f} s (max_wait_seconds {limit:g})"
                )
            self._tat = tat + self._interval
            if wait > 0:
                await asyncio.sleep(wait)
        if self._slots is not None:
            remaining = limit - (self._clock() - started)
            try:
                await asyncio.wait_for(self._slots.acquire(), max(remaining, 0.0))
            except TimeoutError:
                raise ThrottledError(
                    f"{self.name} takes {self.config.concurrency} requests at once: "
                    f"no turn came in {limit:g} s"
                ) from None

    def release(self) -> None:
        """The request is over: its place may be taken."""
        if self._slots is not None:
            self._slots.release()


class GuardedSink:
    """A sink behind its throttle and circuit breaker; connect and close pass through."""

    def __init__(
        self,
        inner: Sink,
        name: str,
        *,
        throttle: Throttle | None = None,
        circuit_breaker: CircuitBreaker | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.inner = inner
        self.name = name
        self.limiter = Limiter(throttle, name, clock) if throttle is not None else None
        self.breaker = (
            Breaker(circuit_breaker, name, clock) if circuit_breaker is not None else None
        )

    @property
    def circuit_open(self) -> bool:
        """Whether calls are refused now (delivery workers then lease none of the flow's)."""
        return self.breaker is not None and self.breaker.blocked()

    async def connect(self) -> None:
        """Open the sink."""
        await self.inner.connect()

    async def write(self, message: Message, body: Any) -> Any:
        """Send through the guards; the sink's own errors pass through unchanged."""
        breaker = self.breaker
        if breaker is not None:
            breaker.allow()
        limiter = self.limiter
        if limiter is not None:
            try:
                await limiter.acquire()
            except ThrottledError:
                if breaker is not None:
                    breaker.withdraw()  # the sink was not called: no verdict on it
                raise
            if breaker is not None and breaker.state is CircuitState.OPEN:
                limiter.release()  # it opened while this call waited for its turn
                breaker.refuse()
        try:
            result = await self.inner.write(message, body)
        except SinkError as error:
            if breaker is not None:
                breaker.record(failed=error.retryable)
            raise
        except BaseException:
            if breaker is not None:
                breaker.record(failed=True)
            raise
        finally:
            if limiter is not None:
                limiter.release()
        if breaker is not None:
            breaker.record(failed=False)
        return result

    async def close(self) -> None:
        """Close the sink."""
        await self.inner.close()


def guard_sinks(flow: Flow, sinks: Sequence[Sink], *, clock: Clock = time.monotonic) -> list[Sink]:
    """The flow's sinks, each behind the guards its definition declares (none: as it is)."""
    guarded: list[Sink] = []
    for endpoint, sink_id, sink in zip(flow.sinks, flow.sink_ids, sinks, strict=True):
        if endpoint.throttle is None and endpoint.circuit_breaker is None:
            guarded.append(sink)
            continue
        guarded.append(
            GuardedSink(
                sink,
                f"sink '{sink_id}' of flow '{flow.id}'",
                throttle=endpoint.throttle,
                circuit_breaker=endpoint.circuit_breaker,
                clock=clock,
            )
        )
    return guarded


def circuit_open(sinks: Sequence[Any]) -> bool:
    """Whether any of these sinks refuses calls now."""
    return any(getattr(sink, "circuit_open", False) for sink in sinks)


def unguarded(sink: Any) -> Any:
    """The sink under its guards (the sink itself when it has none)."""
    return sink.inner if isinstance(sink, GuardedSink) else sink
