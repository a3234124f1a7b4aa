"""Readiness of a system: read each interface's contract, gather the facts, score them.

Measurements come from an :class:`EvidenceSource`. Until probes and mocks record latency and
error rates, :class:`NoEvidence` supplies none and the report says "not measured"; a source
that reads them from the records database plugs in here without changing the scoring.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from interloom.core.catalog import Interface, Lifecycle, System
from interloom.core.contracts.model import Contract
from interloom.core.errors import InterloomError
from interloom.core.landscape import build_landscape
from interloom.core.readiness import (
    ContractProblem,
    InterfaceFacts,
    ReadinessEvidence,
    ReadinessPolicy,
    SystemReadiness,
    assess_system,
)
from interloom.core.refs import Ref, RefKind
from interloom.formats.contract_extensions import ContractExtensions, read_contract_extensions
from interloom.services.catalog import find_system, recorded_lifecycles
from interloom.services.contracts import read_contract
from interloom.services.workspace import Workspace

Progress = Callable[[int, int, str], None]
"""``progress(done, total, what)``: called as each interface is assessed."""


class EvidenceSource(Protocol):
    """Supplies the measurements of interfaces (latency, error rate) to an assessment."""

    async def evidence(self, workspace: Workspace, interface_refs: list[str]) -> ReadinessEvidence:
        """The measurements known for these interfaces."""
        ...


class NoEvidence:
    """No measurements: every latency and error rate is reported as not measured."""

    async def evidence(self, workspace: Workspace, interface_refs: list[str]) -> ReadinessEvidence:
        """Nothing measured."""
        return ReadinessEvidence()


@dataclass(frozen=True, slots=True)
class ContractReading:
    """What reading one contract file gave: the model or why not, and its extensions."""

    contract: Contract | None
    problem: ContractProblem | None
    extensions: ContractExtensions


_CACHE_SIZE = 128
# (file, mtime, size) → reading; contracts are immutable models, safe to share between requests.
_readings: OrderedDict[tuple[str, int, int], ContractReading] = OrderedDict()
_lock = threading.Lock()


def _read(path: Path, root: Path, shown: str) -> ContractReading:
    try:
        contract = read_contract(path, root=root, name=shown)
    except InterloomError as error:
        where = str(error.location) if error.location else shown
        problem = ContractProblem(error.code, error.message, where, error.hint)
        return ContractReading(None, problem, ContractExtensions())
    text = path.read_text("utf-8", errors="replace")
    return ContractReading(contract, None, read_contract_extensions(text, path.name))


def read_contract_cached(root: Path, relative: str) -> ContractReading:
    """The contract at ``relative`` (to the project ``root``), read once per file version."""
    path = root / relative
    try:
        stat = path.stat()
    except OSError:
        problem = ContractProblem(
            "E-FILE-001", f"contract file '{relative}' cannot be read", relative
        )
        return ContractReading(None, problem, ContractExtensions())
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _readings.get(key)
        if cached is not None:
            _readings.move_to_end(key)
            return cached
    reading = _read(path, root, relative)  # outside the lock: reading is the slow part
    with _lock:
        _readings[key] = reading
        while len(_readings) > _CACHE_SIZE:
            _readings.popitem(last=False)
    return reading


@dataclass(frozen=True, slots=True)
class _Context:
    """What the facts of every interface of the system share."""

    root: Path
    lifecycles: dict[str, Lifecycle]
    consumers: dict[str, list[str]]
    evidence: ReadinessEvidence
    environments: tuple[str, ...]

    def facts(self, system: System, interface: Interface) -> InterfaceFacts:
        """The facts of one interface (reads its contract)."""
        ref = str(Ref.interface(system.id, interface.id))
        reading = read_contract_cached(self.root, interface.contract)
        return InterfaceFacts(
            system=system,
            interface=interface,
            lifecycle=self.lifecycles.get(ref, interface.lifecycle),
            contract=reading.contract,
            contract_problem=reading.problem,
            extensions=reading.extensions.of(interface.operation),
            environments=self.environments,
            consumers=tuple(self.consumers.get(ref, [])),
            measurement=self.evidence.of(ref),
        )


async def assess_system_readiness(
    workspace: Workspace,
    system_id: str,
    *,
    evidence_source: EvidenceSource | None = None,
    policy: ReadinessPolicy | None = None,
    progress: Progress | None = None,
) -> SystemReadiness:
    """Assess every interface of a system; :class:`NotFoundError` names the closest system."""
    project = workspace.project
    system = find_system(project, system_id)
    refs = [str(Ref.interface(system.id, i.id)) for i in system.interfaces]
    evidence = await (evidence_source or NoEvidence()).evidence(workspace, refs)
    lifecycles = await recorded_lifecycles(workspace)
    landscape = build_landscape(project, lifecycles)
    settings = project.settings
    context = _Context(
        root=workspace.root,
        lifecycles=lifecycles,
        consumers={ref: landscape.consumers(ref) for ref in refs},
        evidence=evidence,
        environments=tuple(settings.model.environments) if settings else (),
    )
    facts = []
    total = len(system.interfaces)
    for done, interface in enumerate(system.interfaces):
        if progress is not None:
            progress(done, total, f"{system.id}.{interface.id}")
        # Importing a contract is CPU work: keep the event loop free for other requests.
        facts.append(await asyncio.to_thread(context.facts, system, interface))
    if progress is not None:
        progress(total, total, system.id)
    return assess_system(
        facts,
        system_ref=str(Ref(RefKind.SYSTEM, system.id)),
        name=system.name,
        owner=system.owner.team,
        assessed_at=datetime.now(UTC),
        policy=policy,
    )
