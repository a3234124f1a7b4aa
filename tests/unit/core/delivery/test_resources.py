"""Over-allocation: where a resource's assigned units exceed its maximum."""

from __future__ import annotations

import datetime as dt

import pytest

from interloom.core.delivery.resources import Assignment, Resource, find_overallocations
from interloom.core.delivery.schedule import (
    Activity,
    Link,
    Schedule,
    ScheduleInput,
    ScheduleReferenceError,
    compute_schedule,
)

D = 480


def at(day: int, hour: int = 8) -> dt.datetime:
    """A moment in March 2024 (Monday 4 …)."""
    return dt.datetime(2024, 3, day, hour)


def plan(*activities: Activity, links: tuple[Link, ...] = ()) -> Schedule:
    return compute_schedule(ScheduleInput(project_start=at(4), activities=activities, links=links))


# A: Monday–Tuesday; B: Tuesday–Wednesday; C: Wednesday; M: a milestone on Monday evening.
SCHEDULE = plan(
    Activity(id="A", duration=2 * D),
    Activity(id="B", duration=2 * D, constraint="SNET", constraint_date=dt.date(2024, 3, 5)),
    Activity(id="C", duration=D, constraint="SNET", constraint_date=dt.date(2024, 3, 6)),
    Activity(id="M", duration=0, constraint="SNET", constraint_date=at(4, 17)),
)


def test_overlapping_full_time_work_is_reported_with_its_interval() -> None:
    found = find_overallocations(
        SCHEDULE,
        [Resource(id="ana")],
        [Assignment(activity="A", resource="ana"), Assignment(activity="B", resource="ana")],
    )

    assert [(o.start, o.finish, o.units, o.activities) for o in found] == [
        (at(5), at(5, 17), 2.0, ("A", "B"))
    ]
    assert found[0].max_units == 1.0


def test_part_time_assignments_can_share_a_resource() -> None:
    found = find_overallocations(
        SCHEDULE,
        [Resource(id="ana")],
        [
            Assignment(activity="A", resource="ana", units=0.5),
            Assignment(activity="B", resource="ana", units=0.5),
        ],
    )

    assert found == []


def test_back_to_back_work_and_milestones_do_not_overlap() -> None:
    found = find_overallocations(
        SCHEDULE,
        [Resource(id="ana")],
        [
            Assignment(activity="A", resource="ana"),
            Assignment(activity="C", resource="ana"),
            Assignment(activity="M", resource="ana"),
        ],
    )

    assert found == []


def test_intervals_split_where_the_load_changes_and_resources_stay_apart() -> None:
    found = find_overallocations(
        SCHEDULE,
        [Resource(id="team", max_units=2), Resource(id="bo", max_units=0.5)],
        [
            Assignment(activity="A", resource="team"),
            Assignment(activity="B", resource="team"),
            Assignment(activity="C", resource="team", units=1.5),
            Assignment(activity="A", resource="bo", units=0.75),
        ],
    )

    assert [(o.resource, o.start, o.finish, o.units, o.activities) for o in found] == [
        ("team", at(6), at(6, 17), 2.5, ("B", "C")),
        ("bo", at(4), at(5, 17), 0.75, ("A",)),
    ]


def test_three_staggered_tasks() -> None:
    schedule = plan(
        Activity(id="A", duration=3 * D),
        Activity(id="B", duration=2 * D, constraint="SNET", constraint_date=dt.date(2024, 3, 5)),
        Activity(id="C", duration=D, constraint="SNET", constraint_date=dt.date(2024, 3, 6)),
    )

    found = find_overallocations(
        schedule,
        [Resource(id="ana")],
        [Assignment(activity=k, resource="ana") for k in "ABC"],
    )

    assert [(o.start, o.finish, o.units) for o in found] == [
        (at(5), at(6), 2.0),  # the interval runs on through Tuesday night
        (at(6), at(6, 17), 3.0),
    ]


@pytest.mark.parametrize(
    ("assignment", "location"),
    [
        (Assignment(activity="Z", resource="ana"), "assignments[0].activity"),
        (Assignment(activity="A", resource="zoe"), "assignments[0].resource"),
    ],
)
def test_unknown_names_are_located(assignment: Assignment, location: str) -> None:
    with pytest.raises(ScheduleReferenceError) as caught:
        find_overallocations(SCHEDULE, [Resource(id="ana")], [assignment])

    assert caught.value.code == "E-PLAN-002"
    assert str(caught.value.location) == location
