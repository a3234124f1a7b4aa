"""Plan files to schedule: merging, conversion, updates, located errors, costs.

January 2027: Monday 4, Tuesday 5, Wednesday 6, Thursday 7, Friday 8, Monday 11, Tuesday 12.
The Standard calendar works 08:00–12:00 and 13:00–17:00; a day (d) is 480 working minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from interloom.core.delivery.activities import ConstraintType, LinkType, Progress
from interloom.core.delivery.network import ScheduleCycleError, ScheduleStructureError
from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_errors import (
    PlanMergeError,
    PlanProgressError,
    PlanReferenceError,
    PlanSite,
    PlanStructureError,
)
from interloom.core.delivery.plan_schedule import (
    TaskUpdate,
    merge_plans,
    schedule_plan,
    task_cost,
    to_schedule_input,
)
from interloom.core.errors import Location

PROJECT = {"name": "Retail", "start": "2027-01-04"}


def plan(*tasks: dict[str, Any], project: dict[str, Any] | None = None, **more: Any) -> Plan:
    data: dict[str, Any] = {"project": PROJECT if project is None else project, **more}
    data["tasks"] = list(tasks)
    return Plan.model_validate(data)


def t(ident: str, duration: Any = 1, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "name": f"Task {ident}", "duration": duration, **fields}


def at(day: int, hour: int = 8) -> dt.datetime:
    return dt.datetime(2027, 1, day, hour)


def update(task: str, minute: int, **fields: Any) -> TaskUpdate:
    return TaskUpdate(task=task, at=dt.datetime(2027, 1, 20, 9, minute), **fields)


# -- merging ----------------------------------------------------------------------------------


def test_merge_joins_files_in_order_and_keeps_the_one_project_section() -> None:
    first = Plan.model_validate({"tasks": [t("A"), t("B")]})
    second = plan(t("C"), milestones=[{"id": "M-1", "name": "Done"}])

    merged = merge_plans([first, second])

    assert [task.id for task in merged.tasks] == ["A", "B", "C"]
    assert [m.id for m in merged.milestones] == ["M-1"]
    assert merged.project is not None
    assert merged.project.name == "Retail"


def test_merge_refuses_two_project_sections() -> None:
    with pytest.raises(PlanMergeError) as caught:
        merge_plans([plan(t("A")), plan(t("B"))])

    assert caught.value.code == "E-PLAN-011"
    assert caught.value.index == 1
    assert caught.value.site == PlanSite("project")


@pytest.mark.parametrize(
    "second",
    [
        {"tasks": [t("A")]},
        {"milestones": [{"id": "A", "name": "A milestone named like a task"}]},
    ],
)
def test_merge_refuses_an_id_declared_twice(second: dict[str, Any]) -> None:
    with pytest.raises(PlanMergeError, match="'A' is declared twice") as caught:
        merge_plans([plan(t("A")), Plan.model_validate(second)])

    assert caught.value.site is not None
    assert caught.value.site.item == "A"


def test_merge_keeps_every_section_and_checks_its_ids() -> None:
    first = Plan.model_validate({"sprints": [{"id": "S-1", "tasks": ["A"]}]})
    second = plan(t("A"), sprints=[{"id": "S-2"}])

    merged = merge_plans([first, second])

    assert [s.id for s in merged.sprints] == ["S-1", "S-2"]
    with pytest.raises(PlanMergeError, match="'S-1' is declared twice") as caught:
        merge_plans([first, Plan.model_validate({"sprints": [{"id": "S-1"}]})])
    assert caught.value.site == PlanSite("sprints", "S-1", ("id",))


def test_merging_nothing_gives_an_empty_plan() -> None:
    assert merge_plans([]) == Plan()


# -- conversion -------------------------------------------------------------------------------


def test_durations_count_the_task_calendars_day_and_lags_the_project_calendars() -> None:
    short = {"id": "short", "minutes_per_day": 420}
    source = plan(
        t("A", "2d", calendar="short"),
        t("B", "4h", depends_on=[{"task": "A", "type": "SS", "lag": "2d"}]),
        t("C", "1w", depends_on=[{"task": "B", "type": "FF", "lag": "-50%"}]),
        t("D", 1.5, depends_on=["C"]),
        calendars=[short],
    )

    given = to_schedule_input(source)

    durations = {a.id: a.duration for a in given.activities}
    assert durations == {"A": 840, "B": 240, "C": 2400, "D": 720}
    links = {(x.predecessor, x.successor): x for x in given.links}
    assert (links["A", "B"].type, links["A", "B"].lag) == (LinkType.SS, 960)
    assert (links["B", "C"].lag, links["B", "C"].lag_percent) == (0, -50)
    assert (links["C", "D"].type, links["C", "D"].lag) == (LinkType.FS, 0)


def test_milestones_follow_the_tasks_that_name_them_and_their_own_links() -> None:
    source = plan(
        t("A", milestone="M-1"),
        t("B", milestone="M-1"),
        t("C"),
        milestones=[{"id": "M-1", "name": "Agreed", "depends_on": ["C"], "date": "2027-01-05"}],
    )

    given = to_schedule_input(source)

    milestone = next(a for a in given.activities if a.id == "M-1")
    assert (milestone.duration, milestone.milestone) == (0, True)
    assert {(x.predecessor, x.successor) for x in given.links} == {
        ("C", "M-1"),
        ("A", "M-1"),
        ("B", "M-1"),
    }


def test_summary_tasks_take_no_duration_and_their_children_point_at_them() -> None:
    source = plan(t("P", "9d"), t("A", parent="P"), t("B", parent="P", depends_on=["A"]))

    given = to_schedule_input(source)

    activities = {a.id: a for a in given.activities}
    assert activities["P"].duration == 0
    assert activities["A"].parent == "P"


def test_a_task_works_on_its_first_assigned_resource_calendar() -> None:
    source = plan(
        t("A", assignments=[{"resource": "ana"}]),
        t("B", assignee="ana"),
        t("C", assignee="ana", calendar="standard"),
        t("D", assignee="someone-else"),
        calendars=[{"id": "ana-leave", "base": "standard", "holidays": ["2027-01-04"]}],
        resources=[{"id": "ana", "name": "Ana", "calendar": "ana-leave"}],
    )

    given = to_schedule_input(source)

    calendars = {a.id: a.calendar for a in given.activities}
    assert calendars == {"A": "ana-leave", "B": "ana-leave", "C": "standard", "D": "standard"}
    result = schedule_plan(source)
    assert result.task("A").start == at(5)  # Ana is away on Monday
    assert result.task("D").start == at(4)


def test_status_date_comes_from_the_project_unless_given() -> None:
    source = plan(t("A"), project={**PROJECT, "status_date": "2027-01-08"})

    assert to_schedule_input(source).status_date == dt.date(2027, 1, 8)
    given = to_schedule_input(source, status_date=at(11))
    assert given.status_date == at(11)


def test_constraints_and_near_critical_threshold_reach_the_engine() -> None:
    source = plan(
        t("A", constraint={"type": "SNET", "date": "2027-01-06"}),
        project={**PROJECT, "near_critical_days": 1.5},
    )

    given = to_schedule_input(source)

    assert given.activities[0].constraint is ConstraintType.SNET
    assert given.activities[0].constraint_date == dt.date(2027, 1, 6)
    assert given.near_critical_float == 720


# -- located errors ---------------------------------------------------------------------------


def _file_locator(site: PlanSite) -> Location:
    return Location(file="plan/phases.yaml", line=7, path=site.path())


@pytest.mark.parametrize(
    ("source", "path"),
    [
        (plan(t("A", calendar="night")), "tasks[A].calendar"),
        (plan(t("A"), project={**PROJECT, "calendar": "night"}), "project.calendar"),
        (
            plan(t("A"), calendars=[{"id": "x", "base": "nowhere"}]),
            "calendars[x].base",
        ),
        (
            plan(t("A"), resources=[{"id": "r", "name": "R", "calendar": "night"}]),
            "resources[r].calendar",
        ),
        (plan(t("A", assignments=[{"resource": "bob"}])), "tasks[A].assignments[0].resource"),
        (plan(t("A", depends_on=["Z"])), "tasks[A].depends_on[0].task"),
        (plan(t("A", parent="Z")), "tasks[A].parent"),
        (plan(t("A", milestone="M-9")), "tasks[A].milestone"),
        (
            plan(t("A"), milestones=[{"id": "M", "name": "M", "depends_on": ["Q"]}]),
            "milestones[M].depends_on[0].task",
        ),
    ],
)
def test_unknown_names_are_located_errors(source: Plan, path: str) -> None:
    with pytest.raises(PlanReferenceError) as caught:
        schedule_plan(source, locate=_file_locator)

    assert caught.value.code == "E-PLAN-012"
    assert caught.value.location == Location(file="plan/phases.yaml", line=7, path=path)
    assert "no known" in caught.value.message or "no calendar" in caught.value.message


def test_a_plan_without_project_section_says_where_to_add_it() -> None:
    with pytest.raises(PlanStructureError, match="no project: section") as caught:
        to_schedule_input(Plan.model_validate({"tasks": [t("A")]}))

    assert caught.value.hint is not None
    assert "start" in caught.value.hint


def test_a_cycle_keeps_the_engine_code_and_points_at_a_dependency_in_the_file() -> None:
    source = plan(t("A", depends_on=["C"]), t("B", depends_on=["A"]), t("C", depends_on=["B"]))

    with pytest.raises(ScheduleCycleError) as caught:
        schedule_plan(source, locate=_file_locator)

    assert caught.value.code == "E-PLAN-001"
    assert set(caught.value.cycle) == {"A", "B", "C"}
    assert caught.value.location is not None
    assert caught.value.location.file == "plan/phases.yaml"
    assert caught.value.location.path in {
        "tasks[A].depends_on[0]",
        "tasks[B].depends_on[0]",
        "tasks[C].depends_on[0]",
    }


def test_a_cycle_through_a_milestone_points_at_the_task_naming_it() -> None:
    source = plan(
        t("A", milestone="M", depends_on=["M"]),
        milestones=[{"id": "M", "name": "M"}],
    )

    with pytest.raises(ScheduleCycleError) as caught:
        schedule_plan(source)

    assert caught.value.location is not None
    assert caught.value.location.path in {"tasks[A].milestone", "tasks[A].depends_on[0]"}


def test_an_engine_structure_error_is_relocated_to_the_task() -> None:
    into_summary = plan(
        t("X"), t("P", depends_on=[{"task": "X", "type": "FF"}]), t("A", parent="P")
    )

    with pytest.raises(ScheduleStructureError) as caught:
        schedule_plan(into_summary, locate=_file_locator)

    assert caught.value.code == "E-PLAN-003"
    assert caught.value.location == Location(
        file="plan/phases.yaml", line=7, path="tasks[P].depends_on[0]"
    )


def test_a_negative_duration_is_refused_where_it_is_written() -> None:
    with pytest.raises(PlanStructureError, match="negative duration") as caught:
        schedule_plan(plan(t("A", "-2d")))

    assert caught.value.location == Location(path="tasks[A].duration")


def test_duplicate_wbs_codes_are_refused() -> None:
    with pytest.raises(PlanStructureError, match="both have WBS code 2"):
        schedule_plan(plan(t("A", wbs="2"), t("B", wbs="2")))


# -- schedule ---------------------------------------------------------------------------------


def small_plan(**project: Any) -> Plan:
    return plan(
        t("P", name="Build"),
        t("A", "2d", parent="P"),
        t("B", "3d", parent="P", depends_on=["A"], deadline="2027-01-08", milestone="M-1"),
        t("C", "1d", depends_on=["A"]),
        project={**PROJECT, **project},
        milestones=[{"id": "M-1", "name": "Built", "parent": "P", "date": "2027-01-11"}],
    )


def test_schedule_gives_dates_wbs_levels_and_critical_path() -> None:
    result = schedule_plan(small_plan())

    assert [(x.wbs, x.id, x.level) for x in result.tasks] == [
        ("1", "P", 0),
        ("1.1", "A", 1),
        ("1.2", "B", 1),
        ("1.3", "M-1", 1),
        ("2", "C", 0),
    ]
    a, b, m, c = (result.task(i) for i in ("A", "B", "M-1", "C"))
    assert (a.start, a.finish) == (at(4), at(5, 17))
    assert (b.start, b.finish) == (at(6), at(8, 17))
    assert (m.start, m.milestone) == (at(8, 17), True)
    assert (c.start, c.finish) == (at(6), at(6, 17))
    assert c.total_float == 2 * 480
    assert not c.critical
    assert result.critical_path == ("A", "B", "M-1")
    assert result.task("P").summary
    assert result.task("P").duration_minutes == 5 * 480
    assert result.schedule.project_finish == at(8, 17)


def test_deadlines_are_flagged_when_missed() -> None:
    source = plan(
        t("A", "3d", deadline="2027-01-05"),
        t("B", "1d", deadline="2027-01-04"),
        milestones=[{"id": "M", "name": "M", "date": "2027-01-05", "depends_on": ["A"]}],
    )

    result = schedule_plan(source)

    assert result.task("A").deadline_missed
    assert not result.task("B").deadline_missed  # finishes at the end of its deadline day
    assert result.task("M").deadline_missed
    assert result.task("M").deadline == dt.date(2027, 1, 5)


def test_near_critical_tasks_are_marked() -> None:
    source = plan(
        t("A", "3d"), t("B", "2d"), t("C", "1d"), project={**PROJECT, "near_critical_days": 1}
    )

    result = schedule_plan(source)

    assert result.task("B").near_critical
    assert not result.task("B").critical
    assert not result.task("C").near_critical
    assert result.task("A").critical


# -- progress and updates ---------------------------------------------------------------------


def test_updates_overlay_the_file_in_the_order_they_were_recorded() -> None:
    source = plan(t("A", "4d", percent_complete=10, actual_start="2027-01-04"), t("B"))
    updates = [update("A", 30, percent_complete=75), update("A", 10, percent_complete=25)]

    result = schedule_plan(source, status_date=at(5, 17), updates=updates)

    assert result.task("A").percent_complete == 75
    assert result.task("A").progress is Progress.IN_PROGRESS


def test_an_actual_finish_completes_the_task_at_that_date() -> None:
    source = plan(t("A", "4d"), t("B", depends_on=["A"]))
    updates = [update("A", 0, actual_start=at(4), actual_finish=dt.date(2027, 1, 6))]

    result = schedule_plan(source, status_date=at(7, 17), updates=updates)

    a = result.task("A")
    assert (a.percent_complete, a.progress) == (100, Progress.COMPLETE)
    assert a.finish == dt.datetime(2027, 1, 7)  # a bare date finishes at the end of its day
    assert a.actual_start == at(4)
    assert result.task("B").start >= at(8)  # after the status date
    assert not a.critical


def test_done_status_completes_and_cancelled_lets_links_pass_through() -> None:
    source = plan(t("A", "2d"), t("X", "5d", depends_on=["A"]), t("B", depends_on=["X"]))
    updates = [update("A", 0, status="done"), update("X", 1, status="cancelled")]

    result = schedule_plan(source, updates=updates)

    assert result.task("A").percent_complete == 100
    assert result.task("X").status == "cancelled"
    assert result.task("B").start == at(6)  # straight after A, X takes no time


def test_a_remaining_duration_keeps_the_work_done_and_re_estimates_the_rest() -> None:
    source = plan(t("A", "4d", actual_start="2027-01-04", percent_complete=50))
    updates = [update("A", 0, remaining_duration="4d")]

    result = schedule_plan(source, status_date=at(5, 17), updates=updates)

    a = result.task("A")
    assert a.duration_minutes == 6 * 480
    assert a.percent_complete == pytest.approx(100 / 3)
    assert a.finish == at(11, 17)  # four days of work left after the status date


@pytest.mark.parametrize(
    ("updates", "message"),
    [
        ([update("A", 0, actual_finish="2027-01-06")], "actual finish but no actual start"),
        (
            [update("A", 0, actual_start="2027-01-06"), update("A", 1, actual_finish="2027-01-04")],
            "finishes (2027-01-04) before it starts (2027-01-06)",
        ),
        (
            [update("A", 0, actual_start="2027-01-06", actual_finish="2027-01-05")],
            "finishes (2027-01-05) before it starts (2027-01-06)",
        ),
        (
            [update("A", 0, actual_start="2027-01-06T13:00", actual_finish="2027-01-06T12:00")],
            "finishes (2027-01-06 12:00:00) before it starts (2027-01-06 13:00:00)",
        ),
    ],
)
def test_contradicting_actuals_are_located_errors(updates: list[TaskUpdate], message: str) -> None:
    with pytest.raises(PlanProgressError) as caught:
        schedule_plan(plan(t("A")), updates=updates)

    assert message in caught.value.message
    assert caught.value.code == "E-PLAN-014"
    assert caught.value.location == Location(path="tasks[A].actual_finish")


def test_an_update_on_an_unknown_task_is_refused() -> None:
    with pytest.raises(PlanReferenceError, match="no task 'Z'"):
        schedule_plan(plan(t("A")), updates=[update("Z", 0, percent_complete=5)])


def test_progress_on_a_summary_is_refused() -> None:
    with pytest.raises(PlanStructureError, match="summary task 'P'"):
        schedule_plan(plan(t("P", percent_complete=20), t("A", parent="P")))


def test_summary_percent_is_the_share_of_its_leaves_work_done() -> None:
    source = plan(
        t("P"),
        t("A", "1d", parent="P", percent_complete=100, actual_start="2027-01-04"),
        t("B", "3d", parent="P", percent_complete=0),
    )

    result = schedule_plan(source, status_date=at(4, 17))

    assert result.task("P").percent_complete == 25.0


@pytest.mark.parametrize(
    "fields",
    [{"percent_complete": 101}, {"percent_complete": -1}, {"remaining_duration": "50%"}],
)
def test_task_update_checks_its_values(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        TaskUpdate(task="A", at=at(4), **fields)


def test_task_update_normalises_amounts() -> None:
    assert TaskUpdate(task="A", at=at(4), remaining_duration=2).remaining_duration == "2d"


# -- costs ------------------------------------------------------------------------------------


def costed_plan() -> Plan:
    return plan(
        t("P", fixed_cost=100),
        t("A", "2d", parent="P", assignments=[{"resource": "dev", "units": 0.5}], fixed_cost=50),
        t(
            "B",
            "1d",
            parent="P",
            effort_hours=30,
            assignments=[{"resource": "dev", "units": 1}, {"resource": "qa", "units": 2}],
        ),
        t("C", "1d", assignee="qa"),
        t("D", "1d", assignee="a-person"),
        resources=[
            {"id": "dev", "name": "Developer", "cost_per_hour": 100},
            {"id": "qa", "name": "Tester", "cost_per_hour": 60},
        ],
    )


def test_task_cost_counts_fixed_cost_hours_and_effort() -> None:
    source = costed_plan()

    assert task_cost(source, "A") == 50 + 16 * 0.5 * 100
    assert task_cost(source, "B") == 10 * 100 + 20 * 60  # 30 hours shared 1:2
    assert task_cost(source, "C") == 8 * 60  # the assignee is a resource
    assert task_cost(source, "D") == 0
    assert task_cost(source, "P") == 100 + 850 + 2200


def test_planned_costs_reach_the_schedule_and_sum_once() -> None:
    result = schedule_plan(costed_plan())

    assert result.task("P").cost == 3150
    assert result.cost == 3150 + 480
    assert result.task("B").resources == ("dev", "qa")
    assert {(a.activity, a.resource, a.units) for a in result.assignments} >= {
        ("C", "qa", 1.0),
        ("B", "qa", 2.0),
    }


def test_task_cost_of_an_unknown_task_is_an_error() -> None:
    with pytest.raises(PlanReferenceError, match="no task 'Z'"):
        task_cost(costed_plan(), "Z")


# -- properties -------------------------------------------------------------------------------


@st.composite
def random_plans(draw: st.DrawFn) -> Plan:
    """Tasks hanging from earlier ones, FS/SS links between leaves, some progress and costs."""
    count = draw(st.integers(min_value=2, max_value=18))
    parents: list[int | None] = [None]
    for index in range(1, count):
        parents.append(draw(st.none() | st.integers(min_value=0, max_value=index - 1)))
    summaries = {p for p in parents if p is not None}
    leaves = [i for i in range(count) if i not in summaries]
    tasks: list[dict[str, Any]] = []
    for index in range(count):
        fields: dict[str, Any] = {
            "duration": f"{draw(st.integers(min_value=1, max_value=24))}h",
            "fixed_cost": draw(st.sampled_from([0, 100, 250])),
            "assignee": draw(st.sampled_from(["dev", "ops", None])),
        }
        if parents[index] is not None:
            fields["parent"] = f"T{parents[index]}"
        if index in leaves:
            fields["percent_complete"] = draw(st.sampled_from([0, 0, 50]))
            if fields["percent_complete"]:
                fields["actual_start"] = "2027-01-04"
            before = [i for i in leaves if i < index]
            chosen = (
                draw(st.lists(st.sampled_from(before), unique=True, max_size=2)) if before else []
            )
            fields["depends_on"] = [
                {"task": f"T{i}", "type": draw(st.sampled_from(["FS", "SS"]))} for i in chosen
            ]
        tasks.append(t(f"T{index}", **fields))
    return plan(
        *tasks,
        project={**PROJECT, "status_date": "2027-01-05"},
        resources=[
            {"id": "dev", "name": "Dev", "cost_per_hour": 100},
            {"id": "ops", "name": "Ops", "cost_per_hour": 50},
        ],
    )


@settings(max_examples=60, deadline=None)
@given(random_plans())
def test_plan_schedules_respect_links_summaries_and_roll_ups(source: Plan) -> None:
    result = schedule_plan(source)

    tasks = {x.id: x for x in result.tasks}
    for link in result.links:
        before, after = tasks[link.predecessor], tasks[link.successor]
        if after.progress is Progress.NOT_STARTED:
            bound = before.finish if link.type is LinkType.FS else before.start
            assert after.start >= bound, (link, before, after)
    children: dict[str, list[str]] = {}
    for item in source.tasks:
        if item.parent is not None:
            children.setdefault(item.parent, []).append(item.id)
    for parent, kids in children.items():
        below = [tasks[k] for k in kids]
        assert tasks[parent].summary
        assert tasks[parent].start == min(k.start for k in below)
        assert tasks[parent].finish == max(k.finish for k in below)
        own = next(x.fixed_cost for x in source.tasks if x.id == parent)
        assert tasks[parent].cost == pytest.approx(own + sum(k.cost for k in below))
        percents = [k.percent_complete for k in below]
        assert min(percents) - 1e-9 <= tasks[parent].percent_complete <= max(percents) + 1e-9
    assert result.cost == pytest.approx(
        sum(tasks[x.id].cost for x in source.tasks if x.parent is None)
    )
    position = {x.id: i for i, x in enumerate(result.tasks)}
    for item in source.tasks:
        if item.parent is not None:
            assert position[item.parent] < position[item.id]
