"""Retry delays grow exponentially, stay within their cap and jitter, and tries run out."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from interloom.core.flows.definition import ErrorPolicy
from interloom.core.flows.retry import gives_up, retry_delay


def test_without_jitter_delays_double_until_the_cap() -> None:
    policy = ErrorPolicy(
        backoff_initial_seconds=1, backoff_multiplier=2, backoff_max_seconds=10, jitter=0
    )

    assert [retry_delay(policy, n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


@given(
    failed=st.integers(min_value=1, max_value=60),
    jitter=st.floats(min_value=0, max_value=1),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_jittered_delays_stay_within_their_band_and_the_cap(
    failed: int, jitter: float, seed: int
) -> None:
    policy = ErrorPolicy(backoff_initial_seconds=0.5, backoff_max_seconds=120, jitter=jitter)
    nominal = min(0.5 * 2 ** (failed - 1), 120)

    delay = retry_delay(policy, failed, random.Random(seed))

    assert 0 <= delay <= 120
    assert nominal * (1 - jitter) - 1e-9 <= delay <= nominal * (1 + jitter) + 1e-9


def test_tries_run_out_after_max_attempts() -> None:
    policy = ErrorPolicy(max_attempts=3)

    assert [gives_up(policy, n) for n in (1, 2, 3)] == [False, False, True]
