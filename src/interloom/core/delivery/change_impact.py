"""What a change request would do: the plan with its edits applied, scheduled against the plan now.

:func:`apply_edits` returns the plan as it would be after the change (tasks added and removed,
durations changed, links added and removed); :func:`assess_change` schedules both plans with
the same status date and updates and compares them: the finish date, the milestones, the
critical path, the tasks whose dates move, cost and effort — and, through the landscape, the
interfaces, flows and consumers the change touches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NoReturn

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.delivery.activities import LocalDateTime
from interloom.core.delivery.changes import ChangeEditError, ChangeRequest
from interloom.core.delivery.plan import Dependency, Plan, Task, working_minutes
from interloom.core.delivery.plan_schedule import PlanSchedule, TaskUpdate, schedule_plan
from interloom.core.delivery.reporting import working_days
from interloom.core.errors import Location
from interloom.core.landscape import EdgeKind, Landscape, NodeKind
from interloom.core.refs import Ref, RefKind


def _edit_error(
    change: ChangeRequest, path: str, message: str, hint: str | None = None
) -> NoReturn:
    raise ChangeEditError(
        f"change request {change.id}: {message}",
        location=Location(path=f"change_requests[{change.id}].edits.{path}"),
        hint=hint,
    )


def apply_edits(plan: Plan, change: ChangeRequest) -> Plan:
    """The plan with the change's edits applied, in order: remove, add, durations, links."""
    edits = change.edits
    tasks = {t.id: t for t in plan.tasks}
    milestones = {m.id for m in plan.milestones}
    for index, ident in enumerate(edits.remove_tasks):
        if ident not in tasks:
            _edit_error(change, f"remove_tasks[{index}]", f"no task '{ident}' to remove")
        children = [t.id for t in tasks.values() if t.parent == ident]
        if children:
            _edit_error(
                change,
                f"remove_tasks[{index}]",
                f"task '{ident}' is the summary of {', '.join(children)}",
                "remove its subtasks too, or move them under another summary",
            )
        del tasks[ident]
    removed = set(edits.remove_tasks)
    for ident, task in list(tasks.items()):
        kept = [d for d in task.depends_on if d.task not in removed]
        if len(kept) != len(task.depends_on):
            tasks[ident] = task.model_copy(update={"depends_on": kept})
    for index, new in enumerate(edits.add_tasks):
        if new.id in tasks or new.id in milestones:
            _edit_error(change, f"add_tasks[{index}].id", f"'{new.id}' is already in the plan")
        tasks[new.id] = new
    for index, duration in enumerate(edits.durations):
        found = tasks.get(duration.task)
        if found is None:
            _edit_error(change, f"durations[{index}].task", f"no task '{duration.task}'")
        tasks[duration.task] = found.model_copy(update={"duration": duration.duration})
    known = set(tasks) | milestones
    for index, link in enumerate(edits.add_links):
        successor = tasks.get(link.task)
        if successor is None:
            _edit_error(change, f"add_links[{index}].task", f"no task '{link.task}'")
        if link.depends_on.task not in known:
            _edit_error(
                change, f"add_links[{index}].depends_on", f"no task '{link.depends_on.task}'"
            )
        others = [d for d in successor.depends_on if d.task != link.depends_on.task]
        tasks[link.task] = successor.model_copy(update={"depends_on": [*others, link.depends_on]})
    for index, link in enumerate(edits.remove_links):
        successor = tasks.get(link.task)
        if successor is None or all(d.task != link.depends_on.task for d in successor.depends_on):
            _edit_error(
                change,
                f"remove_links[{index}]",
                f"task '{link.task}' does not depend on '{link.depends_on.task}'",
            )
        kept = [d for d in successor.depends_on if d.task != link.depends_on.task]
        tasks[link.task] = successor.model_copy(update={"depends_on": kept})
    return plan.model_copy(update={"tasks": list(tasks.values())})


