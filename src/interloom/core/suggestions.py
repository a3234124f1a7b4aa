"""“Did you mean …” hints for names that are close to a known one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest_match(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The candidate closest to ``word``, or ``None`` when none is close enough."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    if matches:
        return matches[0]
    # A prefix or suffix typo ("customer" for "customers.get") is still worth suggesting.
    lowered = word.lower()
    for candidate in pool:
        if lowered and (
            candidate.lower().startswith(lowered) or lowered.startswith(candidate.lower())
        ):
            return candidate
    return None


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint sentence naming the closest candidate, or ``None``."""
    match = closest_match(word, candidates)
    return f"did you mean '{match}'?" if match is not None else None
