"""``assess_impact``: a contract diff joined to the project — interfaces, consumers, flows, tasks.

A pure function of the diff, both versions of the contract, the project's definitions and the
plan's tasks (with their scheduled dates when the caller scheduled the plan). Each finding
gets the interfaces whose operation it changes, their consumers (systems that declare they
consume them, flows that read, write or call them), the flows the change reaches with how and
how surely (:mod:`.flows`), and the tasks that deliver any of those — done tasks are rework.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from interloom.core.contracts.diff import DiffResult, Finding
from interloom.core.contracts.impact.flows import Change, flow_hits
from interloom.core.contracts.impact.model import (
    Confidence,
    Consequence,
    Consumer,
    ContractImpact,
    FlowHit,
    Impact,
    ImpactedFinding,
    ImpactSummary,
    TaskHit,
)
from interloom.core.contracts.impact.targets import (
    REQUIRES_FIELD,
    ContractInterface,
    contract_interfaces,
    finding_field,
    finding_part,
)
from interloom.core.contracts.model import Contract
from interloom.core.delivery.activities import Progress
from interloom.core.delivery.plan import Plan, TaskStatus
from interloom.core.delivery.plan_schedule import PlanSchedule
from interloom.core.flows.definition import Flow
from interloom.core.flows.field_use import FlowFieldUse, flow_field_use
from interloom.core.landscape import CONSUMING_EDGES, Landscape, build_landscape
from interloom.core.project import Project
from interloom.core.refs import Ref, RefKind

__all__ = ["PlanTaskFacts", "assess_impact", "tasks_from_plan", "tasks_from_schedule"]


@dataclass(frozen=True, slots=True)
class PlanTaskFacts:
    """A task or milestone of the plan as the impact needs it."""

    id: str
    name: str
    delivers: tuple[str, ...]
    status: str
    start: dt.datetime | None = None
    finish: dt.datetime | None = None


def tasks_from_schedule(schedule: PlanSchedule) -> list[PlanTaskFacts]:
    """The scheduled plan's tasks with their dates and status (recorded updates applied)."""
    facts = []
    for task in schedule.tasks:
        if task.status is not None:
            status = task.status.value
        elif task.progress is Progress.COMPLETE or task.percent_complete >= 100:
            status = TaskStatus.DONE.value
        elif task.progress is Progress.IN_PROGRESS:
            status = TaskStatus.IN_PROGRESS.value
        else:
            status = TaskStatus.NOT_STARTED.value
        facts.append(
            PlanTaskFacts(task.id, task.name, task.delivers, status, task.start, task.finish)
        )
    return facts


def tasks_from_plan(plan: Plan) -> list[PlanTaskFacts]:
    """The plan files' tasks and milestones, without dates (when the plan does not schedule)."""
    facts = []
    for task in plan.tasks:
        if task.status is not None:
            status = task.status.value
        elif task.percent_complete >= 100 or task.actual_finish is not None:
            status = TaskStatus.DONE.value
        elif task.percent_complete > 0 or task.actual_start is not None:
            status = TaskStatus.IN_PROGRESS.value
        else:
            status = TaskStatus.NOT_STARTED.value
        facts.append(PlanTaskFacts(task.id, task.name, tuple(task.delivers), status))
    for milestone in plan.milestones:
        status = TaskStatus.NOT_STARTED.value
        facts.append(PlanTaskFacts(milestone.id, milestone.name, tuple(milestone.delivers), status))
    return facts


_CONSEQUENCES = {
    TaskStatus.DONE.value: Consequence.REWORK,
    TaskStatus.IN_PROGRESS.value: Consequence.IN_PROGRESS,
    TaskStatus.BLOCKED.value: Consequence.IN_PROGRESS,
    TaskStatus.CANCELLED.value: Consequence.CANCELLED,
}


def _consumers(landscape: Landscape) -> dict[str, list[Consumer]]:
    found: dict[str, list[Consumer]] = {}
    for edge in landscape.edges:
        if edge.kind in CONSUMING_EDGES:
            found.setdefault(edge.target, []).append(
                Consumer(
                    ref=edge.source,
                    interface=edge.target,
                    relation=edge.kind.value,
                    steps=list(edge.steps),
                )
            )
    for consumers in found.values():  # systems first, then flows, each in file order
        consumers.sort(key=lambda c: not c.ref.startswith(f"{RefKind.SYSTEM}:"))
    return found


