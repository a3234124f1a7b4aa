"""The critical path method: forward, backward and ALAP passes, then total and free float.

:func:`time_network` takes a compiled :class:`~interloom.core.delivery.network.Network` and
returns every node's encoded times (see ``network`` for the ``2 * w + s`` encoding). Each pass
visits the nodes once in (reverse) topological order and each edge once: O(nodes + edges).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from interloom.core.delivery.activities import (
    Activity,
    ConstraintType,
    Progress,
    as_finish,
    as_start,
)
from interloom.core.delivery.network import FINISH, GATE, LEAF, MIN, NEVER, START, Network

NOT_STARTED, IN_PROGRESS, COMPLETE = 0, 1, 2
"""Progress codes of a node (summary nodes are NOT_STARTED)."""
STATES = {Progress.NOT_STARTED: NOT_STARTED, Progress.IN_PROGRESS: IN_PROGRESS}
STATES[Progress.COMPLETE] = COMPLETE

FROM_FINISH = (True, False, True, False, False)
"""Per edge type: whether the predecessor's finish (not its start) drives the link."""
TO_START = (True, True, False, False, True)
"""Per edge type: whether the link bounds the successor's start (its remaining work's start)."""

_MSO, _MFO = 1, 2


@dataclass(slots=True)
class Timing:
    """Every node's encoded times after the passes, and its floats in working minutes.

    ``er``/``lr`` are where the remaining work resumes: the start unless the activity is in
    progress. ``start``/``finish`` are the scheduled times: the early ones, or the ALAP ones.
    ``project_finish`` is the project finish encoded on each clock, ``finish_moment`` as is.
    """

    state: list[int]
    es: list[int]
    er: list[int]
    ef: list[int]
    ls: list[int]
    lr: list[int]
    lf: list[int]
    start: list[int]
    finish: list[int]
    total_float: list[int]
    free_float: list[int]
    project_finish: list[int]
    finish_moment: dt.datetime


def time_network(net: Network) -> Timing:
    """Early, late and scheduled times and floats of every node."""
    facts = _prepare(net)
    es, er, ef = _forward(net, facts)
    finish_moment = _project_finish(net, ef)
    finishes = [net.encode_down(c, finish_moment) for c in range(len(net.clocks))]
    ls, lr, lf = _backward(net, facts, es, er, ef, finishes)
    start, finish = es, ef
    if any(facts.alap):
        start, _, finish = _backward(net, facts, es, er, ef, finishes, alap_only=True)
    total = total_floats(facts.state, ef, lf)
    free = free_floats(net, facts.state, es, er, ef, finishes, total)
    return Timing(
        facts.state, es, er, ef, ls, lr, lf, start, finish, total, free, finishes, finish_moment
    )


@dataclass(slots=True)
class _Leaves:
    """Per-node facts the passes read, with dates encoded on the node's clock."""

    duration: list[int]
    remaining: list[int]
    state: list[int]
    hard: list[int]  # 0, _MSO or _MFO (not-started tasks only)
    hard_at: list[int]
    start_floor: list[int]  # project start, status date, SNET
    finish_floor: list[int]  # FNET
    start_cap: list[int]  # SNLT
    finish_cap: list[int]  # FNLT
    resume_floor: list[int]  # status date, for work in progress
    actual_start: list[int | None]
    actual_finish: list[int | None]
    alap: list[bool]


