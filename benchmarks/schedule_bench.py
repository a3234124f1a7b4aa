"""Benchmark of the CPM scheduler on a large, realistic random plan.

    .venv/bin/python benchmarks/schedule_bench.py [--tasks 10000 --links 20000] [--json FILE]

The plan: a WBS of phases and work packages (summary tasks) over leaf tasks and milestones;
links of the four types, mostly local, some long-range and some to and from summaries, with
working, negative and percent lags; a project calendar with holidays over several years and a
derived crew calendar working Saturdays; a few constraints, ALAP tasks and progress at a status
date. Generation and input validation are not timed; ``compute_schedule`` is, best of N runs.

The same plan is then written as a plan file's model (tasks with ``parent``, ``depends_on``
with typed lags, constraints, progress) and timed through the plan service's path:
``to_schedule_input`` + ``compute_schedule``, and ``schedule_plan`` as a whole (which adds WBS
codes, costs and deadlines to the schedule).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import platform
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

from interloom.core.delivery.calendar import Calendar, WorkingWeek, hours
from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_schedule import schedule_plan, to_schedule_input
from interloom.core.delivery.schedule import (
    Activity,
    ConstraintType,
    Link,
    LinkType,
    Schedule,
    ScheduleInput,
    compute_schedule,
)

TARGET_SECONDS = 1.0
PLAN_TARGET_SECONDS = 2.0
START = dt.datetime(2025, 1, 6, 8)
DAY = 480
HOLIDAYS = [(1, 1), (4, 18), (4, 21), (5, 1), (5, 29), (6, 9), (7, 14), (8, 15), (11, 11), (12, 25)]


def calendars() -> tuple[Calendar, ...]:
    """A project calendar with ten holidays a year, and a crew working Saturday mornings too."""
    holidays = tuple(dt.date(year, m, d) for year in range(2025, 2031) for m, d in HOLIDAYS)
    standard = Calendar(holidays=holidays)
    saturday = (hours("08:00", "12:00"),)
    crew = Calendar(
        id="crew",
        base="standard",
        week=WorkingWeek(saturday=saturday),
        holidays=(dt.date(2025, 8, 4), dt.date(2025, 8, 5)),
    )
    return standard, crew


def generate(tasks: int, links: int, seed: int = 7) -> ScheduleInput:
    """A random but realistic plan of ``tasks`` activities (summaries included) and ``links``.

    Leaves get a *slot*: phases follow each other (with overlap), the work packages of a phase
    run side by side, and a package's tasks step through a few slots. Links only go to a
    later slot, so the plan is a DAG about as deep as a real two-to-three-year programme.
    """
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    phases = max(1, tasks // 1000)
    packages = max(phases, tasks // 40)
    leaves_wanted = tasks - phases - packages
    activities: list[Activity] = []
    slot: dict[int, int] = {}  # leaf activity index -> slot
    members: dict[int, list[int]] = {}  # package summary index -> its leaves, by slot
    phase_of: dict[int, int] = {}  # package summary index -> phase number
    per_package = [
        leaves_wanted // packages + (1 if k < leaves_wanted % packages else 0)
        for k in range(packages)
    ]
    package = 0
    for p in range(phases):
        phase_id = f"PH-{p + 1}"
        activities.append(Activity(id=phase_id, name=f"Phase {p + 1}"))
        phase_packages = packages // phases + (1 if p < packages % phases else 0)
        for _ in range(phase_packages):
            package_index = len(activities)
            package_id = f"WP-{package + 1}"
            activities.append(
                Activity(id=package_id, name=f"Work package {package + 1}", parent=phase_id)
            )
            base = p * SLOTS_PER_PHASE + rng.randint(0, SLOTS_PER_PHASE // 2)
            size = per_package[package]
            members[package_index] = []
            phase_of[package_index] = p
            for k in range(size):
                index = len(activities)
                slot[index] = base + (k * SLOTS_PER_PACKAGE) // max(1, size)
                members[package_index].append(index)
                activities.append(_leaf(rng, index, package_id, p))
            package += 1
    plan_links = _links(rng, activities, slot, members, phase_of, links)
    return ScheduleInput(
        project_start=START,
        status_date=START + dt.timedelta(days=45),
        calendars=calendars(),
        activities=tuple(activities),
        links=tuple(plan_links),
        near_critical_float=5 * DAY,
    )


SLOTS_PER_PHASE = 5
SLOTS_PER_PACKAGE = 8


def _leaf(rng: random.Random, number: int, parent: str, phase: int) -> Activity:
    """A task or milestone of the ``phase``-th phase (a phase lasts about 80 days)."""
    roll = rng.random()
    duration = 0 if roll < 0.03 else 60 * rng.choice([2, 4, 8, 8, 16, 16, 24, 40, 40, 80])
    fields: dict[str, object] = {}
    if rng.random() < 0.05:
        fields["calendar"] = "crew"
    kind = rng.random()
    around = START + dt.timedelta(days=80 * phase + rng.randint(-20, 60))
    if kind < 0.01:
        fields.update(constraint=ConstraintType.SNET, constraint_date=around.date())
    elif kind < 0.015:
        fields.update(constraint=ConstraintType.FNLT, constraint_date=around.date())
    elif kind < 0.018:
        fields["constraint"] = ConstraintType.ALAP
    elif kind < 0.019:
        fields.update(constraint=ConstraintType.MSO, constraint_date=around)
    if phase == 0 and rng.random() < 0.5:
        fields["percent_complete"] = rng.choice([100, 100, 20, 40, 60]) if duration else 100
    ident = f"T-{number}"
    return Activity(id=ident, name=f"Task {number}", duration=duration, parent=parent, **fields)


def _links(
    rng: random.Random,
    activities: list[Activity],
    slot: dict[int, int],
    members: dict[int, list[int]],
    phase_of: dict[int, int],
    count: int,
) -> list[Link]:
    found: list[Link] = []
    pairs: set[tuple[int, int]] = set()
    packages = list(members)
    by_phase: dict[int, list[int]] = {}
    for package, phase in phase_of.items():
        by_phase.setdefault(phase, []).append(package)
    attempts = 0
    while len(found) < count and attempts < 20 * count:
        attempts += 1
        package = rng.choice(packages)
        leaves = members[package]
        roll = rng.random()
        if roll < 0.02:  # a work package as successor or predecessor
            if rng.random() < 0.5:
                earlier = by_phase.get(phase_of[package] - 1)
                if not earlier:
                    continue
                p = rng.choice(members[rng.choice(earlier)])
                pair, kind = (p, package), rng.choice([LinkType.FS, LinkType.FS, LinkType.SS])
            else:
                later = by_phase.get(phase_of[package] + 1)
                if not later:
                    continue
                s = rng.choice(members[rng.choice(later)])
                kinds = [LinkType.FS, LinkType.FS, LinkType.SS, LinkType.FF]
                pair, kind = (package, s), rng.choice(kinds)
        else:
            u = rng.choice(leaves)
            if roll < 0.85:  # within the package
                targets = leaves
            else:  # to a package of this phase or the next
                phase = phase_of[package] + rng.randint(0, 1)
                if phase not in by_phase:
                    continue
                targets = members[rng.choice(by_phase[phase])]
            v = rng.choice(targets)
            if slot[v] <= slot[u]:
                continue
            pair = (u, v)
            kind = rng.choices(list(LinkType), weights=[70, 15, 10, 5])[0]
        if pair in pairs:
            continue
        pairs.add(pair)
        lag, percent = 0, None
        roll = rng.random()
        if roll < 0.22:
            lag = 60 * rng.choice([-16, -8, -4, 2, 4, 8, 8, 16, 24])
        elif roll < 0.27 and pair[0] not in members:
            percent = rng.choice([-25.0, 25.0, 50.0])
        found.append(
            Link(
                predecessor=activities[pair[0]].id,
                successor=activities[pair[1]].id,
                type=kind,
                lag=lag,
                lag_percent=percent,
            )
        )
    return found


def as_plan(given: ScheduleInput) -> Plan:
    """The generated plan as a plan file would declare it (validated like one, untimed)."""
    depends: dict[str, list[dict[str, object]]] = {}
    for link in given.links:
        lag = f"{link.lag_percent:g}%" if link.lag_percent is not None else f"{link.lag}m"
        entry = {"task": link.predecessor, "type": link.type.value, "lag": lag}
        depends.setdefault(link.successor, []).append(entry)
    parents = {a.parent for a in given.activities if a.parent is not None}
    tasks: list[dict[str, object]] = []
    for activity in given.activities:
        task: dict[str, object] = {"id": activity.id, "name": activity.name}
        if activity.parent is not None:
            task["parent"] = activity.parent
        if activity.id not in parents:
            task["duration"] = f"{activity.duration}m"
            task["is_milestone"] = activity.duration == 0
        if activity.calendar is not None:
            task["calendar"] = activity.calendar
        if activity.constraint is not ConstraintType.ASAP:
            task["constraint"] = {"type": activity.constraint.value}
            if activity.constraint_date is not None:
                task["constraint"]["date"] = activity.constraint_date  # type: ignore[index]
        if activity.percent_complete:
            task["percent_complete"] = activity.percent_complete
        if activity.id in depends:
            task["depends_on"] = depends[activity.id]
        tasks.append(task)
    return Plan.model_validate(
        {
            "project": {
                "name": "Benchmark programme",
                "start": given.project_start,
                "status_date": given.status_date,
                "near_critical_days": given.near_critical_float / DAY,
            },
            "calendars": [c.model_dump() for c in given.calendars],
            "tasks": tasks,
        }
    )


def measure_plan(plan: Plan, runs: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds of ``to_schedule_input`` + ``compute_schedule``, of ``schedule_plan`` (wall),
    and of ``schedule_plan`` in CPU time."""
    schedule_plan(plan)  # warm-up
    converted, whole, cpus = [], [], []
    for _ in range(runs):
        began = time.perf_counter()
        compute_schedule(to_schedule_input(plan))
        converted.append(time.perf_counter() - began)
        began, cpu = time.perf_counter(), time.process_time()
        schedule_plan(plan)
        whole.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    return converted, whole, cpus


