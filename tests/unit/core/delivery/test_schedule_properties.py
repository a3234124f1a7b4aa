"""The scheduler against a brute-force reference on small random networks.

The reference knows nothing of topological order, summary nodes or the encoded time axis: it
relaxes every link's condition over wall-clock datetimes until nothing moves (a Bellman-Ford
style fixpoint), with the calendar's public arithmetic and MS Project's rules written out.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interloom.core.delivery.calendar import Calendar, WorkingTime, WorkingWeek, hours
from interloom.core.delivery.schedule import (
    Activity,
    ConstraintType,
    Link,
    LinkType,
    Schedule,
    ScheduleCycleError,
    ScheduleInput,
    compute_schedule,
)

HOLIDAYS = (dt.date(2024, 3, 8), dt.date(2024, 3, 13))
CALENDAR = Calendar(holidays=HOLIDAYS)
EARLY = (hours("06:00", "14:00"),)
# A task calendar with other hours, Saturdays too, its base's holidays and one of its own.
SHIFT = Calendar(
    id="shift",
    base="standard",
    week=WorkingWeek(
        monday=EARLY, tuesday=EARLY, wednesday=EARLY, thursday=EARLY, friday=EARLY, saturday=EARLY
    ),
    holidays=(dt.date(2024, 3, 11),),
)
CLOCK = WorkingTime(CALENDAR, origin=dt.date(2024, 3, 1))
CLOCKS = {None: CLOCK, "shift": WorkingTime(SHIFT, CALENDAR, origin=dt.date(2024, 3, 1))}
STARTS = [
    dt.datetime(2024, 3, 4, 8, 0),  # Monday, start of day
    dt.datetime(2024, 3, 6, 10, 30),  # mid-morning
    dt.datetime(2024, 3, 5, 12, 0),  # lunch
    dt.datetime(2024, 3, 2, 9, 0),  # a Saturday
    dt.datetime(2024, 3, 7, 17, 0),  # end of a day before a holiday
]
DURATIONS = [0, 0, 60, 240, 300, 480, 480, 960, 1200, 2400]
LAGS = [-960, -480, -240, -90, 0, 0, 0, 0, 60, 240, 480, 720]
PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
HARD = {ConstraintType.SNLT, ConstraintType.FNLT, ConstraintType.MSO, ConstraintType.MFO}


@st.composite
def networks(
    draw: st.DrawFn, *, constraints: bool = False, calendars: bool = False
) -> ScheduleInput:
    """A random DAG: ids in shuffled order, links only from earlier to later in a hidden order."""
    count = draw(st.integers(1, 8))
    rank = draw(st.permutations(range(count)))
    activities = []
    for i in range(count):
        constraint, date = ConstraintType.ASAP, None
        if constraints and draw(st.integers(0, 3)) == 0:
            constraint = draw(st.sampled_from(list(ConstraintType)))
            if constraint not in (ConstraintType.ASAP, ConstraintType.ALAP):
                date = dt.datetime(2024, 3, 4, 8) + dt.timedelta(
                    minutes=30 * draw(st.integers(0, 48 * 14))
                )
        activities.append(
            Activity(
                id=f"T-{i}",
                duration=draw(st.sampled_from(DURATIONS)),
                constraint=constraint,
                constraint_date=date,
                calendar=draw(st.sampled_from([None, None, "shift"])) if calendars else None,
            )
        )
    pairs = [(a, b) for a in range(count) for b in range(count) if rank[a] < rank[b]]
    size = draw(st.integers(0, min(len(pairs), 14)))
    chosen = draw(st.permutations(pairs))[:size]
    links = []
    for a, b in chosen:
        percent = draw(st.sampled_from([None, None, None, 50.0, -25.0]))
        links.append(
            Link(
                predecessor=f"T-{a}",
                successor=f"T-{b}",
                type=draw(st.sampled_from(list(LinkType))),
                lag=0 if percent is not None else draw(st.sampled_from(LAGS)),
                lag_percent=percent,
            )
        )
    return ScheduleInput(
        project_start=draw(st.sampled_from(STARTS)),
        calendars=(CALENDAR, SHIFT),
        activities=tuple(activities),
        links=tuple(links),
    )


# -- the reference -------------------------------------------------------------------------


def moment(value: dt.date | None) -> dt.datetime:
    """The generated plans give every date with a time."""
    assert isinstance(value, dt.datetime)
    return value


def w(moment: dt.datetime, clock: WorkingTime = CLOCK) -> int:
    return clock.working_minutes(moment)


def in_gap(moment: dt.datetime, clock: WorkingTime) -> bool:
    """Strictly inside non-working time: neither the end nor the start of work."""
    return clock.previous_working_moment(moment) != moment != clock.next_working_moment(moment)


def later(moment: dt.datetime, lag: int) -> dt.datetime:
    """The earliest instant ``lag`` working minutes after ``moment``."""
    return moment if lag == 0 else CLOCK.finish_moment(w(moment) + lag)


def earlier(moment: dt.datetime, lag: int) -> dt.datetime:
    """The latest instant ``lag`` working minutes before ``moment``."""
    return moment if lag == 0 else CLOCK.start_moment(w(moment) - lag)


def lag_of(plan: ScheduleInput, link: Link) -> int:
    if link.lag_percent is None:
        return link.lag
    duration = next(a.duration for a in plan.activities if a.id == link.predecessor)
    value = duration * link.lag_percent / 100
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


@dataclass
class Times:
    es: dt.datetime
    ef: dt.datetime
    ls: dt.datetime | None = None
    lf: dt.datetime | None = None


def early(plan: ScheduleInput, a: Activity, times: dict[str, Times]) -> Times:
    """MS Project's forward rule for one activity, given its predecessors' current times."""
    starts = [moment(plan.project_start)]
    finishes: list[dt.datetime] = []
    kind = a.constraint
    date = moment(a.constraint_date) if a.constraint_date else moment(plan.project_start)
    if kind is ConstraintType.SNET:
        starts.append(date)
    if kind is ConstraintType.FNET:
        finishes.append(date)
    for link in plan.links:
        if link.successor != a.id:
            continue
        p = times[link.predecessor]
        point = p.ef if link.type in (LinkType.FS, LinkType.FF) else p.es
        bound = later(point, lag_of(plan, link))
        (starts if link.type in (LinkType.FS, LinkType.SS) else finishes).append(bound)
    d, clock = a.duration, CLOCKS[a.calendar]
    if d == 0:
        if kind is ConstraintType.MSO:
            t = clock.next_working_moment(date) if in_gap(date, clock) else date
            return Times(t, t)
        if kind is ConstraintType.MFO:
            t = clock.previous_working_moment(date) if in_gap(date, clock) else date
            return Times(t, t)
        t = max(starts + finishes)
        t = clock.next_working_moment(t) if in_gap(t, clock) else t
        return Times(t, t)
    if kind is ConstraintType.MSO:
        s = clock.next_working_moment(date)
        return Times(s, clock.add_working_time(s, d))
    if kind is ConstraintType.MFO:
        f = clock.previous_working_moment(date)
        return Times(clock.add_working_time(f, -d), f)
    s = clock.next_working_moment(max(starts))
    f = clock.add_working_time(s, d)
    if finishes and w(max(finishes), clock) > w(f, clock):
        f = clock.previous_working_moment(max(finishes))
        s = clock.add_working_time(f, -d)
    return Times(s, f)


def late(plan: ScheduleInput, a: Activity, times: dict[str, Times], finish: dt.datetime) -> Times:
    """MS Project's backward rule for one activity, given its successors' current late times."""
    me = times[a.id]
    kind = a.constraint
    date = moment(a.constraint_date) if a.constraint_date else finish
    finishes = [finish]
    starts: list[dt.datetime] = []
    if kind is ConstraintType.FNLT:
        finishes.append(date)
    if kind is ConstraintType.SNLT:
        starts.append(date)
    for link in plan.links:
        if link.predecessor != a.id:
            continue
        succ = times[link.successor]
        assert succ.ls is not None
        assert succ.lf is not None
        point = succ.ls if link.type in (LinkType.FS, LinkType.SS) else succ.lf
        bound = earlier(point, lag_of(plan, link))
        (finishes if link.type in (LinkType.FS, LinkType.FF) else starts).append(bound)
    d, clock = a.duration, CLOCKS[a.calendar]
    if kind in (ConstraintType.MSO, ConstraintType.MFO):
        return Times(me.es, me.ef, me.es, me.ef)
    if d == 0:
        t = min(finishes + starts)
        t = clock.previous_working_moment(t) if in_gap(t, clock) else t
        return Times(me.es, me.ef, t, t)
    f = clock.previous_working_moment(min(finishes))
    s = clock.add_working_time(f, -d)
    if starts and w(min(starts), clock) < w(s, clock):
        s = clock.next_working_moment(min(starts))
        f = clock.add_working_time(s, d)
    return Times(me.es, me.ef, s, f)


def reference(plan: ScheduleInput) -> tuple[dict[str, Times], dt.datetime]:
    """Relax every activity until nothing moves: forward, then backward from the finish."""
    start = moment(plan.project_start)
    times = {a.id: Times(start, start) for a in plan.activities}
    for _ in range(len(plan.activities) + 1):
        times = {a.id: early(plan, a, times) for a in plan.activities}
    finish = max(t.ef for t in times.values())
    for each in times.values():
        each.ls, each.lf = finish, finish
    for _ in range(len(plan.activities) + 1):
        times = {a.id: late(plan, a, times, finish) for a in plan.activities}
    return times, finish


def shown(late_time: dt.datetime, early_time: dt.datetime, clock: WorkingTime) -> dt.datetime:
    """A late date at the same working moment as the early one shows as the early one."""
    return early_time if w(late_time, clock) == w(early_time, clock) else late_time


def free_float(
    plan: ScheduleInput, times: dict[str, Times], a: Activity, finish: dt.datetime
) -> int:
    """How far ``a`` can slip before some successor's early dates move, within its total float."""
    clock, me = CLOCKS[a.calendar], times[a.id]
    slacks = [w(finish, clock) - w(me.ef, clock)]
    for link in plan.links:
        if link.predecessor != a.id:
            continue
        s = times[link.successor]
        target = s.es if link.type in (LinkType.FS, LinkType.SS) else s.ef
        point = me.ef if link.type in (LinkType.FS, LinkType.FF) else me.es
        slacks.append(w(earlier(target, lag_of(plan, link)), clock) - w(point, clock))
    assert me.lf is not None
    total = w(me.lf, clock) - w(me.ef, clock)
    return max(0, min(*slacks, total))