def _prepare(net: Network) -> _Leaves:
    plan = net.plan
    count = len(net.kind)
    facts = _Leaves(
        duration=[0] * count,
        remaining=[0] * count,
        state=[NOT_STARTED] * count,
        hard=[0] * count,
        hard_at=[0] * count,
        start_floor=[0] * count,
        finish_floor=[-NEVER] * count,
        start_cap=[NEVER] * count,
        finish_cap=[NEVER] * count,
        resume_floor=[-NEVER] * count,
        actual_start=[None] * count,
        actual_finish=[None] * count,
        alap=[False] * count,
    )
    starts = [net.encode_up(c, as_start(plan.project_start)) for c in range(len(net.clocks))]
    status = None if plan.status_date is None else as_finish(plan.status_date)
    statuses = [None if status is None else net.encode_up(c, status) for c in range(len(starts))]
    for v in range(count):
        clock = net.clock[v]
        facts.start_floor[v] = starts[clock]
        activity = plan.activities[net.owner[v]]
        if net.kind[v] != LEAF:
            if activity.constraint_date is not None:
                _summary_constraint(net, facts, v, activity)
            continue
        state = STATES[activity.progress]
        facts.state[v] = state
        duration = activity.duration
        facts.duration[v] = facts.remaining[v] = duration
        if activity.actual_start is not None:
            facts.actual_start[v] = net.encode_up(clock, as_start(activity.actual_start))
        if activity.actual_finish is not None:
            facts.actual_finish[v] = net.encode_down(clock, as_finish(activity.actual_finish))
        floor = statuses[clock]
        if state == IN_PROGRESS:
            done = min(int(duration * activity.percent_complete / 100), duration - 1)
            facts.remaining[v] = duration - done
            if floor is not None:
                facts.resume_floor[v] = floor
        elif state == NOT_STARTED and floor is not None:
            facts.start_floor[v] = max(facts.start_floor[v], floor)
        if state != COMPLETE:
            _constrain(net, facts, v, activity)
    return facts


def _constrain(net: Network, facts: _Leaves, v: int, activity: Activity) -> None:
    kind, date = activity.constraint, activity.constraint_date
    started = facts.state[v] != NOT_STARTED
    if kind is ConstraintType.ALAP:
        facts.alap[v] = not started
    if date is None:
        return
    clock = net.clock[v]
    if kind in (ConstraintType.SNET, ConstraintType.SNLT, ConstraintType.MSO):
        if started:
            return  # an actual start overrides a start constraint
        at = as_start(date)
        if kind is ConstraintType.SNET:
            facts.start_floor[v] = max(facts.start_floor[v], net.encode_up(clock, at))
        elif kind is ConstraintType.SNLT:
            facts.start_cap[v] = net.encode_down(clock, at)
        else:
            facts.hard[v], facts.hard_at[v] = _MSO, net.encode_up(clock, at)
        return
    at = as_finish(date)
    if kind is ConstraintType.MFO and not started:
        facts.hard[v], facts.hard_at[v] = _MFO, net.encode_down(clock, at)
        return
    # Work in progress keeps a must-finish-on as the two soft bounds it implies.
    if kind in (ConstraintType.FNET, ConstraintType.MFO):
        facts.finish_floor[v] = net.encode_up(clock, at)
    if kind in (ConstraintType.FNLT, ConstraintType.MFO):
        facts.finish_cap[v] = net.encode_down(clock, at)


def _summary_constraint(net: Network, facts: _Leaves, v: int, activity: Activity) -> None:
    assert activity.constraint_date is not None
    if net.kind[v] == GATE and activity.constraint is ConstraintType.SNET:
        at = net.encode_up(0, as_start(activity.constraint_date))
        facts.start_floor[v] = max(facts.start_floor[v], at)
    elif net.kind[v] == FINISH and activity.constraint is ConstraintType.FNLT:
        facts.finish_cap[v] = net.encode_down(0, as_finish(activity.constraint_date))


