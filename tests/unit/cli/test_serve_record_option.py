"""`interloom serve --record FLOW=FILE` refuses a bad option before it binds a port."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ConsoleScript = Callable[..., Any]
BENCH = Path(__file__).resolve().parents[3] / "examples" / "bench"


@pytest.mark.parametrize(
    ("option", "message", "hint"),
    [
        ("w1-durble=rec.jsonl", "no flow 'w1-durble'", "did you mean 'w1-durable'?"),
        ("w1", "expected FLOW=FILE", "e.g. --record order-to-wms="),
        ("=rec.jsonl", "expected FLOW=FILE", None),
    ],
)
def test_a_bad_record_option_is_an_error(
    console_script: ConsoleScript, option: str, message: str, hint: str | None
) -> None:
    outcome = console_script("--project", str(BENCH), "serve", "--port", "1", "--record", option)

    assert outcome.exit_code == 1
    assert "E-CONFIG-001" in outcome.stderr
    assert message in outcome.stderr
    if hint is not None:
        assert hint in outcome.stderr