# -- properties ----------------------------------------------------------------------------


def check_against_reference(plan: ScheduleInput) -> Schedule:
    schedule = compute_schedule(plan)
    expected, finish = reference(plan)
    assert schedule.project_finish == finish
    for a in plan.activities:
        got, want, clock = schedule.activities[a.id], expected[a.id], CLOCKS[a.calendar]
        assert want.ls is not None
        assert want.lf is not None
        assert (got.early_start, got.early_finish) == (want.es, want.ef), a.id
        assert (got.late_start, got.late_finish) == (
            shown(want.ls, want.es, clock),
            shown(want.lf, want.ef, clock),
        ), a.id
        assert got.total_float == w(want.lf, clock) - w(want.ef, clock), a.id
        assert got.free_float == free_float(plan, expected, a, finish), a.id
    return schedule


@PROPERTY_SETTINGS
@given(networks())
def test_dates_and_floats_agree_with_brute_force(plan: ScheduleInput) -> None:
    check_against_reference(plan)


@PROPERTY_SETTINGS
@given(networks(calendars=True))
def test_dates_on_several_calendars_agree_with_brute_force(plan: ScheduleInput) -> None:
    check_against_reference(plan)


@PROPERTY_SETTINGS
@given(networks(constraints=True, calendars=True))
def test_constrained_dates_agree_with_brute_force(plan: ScheduleInput) -> None:
    plan = plan.model_copy(
        update={
            "activities": tuple(
                a.model_copy(update={"constraint": ConstraintType.ASAP})
                if a.constraint is ConstraintType.ALAP
                else a
                for a in plan.activities
            )
        }
    )
    check_against_reference(plan)


