"""The impact of a contract change on the project: what it breaks, and for whom.

``contract_impact(workspace, OLD, NEW)`` diffs the two versions as ``contracts diff`` does
(findings located, an ignore file applied), ties the contract to the project's interfaces that
use it, traces every flow using them, and joins the plan scheduled with its recorded
progress, so each finding lists the interfaces,
consumers, flows (``field X read by step S of flow F``) and tasks it reaches
(``core.contracts.impact``). With ``raise_risks`` each affected interface sends a
breaking-change-found signal to the risk register (``services.risk_signals``).

Which of the project's contracts the change is about: ``contract`` when given, else OLD when it
is one (the usual case: the current file against a proposed one), else NEW, else the one
contract of the project with the same file name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from interloom.core.contracts.diff import DiffResult, diff_contracts
from interloom.core.contracts.diff.ignore import apply_ignore_rules
from interloom.core.contracts.impact import (
    ContractImpact,
    ContractImpactError,
    PlanTaskFacts,
    RiskRaised,
    assess_impact,
    tasks_from_plan,
    tasks_from_schedule,
)
from interloom.core.contracts.impact.targets import normalise_contract_path
from interloom.core.contracts.model import Contract, SourceLocation
from interloom.core.errors import InterloomError, InvalidRequestError, Location, NotFoundError
from interloom.core.project import Project
from interloom.core.suggestions import did_you_mean
from interloom.formats.contracts.detect import import_contract
from interloom.formats.contracts.documents import file_relative_to
from interloom.formats.contracts.source_lines import SourceLines
from interloom.services.contract_diff import read_ignore_rules
from interloom.services.plan import compute_plan, plan_files
from interloom.services.risk_signals import breaking_change_signal, raise_signal
from interloom.services.workspace import Workspace

Step = Callable[[str], None]

RISK_SOURCE = "contracts-impact"
"""The source the breaking-change signals of ``--raise-risks`` carry."""


def _quiet(_: str) -> None:
    return None


def input_path(path: Path, root: Path) -> Path:
    """``path`` as given, or relative to the project when only that exists."""
    if not path.exists() and not path.is_absolute() and (root / path).exists():
        return root / path
    return path


def _in_project(path: Path, root: Path) -> str | None:
    resolved, base = path.resolve(), root.resolve()
    if resolved.is_relative_to(base):
        return resolved.relative_to(base).as_posix()
    return None


def _used_contracts(project: Project) -> list[str]:
    return list(dict.fromkeys(normalise_contract_path(i.contract) for _, i in project.interfaces()))


def project_contract(
    project: Project, root: Path, old: Path, new: Path, contract: str | None = None
) -> tuple[str, str | None]:
    """The project's contract path the change is about, and a note when it was guessed."""
    used = _used_contracts(project)
    known = sorted(set(used) | set(project.contract_files))
    if contract is not None:
        inside = _in_project(input_path(Path(contract), root), root)
        named = normalise_contract_path(inside or contract)
        if named not in known:
            raise ContractImpactError(
                f"'{contract}' is not a contract of the project",
                location=Location(path="contract"),
                hint=did_you_mean(named, known) or f"its contracts: {', '.join(known) or 'none'}",
            )
        return named, None
    for candidate in (old, new):
        inside = _in_project(candidate, root)
        if inside is not None and normalise_contract_path(inside) in used:
            return normalise_contract_path(inside), None
    names = {old.name, new.name}
    same_name = [path for path in used if PurePosixPath(path).name in names]
    if len(same_name) == 1:
        return same_name[0], f"matched to {same_name[0]} by its file name"
    raise ContractImpactError(
        "neither file is a contract the project's interfaces use",
        location=Location(file=str(old)),
        hint=(
            'name it with --contract (the API: "contract"); the interfaces use: '
            + (", ".join(used) or "no contract")
        ),
    )


def _import(path: Path, label: str, boundary: Path | None) -> tuple[Contract, dict[str, bytes]]:
    """The contract at ``path`` named ``label`` in locations, and every file it was read from.

    One import per version serves both the diff and the operations the interfaces name (a
    2 MB document takes seconds to import); the files read let the findings be located.
    """
    if not path.is_file():
        raise NotFoundError(f"no contract file {label}", location=Location(file=label))
    base = (boundary or path.parent).resolve()
    data = path.read_bytes()
    files = {label: data}

    def resolve_file(relative: str) -> bytes:
        target = (path.parent / relative).resolve()
        if not target.is_relative_to(base):
            # Reported by the importer as an unresolvable reference, with its location.
            raise ValueError(f"it lies outside {base}; references stay in that tree")
        content = target.read_bytes()
        files[file_relative_to(label, relative)] = content
        return content

    return import_contract(data, label, resolve_file=resolve_file), files


