"""The folder a run of ``interloom serve --workers N`` counts its metrics in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from interloom.services.metrics import close_process_files, open_process_files


def _ended_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(10)
    return process.pid


def test_a_run_gets_an_empty_folder_and_stale_runs_go(tmp_path: Path) -> None:
    run = tmp_path / ".interloom" / "run"
    mine, stale, alive = run / "metrics-4242", run / f"metrics-{_ended_pid()}", run / "metrics-1"
    for folder in (mine, stale, alive):  # pid 1 (init) is alive
        folder.mkdir(parents=True)
        (folder / "histogram_7.db").write_bytes(b"old")

    folder = open_process_files(tmp_path, pid=4242)

    assert folder == mine.resolve()
    assert list(folder.iterdir()) == []
    assert not stale.exists()
    assert (alive / "histogram_7.db").exists()  # another run still serving
    close_process_files(folder)
    assert not folder.exists()


def test_a_project_it_cannot_write_to_gets_a_temporary_folder(tmp_path: Path) -> None:
    (tmp_path / ".interloom").write_text("not a folder")

    folder = open_process_files(tmp_path)

    try:
        assert folder.is_dir()
        assert not folder.is_relative_to(tmp_path)
    finally:
        close_process_files(folder)