class MovedTask(BaseModel):
    """A task whose dates the change moves."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    start_before: LocalDateTime
    start_after: LocalDateTime
    finish_before: LocalDateTime
    finish_after: LocalDateTime
    finish_shift_days: float = Field(description="Working days; < 0 when it finishes earlier.")


class ChangeImpact(BaseModel):
    """The effect of a change request on the plan and the landscape."""

    model_config = ConfigDict(frozen=True)

    change: str
    status_date: LocalDateTime | None
    finish_before: LocalDateTime
    finish_after: LocalDateTime
    finish_delta_days: float = Field(description="Working days the project finish moves.")
    milestones: list[MovedTask] = Field(description="Milestones whose date moves.")
    critical_before: list[str]
    critical_after: list[str]
    critical_added: list[str]
    critical_removed: list[str]
    moved_tasks: list[MovedTask]
    added_tasks: list[str]
    removed_tasks: list[str]
    cost_before: float
    cost_after: float
    cost_delta: float = Field(description="Plan cost after − before, plus the change's own cost.")
    effort_delta_hours: float
    refs: list[str] = Field(description="Everything the change touches, by reference.")
    interfaces: list[str] = Field(description="Interfaces touched, directly or by a system.")
    flows: list[str] = Field(description="Flows touched, or using a touched interface.")
    consumers: list[str] = Field(description="Systems and flows consuming touched interfaces.")


def _effort_hours(plan: Plan, minutes_per_day: int) -> float:
    parents = {t.parent for t in plan.tasks if t.parent is not None}
    total = 0.0
    for task in plan.tasks:
        if task.id in parents or task.is_milestone:
            continue
        if task.effort_hours is not None:
            total += task.effort_hours
        else:
            units = sum(a.units for a in task.assignments) or 1.0
            total += working_minutes(task.duration, minutes_per_day) / 60 * units
    return total


def _leaves(schedule: PlanSchedule) -> list[str]:
    return [t.id for t in schedule.tasks if not t.summary]


def _moved(before: PlanSchedule, after: PlanSchedule, milestones: bool) -> list[MovedTask]:
    time = before.working_time()
    then = {t.id: t for t in before.tasks}
    moved = []
    for task in after.tasks:
        old = then.get(task.id)
        if old is None or task.summary or task.milestone != milestones:
            continue
        if (old.start, old.finish) == (task.start, task.finish):
            continue
        moved.append(
            MovedTask(
                id=task.id,
                name=task.name,
                start_before=old.start,
                start_after=task.start,
                finish_before=old.finish,
                finish_after=task.finish,
                finish_shift_days=working_days(time, old.finish, task.finish),
            )
        )
    return moved


def _catalog_reach(
    refs: set[str], landscape: Landscape | None
) -> tuple[list[str], list[str], list[str]]:
    """Interfaces, flows and consumers reached from the touched references."""
    if landscape is None:
        return [], [], []
    interfaces: set[str] = set()
    flows: set[str] = set()
    for text in refs:
        ref = Ref.parse(text)
        if ref.kind is RefKind.INTERFACE:
            interfaces.add(text)
        elif ref.kind is RefKind.SYSTEM:
            interfaces.update(n.id for n in landscape.interfaces_of(text))
        elif ref.kind is RefKind.FLOW:
            flows.add(text)
            interfaces.update(e.target for e in landscape.edges if e.source == text)
    consumers: set[str] = set()
    for interface in interfaces:
        for consumer in landscape.consumers(interface):
            consumers.add(consumer)
            if consumer.startswith(f"{RefKind.FLOW}:"):
                flows.add(consumer)
    order = {n.id: i for i, n in enumerate(landscape.nodes)}
    known = set(order)

    def ranked(items: set[str]) -> list[str]:
        return sorted(items & known, key=order.__getitem__)

    flows_known = {n.id for n in landscape.nodes_of(NodeKind.FLOW)}
    provided = {e.target for e in landscape.edges_of(EdgeKind.PROVIDES)}
    return ranked(interfaces & provided), ranked(flows & flows_known), ranked(consumers)


def assess_change(
    plan: Plan,
    change: ChangeRequest,
    *,
    status_date: dt.date | None = None,
    updates: Sequence[TaskUpdate] = (),
    landscape: Landscape | None = None,
) -> ChangeImpact:
    """Schedule the plan without and with the change, and compare."""
    changed = apply_edits(plan, change)
    known = {t.id for t in changed.tasks}
    kept_updates = [u for u in updates if u.task in known]
    before = schedule_plan(plan, status_date=status_date, updates=updates)
    after = schedule_plan(changed, status_date=status_date, updates=kept_updates)
    time = before.working_time()
    finish_before = before.schedule.project_finish
    finish_after = after.schedule.project_finish
    critical_before = [i for i in before.critical_path if i in set(_leaves(before))]
    critical_after = [i for i in after.critical_path if i in set(_leaves(after))]
    delivers = {t.id: set(t.delivers) for t in plan.tasks} | {
        t.id: set(t.delivers) for t in changed.tasks
    }
    refs = change.touched_refs()
    for text in list(refs):
        ref = Ref.parse(text)
        if ref.kind is RefKind.TASK:
            refs.update(delivers.get(ref.id, set()))
    interfaces, flows, consumers = _catalog_reach(refs, landscape)
    per_day = before.minutes_per_day
    effort = _effort_hours(changed, per_day) - _effort_hours(plan, per_day)
    return ChangeImpact(
        change=change.id,
        status_date=before.status_date,
        finish_before=finish_before,
        finish_after=finish_after,
        finish_delta_days=working_days(time, finish_before, finish_after),
        milestones=_moved(before, after, milestones=True),
        critical_before=critical_before,
        critical_after=critical_after,
        critical_added=[i for i in critical_after if i not in critical_before],
        critical_removed=[i for i in critical_before if i not in critical_after],
        moved_tasks=_moved(before, after, milestones=False),
        added_tasks=[t.id for t in change.edits.add_tasks],
        removed_tasks=list(change.edits.remove_tasks),
        cost_before=before.cost,
        cost_after=after.cost,
        cost_delta=round(after.cost - before.cost + change.edits.cost, 2),
        effort_delta_hours=round(effort + change.edits.effort_hours, 2),
        refs=sorted(refs),
        interfaces=interfaces,
        flows=flows,
        consumers=consumers,
    )


def pending_edits(plan: Plan, change: ChangeRequest) -> list[str]:
    """The change's edits that the plan files do not show yet (checked when implementing)."""
    tasks = {t.id: t for t in plan.tasks}
    pending = []
    for task in change.edits.add_tasks:
        if task.id not in tasks:
            pending.append(f"add task {task.id}")
    for ident in change.edits.remove_tasks:
        if ident in tasks:
            pending.append(f"remove task {ident}")
    for edit in change.edits.durations:
        found = tasks.get(edit.task)
        if found is not None and found.duration != edit.duration:
            pending.append(f"set the duration of {edit.task} to {edit.duration}")
    for link in change.edits.add_links:
        found = tasks.get(link.task)
        if found is not None and _missing(found, link.depends_on):
            pending.append(f"link {link.depends_on.task} → {link.task}")
    for link in change.edits.remove_links:
        found = tasks.get(link.task)
        if found is not None and any(d.task == link.depends_on.task for d in found.depends_on):
            pending.append(f"unlink {link.depends_on.task} → {link.task}")
    return pending


def _missing(task: Task, dependency: Dependency) -> bool:
    return all(
        (d.task, d.type, d.lag) != (dependency.task, dependency.type, dependency.lag)
        for d in task.depends_on
    )
