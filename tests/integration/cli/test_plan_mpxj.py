"""``plan import`` of files only MPXJ reads (``interloom[mpxj]``, Java): here MPX files.

MPXJ writes MPX from Interloom's MS Project XML; importing that MPX goes through MPXJ's
UniversalProjectReader back to MSPDI. MPX keeps dates without times and has no custom-field
aliases, so the test compares what MPX can carry: tasks, outline, durations, link types, lags.
Skipped where the extra or Java is missing.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from interloom.cli.main import run
from interloom.formats.plan.mspdi import export_mspdi, import_mspdi
from interloom.services.plan_interchange import mpxj_classpath

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("mpxj") is None, reason="no interloom[mpxj]"),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime"),
]

MSPDI = Path(__file__).resolve().parents[2] / "data" / "mspdi"


def interloom(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setattr(sys, "argv", ["interloom", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        run()
    out = capsys.readouterr()
    return exit_.value.code or 0, out.out, out.err


@pytest.mark.parametrize("name", ["links.xml", "summaries.xml"])
def test_an_mpx_file_imports_through_mpxj(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = import_mspdi((MSPDI / name).read_bytes(), name).plan
    xml = tmp_path / "plan.xml"
    xml.write_bytes(export_mspdi(original))
    classpath, converter = mpxj_classpath()
    mpx = tmp_path / "plan.mpx"
    subprocess.run(
        ["java", "-cp", classpath, converter, str(xml), str(mpx)], check=True, capture_output=True
    )
    code, out, err = interloom(capsys, monkeypatch, "plan", "import", str(mpx), "--output", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["format"] == "mpxj"
    imported = result["plan"]["tasks"]
    assert [t["name"] for t in imported] == [t.name for t in original.tasks]
    assert [t.get("parent") for t in imported] == [t.parent for t in original.tasks]

    def shape(task: dict[str, object]) -> list[tuple[str, str, str]]:
        return [
            (d["task"], d.get("type", "FS"), d.get("lag", "0d"))  # type: ignore[index,union-attr]
            for d in task.get("depends_on", [])  # type: ignore[union-attr]
        ]

    assert [shape(t) for t in imported] == [
        [(d.task, d.type.value, d.lag) for d in t.depends_on] for t in original.tasks
    ]
    leaves = {t.id for t in original.tasks} - {t.parent for t in original.tasks}
    assert [t.get("duration", "1d") for t in imported if t["id"] in leaves] == [
        "0d" if t.is_milestone else t.duration for t in original.tasks if t.id in leaves
    ]


def test_a_damaged_file_is_a_coded_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    damaged = tmp_path / "plan.mpp"
    damaged.write_bytes(b"\xd0\xcf\x11\xe0 not really a compound file")
    code, out, _ = interloom(capsys, monkeypatch, "plan", "import", str(damaged), "-o", "json")
    assert code == 1
    error = json.loads(out)["error"]
    assert error["code"] == "E-MPXJ-002"
    assert error["location"]["file"] == str(damaged)