@PROPERTY_SETTINGS
@given(networks())
def test_no_activity_starts_before_its_predecessors_allow(plan: ScheduleInput) -> None:
    schedule = compute_schedule(plan)
    for link in plan.links:
        p, s = schedule.activities[link.predecessor], schedule.activities[link.successor]
        point = p.early_finish if link.type in (LinkType.FS, LinkType.FF) else p.early_start
        target = s.early_start if link.type in (LinkType.FS, LinkType.SS) else s.early_finish
        assert w(target) >= w(point) + lag_of(plan, link)
    for a in schedule.activities.values():
        assert w(a.early_start) >= w(moment(plan.project_start))


@PROPERTY_SETTINGS
@given(networks(constraints=True))
def test_float_is_never_negative_without_late_or_hard_constraints(plan: ScheduleInput) -> None:
    schedule = compute_schedule(plan)
    if any(a.constraint in HARD for a in plan.activities):
        return
    for a in schedule.activities.values():
        assert a.total_float >= 0, a.id
        assert 0 <= a.free_float <= a.total_float, a.id


@PROPERTY_SETTINGS
@given(networks())
def test_critical_activities_chain_from_start_to_finish(plan: ScheduleInput) -> None:
    schedule = compute_schedule(plan)
    critical = set(schedule.critical_path)
    assert critical, "some activity ends the project and has no float"
    assert any(
        w(schedule.activities[i].early_finish) == w(schedule.project_finish) for i in critical
    )
    start = w(moment(plan.project_start))
    for ident in critical:
        a = schedule.activities[ident]
        assert a.total_float == 0
        driven_by = [
            link.predecessor
            for link in plan.links
            if link.successor == ident
            and link.predecessor in critical
            and tight(schedule, link, plan)
        ]
        assert w(a.early_start) == start or driven_by, f"{ident} has no critical driver"
        drives = [
            link.successor
            for link in plan.links
            if link.predecessor == ident
            and link.successor in critical
            and tight(schedule, link, plan)
        ]
        assert w(a.early_finish) == w(schedule.project_finish) or drives, f"{ident} leads nowhere"
    starts = [schedule.activities[i].early_start for i in schedule.critical_path]
    assert starts == sorted(starts)


