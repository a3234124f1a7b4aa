"""Running the ``interloom`` command in-process: through Typer's CliRunner, or as the console
script does (``interloom.cli.main:run``, which turns Interloom errors into a report and exit 1).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from interloom.cli.main import run


@pytest.fixture
def runner() -> CliRunner:
    """Typer's runner; ``result.stdout`` and ``result.stderr`` are kept apart."""
    return CliRunner()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a person running the command sees."""

    exit_code: int
    stdout: str
    stderr: str


ConsoleScript = Callable[..., Outcome]


@pytest.fixture
def console_script(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> ConsoleScript:
    """Run ``interloom ARGS…`` through the console script's entry point."""

    def invoke(*args: str) -> Outcome:
        monkeypatch.setattr(sys, "argv", ["interloom", *args])
        capsys.readouterr()
        try:
            run()
        except SystemExit as exit_:
            code = exit_.code
        else:  # pragma: no cover - Typer always exits
            code = 0
        captured = capsys.readouterr()
        return Outcome(code if isinstance(code, int) else 1, captured.out, captured.err)

    return invoke
