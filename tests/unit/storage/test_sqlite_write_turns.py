"""Writer processes of one SQLite file take turns on ``<file>.write-lock``."""

from __future__ import annotations

import time
from pathlib import Path

from interloom.storage.sqlite_message_store import _WriteTurns


def test_a_second_writer_waits_for_the_turn_and_gets_it_once_given(tmp_path: Path) -> None:
    path = str(tmp_path / "store.db")
    first, second = _WriteTurns(path, 0.05), _WriteTurns(path, 0.05)
    try:
        assert first.take()
        started = time.monotonic()
        assert not second.take()  # held elsewhere: waits its time-out, then goes on without
        assert 0.04 <= time.monotonic() - started < 1
        first.give()
        assert second.take()
        second.give()
        assert (tmp_path / "store.db.write-lock").exists()
    finally:
        first.close()
        second.close()


def test_an_in_memory_database_has_no_turns() -> None:
    turns = _WriteTurns(":memory:", 0.05)
    assert not turns.take()
    turns.close()