def _forward(net: Network, facts: _Leaves) -> tuple[list[int], list[int], list[int]]:
    """Early times in topological order: the latest of every lower bound on each node."""
    count = len(net.kind)
    es, er, ef = [0] * count, [0] * count, [0] * count
    kind, preds, push = net.kind, net.preds, net.push
    duration, state, remaining = facts.duration, facts.state, facts.remaining
    for v in net.order:
        if kind[v] == START:
            t = NEVER
            for u, _, _, converts, _ in preds[v]:
                x = push(es[u], u, v, 0) if converts else es[u]
                if x < t:
                    t = x
            es[v] = er[v] = ef[v] = t
            continue
        sb, fb = facts.start_floor[v], facts.finish_floor[v]
        for u, edge_kind, lag, converts, _ in preds[v]:
            x = ef[u] if FROM_FINISH[edge_kind] else es[u]
            if converts:
                x = push(x, u, v, lag)
            elif lag:
                x = ((x >> 1) + lag) << 1  # the earliest instant that much work later
            if TO_START[edge_kind]:
                if x > sb:
                    sb = x
            elif x > fb:
                fb = x
        d = duration[v]
        if state[v] == NOT_STARTED:
            hard = facts.hard[v]
            if not d:
                es[v] = er[v] = ef[v] = facts.hard_at[v] if hard else max(sb, fb)
                continue
            if hard == _MSO:
                s = facts.hard_at[v] >> 1
            elif hard == _MFO:
                s = (facts.hard_at[v] >> 1) - d
            else:
                s = max(sb >> 1, (fb >> 1) - d)
            es[v] = er[v] = 2 * s + 1
            ef[v] = 2 * (s + d)
        elif state[v] == IN_PROGRESS:
            actual = facts.actual_start[v]
            start = (sb | 1) if actual is None else actual
            left = remaining[v]
            resume = max((start >> 1) + d - left, facts.resume_floor[v] >> 1, sb >> 1)
            resume = max(resume, (fb >> 1) - left)
            es[v], er[v], ef[v] = start, 2 * resume + 1, 2 * (resume + left)
        else:
            actual = facts.actual_start[v]
            start = actual if actual is not None else ((sb | 1) if d else sb)
            finish = facts.actual_finish[v]
            if finish is None:
                finish = 2 * ((start >> 1) + d) if d else start
            es[v], er[v], ef[v] = start, start, finish
    return es, er, ef


def _backward(
    net: Network,
    facts: _Leaves,
    es: list[int],
    er: list[int],
    ef: list[int],
    finishes: list[int],
    *,
    alap_only: bool = False,
) -> tuple[list[int], list[int], list[int]]:
    """Late times in reverse topological order: the earliest of every upper bound on each node.

    With ``alap_only`` the same rules place ALAP tasks against their successors' *scheduled*
    times: other tasks keep their early times, and only the ALAP tasks and the summary nodes
    after them are visited.
    """
    ls, lr, lf = list(es), list(er), list(ef)
    kind, succs, clock, state, pull = net.kind, net.succs, net.clock, facts.state, net.pull
    finish_cap, start_cap = facts.finish_cap, facts.start_cap
    order = _alap_nodes(net, facts) if alap_only else reversed(net.order)
    for v in order:
        leaf = kind[v] == LEAF
        if leaf and state[v] == COMPLETE:
            continue  # done: its late times are its actual ones
        lb = min(finish_cap[v], finishes[clock[v]])
        sb = start_cap[v]
        for s, edge_kind, lag, converts, _ in succs[v]:
            if edge_kind == MIN:
                start = net.push(es[v], v, s, 0) if converts else es[v]
                if (start >> 1) == (es[s] >> 1):  # only the earliest child holds it
                    x = pull(ls[s], s, v, 0) if converts else ls[s]
                    if x < sb:
                        sb = x
                continue
            if state[s] == COMPLETE:
                continue  # a finished successor waits for nothing
            x = lr[s] if TO_START[edge_kind] else lf[s]
            if converts:
                x = pull(x, s, v, lag)
            elif lag:
                x = (((x >> 1) - lag) << 1) | 1  # the latest instant that much work earlier
            if FROM_FINISH[edge_kind]:
                if x < lb:
                    lb = x
            elif x < sb:
                sb = x
        if not leaf:
            ls[v] = lr[v] = lf[v] = min(lb, sb)
            continue
        d = facts.duration[v]
        if state[v] == IN_PROGRESS:
            finish = lb >> 1
            lr[v], lf[v] = 2 * (finish - facts.remaining[v]) + 1, 2 * finish
            continue
        hard = facts.hard[v]
        if not d:
            t = facts.hard_at[v] if hard else min(lb, sb)
            ls[v] = lr[v] = lf[v] = max(t, es[v]) if alap_only else t
            continue
        if hard == _MSO:
            s = facts.hard_at[v] >> 1
        elif hard == _MFO:
            s = (facts.hard_at[v] >> 1) - d
        else:
            s = min((lb >> 1) - d, sb >> 1)
        if alap_only:
            s = max(s, es[v] >> 1)  # never before its predecessors allow
        ls[v] = lr[v] = 2 * s + 1
        lf[v] = 2 * (s + d)
    return ls, lr, lf