class _Analysis:
    """Everything of the project one change is judged against, indexed once."""

    def __init__(
        self,
        project: Project,
        interfaces: list[ContractInterface],
        tasks: Sequence[PlanTaskFacts],
    ) -> None:
        self.interfaces = interfaces
        self.by_operation: dict[str, list[ContractInterface]] = {}
        for interface in interfaces:
            for operation_id in interface.operation_ids:
                self.by_operation.setdefault(operation_id, []).append(interface)
        self.whole = [i for i in interfaces if i.whole_contract]
        self.order = {i.ref: index for index, i in enumerate(interfaces)}
        self.consumers = _consumers(build_landscape(project))
        self.flows_of: dict[str, list[Flow]] = {i.ref: [] for i in interfaces}
        for loaded in project.flows:
            for ref in _flow_interfaces(loaded.model):
                if ref in self.flows_of:
                    self.flows_of[ref].append(loaded.model)
        using = {f.id: f for flows in self.flows_of.values() for f in flows}
        self.uses: dict[str, FlowFieldUse] = {i: flow_field_use(f) for i, f in using.items()}
        self.tasks = tasks
        self.tasks_of: dict[str, list[int]] = {}
        for index, task in enumerate(tasks):
            for ref in dict.fromkeys(task.delivers):
                self.tasks_of.setdefault(ref, []).append(index)
        self._hits: dict[tuple[str, Change], list[FlowHit]] = {}
        self._tasks: dict[frozenset[str], list[TaskHit]] = {}
        self._matching: dict[str, list[ContractInterface]] = {}

    def matching(self, finding: Finding) -> list[ContractInterface]:
        if finding.operation_id is None and finding.operation is None:
            return [i for i in self.interfaces if i.concerns(finding)]
        operation = finding.operation_id or ""
        if operation not in self._matching:
            found = {i.ref: i for i in self.by_operation.get(operation, [])}
            found.update((i.ref, i) for i in self.whole)
            ordered = sorted(found.values(), key=lambda i: self.order[i.ref])
            self._matching[operation] = ordered
        return self._matching[operation]

    def hits(self, interface: str, change: Change) -> list[FlowHit]:
        key = (interface, change)
        if key not in self._hits:
            flows = self.flows_of.get(interface, [])
            self._hits[key] = flow_hits(flows, self.uses, interface, change)
        return self._hits[key]

    def impact(self, finding: Finding) -> Impact:
        matched = self.matching(finding)
        if not matched:
            return Impact()
        change = Change(
            rule=finding.id,
            level=finding.level.value,
            part=finding_part(finding),
            field=finding_field(finding),
            requires=finding.id in REQUIRES_FIELD,
        )
        consumers = [c for i in matched for c in self.consumers.get(i.ref, [])]
        flows = [hit for i in matched for hit in self.hits(i.ref, change)]
        reached = {i.ref for i in matched}
        reached |= {str(Ref(RefKind.SYSTEM, i.system.id)) for i in matched}
        reached |= {c.ref for c in consumers if c.ref.startswith(f"{RefKind.SYSTEM}:")}
        reached |= {hit.flow for hit in flows}
        return Impact(
            interfaces=[i.ref for i in matched],
            consumers=consumers,
            flows=flows,
            tasks=self.tasks_delivering(frozenset(reached)),
        )

    def tasks_delivering(self, refs: frozenset[str]) -> list[TaskHit]:
        """The tasks delivering any of ``refs``, in plan order (computed once per set)."""
        if refs in self._tasks:
            return self._tasks[refs]
        indexes = sorted({i for ref in refs for i in self.tasks_of.get(ref, ())})
        hits = []
        for index in indexes:
            task = self.tasks[index]
            hits.append(
                TaskHit(
                    task=task.id,
                    name=task.name,
                    status=task.status,
                    start=task.start,
                    finish=task.finish,
                    delivers=[ref for ref in dict.fromkeys(task.delivers) if ref in refs],
                    consequence=_CONSEQUENCES.get(task.status, Consequence.UPCOMING),
                )
            )
        self._tasks[refs] = hits
        return hits


def _flow_interfaces(flow: Flow) -> set[str]:
    named = [flow.source.interface, *(s.interface for s in flow.sinks)]
    named += [step.interface for step in flow.steps]
    return {ref for ref in named if ref is not None}


def _impacted(finding: Finding, impact: Impact) -> ImpactedFinding:
    # Built from the diff's own values, so not validated again: a large diff has thousands.
    data = finding.to_dict()
    return ImpactedFinding.model_construct(**data, part=finding_part(finding), impact=impact)


def _surest(hits: Iterable[FlowHit]) -> dict[str, Confidence]:
    surest: dict[str, Confidence] = {}
    for hit in hits:
        known = surest.get(hit.flow)
        if known is None or hit.confidence.rank > known.rank:
            surest[hit.flow] = hit.confidence
    return surest


def assess_impact(
    result: DiffResult,
    old: Contract,
    new: Contract,
    *,
    contract_path: str,
    project: Project,
    tasks: Sequence[PlanTaskFacts] = (),
    status_date: dt.datetime | None = None,
    notes: Sequence[str] = (),
) -> ContractImpact:
    """Every finding of ``result`` with what it reaches in ``project`` and its plan."""
    interfaces = contract_interfaces(project, contract_path, old, new)
    analysis = _Analysis(project, interfaces, tasks)
    findings = [_impacted(f, analysis.impact(f)) for f in result.findings]
    reaching = [f for f in findings if not f.impact.empty]
    counts = result.counts()
    task_hits = {t.task: t for f in reaching for t in f.impact.tasks}
    order = {task.id: index for index, task in enumerate(tasks)}
    ordered = sorted(task_hits.values(), key=lambda t: order[t.task])
    unused = [f.operation for f in findings if f.impact.empty and f.operation is not None]
    summary = ImpactSummary(
        contract=contract_path,
        old_file=result.old_file,
        new_file=result.new_file,
        old_version=result.old_version,
        new_version=result.new_version,
        counts=counts,
        ignored=len(result.ignored),
        reaching={level: sum(1 for f in reaching if f.level == level) for level in counts},
        interfaces=[i.ref for i in interfaces],
        affected_interfaces=list(dict.fromkeys(r for f in reaching for r in f.impact.interfaces)),
        consumers=list(dict.fromkeys(c.ref for f in reaching for c in f.impact.consumers)),
        flows=_surest(hit for f in reaching for hit in f.impact.flows),
        tasks=[t.task for t in ordered],
        rework=[t.task for t in ordered if t.consequence is Consequence.REWORK],
        upcoming=[t.task for t in ordered if t.consequence is Consequence.UPCOMING],
        unused_operations=list(dict.fromkeys(unused)),
        status_date=status_date,
        notes=list(notes),
    )
    return ContractImpact(findings=findings, summary=summary)
