"""The plan as a network: activities, links, and the compiled graph the schedule passes walk.

The compiled :class:`Network` has one node per leaf activity and, for each summary task, up to
three zero-duration nodes: a *gate* its predecessors and start constraint act on (every child
starts after it), a *finish* that is the latest of its children's finishes (its FS/FF
successors follow it), and a *start* that is the earliest of its children's starts (its SS/SF
successors follow it). Nodes are created only where a link or constraint needs them.

Times inside the network are encoded per calendar as ``2 * w + s``: ``w`` working minutes on the
node's calendar, ``s`` 0 for the earliest instant with that count (a finish, Monday 17:00) and
1 for the latest (a start, Tuesday 08:00). Ordering the codes orders the instants, so the
passes are integer ``max``/``min``; only a link between different calendars converts.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from interloom.core.delivery.activities import (
    ConstraintType,
    Link,
    LinkType,
    ScheduleInput,
    as_start,
)
from interloom.core.delivery.calendar import Calendar, WorkingTime
from interloom.core.errors import InterloomError, Location


class ScheduleCycleError(InterloomError):
    """The links between activities form a cycle; ``cycle`` lists it in link order."""

    code = "E-PLAN-001"
    status = 422

    def __init__(self, cycle: Sequence[str], *, links: Sequence[int] = (), hint: str | None = None):
        self.cycle = tuple(cycle)
        self.links = tuple(links)
        where = Location(path=f"links[{links[0]}]") if links else None
        super().__init__(
            "the links form a cycle: " + " → ".join(self.cycle), location=where, hint=hint
        )


class ScheduleReferenceError(InterloomError):
    """A link, parent or calendar names an activity or calendar the plan does not have."""

    code = "E-PLAN-002"
    status = 422


class ScheduleStructureError(InterloomError):
    """The plan's structure cannot be scheduled (duplicate id, summary linked to its subtask…)."""

    code = "E-PLAN-003"
    status = 422


LEAF, GATE, FINISH, START = 0, 1, 2, 3
"""Node kinds: a leaf activity; a summary's gate (its predecessors act there, its children
follow it), its finish (the latest of its children's) and its start (the earliest)."""


FS, SS, FF, SF, MIN = 0, 1, 2, 3, 4
"""Edge types: the four link types, and MIN (child start to its summary's START node)."""
_TYPES = {LinkType.FS: FS, LinkType.SS: SS, LinkType.FF: FF, LinkType.SF: SF}

Edge = tuple[int, int, int, bool, int]
"""(other node, edge type, lag in project-calendar working minutes, converts, link index or -1)."""

NEVER = 1 << 62
"""Larger than any encoded time: the identity of ``min``; ``-NEVER`` is that of ``max``."""


