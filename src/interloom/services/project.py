"""Reading a project directory into the core model, with every problem it has."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.core.catalog import System
from interloom.core.consistency import check_project
from interloom.core.delivery.plan import Plan
from interloom.core.errors import ProjectInvalidError, ProjectNotFoundError
from interloom.core.flows.definition import Flow
from interloom.core.problems import Code, Problem, Severity, has_errors, sort_problems
from interloom.core.project import ANY_ID, SETTINGS_FILE, Loaded, Project, ProjectSettings
from interloom.core.refs import RefKind
from interloom.formats.contract_operations import UnreadableContractError, read_contract_operations
from interloom.formats.project_files import FOLDERS, FileKind, ParsedFile, parse_file
from interloom.runtime.endpoints import endpoint_problems
from interloom.runtime.steps import step_problems

PROJECT_ENV_VAR = "INTERLOOM_PROJECT"
YAML_SUFFIXES = (".yaml", ".yml")
CONTRACTS_FOLDER = "contracts"
PROPOSED_CONTRACTS_FOLDER = "changes"
"""Under ``contracts/``: proposed versions of contracts, not contracts of the project."""
# Files a definitions folder may hold without being definitions.
_QUIET_NAMES = {"README.md", ".gitkeep", ".keep"}

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ProjectLoad:
    """The outcome of reading a project directory."""

    root: Path
    project: Project
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the project has no errors (warnings allowed)."""
        return not has_errors(self.problems)

    @property
    def errors(self) -> list[Problem]:
        """The problems that are errors."""
        return [p for p in self.problems if p.severity is Severity.ERROR]


def resolve_project_dir(option: str | Path | None = None) -> Path:
    """The project directory: the option, else ``$INTERLOOM_PROJECT``, else the current one."""
    chosen = option or os.environ.get(PROJECT_ENV_VAR) or "."
    return Path(chosen).expanduser().resolve()


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _read(
    path: Path,
    root: Path,
    model: type[M],
    problems: list[Problem],
    unloaded: set[str] | None = None,
) -> Loaded[M] | None:
    """The file's model, or ``None`` with its problems.

    For a file that does not load, ``unloaded`` gets the ids it may define (its name and its
    declared id), so that references to them are not also reported as dangling.
    """
    parsed = _parse(path, _relative(path, root), model)
    problems.extend(parsed.problems)
    holds_something = any(p.code is not Code.YAML_EMPTY for p in parsed.problems)
    if parsed.loaded is None and unloaded is not None and holds_something:
        unloaded.update(i for i in (path.stem, parsed.declared_id) if i)
    return parsed.loaded


