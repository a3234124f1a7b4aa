"""Crash points: kill this process with SIGKILL at a named point, for crash-safety tests.

Interloom's delivery guarantees are tested by killing a serving process where it hurts most —
before a message is persisted, right after, between two steps, after a sink's effect but
before the acknowledgement, during a retry — and checking after a restart that nothing was
lost or applied twice. The points are compiled into the runtime and cost one attribute test
each when disarmed (the default).

``INTERLOOM_CRASH_AT=POINT:N`` arms one point: the process kills itself the N-th time it
reaches it (N defaults to 1). The points are listed in :data:`POINTS`.
"""

from __future__ import annotations

import os
import signal
import sys

POINTS = (
    "before-persist",  # a durable source parsed and checked a message, not yet stored
    "after-persist",  # stored, not yet answered 202
    "mid-processing",  # a worker ran one delivery step and not the next
    "after-effect",  # every sink took the message, the store does not know yet
    "during-retry",  # a worker took up a message for a second (or later) try
)

ENVIRONMENT_VARIABLE = "INTERLOOM_CRASH_AT"


class _CrashPoint:
    __slots__ = ("armed", "name", "remaining")

    def __init__(self, spec: str | None) -> None:
        self.armed = False
        self.name = ""
        self.remaining = 0
        if not spec:
            return
        name, _, count = spec.partition(":")
        if name not in POINTS:
            raise SystemExit(
                f"{ENVIRONMENT_VARIABLE}={spec}: unknown crash point; one of {', '.join(POINTS)}"
            )
        self.armed = True
        self.name = name
        self.remaining = int(count or "1")

    def reached(self, name: str) -> None:
        """Count one passage through ``name``; on the armed one's N-th, die at once."""
        if name != self.name:
            return
        self.remaining -= 1
        if self.remaining <= 0:
            sys.stderr.write(f"interloom: crash point '{name}' reached: SIGKILL\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)


CRASH = _CrashPoint(os.environ.get(ENVIRONMENT_VARIABLE))
"""The process's crash point; call sites test ``CRASH.armed`` before ``CRASH.reached(...)``."""
