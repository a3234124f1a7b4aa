"""Contract files under tests/data/contracts, imported once per test session."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from interloom.core.contracts import Contract
from interloom.formats.contracts import import_contract

DATA = Path(__file__).resolve().parents[3] / "data" / "contracts"
RETAIL = Path(__file__).resolve().parents[4] / "examples" / "retail" / "contracts"


def files_of(directory: Path) -> Callable[[str], bytes]:
    """A ``resolve_file`` callback reading next to the contract, as the CLI would."""
    return lambda relative: (directory / relative).read_bytes()


@cache
def _imported(path: Path) -> Contract:
    name = path.relative_to(DATA if path.is_relative_to(DATA) else RETAIL)
    return import_contract(path.read_bytes(), str(name), resolve_file=files_of(path.parent))


def import_file(path: Path) -> Contract:
    """The contract in ``path`` (read once per session: contracts are immutable)."""
    return _imported(path.resolve())


@pytest.fixture(scope="session")
def contract() -> Callable[[str], Contract]:
    """``contract("orders.openapi30.yaml")``: a test contract, imported."""
    return lambda name: import_file(DATA / name)


@pytest.fixture(scope="session")
def retail() -> Callable[[str], Contract]:
    """``retail("crm.openapi.yaml")``: a contract of the retail example project, imported."""
    return lambda name: import_file(RETAIL / name)
