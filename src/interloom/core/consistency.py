"""Checks across the files of a project: unique ids, references that resolve, files that exist."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from interloom.core.catalog import System
from interloom.core.delivery.management_checks import check_plan_management
from interloom.core.delivery.plan import Milestone, Task
from interloom.core.problems import Code, Problem, format_path, severity_of
from interloom.core.project import Loaded, Path_, Project, SourceMap
from interloom.core.refs import Ref, RefKind
from interloom.core.suggestions import closest_match, did_you_mean


@dataclass(frozen=True, slots=True)
class _Site:
    """A place in a file: where a problem is reported."""

    source: SourceMap
    path: Path_

    def problem(self, code: Code, message: str, hint: str | None = None) -> Problem:
        line, column = self.source.locate(self.path)
        return Problem(
            code=code,
            severity=severity_of(code),
            message=message,
            file=self.source.file,
            line=line,
            column=column,
            path=format_path(self.path) or None,
            hint=hint,
        )


def _first_seen(site: _Site) -> str:
    line, _ = site.source.locate(site.path)
    return f"first defined at {site.source.file}:{line}" if line else site.source.file


def _duplicates(entries: Iterable[tuple[str, _Site]], what: str) -> Iterator[Problem]:
    seen: dict[str, _Site] = {}
    for ident, site in entries:
        if ident in seen:
            yield site.problem(
                Code.DUPLICATE_ID, f"{what} id '{ident}' is defined twice", _first_seen(seen[ident])
            )
        else:
            seen[ident] = site


def _file_stem_mismatch(source: SourceMap, ident: str, what: str) -> Iterator[Problem]:
    stem = PurePosixPath(source.file).stem
    if stem != ident:
        site = _Site(source, ("id",))
        yield site.problem(
            Code.ID_FILE_MISMATCH,
            f"{what} id '{ident}' differs from its file name '{stem}'",
            f"rename the file to {ident}.yaml, so the id is found by name",
        )


class _References:
    """Resolves references against what the project defines."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.known = project.known_refs()

    def check(self, text: str, site: _Site) -> Iterator[Problem]:
        ref = Ref.parse(text)  # syntax was checked when the file was read
        candidates = self.known[ref.kind]
        if ref.id in candidates or self.project.is_unloaded(ref):
            return
        match = closest_match(ref.id, candidates)
        yield site.problem(
            Code.DANGLING_REFERENCE,
            f"'{text}' names no {ref.kind} of this project",
            f"did you mean '{ref.kind}:{match}'?" if match else None,
        )

    def check_plain(self, ident: str, kind: RefKind, site: _Site) -> Iterator[Problem]:
        if ident not in self.known[kind] and not self.project.is_unloaded(Ref(kind, ident)):
            yield site.problem(
                Code.DANGLING_REFERENCE,
                f"{kind} '{ident}' is not defined in the plan",
                did_you_mean(ident, self.known[kind]),
            )


def _environments(project: Project) -> Iterator[Problem]:
    if project.settings is None:
        return
    settings = project.settings.model
    declared = list(settings.environments)
    if settings.default_environment and settings.default_environment not in declared:
        site = _Site(project.settings.source, ("default_environment",))
        yield site.problem(
            Code.UNKNOWN_ENVIRONMENT,
            f"default environment '{settings.default_environment}' is not declared",
            did_you_mean(settings.default_environment, declared)
            or f"declared: {', '.join(declared)}",
        )
    for loaded in project.systems:
        for env in loaded.model.base_urls:
            if env not in declared:
                site = _Site(loaded.source, ("base_urls", env))
                yield site.problem(
                    Code.UNKNOWN_ENVIRONMENT,
                    f"environment '{env}' is not declared in interloom.yaml",
                    did_you_mean(env, declared) or f"declared: {', '.join(declared)}",
                )


def _contracts(project: Project) -> Iterator[Problem]:
    for loaded in project.systems:
        for index, interface in enumerate(loaded.model.interfaces):
            site = _Site(loaded.source, ("interfaces", index, "contract"))
            path = interface.contract
            normal = posixpath.normpath(path)
            if path.startswith("/") or normal == ".." or normal.startswith("../"):
                yield site.problem(
                    Code.CONTRACT_OUTSIDE_PROJECT,
                    f"contract path '{path}' leaves the project directory",
                    "give a path relative to the project directory, under contracts/",
                )
            elif normal not in project.contract_files:
                hint = did_you_mean(normal, project.contract_files)
                if hint is None and not normal.startswith("contracts/"):
                    hint = "contract files live under contracts/"
                yield site.problem(
                    Code.MISSING_CONTRACT, f"contract file '{path}' does not exist", hint
                )
            elif normal in project.contract_operations:
                yield from _operation(loaded, index, project.contract_operations[normal])


