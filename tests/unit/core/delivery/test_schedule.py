"""Hand-computed MS Project cases, on the Standard calendar unless a case says otherwise.

March 2024: Monday 4, Tuesday 5, Wednesday 6, Thursday 7, Friday 8, Monday 11, Tuesday 12.
Working hours 08:00–12:00 and 13:00–17:00; one day (d) is 480 working minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from interloom.core.delivery.calendar import Calendar, CalendarException, WorkingWeek, hours
from interloom.core.delivery.schedule import (
    Activity,
    ConstraintType,
    Link,
    LinkType,
    Progress,
    Schedule,
    ScheduleCycleError,
    ScheduleInput,
    ScheduleReferenceError,
    ScheduleStructureError,
    compute_schedule,
)

D = 480
START = dt.datetime(2024, 3, 4, 8)


def at(day: int, hour: int = 8, minute: int = 0) -> dt.datetime:
    """A moment in March 2024."""
    return dt.datetime(2024, 3, day, hour, minute)


def task(ident: str, days: float = 1, **fields: Any) -> Activity:
    return Activity(id=ident, duration=round(days * D), **fields)


def link(p: str, s: str, kind: str = "FS", lag_days: float = 0, **fields: Any) -> Link:
    return Link(predecessor=p, successor=s, type=LinkType(kind), lag=round(lag_days * D), **fields)


def schedule(*activities: Activity, links: tuple[Link, ...] = (), **fields: Any) -> Schedule:
    plan = ScheduleInput(project_start=START, activities=activities, links=links, **fields)
    return compute_schedule(plan)


def span(result: Schedule, ident: str) -> tuple[dt.datetime, dt.datetime]:
    activity = result.activities[ident]
    return activity.start, activity.finish


# -- links --------------------------------------------------------------------------------

# X (2d) -> A (2d) puts A on Wednesday 08:00 to Thursday 17:00; B (1d) hangs off A.
LINK_CASES = [
    ("FS", 0, at(8), at(8, 17)),
    ("FS", 1, at(11), at(11, 17)),  # Thursday 17:00 + 1d is Friday 17:00: B starts Monday
    ("FS", -1, at(7), at(7, 17)),  # overlaps A's last day
    ("FS", 0.5, at(8, 13), at(11, 12)),  # Friday 12:00 is lunch: work resumes at 13:00
    ("SS", 0, at(6), at(6, 17)),
    ("SS", 1, at(7), at(7, 17)),
    ("SS", -1, at(5), at(5, 17)),
    ("FF", 0, at(7), at(7, 17)),
    ("FF", 1, at(8), at(8, 17)),
    ("FF", -1, at(6), at(6, 17)),
    ("SF", 0, at(5), at(5, 17)),  # must finish by A's start, Wednesday 08:00 = Tuesday 17:00
    ("SF", 1, at(6), at(6, 17)),
    ("SF", -1, at(4), at(4, 17)),
]


@pytest.mark.parametrize(("kind", "lag_days", "start", "finish"), LINK_CASES)
def test_each_link_type_with_lag(
    kind: str, lag_days: float, start: dt.datetime, finish: dt.datetime
) -> None:
    result = schedule(
        task("X", 2),
        task("A", 2),
        task("B", 1),
        links=(link("X", "A"), link("A", "B", kind, lag_days)),
    )

    assert span(result, "A") == (at(6), at(7, 17))
    assert span(result, "B") == (start, finish)


@pytest.mark.parametrize(("percent", "start"), [(50.0, at(11)), (-50.0, at(7)), (25.0, at(8, 13))])
def test_lag_as_percent_of_the_predecessor(percent: float, start: dt.datetime) -> None:
    result = schedule(
        task("X", 2),
        task("A", 2),
        task("B", 1),
        links=(link("X", "A"), Link(predecessor="A", successor="B", lag_percent=percent)),
    )

    assert result.activities["B"].start == start


def test_a_successor_starts_the_next_working_morning_after_a_finish_at_17() -> None:
    result = schedule(task("A", 1), task("B", 0.5), links=(link("A", "B"),))

    assert span(result, "A") == (at(4), at(4, 17))
    assert span(result, "B") == (at(5), at(5, 12))


def test_no_task_starts_before_the_project_start_even_with_a_lead() -> None:
    result = schedule(task("A", 2), task("B", 1), links=(link("A", "B", "SS", -1),))

    assert result.activities["B"].start == START


# -- milestones ---------------------------------------------------------------------------


def test_a_milestone_after_a_task_sits_at_its_finish_and_its_successor_next_morning() -> None:
    result = schedule(
        task("A", 2), task("M", 0), task("B", 1), links=(link("A", "M"), link("M", "B"))
    )

    assert span(result, "M") == (at(5, 17), at(5, 17))
    assert result.activities["M"].milestone
    assert span(result, "B") == (at(6), at(6, 17))


def test_a_milestone_without_predecessors_sits_at_the_project_start() -> None:
    result = schedule(task("M", 0), task("A", 1))

    assert span(result, "M") == (START, START)
    assert result.activities["M"].total_float == D


def test_a_milestone_following_a_start_sits_at_that_start() -> None:
    result = schedule(
        task("X", 2), task("A", 1), task("M", 0), links=(link("X", "A"), link("A", "M", "SS"))
    )

    assert span(result, "M") == (at(6), at(6))


def test_the_project_finish_milestone_is_critical_and_shows_no_late_date_jump() -> None:
    result = schedule(
        task("A", 2), task("M", 0), task("B", 1), links=(link("A", "M"), link("B", "M"))
    )

    milestone = result.activities["M"]
    assert (milestone.late_start, milestone.late_finish) == (at(5, 17), at(5, 17))
    assert milestone.critical
    assert result.critical_path == ("A", "M")


# -- floats ---------------------------------------------------------------------------------


def test_free_float_differs_from_total_float() -> None:
    # X -> Y -> W and Z -> W: Z (3d) drives W, so X and Y share one day of total float,
    # but only Y can use it without moving a successor.
    result = schedule(
        task("X"),
        task("Y"),
        task("Z", 3),
        task("W"),
        links=(link("X", "Y"), link("Y", "W"), link("Z", "W")),
    )

    floats = {k: (a.total_float, a.free_float) for k, a in result.activities.items()}
    assert floats == {"X": (D, 0), "Y": (D, D), "Z": (0, 0), "W": (0, 0)}
    assert result.critical_path == ("Z", "W")
    assert result.activities["X"].late_start == at(5)
    assert result.project_finish == at(7, 17)


def test_near_critical_by_threshold() -> None:
    result = schedule(
        task("X"),
        task("Y"),
        task("Z", 3),
        task("W"),
        task("Q", 1),
        links=(link("X", "Y"), link("Y", "W"), link("Z", "W")),
        near_critical_float=D,
    )

    assert result.near_critical == ("X", "Y")  # Q has three days of float


# -- constraints ----------------------------------------------------------------------------


def constrained(kind: ConstraintType, date: dt.date | None, *more: Activity) -> Schedule:
    """X (2d) -> A (1d) with A constrained, plus any more activities."""
    return schedule(
        task("X", 2),
        task("A", 1, constraint=kind, constraint_date=date),
        *more,
        links=(link("X", "A"),),
    )


def test_snet_delays_the_start_and_a_bare_date_means_the_start_of_that_day() -> None:
    result = constrained(ConstraintType.SNET, dt.date(2024, 3, 7))

    assert span(result, "A") == (at(7), at(7, 17))
    assert result.activities["X"].total_float == D  # A no longer follows X at once


def test_snet_with_a_time_and_snet_before_the_links_allow() -> None:
    assert span(constrained(ConstraintType.SNET, at(7, 10)), "A") == (at(7, 10), at(8, 10))
    assert span(constrained(ConstraintType.SNET, at(4)), "A") == (at(6), at(6, 17))


def test_fnet_delays_the_finish_and_a_bare_date_means_the_end_of_that_day() -> None:
    result = constrained(ConstraintType.FNET, dt.date(2024, 3, 8))

    assert span(result, "A") == (at(8), at(8, 17))


def test_snlt_missed_gives_negative_float_along_the_path_not_an_error() -> None:
    result = constrained(ConstraintType.SNLT, dt.date(2024, 3, 5))

    assert span(result, "A") == (at(6), at(6, 17))  # the links win; the date is only reported
    assert result.activities["A"].total_float == -D
    assert result.activities["X"].total_float == -D
    assert result.critical_path == ("X", "A")


def test_fnlt_missed_gives_negative_float() -> None:
    result = constrained(ConstraintType.FNLT, dt.date(2024, 3, 5))

    assert result.activities["A"].total_float == -D
    assert result.activities["A"].late_finish == at(5, 17)


def test_fnlt_met_reduces_float_below_what_the_project_finish_allows() -> None:
    loose = constrained(ConstraintType.ASAP, None, task("Z", 5))
    tight = constrained(ConstraintType.FNLT, dt.date(2024, 3, 7), task("Z", 5))

    assert loose.activities["A"].total_float == 2 * D
    assert tight.activities["A"].total_float == D
    assert tight.activities["X"].total_float == D


def test_mso_holds_against_the_links_and_shows_the_conflict_on_the_predecessor() -> None:
    result = constrained(ConstraintType.MSO, dt.date(2024, 3, 5))

    assert span(result, "A") == (at(5), at(5, 17))  # X still runs until Tuesday 17:00
    assert result.activities["A"].total_float == 0
    assert result.activities["A"].critical
    assert result.activities["X"].total_float == -D


def test_mso_later_than_the_links_allow() -> None:
    result = constrained(ConstraintType.MSO, dt.date(2024, 3, 8))

    assert span(result, "A") == (at(8), at(8, 17))
    assert result.activities["X"].total_float == 2 * D
    assert result.activities["A"].critical  # a hard date leaves no float, as in MS Project


def test_mfo_pins_the_finish() -> None:
    result = constrained(ConstraintType.MFO, dt.date(2024, 3, 8))

    assert span(result, "A") == (at(8), at(8, 17))
    assert (result.activities["A"].late_start, result.activities["A"].late_finish) == (
        at(8),
        at(8, 17),
    )


def test_alap_takes_its_late_dates_when_nothing_follows_it() -> None:
    result = constrained(ConstraintType.ALAP, None, task("Z", 5))

    a = result.activities["A"]
    assert (a.start, a.finish) == (at(8), at(8, 17))
    assert (a.early_start, a.late_start) == (at(6), at(8))
    assert span(result, "X") == (at(4), at(5, 17))


def test_alap_never_pushes_its_successors() -> None:
    # Y is ALAP before B; B (ASAP) starts Tuesday, so Y stays on Monday: it may only use the
    # slack before its successors' scheduled dates. With B ALAP too, both move to the end.
    plain = schedule(
        task("Y", constraint=ConstraintType.ALAP), task("B"), task("Z", 5), links=(link("Y", "B"),)
    )
    both = schedule(
        task("Y", constraint=ConstraintType.ALAP),
        task("B", constraint=ConstraintType.ALAP),
        task("Z", 5),
        links=(link("Y", "B"),),
    )

    assert span(plain, "Y") == (at(4), at(4, 17))
    assert span(plain, "B") == (at(5), at(5, 17))
    assert span(both, "Y") == (at(7), at(7, 17))
    assert span(both, "B") == (at(8), at(8, 17))


def test_alap_never_moves_before_its_early_dates_when_a_hard_date_leaves_no_room() -> None:
    result = schedule(
        task("A", 2, constraint=ConstraintType.ALAP),
        task("B", 1, constraint=ConstraintType.MSO, constraint_date=dt.date(2024, 3, 5)),
        links=(link("A", "B"),),
    )

    assert span(result, "A") == (at(4), at(5, 17))
    assert result.activities["A"].total_float == -D


def test_constraint_dates_are_validated() -> None:
    with pytest.raises(ValidationError, match="needs a constraint_date"):
        Activity(id="A", constraint=ConstraintType.SNET)
    with pytest.raises(ValidationError, match="takes no constraint_date"):
        Activity(id="A", constraint=ConstraintType.ALAP, constraint_date=at(4))
    with pytest.raises(ValidationError, match="naive"):
        Activity(id="A", constraint="MSO", constraint_date=at(4).replace(tzinfo=dt.UTC))


# -- calendars ------------------------------------------------------------------------------


def test_holidays_stretch_durations_and_push_successors() -> None:
    calendar = Calendar(holidays=(dt.date(2024, 3, 6),))
    result = schedule(task("A", 3), task("B", 1), links=(link("A", "B"),), calendars=(calendar,))

    assert span(result, "A") == (at(4), at(7, 17))
    assert span(result, "B") == (at(8), at(8, 17))


def test_an_exception_with_special_hours() -> None:
    friday = CalendarException(start=dt.date(2024, 3, 8), intervals=(hours("08:00", "12:00"),))
    calendar = Calendar(exceptions=(friday,))
    result = schedule(task("A", 4), task("B", 1), links=(link("A", "B"),), calendars=(calendar,))

    assert span(result, "B") == (at(8), at(11, 12))


def test_a_task_calendar_derived_from_the_project_calendar() -> None:
    base = Calendar(holidays=(dt.date(2024, 3, 5),))
    crew = Calendar(id="crew", base="standard", holidays=(dt.date(2024, 3, 7),))
    result = schedule(
        task("A", 1),
        task("B", 2, calendar="crew"),
        links=(link("A", "B"),),
        calendars=(base, crew),
    )

    assert span(result, "A") == (at(4), at(4, 17))
    # The crew keeps the base's Tuesday holiday and adds Thursday: Wednesday and Friday.
    assert span(result, "B") == (at(6), at(8, 17))


def test_a_task_working_saturdays_and_a_lag_counted_on_the_project_calendar() -> None:
    six_days = WorkingWeek(saturday=(hours("08:00", "12:00"), hours("13:00", "17:00")))
    weekend = Calendar(id="weekend", week=six_days)
    plain = schedule(
        task("A", 5),
        task("B", 1, calendar="weekend"),
        links=(link("A", "B"),),
        calendars=(weekend,),
    )
    lagged = schedule(
        task("A", 5),
        task("B", 1, calendar="weekend"),
        links=(link("A", "B", lag_days=1),),
        calendars=(weekend,),
    )

    assert span(plain, "B") == (at(9), at(9, 17))
    # Friday 17:00 + 1d on the project calendar is Monday 17:00; B starts the next morning.
    assert span(lagged, "B") == (at(12), at(12, 17))
    assert plain.project_finish == at(9, 17)


# -- progress -------------------------------------------------------------------------------


def test_progress_with_actuals_and_a_status_date() -> None:
    result = schedule(
        task("A", 2, actual_start=at(4), actual_finish=at(4, 17)),
        task("B", 1),
        task("C", 4, actual_start=at(4), percent_complete=25),
        task("N", 1),
        links=(link("A", "B"),),
        status_date=dt.date(2024, 3, 6),  # a bare date: the end of Wednesday
    )

    a, c = result.activities["A"], result.activities["C"]
    assert (a.early_start, a.early_finish, a.progress) == (at(4), at(4, 17), Progress.COMPLETE)
    assert (a.total_float, a.critical) == (0, False)
    assert span(result, "B") == (at(7), at(7, 17))  # not before the status date
    assert (c.start, c.resume, c.finish) == (at(4), at(7), at(11, 17))  # 3d left after Wednesday
    assert c.progress is Progress.IN_PROGRESS
    assert span(result, "N") == (at(7), at(7, 17))
    assert result.critical_path == ("C",)


def test_work_done_ahead_of_the_status_date_keeps_its_place() -> None:
    result = schedule(
        task("D", 4, actual_start=at(4), percent_complete=75),
        status_date=at(5, 17),
    )

    d = result.activities["D"]
    assert (d.start, d.resume, d.finish) == (at(4), at(7), at(7, 17))


def test_the_rest_of_a_started_task_waits_for_an_unfinished_predecessor() -> None:
    result = schedule(
        task("P", 3),
        task("Q", 2, actual_start=at(4), percent_complete=50),
        links=(link("P", "Q"),),
        status_date=at(6, 17),
    )

    assert span(result, "P") == (at(7), at(11, 17))
    q = result.activities["Q"]
    assert (q.start, q.resume, q.finish) == (at(4), at(12), at(12, 17))


def test_percent_complete_without_actual_dates() -> None:
    result = schedule(
        task("A", 2, percent_complete=100),
        task("B", 2, percent_complete=50),
        links=(link("A", "B"),),
        status_date=at(7, 17),
    )

    assert span(result, "A") == (at(4), at(5, 17))
    b = result.activities["B"]
    assert (b.start, b.resume, b.finish) == (at(6), at(8), at(8, 17))


def test_actual_dates_are_validated() -> None:
    with pytest.raises(ValidationError, match="needs an actual start"):
        Activity(id="A", actual_finish=at(4))
    with pytest.raises(ValidationError, match="before the actual start"):
        Activity(id="A", actual_start=at(5), actual_finish=at(4))


# -- summary tasks --------------------------------------------------------------------------


def phase(*more: Link, **fields: Any) -> Schedule:
    """P -> S(A -> B, C), S -> X; with more links and fields."""
    return schedule(
        task("P", 1),
        Activity(id="S"),
        task("A", 2, parent="S"),
        task("B", 3, parent="S"),
        task("C", 1, parent="S"),
        task("X", 1),
        links=(link("P", "S"), link("A", "B"), link("S", "X"), *more),
        **fields,
    )


def test_a_summary_rolls_up_its_children_and_passes_its_links_to_them() -> None:
    result = phase()

    assert span(result, "A") == (at(5), at(6, 17))  # after P, though A has no link of its own
    assert span(result, "C") == (at(5), at(5, 17))
    assert span(result, "B") == (at(7), at(11, 17))
    s = result.activities["S"]
    assert (s.start, s.finish, s.summary) == (at(5), at(11, 17), True)
    assert (s.total_float, s.critical) == (0, True)
    assert span(result, "X") == (at(12), at(12, 17))  # after the summary's last child
    assert result.activities["C"].total_float == 4 * D
    assert result.critical_path == ("P", "A", "B", "X")


def test_a_start_to_start_link_from_a_summary_follows_its_earliest_child() -> None:
    result = schedule(
        task("P", 1),
        Activity(id="S"),
        task("A", 2, parent="S"),
        task("Y", 1),
        links=(link("P", "S"), link("S", "Y", "SS", 1)),
    )

    assert span(result, "Y") == (at(6), at(6, 17))


def test_nested_summaries_pass_predecessors_down_and_finishes_up() -> None:
    result = schedule(
        task("P", 2),
        Activity(id="S"),
        Activity(id="T", parent="S"),
        task("D", 1, parent="T"),
        task("E", 2, parent="S"),
        task("X", 1),
        links=(link("P", "S"), link("S", "X")),
    )

    assert span(result, "D") == (at(6), at(6, 17))
    assert span(result, "T") == (at(6), at(6, 17))
    assert span(result, "S") == (at(6), at(7, 17))
    assert span(result, "X") == (at(8), at(8, 17))


def test_a_deadline_on_a_summary_reaches_its_children() -> None:
    result = schedule(
        Activity(id="S", constraint=ConstraintType.FNLT, constraint_date=dt.date(2024, 3, 5)),
        task("A", 2, parent="S"),
        task("B", 1, parent="S"),
        links=(link("A", "B"),),
    )

    assert result.activities["B"].total_float == -D
    assert result.activities["A"].total_float == -D
    assert result.activities["S"].total_float == -D


def test_links_a_summary_cannot_take() -> None:
    with pytest.raises(ScheduleStructureError, match="FF into a summary") as caught:
        phase(link("X", "S", "FF"))
    assert caught.value.code == "E-PLAN-003"
    with pytest.raises(ScheduleStructureError, match="its own subtask"):
        phase(link("S", "A"))


# -- errors ---------------------------------------------------------------------------------


def test_a_cycle_is_reported_in_link_order_with_where_it_is() -> None:
    with pytest.raises(ScheduleCycleError) as caught:
        schedule(
            task("T-1"),
            task("T-3"),
            task("T-7"),
            links=(link("T-1", "T-3"), link("T-3", "T-7"), link("T-7", "T-3")),
        )

    error = caught.value
    assert error.cycle == ("T-3", "T-7", "T-3")
    assert error.links == (1, 2)
    assert str(error) == "E-PLAN-001 links[1] the links form a cycle: T-3 → T-7 → T-3"
    assert error.to_dict()["status"] == 422


def test_a_self_link_is_a_cycle() -> None:
    with pytest.raises(ScheduleCycleError) as caught:
        schedule(task("A"), links=(link("A", "A"),))

    assert caught.value.cycle == ("A", "A")


def test_a_cycle_through_a_summary_names_it_and_says_why() -> None:
    with pytest.raises(ScheduleCycleError) as caught:
        phase(link("C", "P"))

    assert caught.value.cycle == ("P", "S", "C", "P")
    assert caught.value.hint == "a summary task's links apply to all its subtasks"


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"links": (link("A", "Z"),)}, "links[0].successor"),
        ({"activities": (task("A", calendar="night"),)}, "activities[0].calendar"),
        ({"activities": (task("A", parent="nowhere"),)}, "activities[0].parent"),
        ({"calendar": "company"}, "calendar"),
    ],
)
def test_unknown_names_are_located(change: dict[str, Any], location: str) -> None:
    fields: dict[str, Any] = {"project_start": START, "activities": (task("A"),), **change}
    with pytest.raises(ScheduleReferenceError) as caught:
        compute_schedule(ScheduleInput(**fields))

    assert caught.value.code == "E-PLAN-002"
    assert str(caught.value.location) == location


def test_duplicate_ids_and_looping_parents_are_structure_errors() -> None:
    with pytest.raises(ScheduleStructureError, match="two activities have the id 'A'"):
        schedule(task("A"), task("A"))
    with pytest.raises(ScheduleStructureError, match="hierarchy loops"):
        schedule(Activity(id="S", parent="T"), Activity(id="T", parent="S"), task("A", parent="S"))


def test_a_start_constraint_on_a_summary_holds_its_children() -> None:
    result = schedule(
        Activity(id="S", constraint=ConstraintType.SNET, constraint_date=dt.date(2024, 3, 6)),
        task("A", 1, parent="S"),
        task("B", 1),
    )

    assert span(result, "A") == (at(6), at(6, 17))
    assert span(result, "B") == (at(4), at(4, 17))


def test_a_summary_cannot_take_a_hard_constraint() -> None:
    with pytest.raises(ScheduleStructureError, match="summary task 'S' has a MSO constraint"):
        schedule(
            Activity(id="S", constraint=ConstraintType.MSO, constraint_date=at(6)),
            task("A", 1, parent="S"),
        )


def test_an_actual_start_overrides_a_start_constraint() -> None:
    result = schedule(
        task(
            "A",
            2,
            constraint=ConstraintType.MSO,
            constraint_date=at(6),
            actual_start=at(4),
            percent_complete=50,
        ),
        status_date=at(4, 17),
    )

    assert span(result, "A") == (at(4), at(5, 17))  # a day done, a day left, no jump to the 6th


def test_an_empty_plan_finishes_where_it_starts() -> None:
    result = schedule()

    assert (result.project_start, result.project_finish) == (START, START)
    assert result.activities == {}
    assert result.critical_path == ()


def test_a_task_flagged_as_milestone_keeps_its_duration() -> None:
    result = schedule(task("A", 1, is_milestone=True))

    assert span(result, "A") == (at(4), at(4, 17))
    assert result.activities["A"].milestone


# -- bounds -------------------------------------------------------------------------------


def test_a_schedule_of_the_longest_amounts_is_computed() -> None:
    result = schedule(task("A", 9_000), task("B", 9_000), links=(link("A", "B"),))
    assert result.activities["B"].finish.year > 2090