def _alap_nodes(net: Network, facts: _Leaves) -> list[int]:
    """ALAP tasks and the summary nodes they feed, in reverse topological order."""
    wanted = {v for v, alap in enumerate(facts.alap) if alap}
    stack = list(wanted)
    while stack:
        for s, *_ in net.succs[stack.pop()]:
            if net.kind[s] != LEAF and s not in wanted:
                wanted.add(s)
                stack.append(s)
    return [v for v in reversed(net.order) if v in wanted]


def _project_finish(net: Network, ef: list[int]) -> dt.datetime:
    latest: dict[int, int] = {}
    for v, clock in enumerate(net.clock):
        if net.kind[v] == LEAF and ef[v] > latest.get(clock, -NEVER):
            latest[clock] = ef[v]
    if not latest:
        return as_start(net.plan.project_start)
    return max(net.decode(clock, t) for clock, t in latest.items())


def total_floats(state: list[int], ef: list[int], lf: list[int]) -> list[int]:
    """Working minutes each node can slip without moving the project finish or a late date."""
    return [
        0 if s == COMPLETE else (f >> 1) - (e >> 1) for s, e, f in zip(state, ef, lf, strict=True)
    ]


def free_floats(
    net: Network,
    state: list[int],
    es: list[int],
    er: list[int],
    ef: list[int],
    finishes: list[int],
    total: list[int],
) -> list[int]:
    """Working minutes each node can slip without moving any successor's early dates.

    A summary's nodes pass their own free float on: a task feeding a summary's finish can
    slip by its gap to that finish plus what the finish itself can slip.
    """
    kind, clock = net.kind, net.clock
    free = [0] * len(kind)
    for v in reversed(net.order):
        best = (finishes[clock[v]] >> 1) - (ef[v] >> 1)
        for s, edge_kind, lag, converts, _ in net.succs[v]:
            if edge_kind == MIN:
                start = net.push(es[v], v, s, 0) if converts else es[v]
                if (start >> 1) == (es[s] >> 1) and free[s] < best:
                    best = free[s]  # only the earliest child moves the summary's start
                continue
            if state[s] == COMPLETE or (state[v] != NOT_STARTED and not FROM_FINISH[edge_kind]):
                continue  # done successors wait for nothing; a started start cannot slip
            bound = er[s] if TO_START[edge_kind] else ef[s]
            if converts:
                bound = net.pull(bound, s, v, lag)
            elif lag:
                bound = (((bound >> 1) - lag) << 1) | 1
            point = ef[v] if FROM_FINISH[edge_kind] else es[v]
            slack = (bound >> 1) - (point >> 1)
            if kind[s] != LEAF:
                slack += free[s]
            if slack < best:
                best = slack
        free[v] = best
    for v, node_kind in enumerate(kind):
        if node_kind == LEAF:
            free[v] = 0 if state[v] == COMPLETE else max(0, min(free[v], total[v]))
    return free


def is_critical(state: int, total_float: int, threshold: int) -> bool:
    """MS Project's rule: unfinished, and total float at or below the threshold."""
    return state != COMPLETE and total_float <= threshold