def tight(schedule: Schedule, link: Link, plan: ScheduleInput) -> bool:
    """The link holds its successor exactly where it is."""
    p, s = schedule.activities[link.predecessor], schedule.activities[link.successor]
    point = p.early_finish if link.type in (LinkType.FS, LinkType.FF) else p.early_start
    target = s.early_start if link.type in (LinkType.FS, LinkType.SS) else s.early_finish
    return w(target) == w(point) + lag_of(plan, link)


@PROPERTY_SETTINGS
@given(networks(), st.data())
def test_cycles_are_always_detected_and_named(plan: ScheduleInput, data: st.DataObject) -> None:
    # Close a loop: follow existing links from some activity, then link the end back to it.
    first = data.draw(st.sampled_from([a.id for a in plan.activities]))
    path = [first]
    while True:
        nexts = [link.successor for link in plan.links if link.predecessor == path[-1]]
        if not nexts or not data.draw(st.booleans()):
            break
        path.append(data.draw(st.sampled_from(nexts)))
    back = Link(predecessor=path[-1], successor=first, type=data.draw(st.sampled_from(LinkType)))
    looped = plan.model_copy(update={"links": (*plan.links, back)})
    with pytest.raises(ScheduleCycleError) as caught:
        compute_schedule(looped)
    cycle = caught.value.cycle
    assert cycle[0] == cycle[-1]
    edges = {(link.predecessor, link.successor) for link in looped.links}
    assert all(pair in edges for pair in itertools.pairwise(cycle))
    assert " → ".join(cycle) in caught.value.message
    assert caught.value.code == "E-PLAN-001"


