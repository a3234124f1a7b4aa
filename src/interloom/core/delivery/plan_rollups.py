"""Figures that summary tasks roll up from their subtasks: planned cost, percent complete.

A task's planned cost is its fixed cost plus, per assigned resource, hours of work times the
resource's rate; work is the duration times the units, or ``effort_hours`` shared by units. A
summary costs its own fixed cost plus its subtasks'. A summary's percent complete is its leaf
tasks' work done over their work (MS Project's rule). Each is one pass, children first.
"""

from __future__ import annotations

from collections.abc import Iterable

from interloom.core.delivery.plan import Milestone, Plan, Task, working_minutes
from interloom.core.delivery.plan_conversion import Frame
from interloom.core.delivery.plan_progress import TaskState
from interloom.core.delivery.resources import Assignment
from interloom.core.delivery.wbs import plan_items


def children_first(items: Iterable[Task | Milestone]) -> tuple[list[str], dict[str, list[str]]]:
    """Every id with each item after all those below it, and the children of each item."""
    listed = list(items)
    known = {item.id for item in listed}
    children: dict[str, list[str]] = {}
    for item in listed:
        if item.parent is not None and item.parent in known:
            children.setdefault(item.parent, []).append(item.id)
    order: list[str] = []
    seen: set[str] = set()
    for item in listed:
        if item.id in seen:
            continue
        stack = [(item.id, False)]
        while stack:
            ident, expanded = stack.pop()
            if expanded:
                order.append(ident)
                continue
            if ident in seen:
                continue  # a parent loop: each item is still listed once
            seen.add(ident)
            stack.append((ident, True))
            stack.extend((child, False) for child in children.get(ident, ()))
    return order, children


def planned_costs(plan: Plan, frame: Frame) -> dict[str, float]:
    """Planned cost of every task and milestone, from the files (updates do not change it)."""
    by_task: dict[str, list[Assignment]] = {}
    for assignment in frame.assignments:
        by_task.setdefault(assignment.activity, []).append(assignment)
    total: dict[str, float] = {}
    for task in plan.tasks:
        cost = task.fixed_cost
        if task.id not in frame.summaries and not task.is_milestone:
            per_day = frame.calendars[frame.calendar_of[task.id]].minutes_per_day
            hours = working_minutes(task.duration, per_day) / 60
            assigned = by_task.get(task.id, [])
            units = sum(a.units for a in assigned)
            for assignment in assigned:
                rate = frame.resources[assignment.resource].cost_per_hour
                if task.effort_hours is not None:
                    work = task.effort_hours * assignment.units / units
                else:
                    work = hours * assignment.units
                cost += work * rate
        total[task.id] = cost
    for milestone in plan.milestones:
        total[milestone.id] = 0.0
    order, children = children_first(plan_items(plan))
    for ident in order:
        total[ident] += sum(total[child] for child in children.get(ident, ()))
    return {ident: round(cost, 2) for ident, cost in total.items()}


def percents_complete(
    plan: Plan, states: dict[str, TaskState], reached: set[str]
) -> dict[str, float]:
    """Percent complete of every item; a summary's is its leaves' work done over their work."""
    work: dict[str, float] = {}
    done: dict[str, float] = {}
    result: dict[str, float] = {}
    order, children = children_first(plan_items(plan))
    for ident in order:
        below = children.get(ident)
        state = states.get(ident)
        if below:
            work[ident] = sum(work[c] for c in below)
            done[ident] = sum(done[c] for c in below)
            result[ident] = round(100 * done[ident] / work[ident], 1) if work[ident] else 0.0
        elif state is not None:
            work[ident] = state.duration
            done[ident] = state.duration * state.percent / 100
            result[ident] = state.percent
        else:  # a milestone of the milestones list
            work[ident] = done[ident] = 0.0
            result[ident] = 100.0 if ident in reached else 0.0
    return result
