"""The readiness service: contracts read once per file version, evidence and progress seams."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from interloom.core.readiness import CriterionId, Measurement, ReadinessEvidence, Status
from interloom.services.readiness import assess_system_readiness, read_contract_cached
from interloom.services.workspace import Workspace, workspace_session

CONTRACT = """\
openapi: 3.1.0
info: {title: Things, version: '1'}
servers: [{url: 'https://things.example'}]
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {type: array}, example: []}}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of one system with two interfaces on one contract (no flow)."""
    root = tmp_path / "things"
    (root / "systems").mkdir(parents=True)
    (root / "contracts").mkdir()
    (root / "interloom.yaml").write_text("name: things\nenvironments: {dev: {}}\n", "utf-8")
    (root / "contracts" / "things.yaml").write_text(CONTRACT, "utf-8")
    (root / "systems" / "things.yaml").write_text(
        "id: things\nname: Things\nkind: other\nowner: {team: IT, person: Kim}\n"
        "base_urls: {dev: 'http://127.0.0.1:9'}\n"
        "interfaces:\n"
        "  - {id: things.list, name: List, style: rest, contract: contracts/things.yaml,"
        " operation: listThings, lifecycle: published}\n"
        "  - {id: things.all, name: All, style: rest, contract: contracts/things.yaml,"
        " lifecycle: mocked}\n",
        "utf-8",
    )
    return root


class Probes:
    """An evidence source that measured one interface."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def evidence(self, workspace: Workspace, interface_refs: list[str]) -> ReadinessEvidence:
        self.asked = interface_refs
        measured = Measurement(source="probe", samples=50, latency_p95_ms=3000, error_rate=0.0)
        return ReadinessEvidence(measurements={"interface:things.things.list": measured})


async def test_measurements_from_an_evidence_source_are_graded(
    project: Path, tmp_path: Path
) -> None:
    probes = Probes()
    url = f"sqlite:///{tmp_path / 'i.db'}"
    async with workspace_session(project, database_url_override=url) as workspace:
        report = await assess_system_readiness(workspace, "things", evidence_source=probes)
        plain = await assess_system_readiness(workspace, "things")

    assert probes.asked == ["interface:things.things.list", "interface:things.things.all"]
    measured, unmeasured = report.interfaces
    assert measured.criterion(CriterionId.LATENCY).status is Status.FAIL
    assert measured.criterion(CriterionId.ERROR_RATE).status is Status.PASS
    assert unmeasured.criterion(CriterionId.LATENCY).explanation == "not measured"
    assert report.measured == 1
    assert plain.measured == 0
    assert plain.interfaces[0].criterion(CriterionId.LATENCY).status is Status.NOT_APPLICABLE


async def test_progress_is_reported_per_interface(project: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    url = f"sqlite:///{tmp_path / 'i.db'}"
    async with workspace_session(project, database_url_override=url) as workspace:
        await assess_system_readiness(workspace, "things", progress=lambda *step: seen.append(step))

    assert seen == [(0, 2, "things.things.list"), (1, 2, "things.things.all"), (2, 2, "things")]


def test_a_contract_is_read_once_per_version_of_its_file(project: Path) -> None:
    first = read_contract_cached(project, "contracts/things.yaml")
    again = read_contract_cached(project, "contracts/things.yaml")
    path = project / "contracts" / "things.yaml"
    path.write_text(CONTRACT.replace("title: Things", "title: Things v2"), "utf-8")
    os.utime(path, ns=(1, 1))  # a new version, whatever the file system's clock resolution
    changed = read_contract_cached(project, "contracts/things.yaml")

    assert first is again
    assert first.contract is not None
    assert first.contract.file == "contracts/things.yaml"
    assert changed.contract is not None
    assert changed.contract.title == "Things v2"


def test_a_contract_that_cannot_be_read_is_a_problem_not_an_exception(project: Path) -> None:
    (project / "contracts" / "broken.yaml").write_text("openapi: 3.1.0\npaths: [\n", "utf-8")

    missing = read_contract_cached(project, "contracts/gone.yaml")
    broken = read_contract_cached(project, "contracts/broken.yaml")

    assert missing.contract is None
    assert missing.problem is not None
    assert missing.problem.code == "E-FILE-001"
    assert broken.contract is None
    assert broken.problem is not None
    assert broken.problem.code == "E-CONTRACT-001"
    assert broken.problem.where is not None
    assert broken.problem.where.startswith("contracts/broken.yaml:")