def _diff(
    old: tuple[Contract, dict[str, bytes]],
    new: tuple[Contract, dict[str, bytes]],
    ignore_file: Path | None,
    today: dt.date,
) -> DiffResult:
    """What ``contracts diff`` reports: the findings, located, less what the ignore file accepts."""
    rules = read_ignore_rules(ignore_file) if ignore_file is not None else []
    result = diff_contracts(old[0], new[0], today=today)
    lines = SourceLines({**old[1], **new[1]}.get)

    def locate(location: SourceLocation | None) -> SourceLocation | None:
        return lines.locate(location) if location is not None else None

    located = tuple(f.located(locate(f.old), locate(f.new)) for f in result.findings)
    return apply_ignore_rules(result.with_findings(located), rules, today=today)


@dataclass(frozen=True, slots=True)
class PlanFacts:
    """The plan's tasks as the impact sees them, its status date, and what went wrong."""

    tasks: Sequence[PlanTaskFacts] = ()
    status_date: dt.datetime | None = None
    notes: Sequence[str] = ()


def analyse_contract_change(
    project: Project,
    root: Path,
    old: Path,
    new: Path,
    *,
    contract: str | None = None,
    ignore_file: Path | None = None,
    plan: PlanFacts | None = None,
    today: dt.date | None = None,
    on_step: Step | None = None,
) -> ContractImpact:
    """Diff ``old`` and ``new`` and tie every finding to ``project`` and its plan.

    Raises located Interloom errors for files that are missing or do not import, and
    :class:`ContractImpactError` when the contract is not one the project uses.
    """
    step = on_step or _quiet
    old, new = input_path(old, root), input_path(new, root)
    contract_path, guessed = project_contract(project, root, old, new, contract)
    both_inside = _in_project(old, root) is not None and _in_project(new, root) is not None
    boundary = root if both_inside else None
    day = today or dt.date.today()
    step(f"reading {old.name}")
    before = _import(old, _in_project(old, root) or old.as_posix(), boundary)
    step(f"reading {new.name}")
    after = _import(new, _in_project(new, root) or new.as_posix(), boundary)
    step("comparing")
    result = _diff(before, after, ignore_file, day)
    step("tracing the flows")
    facts = plan or PlanFacts()
    notes = [*([guessed] if guessed else []), *facts.notes]
    return assess_impact(
        result,
        before[0],
        after[0],
        contract_path=contract_path,
        project=project,
        tasks=facts.tasks,
        status_date=facts.status_date,
        notes=notes,
    )


async def plan_facts(workspace: Workspace, *, status_date: dt.date | None = None) -> PlanFacts:
    """The plan's tasks scheduled with their recorded progress; undated if it does not schedule."""
    project = workspace.project
    if not project.plans:
        return PlanFacts(notes=["the project has no plan: no task is listed"])
    try:
        schedule = await compute_plan(workspace, status_date=status_date)
    except InterloomError as error:
        try:
            merged = plan_files(project).plan
        except InterloomError:
            return PlanFacts(notes=[f"the plan cannot be read: {error}"])
        note = f"the plan does not schedule ({error}); tasks are listed without dates"
        return PlanFacts(tasks=tasks_from_plan(merged), notes=[note])
    return PlanFacts(tasks=tasks_from_schedule(schedule), status_date=schedule.status_date)


async def raise_impact_risks(
    workspace: Workspace, impact: ContractImpact, *, actor: str | None = None
) -> ContractImpact:
    """A breaking-change-found signal per affected interface, with its findings as evidence.

    An interface whose findings are all INFO clears its risk (closes it if one is open).
    """
    raised: list[RiskRaised] = []
    for ref in impact.summary.affected_interfaces:
        findings = [
            f.model_dump(mode="json", exclude={"impact"})
            for f in impact.findings
            if ref in f.impact.interfaces
        ]
        signal = breaking_change_signal(ref, findings, source=RISK_SOURCE)
        outcome = await raise_signal(workspace, signal, actor=actor)
        risk = outcome.risk.id if outcome.risk is not None else None
        raised.append(RiskRaised(interface=ref, action=outcome.action.value, risk=risk))
    summary = impact.summary.model_copy(update={"risks": raised})
    return impact.model_copy(update={"summary": summary})


