"""Critical-path scheduling with MS Project's semantics: ``compute_schedule(plan) -> Schedule``.

The plan is compiled into a network (``network``), then: a forward pass in topological order
gives early dates; a backward pass from the project finish gives late dates; tasks as late as
possible are placed by a third pass against their successors' scheduled dates; floats and the
critical path come from ``critical_path``; summary tasks are rolled up from their children.
Every pass is O(nodes + edges) on integers; only links between different calendars convert.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from interloom.core.delivery.activities import (
    Activity,
    ConstraintType,
    Link,
    LinkType,
    Progress,
    ScheduleInput,
    as_finish,
    as_start,
)
from interloom.core.delivery.critical_path import (
    COMPLETE,
    STATES,
    Timing,
    is_critical,
    time_network,
)
from interloom.core.delivery.network import (
    Network,
    ScheduleCycleError,
    ScheduleReferenceError,
    ScheduleStructureError,
    build_network,
)

__all__ = [
    "Activity",
    "ConstraintType",
    "Link",
    "LinkType",
    "Progress",
    "Schedule",
    "ScheduleCycleError",
    "ScheduleInput",
    "ScheduleReferenceError",
    "ScheduleStructureError",
    "ScheduledActivity",
    "compute_schedule",
]

_PROGRESS = {code: progress for progress, code in STATES.items()}


class ScheduledActivity(BaseModel):
    """One activity's computed dates and floats; floats are working minutes on its calendar."""

    model_config = ConfigDict(frozen=True)

    id: str
    start: dt.datetime  # scheduled: the early start, or where ALAP placed it
    finish: dt.datetime
    resume: dt.datetime  # where the remaining work starts (the start if not started)
    early_start: dt.datetime
    early_finish: dt.datetime
    late_start: dt.datetime
    late_finish: dt.datetime
    total_float: int  # negative when a constraint cannot be met
    free_float: int
    critical: bool
    summary: bool
    milestone: bool
    progress: Progress


class Schedule(BaseModel):
    """The computed schedule: every activity, the project finish and the critical path."""

    model_config = ConfigDict(frozen=True)

    project_start: dt.datetime
    project_finish: dt.datetime
    activities: dict[str, ScheduledActivity]
    critical_path: tuple[str, ...]  # critical activities, by early start
    near_critical: tuple[str, ...]  # not critical, total float within the near-critical threshold


def compute_schedule(plan: ScheduleInput) -> Schedule:
    """Schedule the plan: early and late dates, floats, critical path, summary roll-ups."""
    net = build_network(plan)
    return _assemble(net, time_network(net))


def _assemble(net: Network, timing: Timing) -> Schedule:
    plan = net.plan
    # Decoding is most of the output's cost: call each clock's conversions directly.
    starts = [axis.start_moment for axis in net.clocks]
    finishes = [axis.finish_moment for axis in net.clocks]

    def decode(c: int, t: int) -> dt.datetime:
        return starts[c](t >> 1) if t & 1 else finishes[c](t >> 1)

    es, er, ef, ls, lf = timing.es, timing.er, timing.ef, timing.ls, timing.lf
    total, free = timing.total_float, timing.free_float
    critical_at, near_at = plan.critical_float, plan.near_critical_float
    done: dict[int, ScheduledActivity] = {}
    critical: list[tuple[dt.datetime, dt.datetime, int]] = []
    near: list[tuple[dt.datetime, dt.datetime, int]] = []
    for i, activity in enumerate(plan.activities):
        v = net.node_of[i]
        if v < 0:
            continue
        c = net.clock[v]
        early_start = decode(c, es[v])
        early_finish = decode(c, ef[v])
        if activity.actual_start is not None:
            early_start = as_start(activity.actual_start)
        if activity.actual_finish is not None:
            early_finish = as_finish(activity.actual_finish)
        # A late date at the same working moment as the early one shows as the early one.
        late_start = early_start if ls[v] >> 1 == es[v] >> 1 else decode(c, ls[v])
        late_finish = early_finish if lf[v] >> 1 == ef[v] >> 1 else decode(c, lf[v])
        start, finish = early_start, early_finish
        if timing.start[v] != es[v]:  # placed as late as possible
            start, finish = decode(c, timing.start[v]), decode(c, timing.finish[v])
        state = timing.state[v]
        flag = is_critical(state, total[v], critical_at)
        key = (early_start, early_finish, i)
        if flag:
            critical.append(key)
        elif state != COMPLETE and total[v] <= near_at:
            near.append(key)
        done[i] = ScheduledActivity(
            id=activity.id,
            start=start,
            finish=finish,
            resume=start if er[v] == es[v] else decode(c, er[v]),
            early_start=early_start,
            early_finish=early_finish,
            late_start=late_start,
            late_finish=late_finish,
            total_float=total[v],
            free_float=free[v],
            critical=flag,
            summary=False,
            milestone=activity.milestone,
            progress=_PROGRESS[state],
        )
    _roll_up(net, done, timing)
    critical.sort()
    near.sort()
    ids = [a.id for a in plan.activities]
    return Schedule(
        project_start=as_start(plan.project_start),
        project_finish=timing.finish_moment,
        activities={a.id: done[i] for i, a in enumerate(plan.activities)},
        critical_path=tuple(ids[k[2]] for k in critical),
        near_critical=tuple(ids[k[2]] for k in near),
    )


def _roll_up(net: Network, done: dict[int, ScheduledActivity], timing: Timing) -> None:
    """Summary tasks from their children, deepest first: min of starts, max of finishes."""
    plan, children = net.plan, net.children
    order = [i for i in range(len(children)) if children[i]]
    depth = [0] * len(children)
    for i in order:
        j = i
        while (j := _parent(net, j)) >= 0:
            depth[i] += 1
    order.sort(key=lambda i: -depth[i])
    for i in order:
        kids = [done[c] for c in children[i]]
        total = min(k.total_float for k in kids)
        start = min(k.start for k in kids)
        early_finish = max(k.early_finish for k in kids)
        states = {k.progress for k in kids}
        progress = (
            Progress.COMPLETE
            if states == {Progress.COMPLETE}
            else Progress.NOT_STARTED
            if states == {Progress.NOT_STARTED}
            else Progress.IN_PROGRESS
        )
        f = net.finish[i]
        own_free = timing.free_float[f] if f >= 0 else _minutes(net, early_finish, timing)
        done[i] = ScheduledActivity(
            id=plan.activities[i].id,
            start=start,
            finish=max(k.finish for k in kids),
            resume=min(k.resume for k in kids),
            early_start=min(k.early_start for k in kids),
            early_finish=early_finish,
            late_start=min(k.late_start for k in kids),
            late_finish=max(k.late_finish for k in kids),
            total_float=total,
            free_float=max(0, min(own_free, total)),
            critical=any(k.critical for k in kids),
            summary=True,
            milestone=bool(plan.activities[i].is_milestone),
            progress=progress,
        )


def _parent(net: Network, i: int) -> int:
    name = net.plan.activities[i].parent
    return -1 if name is None else net.activity_index[name]


def _minutes(net: Network, early_finish: dt.datetime, timing: Timing) -> int:
    """Working minutes, on the project calendar, from ``early_finish`` to the project finish."""
    axis = net.clocks[0]
    return (timing.project_finish[0] >> 1) - axis.working_minutes(early_finish)