def _parse(path: Path, file: str, model: type[M]) -> ParsedFile[M]:
    try:
        data = path.read_bytes()
    except OSError as error:
        return ParsedFile(None, [_unreadable(file, f"cannot read the file: {error.strerror}")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        message = f"byte 0x{data[error.start]:02x} is not UTF-8"
        return ParsedFile(None, [_unreadable(file, message, line, column)])
    return parse_file(text, file, model)


def _unreadable(
    file: str, message: str, line: int | None = None, column: int | None = None
) -> Problem:
    return Problem(
        code=Code.FILE_UNREADABLE,
        severity=Severity.ERROR,
        message=message,
        file=file,
        line=line,
        column=column,
        hint="definition files are UTF-8 text; save the file as UTF-8",
    )


def _definition_files(root: Path, folder: str, problems: list[Problem]) -> list[Path]:
    directory = root / folder
    if not directory.is_dir():
        return []
    files = []
    for path in sorted(directory.iterdir()):
        if path.is_dir() or path.name in _QUIET_NAMES or path.name.startswith("."):
            continue
        if path.suffix in YAML_SUFFIXES:
            files.append(path)
        else:
            problems.append(
                Problem(
                    code=Code.IGNORED_FILE,
                    severity=Severity.WARNING,
                    message=f"'{path.name}' is not read: only .yaml and .yml files are",
                    file=_relative(path, root),
                    hint=f"rename it to {path.stem}.yaml if it is a definition",
                )
            )
    return files


def _contract_files(root: Path) -> frozenset[str]:
    directory = root / CONTRACTS_FOLDER
    if not directory.is_dir():
        return frozenset()
    # contracts/changes/ holds proposed versions, compared with `interloom contracts diff`.
    proposed = directory / PROPOSED_CONTRACTS_FOLDER
    return frozenset(
        _relative(p, root)
        for p in directory.rglob("*")
        if p.is_file() and not p.is_relative_to(proposed)
    )


def _contract_operations(
    root: Path,
    systems: tuple[Loaded[System], ...],
    existing: frozenset[str],
    problems: list[Problem],
) -> dict[str, frozenset[str]]:
    """The operations declared by each contract that an interface points into."""
    referenced = {
        posixpath.normpath(i.contract) for s in systems for i in s.model.interfaces
    } & existing
    operations = {}
    for path in sorted(referenced):
        try:
            found = read_contract_operations((root / path).read_text("utf-8"), path)
        except UnreadableContractError as error:
            problems.append(
                Problem(
                    code=Code.CONTRACT_UNREADABLE,
                    severity=Severity.WARNING,
                    message=f"{error.message}; its operations are not checked",
                    file=path,
                    line=error.line,
                    column=error.column,
                )
            )
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(
                Problem(
                    code=Code.CONTRACT_UNREADABLE,
                    severity=Severity.WARNING,
                    message=f"cannot read the contract ({error}); its operations are not checked",
                    file=path,
                )
            )
            continue
        if found is not None:
            operations[path] = found.names
    return operations


def _read_all(
    root: Path, kind: FileKind, model: type[M], problems: list[Problem], unloaded: set[str]
) -> tuple[Loaded[M], ...]:
    """Every file of one kind that loads; ``unloaded`` gets the ids of those that do not."""
    loaded = []
    for path in _definition_files(root, FOLDERS[kind], problems):
        failed: set[str] = set()
        item = _read(path, root, model, problems, failed)
        if item is None:
            unloaded |= failed
        else:
            loaded.append(item)
    return tuple(loaded)


def load_project(root: Path) -> ProjectLoad:
    """Read every file of the project at ``root``; report every problem, raise none.

    A missing ``interloom.yaml`` is itself a problem, so that ``validate`` can say so in the
    same report as the rest.
    """
    problems: list[Problem] = []
    settings_path = root / SETTINGS_FILE
    settings = None
    if settings_path.is_file():
        settings = _read(settings_path, root, ProjectSettings, problems)
    else:
        problems.append(
            Problem(
                code=Code.PROJECT_MISSING,
                severity=Severity.ERROR,
                message=f"no {SETTINGS_FILE} in {root}",
                file=SETTINGS_FILE,
                hint="run 'interloom init DIR' to create a project, or pass --project DIR",
            )
        )
    unloaded: dict[RefKind, set[str]] = {RefKind.SYSTEM: set(), RefKind.FLOW: set()}
    unloaded_plans: set[str] = set()
    systems = _read_all(root, FileKind.SYSTEM, System, problems, unloaded[RefKind.SYSTEM])
    flows = _read_all(root, FileKind.FLOW, Flow, problems, unloaded[RefKind.FLOW])
    plans = _read_all(root, FileKind.PLAN, Plan, problems, unloaded_plans)
    if unloaded_plans:  # which task ids a broken plan file holds is unknown: any of them
        unloaded[RefKind.TASK] = unloaded[RefKind.MILESTONE] = {ANY_ID}
    contract_files = _contract_files(root)
    project = Project(
        settings=settings,
        systems=systems,
        flows=flows,
        plans=plans,
        contract_files=contract_files,
        contract_operations=_contract_operations(root, systems, contract_files, problems),
        unloaded={kind: frozenset(ids) for kind, ids in unloaded.items()},
    )
    problems += check_project(project)
    contracts = InterfaceContracts(root, (loaded.model for loaded in systems))
    for loaded in flows:  # each step's config compiles (expressions, sink ids, schema files)
        problems += step_problems(loaded.model, loaded.source, root, contracts)
        # the connectors' configs
        problems += endpoint_problems(loaded.model, loaded.source, root, interfaces=contracts)
    return ProjectLoad(root=root, project=project, problems=sort_problems(problems))


def open_project(root: Path) -> ProjectLoad:
    """Read the project at ``root``; raise when it is missing or has errors."""
    if not (root / SETTINGS_FILE).is_file():
        raise ProjectNotFoundError(
            f"no {SETTINGS_FILE} in {root}",
            hint="run 'interloom init DIR' to create a project, or pass --project DIR",
        )
    loaded = load_project(root)
    if not loaded.ok:
        count = len(loaded.errors)
        raise ProjectInvalidError(
            f"the project at {root} has {count} error{'s' if count != 1 else ''}",
            problems=loaded.errors,
            hint=f"run 'interloom validate {root}' for details",
        )
    return loaded