async def contract_impact(
    workspace: Workspace,
    old: Path,
    new: Path,
    *,
    contract: str | None = None,
    ignore_file: Path | None = None,
    raise_risks: bool = False,
    actor: str | None = None,
    status_date: dt.date | None = None,
    on_step: Step | None = None,
) -> ContractImpact:
    """What changing ``old`` into ``new`` reaches in the workspace's project and plan."""
    step = on_step or _quiet
    step("scheduling the plan")
    facts = await plan_facts(workspace, status_date=status_date)
    impact = await asyncio.to_thread(
        analyse_contract_change,
        workspace.project,
        workspace.root,
        old,
        new,
        contract=contract,
        ignore_file=ignore_file,
        plan=facts,
        on_step=step,
    )
    if raise_risks:
        step("raising risks")
        impact = await raise_impact_risks(workspace, impact, actor=actor)
    return impact


@dataclass(frozen=True, slots=True)
class ContractDocument:
    """One version of a contract sent to the API: a project path, or the document itself."""

    path: str | None = None
    content: str | None = None
    name: str | None = None


def _document_path(document: ContractDocument, side: str, root: Path, folder: Path) -> Path:
    if (document.path is None) == (document.content is None):
        raise InvalidRequestError(
            f"{side}: give either 'path' (in the project) or 'content' (the document)",
            location=Location(pointer=f"/{side}"),
        )
    if document.path is not None:
        target = (root / document.path).resolve()
        if not target.is_relative_to(root.resolve()):
            raise InvalidRequestError(
                f"{side}.path: '{document.path}' lies outside the project",
                location=Location(pointer=f"/{side}/path"),
                hint="name a file relative to the project directory, e.g. contracts/crm.yaml",
            )
        return target
    name = PurePosixPath((document.name or f"{side}.yaml").replace("\\", "/")).name
    if not name or name in (".", ".."):
        raise InvalidRequestError(
            f"{side}.name: '{document.name}' is not a file name",
            location=Location(pointer=f"/{side}/name"),
        )
    target = folder / side / name
    target.parent.mkdir()
    target.write_text(document.content or "", "utf-8")
    return target


async def contract_impact_of_documents(
    workspace: Workspace,
    old: ContractDocument,
    new: ContractDocument,
    *,
    contract: str | None = None,
    raise_risks: bool = False,
    actor: str | None = None,
    status_date: dt.date | None = None,
) -> ContractImpact:
    """:func:`contract_impact` of two documents given by project path or by content.

    A document sent as content must be self-contained (relative ``$ref``s are not read); its
    ``name`` decides its format by extension and names it in locations.
    """
    with tempfile.TemporaryDirectory(prefix="interloom-impact-") as folder:
        old_path = _document_path(old, "old", workspace.root, Path(folder))
        new_path = _document_path(new, "new", workspace.root, Path(folder))
        uploaded = {
            path.as_posix(): document.name or path.name
            for path, document in ((old_path, old), (new_path, new))
            if document.content is not None
        }
        try:
            impact = await contract_impact(
                workspace,
                old_path,
                new_path,
                contract=contract,
                raise_risks=raise_risks,
                actor=actor,
                status_date=status_date,
            )
        except InterloomError as error:
            where = error.location
            if where is not None and where.file in uploaded:  # not the server's temporary file
                error.location = replace(where, file=uploaded[where.file])
            raise
    return _renamed(impact, uploaded) if uploaded else impact


def _renamed(impact: ContractImpact, names: dict[str, str]) -> ContractImpact:
    """Locations and file names of uploaded documents by the names they were sent with."""
    findings = []
    for finding in impact.findings:
        update = {}
        for key in ("location", "old", "new"):
            where = getattr(finding, key)
            if where is not None and where.get("file") in names:
                update[key] = {**where, "file": names[where["file"]]}
        findings.append(finding.model_copy(update=update) if update else finding)
    summary = impact.summary.model_copy(
        update={
            "old_file": names.get(impact.summary.old_file, impact.summary.old_file),
            "new_file": names.get(impact.summary.new_file, impact.summary.new_file),
        }
    )
    return impact.model_copy(update={"findings": findings, "summary": summary})


__all__ = [
    "RISK_SOURCE",
    "ContractDocument",
    "PlanFacts",
    "analyse_contract_change",
    "contract_impact",
    "contract_impact_of_documents",
    "input_path",
    "plan_facts",
    "project_contract",
    "raise_impact_risks",
]