def measure(plan: ScheduleInput, runs: int) -> tuple[list[float], list[float], Schedule]:
    """Wall-clock and CPU seconds of each run, and the last schedule.

    CPU time is reported too because on a shared machine other tenants stretch wall time.
    """
    walls, cpus = [], []
    result = compute_schedule(plan)  # warm-up: imports, first allocations
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = compute_schedule(plan)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000, help="activities, summaries included")
    parser.add_argument("--links", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    parser.add_argument("--profile", type=int, metavar="N", help="print the top N functions")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    plan = generate(args.tasks, args.links, args.seed)
    generated = time.perf_counter() - began
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        compute_schedule(plan)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    times, cpus, result = measure(plan, args.runs)
    best, median = min(times), statistics.median(times)
    summaries = sum(a.summary for a in result.activities.values())
    verdict = "ok" if best < TARGET_SECONDS else "OVER TARGET"
    print(
        f"schedule: {len(plan.activities)} activities ({summaries} summaries), "
        f"{len(plan.links)} links: best {best:.3f} s, median {median:.3f} s of {args.runs} "
        f"(cpu best {min(cpus):.3f} s) "
        f"(target < {TARGET_SECONDS:.0f} s: {verdict}); critical {len(result.critical_path)}, "
        f"finish {result.project_finish:%Y-%m-%d}; generation {generated:.1f} s untimed"
    )
    declared = as_plan(plan)
    converted, whole, plan_cpus = measure_plan(declared, args.runs)
    plan_verdict = "ok" if min(whole) < PLAN_TARGET_SECONDS else "OVER TARGET"
    print(
        f"plan: {len(declared.tasks)} tasks from plan files: to_schedule_input + compute_schedule "
        f"best {min(converted):.3f} s, median {statistics.median(converted):.3f} s; "
        f"schedule_plan best {min(whole):.3f} s, median {statistics.median(whole):.3f} s "
        f"(cpu best {min(plan_cpus):.3f} s) (target < {PLAN_TARGET_SECONDS:.0f} s: {plan_verdict})"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "benchmark": "schedule",
                    "activities": len(plan.activities),
                    "summaries": summaries,
                    "links": len(plan.links),
                    "runs": args.runs,
                    "best_s": round(best, 4),
                    "median_s": round(median, 4),
                    "times_s": [round(t, 4) for t in times],
                    "cpu_best_s": round(min(cpus), 4),
                    "target_s": TARGET_SECONDS,
                    "critical_activities": len(result.critical_path),
                    "plan_convert_and_schedule_best_s": round(min(converted), 4),
                    "plan_schedule_plan_best_s": round(min(whole), 4),
                    "plan_schedule_plan_median_s": round(statistics.median(whole), 4),
                    "plan_schedule_plan_cpu_best_s": round(min(plan_cpus), 4),
                    "plan_target_s": PLAN_TARGET_SECONDS,
                    "project_finish": result.project_finish.isoformat(),
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0 if best < TARGET_SECONDS and min(whole) < PLAN_TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