@dataclass(slots=True)
class Network:
    """The compiled plan: nodes, edges in both directions, a topological order, calendars."""

    plan: ScheduleInput
    clocks: list[WorkingTime]  # clocks[0] is the project calendar
    activity_index: dict[str, int]
    children: list[list[int]]  # per activity
    node_of: list[int]  # leaf activity -> node, -1 for summaries
    gate: list[int] = field(default_factory=list)  # per activity: node or -1
    finish: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)  # per node: its activity
    kind: list[int] = field(default_factory=list)
    clock: list[int] = field(default_factory=list)  # per node: index into clocks
    preds: list[list[Edge]] = field(default_factory=list)
    succs: list[list[Edge]] = field(default_factory=list)
    order: list[int] = field(default_factory=list)

    def add_node(self, owner: int, kind: int, clock: int) -> int:
        """A new node with no edges."""
        self.owner.append(owner)
        self.kind.append(kind)
        self.clock.append(clock)
        self.preds.append([])
        self.succs.append([])
        return len(self.owner) - 1

    def add_edge(self, u: int, v: int, kind: int, lag: int = 0, link: int = -1) -> None:
        """An edge from ``u`` to ``v``; it converts when the two clocks and the lag disagree."""
        cu, cv = self.clock[u], self.clock[v]
        converts = cu != cv or (lag != 0 and cu != 0)
        self.succs[u].append((v, kind, lag, converts, link))
        self.preds[v].append((u, kind, lag, converts, link))

    def encode_up(self, clock: int, moment: dt.datetime) -> int:
        """``moment`` on ``clock``, moved forward to the next representable instant."""
        axis = self.clocks[clock]
        w = axis.working_minutes(moment)
        return 2 * w if axis.finish_moment(w) == moment else 2 * w + 1

    def encode_down(self, clock: int, moment: dt.datetime) -> int:
        """``moment`` on ``clock``, moved back to the previous representable instant."""
        axis = self.clocks[clock]
        w = axis.working_minutes(moment)
        return 2 * w + 1 if axis.start_moment(w) == moment else 2 * w

    def decode(self, clock: int, t: int) -> dt.datetime:
        """The instant an encoded time stands for."""
        axis = self.clocks[clock]
        return axis.start_moment(t >> 1) if t & 1 else axis.finish_moment(t >> 1)

    def push(self, t: int, u: int, v: int, lag: int) -> int:
        """A time on ``u``'s clock moved by ``lag`` onto ``v``'s clock, as a lower bound."""
        moment = self.decode(self.clock[u], t)
        if lag:
            axis = self.clocks[0]
            moment = axis.finish_moment(axis.working_minutes(moment) + lag)
        return self.encode_up(self.clock[v], moment)

    def pull(self, t: int, v: int, u: int, lag: int) -> int:
        """A time on ``v``'s clock moved back by ``lag`` onto ``u``'s clock, as an upper bound."""
        moment = self.decode(self.clock[v], t)
        if lag:
            axis = self.clocks[0]
            moment = axis.start_moment(axis.working_minutes(moment) - lag)
        return self.encode_down(self.clock[u], moment)

    def name(self, node: int) -> str:
        """The id of the activity a node stands for."""
        return self.plan.activities[self.owner[node]].id


def _compile_calendars(plan: ScheduleInput) -> tuple[list[WorkingTime], dict[str, int]]:
    declared = {c.id: c for c in plan.calendars}
    if plan.calendar not in declared:
        if plan.calendar != "standard":
            raise ScheduleReferenceError(
                f"no calendar '{plan.calendar}' for the project",
                location=Location(path="calendar"),
            )
        declared["standard"] = Calendar()
    used = [plan.calendar]
    for index, activity in enumerate(plan.activities):
        name = activity.calendar
        if name is None or name in used:
            continue
        if name not in declared:
            raise ScheduleReferenceError(
                f"activity '{activity.id}' names no known calendar '{name}'",
                location=Location(path=f"activities[{index}].calendar"),
            )
        used.append(name)
    origin = as_start(plan.project_start).date()
    clocks = [WorkingTime(*_calendar_chain(declared, name), origin=origin) for name in used]
    return clocks, {name: index for index, name in enumerate(used)}


def _calendar_chain(declared: dict[str, Calendar], name: str) -> list[Calendar]:
    chain = [declared[name]]
    while (base := chain[-1].base) is not None:
        if base not in declared:
            raise ScheduleReferenceError(
                f"calendar '{chain[-1].id}' derives from no known calendar '{base}'",
                location=Location(path="calendars"),
            )
        if any(c.id == base for c in chain):
            loop = " → ".join([*(c.id for c in chain), base])
            raise ScheduleStructureError(f"calendars derive from each other in a loop: {loop}")
        chain.append(declared[base])
    return chain


def _hierarchy(plan: ScheduleInput, index: dict[str, int]) -> tuple[list[int], list[list[int]]]:
    parent = [-1] * len(plan.activities)
    children: list[list[int]] = [[] for _ in plan.activities]
    for i, activity in enumerate(plan.activities):
        if activity.parent is None:
            continue
        p = index.get(activity.parent, -1)
        if p < 0:
            raise ScheduleReferenceError(
                f"activity '{activity.id}' names no known parent '{activity.parent}'",
                location=Location(path=f"activities[{i}].parent"),
            )
        parent[i] = p
        children[p].append(i)
    state = [0] * len(parent)  # 0 unseen, 1 on the current walk, 2 known to reach the root
    for i in range(len(parent)):
        walk = []
        j = i
        while j >= 0 and state[j] == 0:
            state[j] = 1
            walk.append(j)
            j = parent[j]
        if j >= 0 and state[j] == 1:
            loop = walk[walk.index(j) :]
            names = " → ".join(plan.activities[k].id for k in [*loop, j])
            raise ScheduleStructureError(
                f"the summary hierarchy loops: {names}",
                location=Location(path=f"activities[{j}].parent"),
            )
        for k in walk:
            state[k] = 2
    return parent, children


