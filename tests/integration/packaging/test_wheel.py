"""`pip install .` gives a working interloom with runtime dependencies only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEV_TOOLS = {"pytest", "ruff", "mypy", "hypothesis", "schemathesis", "import-linter"}


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    assert Path(found).exists(), "uv is needed to build the wheel: run `make setup`"
    return found


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = _run(_uv(), "build", "--wheel", "--out-dir", out, ROOT)
    assert built.returncode == 0, built.stderr
    [path] = out.glob("interloom-*.whl")
    return path


def test_the_wheel_ships_the_example_templates_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    assert "interloom/_examples/retail/interloom.yaml" in names
    assert "interloom/_examples/retail/contracts/erp-invoicing.wsdl" in names
    assert "interloom/templates/project/gitignore" in names
    assert any(n.startswith("interloom/storage/migrations/versions/0001") for n in names)
    assert not any(n.startswith(("tests/", "interloom/tests/")) for n in names)


@pytest.mark.slow
def test_installed_wheel_runs_the_demo_self_check_without_dev_tools(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    assert _run(_uv(), "venv", "--quiet", "--python", sys.executable, venv).returncode == 0
    python = venv / "bin" / "python"
    installed = _run(_uv(), "pip", "install", "--quiet", "--python", python, wheel)
    assert installed.returncode == 0, installed.stderr

    listed = _run(_uv(), "pip", "list", "--python", python)
    packages = {line.split()[0].lower() for line in listed.stdout.splitlines()[2:]}
    assert "interloom" in packages
    assert not packages & DEV_TOOLS

    demo = _run(venv / "bin" / "interloom", "demo", "--once", cwd=tmp_path)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "4 systems: crm, erp, payments, wms" in demo.stdout
    assert "demo self-check passed" in demo.stdout
