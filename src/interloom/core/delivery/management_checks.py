"""Checks across plan files for sprints, risks, change requests, freeze windows and RACI.

Part of ``interloom validate``: ids unique over every plan file, tasks pulled into sprints
that exist, risks and change requests that name real tasks and references, and a RACI matrix
with exactly one Accountable and at least one Responsible per deliverable, all of them
declared stakeholders. Each problem is located in its file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from interloom.core.delivery.raci import FindingKind, raci_findings
from interloom.core.problems import Code, Problem, format_path, severity_of
from interloom.core.project import Path_, Project, SourceMap
from interloom.core.refs import Ref, RefKind
from interloom.core.suggestions import closest_match, did_you_mean

_RACI_CODES = {
    FindingKind.ACCOUNTABLE: Code.RACI_ACCOUNTABLE,
    FindingKind.RESPONSIBLE: Code.RACI_RESPONSIBLE,
    FindingKind.UNKNOWN_STAKEHOLDER: Code.DANGLING_REFERENCE,
    FindingKind.DUPLICATE_DELIVERABLE: Code.DUPLICATE_ID,
}


def _problem(
    source: SourceMap, path: Path_, code: Code, message: str, hint: str | None = None
) -> Problem:
    line, column = source.locate(path)
    return Problem(
        code=code,
        severity=severity_of(code),
        message=message,
        file=source.file,
        line=line,
        column=column,
        path=format_path(path) or None,
        hint=hint,
    )


def _duplicates(entries: Iterable[tuple[str, SourceMap, Path_]], what: str) -> Iterator[Problem]:
    seen: dict[str, tuple[SourceMap, Path_]] = {}
    for ident, source, path in entries:
        if ident in seen:
            first, first_path = seen[ident]
            line, _ = first.locate(first_path)
            where = f"{first.file}:{line}" if line else first.file
            yield _problem(
                source,
                path,
                Code.DUPLICATE_ID,
                f"{what} id '{ident}' is defined twice",
                f"first defined at {where}",
            )
        else:
            seen[ident] = (source, path)


class _Known:
    """What references may name: the project's definitions, tasks, sprints, stakeholders."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.refs = project.known_refs()
        plans = [p.model for p in project.plans]
        self.sprints = {s.id for p in plans for s in p.sprints}
        # The sprint each task names itself, else the first sprint listing it.
        self.sprint_of: dict[str, str] = {}
        for plan in plans:
            for sprint in plan.sprints:
                for task in sprint.tasks:
                    self.sprint_of.setdefault(task, sprint.id)
        for plan in plans:
            self.sprint_of.update({t.id: t.sprint for t in plan.tasks if t.sprint is not None})

    def reference(self, text: str, source: SourceMap, path: Path_) -> Iterator[Problem]:
        ref = Ref.parse(text)
        candidates = self.refs[ref.kind]
        if ref.id in candidates or self.project.is_unloaded(ref):
            return
        match = closest_match(ref.id, candidates)
        yield _problem(
            source,
            path,
            Code.DANGLING_REFERENCE,
            f"'{text}' names no {ref.kind} of this project",
            f"did you mean '{ref.kind}:{match}'?" if match else None,
        )

    def task(self, ident: str, source: SourceMap, path: Path_) -> Iterator[Problem]:
        yield from self.reference(str(Ref(RefKind.TASK, ident)), source, path)


def check_plan_management(project: Project) -> list[Problem]:
    """Every problem of the plans' sprints, risks, change requests, freeze windows and RACI."""
    known = _Known(project)
    problems: list[Problem] = []
    sections = (
        ("sprints", "sprint"),
        ("risks", "risk"),
        ("change_requests", "change request"),
        ("stakeholders", "stakeholder"),
    )
    for section, what in sections:
        problems += _duplicates(
            (
                (item.id, loaded.source, (section, index, "id"))
                for loaded in project.plans
                for index, item in enumerate(getattr(loaded.model, section))
            ),
            what,
        )
    for loaded in project.plans:
        plan, source = loaded.model, loaded.source
        for index, task in enumerate(plan.tasks):
            if task.sprint is not None and task.sprint not in known.sprints:
                problems.append(
                    _problem(
                        source,
                        ("tasks", index, "sprint"),
                        Code.DANGLING_REFERENCE,
                        f"task '{task.id}' is pulled into no declared sprint '{task.sprint}'",
                        did_you_mean(task.sprint, known.sprints)
                        or "declare it under sprints: in a plan file",
                    )
                )
        for index, sprint in enumerate(plan.sprints):
            for position, ident in enumerate(sprint.tasks):
                path: Path_ = ("sprints", index, "tasks", position)
                problems += known.task(ident, source, path)
                other = known.sprint_of.get(ident, sprint.id)
                if other != sprint.id:
                    problems.append(
                        _problem(
                            source,
                            path,
                            Code.SPRINT_CONFLICT,
                            f"task '{ident}' is in sprint '{other}' and in sprint '{sprint.id}'",
                            "a task is in one sprint at a time",
                        )
                    )
        for index, risk in enumerate(plan.risks):
            for position, ident in enumerate(risk.tasks):
                problems += known.task(ident, source, ("risks", index, "tasks", position))
            for position, text in enumerate(risk.refs):
                problems += known.reference(text, source, ("risks", index, "refs", position))
        for index, change in enumerate(plan.change_requests):
            for position, text in enumerate(change.affects):
                path = ("change_requests", index, "affects", position)
                problems += known.reference(text, source, path)
        for index, window in enumerate(plan.freeze_windows):
            for position, text in enumerate(window.scope):
                path = ("freeze_windows", index, "scope", position)
                problems += known.reference(text, source, path)
        stakeholders = [s for p in project.plans for s in p.model.stakeholders]
        for finding in raci_findings(plan.raci, stakeholders):
            problems.append(
                _problem(
                    source,
                    ("raci", *finding.path),
                    _RACI_CODES[finding.kind],
                    finding.message,
                    finding.hint,
                )
            )
        for index, entry in enumerate(plan.raci):
            problems += known.reference(entry.deliverable, source, ("raci", index, "deliverable"))
    return problems