def _is_ancestor(parent: list[int], above: int, i: int) -> bool:
    while (i := parent[i]) >= 0:
        if i == above:
            return True
    return False


def build_network(plan: ScheduleInput) -> Network:
    """Resolve ids and calendars, expand summaries, and order the nodes topologically."""
    index: dict[str, int] = {}
    for i, activity in enumerate(plan.activities):
        if activity.id in index:
            raise ScheduleStructureError(
                f"two activities have the id '{activity.id}'",
                location=Location(path=f"activities[{i}].id"),
            )
        index[activity.id] = i
    clocks, clock_ids = _compile_calendars(plan)
    parent, children = _hierarchy(plan, index)
    count = len(plan.activities)
    net = Network(plan, clocks, index, children, [-1] * count)
    net.gate, net.finish, net.start = [-1] * count, [-1] * count, [-1] * count
    net.owner = [i for i in range(count) if not children[i]]
    for node, i in enumerate(net.owner):
        net.node_of[i] = node
    calendars = [plan.activities[i].calendar for i in net.owner]
    net.clock = [0 if name is None else clock_ids[name] for name in calendars]
    net.kind = [LEAF] * len(net.owner)
    net.preds = [[] for _ in net.owner]
    net.succs = [[] for _ in net.owner]
    links = _resolve_links(plan, index, parent, children)
    _add_summary_nodes(net, parent, links)
    for number, (p, s, kind, lag) in enumerate(links):
        u = net.node_of[p] if net.node_of[p] >= 0 else _summary_source(net, p, kind)
        v = net.node_of[s] if net.node_of[s] >= 0 else net.gate[s]
        net.add_edge(u, v, kind, lag, number)
    net.order = _topological_order(net)
    return net


def _summary_source(net: Network, summary: int, kind: int) -> int:
    return net.finish[summary] if kind in (FS, FF) else net.start[summary]


def _resolve_links(
    plan: ScheduleInput, index: dict[str, int], parent: list[int], children: list[list[int]]
) -> list[tuple[int, int, int, int]]:
    resolved = []
    for number, link in enumerate(plan.links):
        p = index.get(link.predecessor, -1)
        s = index.get(link.successor, -1)
        if p < 0 or s < 0:
            side = "predecessor" if p < 0 else "successor"
            name = link.predecessor if p < 0 else link.successor
            raise ScheduleReferenceError(
                f"link {link.predecessor} → {link.successor} names no known activity '{name}'",
                location=Location(path=f"links[{number}].{side}"),
            )
        if children[p] or children[s]:
            _check_summary_link(plan, link, number, p, s, parent, children)
        lag = link.lag
        if link.lag_percent is not None:
            lag = _round_half_away(plan.activities[p].duration * link.lag_percent / 100)
        resolved.append((p, s, _TYPES[link.type], lag))
    return resolved


def _check_summary_link(
    plan: ScheduleInput,
    link: Link,
    number: int,
    p: int,
    s: int,
    parent: list[int],
    children: list[list[int]],
) -> None:
    where = Location(path=f"links[{number}]")
    if _is_ancestor(parent, p, s) or _is_ancestor(parent, s, p):
        raise ScheduleStructureError(
            f"link {link.predecessor} → {link.successor} ties a summary to its own subtask",
            location=where,
            hint="link the subtasks to each other instead",
        )
    if children[s] and link.type in (LinkType.FF, LinkType.SF):
        raise ScheduleStructureError(
            f"link {link.predecessor} → {link.successor} is {link.type} into a summary task",
            location=where,
            hint="a summary's predecessors can only be FS or SS, as in MS Project",
        )
    if children[p] and link.lag_percent is not None:
        raise ScheduleStructureError(
            f"link {link.predecessor} → {link.successor} has a percent lag on a summary",
            location=where,
            hint="give the lag in working minutes",
        )


def _round_half_away(value: float) -> int:
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


_SUMMARY_CONSTRAINTS = {ConstraintType.ASAP, ConstraintType.SNET, ConstraintType.FNLT}


