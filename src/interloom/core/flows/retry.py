"""When to try a failed delivery again: exponential backoff with jitter, capped."""

from __future__ import annotations

import random

from interloom.core.flows.definition import ErrorPolicy


def retry_delay(policy: ErrorPolicy, failed_tries: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``failed_tries``-th failed try (1 for the first failure)."""
    base = policy.backoff_initial_seconds * policy.backoff_multiplier ** max(failed_tries - 1, 0)
    capped = min(base, policy.backoff_max_seconds)
    spread = capped * policy.jitter
    draw = (rng or random).uniform(-spread, spread)
    return max(0.0, min(capped + draw, policy.backoff_max_seconds))


def gives_up(policy: ErrorPolicy, failed_tries: int) -> bool:
    """Whether to dead-letter after ``failed_tries`` failures (never, without a dead letter)."""
    return policy.dead_letter and failed_tries >= policy.max_attempts
