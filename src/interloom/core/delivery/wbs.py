"""The work breakdown structure: outline codes (1, 1.2, 1.2.3) of the plan's items."""

from __future__ import annotations

from interloom.core.delivery.plan import Milestone, Plan, Task
from interloom.core.delivery.plan_errors import (
    Locator,
    PlanSite,
    PlanStructureError,
    site_location,
)


def plan_items(plan: Plan) -> list[Task | Milestone]:
    """Tasks then milestones, each in file order."""
    return [*plan.tasks, *plan.milestones]


def outline_codes(plan: Plan, *, locate: Locator = site_location) -> dict[str, str]:
    """The WBS code of every task and milestone: declared ones kept, others numbered in order.

    Items are numbered within their parent, tasks first then milestones, each in file order,
    skipping the numbers declared codes already hold. Two tasks declaring one code raise
    :class:`PlanStructureError`.
    """
    items = plan_items(plan)
    known = {item.id for item in items}
    children: dict[str | None, list[Task | Milestone]] = {}
    for item in items:
        parent = item.parent if item.parent in known else None
        children.setdefault(parent, []).append(item)
    codes: dict[str, str] = {}
    holder: dict[str, str] = {}
    for task in plan.tasks:
        if task.wbs is None:
            continue
        if task.wbs in holder:
            raise PlanStructureError(
                f"tasks '{holder[task.wbs]}' and '{task.id}' both have WBS code {task.wbs}",
                site=PlanSite("tasks", task.id, ("wbs",)),
                locate=locate,
                hint="remove one code: undeclared codes are numbered for you",
            )
        holder[task.wbs] = task.id
        codes[task.id] = task.wbs
    pending: list[tuple[str | None, str]] = [(None, "")]
    while pending:
        parent, prefix = pending.pop()
        number = 0
        for item in children.get(parent, []):
            if item.id not in codes:
                number += 1
                while f"{prefix}{number}" in holder:
                    number += 1
                codes[item.id] = f"{prefix}{number}"
                holder[codes[item.id]] = item.id
            pending.append((item.id, codes[item.id] + "."))
    # Items whose parents loop never hang from the root; they follow the numbered ones.
    top = max((int(code.split(".")[0]) for code in codes.values()), default=0)
    for item in items:
        if item.id not in codes:
            top += 1
            codes[item.id] = str(top)
    return codes


def wbs_key(code: str) -> tuple[int, ...]:
    """A sort key that orders outline codes as people read them (1.2 before 1.10)."""
    return tuple(int(part) for part in code.split("."))
