"""A sink's throttle and circuit breaker, on a fake clock and a scripted sink."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from interloom.connectors.spec import SinkError
from interloom.core.flows.definition import CircuitBreaker, Flow, Throttle
from interloom.core.messages import Message
from interloom.runtime.sink_guard import (
    CircuitOpenError,
    CircuitState,
    GuardedSink,
    ThrottledError,
    circuit_open,
    guard_sinks,
    unguarded,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedSink:
    """Fails while ``failing`` is set (retryably unless told), counts calls and the most at once."""

    def __init__(self) -> None:
        self.failing: SinkError | None = None
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self.pause = 0.0

    async def connect(self) -> None:
        return None

    async def write(self, message: Message, body: Any) -> int:
        self.calls += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            if self.pause:
                await asyncio.sleep(self.pause)
            if self.failing is not None:
                raise self.failing
            return 200
        finally:
            self.running -= 1

    async def close(self) -> None:
        return None


MESSAGE = Message("f", {"n": 1}, id="m-1")
BREAKER = CircuitBreaker(
    failure_rate=0.5, minimum_calls=4, window_seconds=10, open_seconds=30, half_open_calls=2
)


def guarded(**guards: Any) -> tuple[GuardedSink, ScriptedSink, Clock]:
    sink, clock = ScriptedSink(), Clock()
    return GuardedSink(sink, "sink 's' of flow 'f'", clock=clock, **guards), sink, clock


async def calls(guard: GuardedSink, count: int) -> list[str]:
    outcomes = []
    for _ in range(count):
        try:
            await guard.write(MESSAGE, {})
            outcomes.append("ok")
        except CircuitOpenError:
            outcomes.append("refused")
        except SinkError:
            outcomes.append("failed")
    return outcomes


async def test_the_circuit_opens_when_the_failure_rate_is_reached_and_refuses_calls() -> None:
    guard, sink, _ = guarded(circuit_breaker=BREAKER)
    await calls(guard, 2)  # two successes
    sink.failing = SinkError("503", retryable=True, status=503)

    outcomes = await calls(guard, 4)

    # 2 ok + 2 failed = 4 calls, half failed: open; the next calls never reach the sink
    assert outcomes == ["failed", "failed", "refused", "refused"]
    assert sink.calls == 4
    assert guard.breaker is not None
    assert guard.breaker.state is CircuitState.OPEN
    assert guard.circuit_open
    assert circuit_open([object(), guard])


async def test_it_does_not_open_before_minimum_calls_nor_on_errors_about_one_message() -> None:
    guard, sink, _ = guarded(circuit_breaker=BREAKER)
    sink.failing = SinkError("400", retryable=False, status=400)
    assert await calls(guard, 10) == ["failed"] * 10  # a 4xx says nothing of the system
    assert not guard.circuit_open

    guard, sink, _ = guarded(circuit_breaker=BREAKER)
    sink.failing = SinkError("503", retryable=True, status=503)
    assert await calls(guard, 3) == ["failed"] * 3  # under minimum_calls
    assert not guard.circuit_open


async def test_calls_older_than_the_window_no_longer_count() -> None:
    guard, sink, clock = guarded(circuit_breaker=BREAKER)
    sink.failing = SinkError("503", retryable=True, status=503)
    await calls(guard, 3)
    clock.now += 11  # those three fall out of the window
    sink.failing = None
    await calls(guard, 3)
    sink.failing = SinkError("503", retryable=True, status=503)

    assert await calls(guard, 1) == ["failed"]  # 1 failure of 4 calls in the window
    assert not guard.circuit_open


async def test_after_open_seconds_probes_go_through_and_success_closes_it() -> None:
    guard, sink, clock = guarded(circuit_breaker=BREAKER)
    sink.failing = SinkError("503", retryable=True, status=503)
    await calls(guard, 4)
    assert guard.circuit_open
    clock.now += 29.9
    assert await calls(guard, 1) == ["refused"]

    clock.now += 0.2
    assert not guard.circuit_open  # time to probe: workers lease again
    sink.failing = None
    assert await calls(guard, 3) == ["ok", "ok", "ok"]
    assert guard.breaker is not None
    assert guard.breaker.state is CircuitState.CLOSED


async def test_a_failed_probe_opens_it_again_for_a_full_pause() -> None:
    guard, sink, clock = guarded(circuit_breaker=BREAKER)
    sink.failing = SinkError("503", retryable=True, status=503)
    await calls(guard, 4)
    clock.now += 31

    assert await calls(guard, 2) == ["failed", "refused"]
    assert guard.circuit_open
    clock.now += 29
    assert guard.circuit_open


async def test_half_open_lets_only_its_probes_through_at_once() -> None:
    guard, sink, clock = guarded(circuit_breaker=BREAKER)
    sink.failing = SinkError("503", retryable=True, status=503)
    await calls(guard, 4)
    clock.now += 31
    sink.failing = None
    sink.pause = 0.05

    results = await asyncio.gather(
        *(guard.write(MESSAGE, {}) for _ in range(4)), return_exceptions=True
    )

    assert [type(r).__name__ for r in results] == [
        "int",
        "int",
        "CircuitOpenError",
        "CircuitOpenError",
    ]
    assert guard.breaker is not None
    assert guard.breaker.state is CircuitState.CLOSED


async def test_the_circuit_open_error_is_retryable_with_its_own_code() -> None:
    guard, sink, _ = guarded(circuit_breaker=BREAKER)
    sink.failing = SinkError("503", retryable=True, status=503)
    await calls(guard, 4)
    with pytest.raises(CircuitOpenError) as caught:
        await guard.write(MESSAGE, {})
    assert caught.value.retryable
    assert caught.value.code == "E-SINK-002"
    assert "next probe in 30.0 s" in caught.value.message


async def test_concurrency_is_capped() -> None:
    guard, sink, _ = guarded(throttle=Throttle(concurrency=3))
    sink.pause = 0.02

    await asyncio.gather(*(guard.write(MESSAGE, {}) for _ in range(12)))

    assert sink.calls == 12
    assert sink.most_at_once == 3


async def test_the_rate_spaces_requests_after_the_burst() -> None:
    loop = asyncio.get_running_loop()
    guard = GuardedSink(ScriptedSink(), "s", throttle=Throttle(rate_per_second=50, burst=5))
    started = loop.time()
    sent = []

    async def one() -> None:
        await guard.write(MESSAGE, {})
        sent.append(loop.time() - started)

    await asyncio.gather(*(one() for _ in range(15)))

    # five at once, then one every 20 ms: the fifteenth near 200 ms
    assert max(sent[:5]) < 0.05
    assert 0.17 <= max(sent) < 0.5


async def test_a_message_that_would_wait_too_long_is_throttled_and_retryable() -> None:
    guard, sink, _ = guarded(
        throttle=Throttle(rate_per_second=100, burst=1, max_wait_seconds=0.015)
    )

    # slots at +0, +10 ms, +20 ms: the third would wait 20 ms, more than allowed
    results = await asyncio.gather(
        *(guard.write(MESSAGE, {}) for _ in range(3)), return_exceptions=True
    )

    assert results[:2] == [200, 200]
    assert isinstance(results[2], ThrottledError)
    assert results[2].retryable
    assert results[2].code == "E-SINK-003"
    assert "100 requests/s" in results[2].message
    assert sink.calls == 2


async def test_waiting_for_a_place_longer_than_allowed_is_throttled() -> None:
    guard, sink, _ = guarded(throttle=Throttle(concurrency=1, max_wait_seconds=0.05))
    sink.pause = 0.3

    results = await asyncio.gather(
        guard.write(MESSAGE, {}), guard.write(MESSAGE, {}), return_exceptions=True
    )

    assert results[0] == 200
    assert isinstance(results[1], ThrottledError)
    assert results[1].retryable
    assert sink.calls == 1


def test_only_sinks_with_guards_are_wrapped() -> None:
    flow = Flow.model_validate(
        {
            "id": "f",
            "name": "F",
            "source": {"connector": "http"},
            "sinks": [
                {"connector": "http"},
                {"connector": "http", "id": "erp", "throttle": {"concurrency": 2}},
            ],
        }
    )
    plain, guarded_sink = ScriptedSink(), ScriptedSink()

    sinks = guard_sinks(flow, [plain, guarded_sink])

    assert sinks[0] is plain
    assert isinstance(sinks[1], GuardedSink)
    assert unguarded(sinks[1]) is guarded_sink
    assert sinks[1].name == "sink 'erp' of flow 'f'"


async def test_a_call_waiting_for_its_turn_is_refused_if_the_circuit_opened_meanwhile() -> None:
    guard, sink, _ = guarded(
        throttle=Throttle(concurrency=1),
        circuit_breaker=CircuitBreaker(failure_rate=1, minimum_calls=1, open_seconds=30),
    )
    sink.failing = SinkError("503", retryable=True, status=503)
    sink.pause = 0.05

    results = await asyncio.gather(
        guard.write(MESSAGE, {}), guard.write(MESSAGE, {}), return_exceptions=True
    )

    assert [type(r).__name__ for r in results] == ["SinkError", "CircuitOpenError"]
    assert sink.calls == 1