def _operation(loaded: Loaded[System], index: int, declared: frozenset[str]) -> Iterator[Problem]:
    """The interface names one operation its contract declares, when it declares several."""
    interface = loaded.model.interfaces[index]
    if interface.operation is None:
        if len(declared) > 1:
            shown = sorted(declared)
            listed = ", ".join(shown[:5]) + (", …" if len(shown) > 5 else "")
            yield _Site(loaded.source, ("interfaces", index)).problem(
                Code.OPERATION_NOT_NAMED,
                f"interface '{interface.id}' names none of the {len(declared)} operations "
                f"of {interface.contract}",
                f"an interface is one operation: add 'operation:' with one of {listed}",
            )
    elif interface.operation not in declared:
        yield _Site(loaded.source, ("interfaces", index, "operation")).problem(
            Code.UNKNOWN_OPERATION,
            f"operation '{interface.operation}' is not declared in {interface.contract}",
            did_you_mean(interface.operation, declared)
            or f"it declares: {', '.join(sorted(declared)) or 'no operation'}",
        )


def _systems(project: Project, refs: _References) -> Iterator[Problem]:
    yield from _duplicates(
        ((s.model.id, _Site(s.source, ("id",))) for s in project.systems), "system"
    )
    for loaded in project.systems:
        system = loaded.model
        yield from _file_stem_mismatch(loaded.source, system.id, "system")
        yield from _duplicates(
            (
                (interface.id, _Site(loaded.source, ("interfaces", index, "id")))
                for index, interface in enumerate(system.interfaces)
            ),
            f"interface (of system '{system.id}')",
        )
        for index, text in enumerate(system.consumes):
            site = _Site(loaded.source, ("consumes", index))
            if Ref.parse(text).system_id == system.id:
                yield site.problem(
                    Code.SELF_REFERENCE,
                    f"system '{system.id}' consumes its own interface '{text}'",
                    "list only interfaces of other systems under consumes",
                )
            yield from refs.check(text, site)


def _flows(project: Project, refs: _References) -> Iterator[Problem]:
    yield from _duplicates(((f.model.id, _Site(f.source, ("id",))) for f in project.flows), "flow")
    for loaded in project.flows:
        flow = loaded.model
        yield from _file_stem_mismatch(loaded.source, flow.id, "flow")
        yield from _duplicates(
            (
                (step.id, _Site(loaded.source, ("steps", index, "id")))
                for index, step in enumerate(flow.steps)
            ),
            f"step (of flow '{flow.id}')",
        )
        yield from _duplicates(
            (
                (sink_id, _Site(loaded.source, ("sinks", index, "id")))
                for index, sink_id in enumerate(flow.sink_ids)
            ),
            f"sink (of flow '{flow.id}')",
        )
        sites: list[tuple[str | None, Path_]] = [(flow.source.interface, ("source", "interface"))]
        sites += [(s.interface, ("steps", i, "interface")) for i, s in enumerate(flow.steps)]
        sites += [(s.interface, ("sinks", i, "interface")) for i, s in enumerate(flow.sinks)]
        for text, path in sites:
            if text is not None:
                yield from refs.check(text, _Site(loaded.source, path))


def _plans(project: Project, refs: _References) -> Iterator[Problem]:
    tasks = [
        (task.id, _Site(p.source, ("tasks", i, "id")))
        for p in project.plans
        for i, task in enumerate(p.model.tasks)
    ]
    milestones = [
        (m.id, _Site(p.source, ("milestones", i, "id")))
        for p in project.plans
        for i, m in enumerate(p.model.milestones)
    ]
    yield from _duplicates(tasks, "task")
    yield from _duplicates(milestones, "milestone")
    for loaded in project.plans:
        milestone_ids = {m.id for m in loaded.model.milestones} | refs.known[RefKind.MILESTONE]
        items: list[tuple[str, int, Task | Milestone]]
        items = [("tasks", i, t) for i, t in enumerate(loaded.model.tasks)]
        items += [("milestones", i, m) for i, m in enumerate(loaded.model.milestones)]
        for section, index, item in items:
            for position, dependency in enumerate(item.depends_on):
                site = _Site(loaded.source, (section, index, "depends_on", position))
                if dependency.task == item.id:
                    kind = "task" if section == "tasks" else "milestone"
                    yield site.problem(Code.SELF_REFERENCE, f"{kind} '{item.id}' depends on itself")
                elif dependency.task not in milestone_ids:
                    yield from refs.check_plain(dependency.task, RefKind.TASK, site)
        for index, task in enumerate(loaded.model.tasks):
            if task.milestone is not None:
                site = _Site(loaded.source, ("tasks", index, "milestone"))
                yield from refs.check_plain(task.milestone, RefKind.MILESTONE, site)
            for position, text in enumerate(task.delivers):
                site = _Site(loaded.source, ("tasks", index, "delivers", position))
                yield from refs.check(text, site)


def check_project(project: Project) -> list[Problem]:
    """Every cross-file problem of the project (file-level problems are found when reading)."""
    refs = _References(project)
    problems: list[Problem] = []
    problems += _environments(project)
    problems += _contracts(project)
    problems += _systems(project, refs)
    problems += _flows(project, refs)
    problems += _plans(project, refs)
    problems += check_plan_management(project)
    return problems