@PROPERTY_SETTINGS
@given(networks(), st.data())
def test_alap_tasks_sit_between_early_and_late_dates_and_keep_every_link(
    plan: ScheduleInput, data: st.DataObject
) -> None:
    late = data.draw(st.sets(st.sampled_from([a.id for a in plan.activities])))
    plan = plan.model_copy(
        update={
            "activities": tuple(
                a.model_copy(update={"constraint": ConstraintType.ALAP}) if a.id in late else a
                for a in plan.activities
            )
        }
    )
    schedule = compute_schedule(plan)
    for a in schedule.activities.values():
        assert w(a.early_start) <= w(a.start) <= w(a.late_start), a.id
        if a.id not in late:
            assert (a.start, a.finish) == (a.early_start, a.early_finish)
    for link in plan.links:
        p, s = schedule.activities[link.predecessor], schedule.activities[link.successor]
        point = p.finish if link.type in (LinkType.FS, LinkType.FF) else p.start
        target = s.start if link.type in (LinkType.FS, LinkType.SS) else s.finish
        assert w(target) >= w(point) + lag_of(plan, link)


@PROPERTY_SETTINGS
@given(networks(), st.data())
def test_a_summary_link_acts_as_the_same_link_on_each_child(
    plan: ScheduleInput, data: st.DataObject
) -> None:
    ids = [a.id for a in plan.activities]
    children = data.draw(st.sets(st.sampled_from(ids), min_size=1, max_size=3))
    outside = [i for i in ids if i not in children]
    extra_summary: list[Link] = []
    extra_flat: list[Link] = []
    link_in, link_out = data.draw(st.booleans()), data.draw(st.booleans())
    if outside and link_in:
        p = data.draw(st.sampled_from(outside))
        kind, lag = (
            data.draw(st.sampled_from([LinkType.FS, LinkType.SS])),
            data.draw(st.sampled_from(LAGS)),
        )
        extra_summary.append(Link(predecessor=p, successor="S", type=kind, lag=lag))
        extra_flat += [Link(predecessor=p, successor=c, type=kind, lag=lag) for c in children]
    if outside and link_out:
        x = data.draw(st.sampled_from(outside))
        kind, lag = (
            data.draw(st.sampled_from([LinkType.FS, LinkType.FF])),
            data.draw(st.sampled_from(LAGS)),
        )
        extra_summary.append(Link(predecessor="S", successor=x, type=kind, lag=lag))
        extra_flat += [Link(predecessor=c, successor=x, type=kind, lag=lag) for c in children]
    nested = plan.model_copy(
        update={
            "activities": (
                Activity(id="S"),
                *(
                    a.model_copy(update={"parent": "S"}) if a.id in children else a
                    for a in plan.activities
                ),
            ),
            "links": (*plan.links, *extra_summary),
        }
    )
    flat = plan.model_copy(update={"links": (*plan.links, *extra_flat)})
    try:
        expected = compute_schedule(flat)
    except ScheduleCycleError:
        with pytest.raises(ScheduleCycleError):
            compute_schedule(nested)
        return
    got = compute_schedule(nested)
    for ident in ids:
        assert got.activities[ident] == expected.activities[ident], ident
    summary = got.activities["S"]
    kids = [got.activities[c] for c in children]
    assert summary.start == min(k.start for k in kids)
    assert summary.finish == max(k.finish for k in kids)
    assert summary.total_float == min(k.total_float for k in kids)