def _add_summary_nodes(
    net: Network, parent: list[int], links: list[tuple[int, int, int, int]]
) -> None:
    plan, children = net.plan, net.children
    wants_gate = [False] * len(children)
    wants_finish = [False] * len(children)
    wants_start = [False] * len(children)
    for _, s, _, _ in links:
        wants_gate[s] = True
    for p, _, kind, _ in links:
        if kind in (FS, FF):
            wants_finish[p] = True
        else:
            wants_start[p] = True
    for i, activity in enumerate(plan.activities):
        if not children[i]:
            continue
        if activity.constraint not in _SUMMARY_CONSTRAINTS:
            raise ScheduleStructureError(
                f"summary task '{activity.id}' has a {activity.constraint} constraint",
                location=Location(path=f"activities[{i}].constraint"),
                hint="summary tasks take ASAP, SNET or FNLT; constrain a subtask instead",
            )
        wants_gate[i] |= activity.constraint is ConstraintType.SNET
        wants_finish[i] |= activity.constraint is ConstraintType.FNLT
    # A summary's node only sees what is below it through its children's nodes, so a node
    # wanted on a summary is wanted on every summary beneath it.
    for i in _top_down(parent, children):
        if not children[i]:
            continue
        p = parent[i]
        if p >= 0:
            wants_gate[i] |= wants_gate[p]
            wants_finish[i] |= wants_finish[p]
            wants_start[i] |= wants_start[p]
        if wants_gate[i]:
            net.gate[i] = net.add_node(i, GATE, 0)
        if wants_finish[i]:
            net.finish[i] = net.add_node(i, FINISH, 0)
        if wants_start[i]:
            net.start[i] = net.add_node(i, START, 0)
    for i in range(len(children)):
        for c in children[i]:
            leaf = net.node_of[c]
            if net.gate[i] >= 0:
                net.add_edge(net.gate[i], leaf if leaf >= 0 else net.gate[c], FS)
            if net.finish[i] >= 0:
                net.add_edge(leaf if leaf >= 0 else net.finish[c], net.finish[i], FS)
            if net.start[i] >= 0:
                net.add_edge(leaf if leaf >= 0 else net.start[c], net.start[i], MIN)


def _top_down(parent: list[int], children: list[list[int]]) -> list[int]:
    order = [i for i in range(len(parent)) if parent[i] < 0]
    for i in order:  # grows while walking: breadth first from the roots
        order.extend(children[i])
    return order


def _topological_order(net: Network) -> list[int]:
    """Kahn's algorithm; on a cycle, raise naming it."""
    count = len(net.kind)
    waiting = [len(edges) for edges in net.preds]
    ready = deque(v for v in range(count) if waiting[v] == 0)
    order: list[int] = []
    succs = net.succs
    while ready:
        u = ready.popleft()
        order.append(u)
        for edge in succs[u]:
            v = edge[0]
            waiting[v] -= 1
            if waiting[v] == 0:
                ready.append(v)
    if len(order) < count:
        _raise_cycle(net, waiting)
    return order


def _raise_cycle(net: Network, waiting: list[int]) -> None:
    """Walk back from a node left over by Kahn's algorithm until a node repeats."""
    start = next(v for v, left in enumerate(waiting) if left > 0)
    seen: dict[int, int] = {}
    walk: list[tuple[int, Edge | None]] = [(start, None)]
    v = start
    while v not in seen:
        seen[v] = len(walk) - 1
        # Every node left over has a left-over predecessor; take the first, for stable output.
        edge = min((e for e in net.preds[v] if waiting[e[0]] > 0), key=lambda e: e[0])
        v = edge[0]
        walk.append((v, edge))
    loop = walk[seen[v] :]
    loop.reverse()  # now in link order, first node repeated at the end
    names: list[str] = []
    links: list[int] = []
    through_summary = False
    for node, _ in loop:
        name = net.name(node)
        if not names or names[-1] != name:
            names.append(name)
    for _, step in loop[:-1]:  # the last entry's edge leads out of the loop
        assert step is not None
        if step[4] >= 0:
            links.append(step[4])
        else:
            through_summary = True
    if len(names) == 1:
        names.append(names[0])
    hint = "a summary task's links apply to all its subtasks" if through_summary else None
    raise ScheduleCycleError(names, links=sorted(links), hint=hint)
