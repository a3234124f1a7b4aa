"""Milestones as an iCalendar file: all-day events, stable UIDs, links to what is delivered."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from interloom.core.delivery.plan import Dependency, Milestone, Plan, ProjectSchedule, Task
from interloom.core.delivery.plan_schedule import schedule_plan
from interloom.formats.plan.icalendar import milestones_calendar

STAMP = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)
PLAN = Plan(
    project=ProjectSchedule(name="Retail integration", start=dt.date(2027, 1, 4)),
    milestones=[
        # T-1 (3d, Mon-Wed) and T-2 (2d, Thu-Fri) lead to it: forecast Friday 8 January.
        Milestone(id="M-1", name="Contracts agreed", date=dt.date(2027, 1, 7)),
        Milestone(id="M-2", name="Go-live", depends_on=[Dependency(task="T-2")]),
    ],
    tasks=[
        Task(
            id="T-1",
            name="Review the CRM contract",
            duration="3d",
            delivers=["interface:crm.customers.get"],
            milestone="M-1",
        ),
        Task(
            id="T-2",
            name="Build the lookup flow",
            duration="2d",
            depends_on=["T-1"],
            delivers=["flow:customer-lookup", "system:crm"],
            milestone="M-1",
            deadline=dt.date(2027, 1, 7),
        ),
        Task(
            id="T-3",
            name="Go/no-go",
            is_milestone=True,
            depends_on=["T-2"],
            deadline=dt.date(2027, 1, 12),
        ),
    ],
)


def events(data: bytes) -> dict[str, dict[str, object]]:
    calendar = Calendar.from_ical(data)
    return {
        str(e["uid"]): {
            "summary": str(e["summary"]),
            "start": e.decoded("dtstart"),
            "end": e.decoded("dtend"),
            "description": str(e["description"]),
        }
        for e in calendar.walk("VEVENT")
    }


def test_milestones_are_all_day_events_on_their_forecast() -> None:
    data = milestones_calendar(PLAN, schedule_plan(PLAN), stamp=STAMP)
    calendar = Calendar.from_ical(data)
    assert str(calendar["x-wr-calname"]) == "Retail integration: milestones"
    found = events(data)
    assert sorted(found) == [
        "milestone-M-1@retail-integration.interloom",
        "milestone-M-2@retail-integration.interloom",
        "milestone-T-3@retail-integration.interloom",
    ]
    m1 = found["milestone-M-1@retail-integration.interloom"]
    assert (m1["start"], m1["end"]) == (dt.date(2027, 1, 8), dt.date(2027, 1, 9))
    assert m1["summary"] == "Retail integration: Contracts agreed"
    description = str(m1["description"])
    assert "Target date: 2027-01-07" in description
    assert "Forecast: 2027-01-08 (after the target date)" in description
    # What the tasks leading to it deliver, once each.
    assert description.endswith(
        "Delivers:\n- interface:crm.customers.get\n- flow:customer-lookup\n- system:crm"
    )


def test_refs_link_to_the_server_when_it_is_known() -> None:
    data = milestones_calendar(
        PLAN, schedule_plan(PLAN), stamp=STAMP, base_url="https://il.example/"
    )
    description = str(events(data)["milestone-M-1@retail-integration.interloom"]["description"])
    assert (
        "- interface:crm.customers.get <https://il.example/api/v1/interfaces/crm.customers.get>"
        in description
    )
    assert "- flow:customer-lookup <https://il.example/api/v1/flows/customer-lookup>" in description


def test_without_a_schedule_the_target_date_is_used() -> None:
    found = events(milestones_calendar(PLAN, stamp=STAMP))
    # M-2 has no target date and, without a schedule, no forecast: it is left out.
    assert sorted(found) == [
        "milestone-M-1@retail-integration.interloom",
        "milestone-T-3@retail-integration.interloom",
    ]
    assert found["milestone-M-1@retail-integration.interloom"]["start"] == dt.date(2027, 1, 7)
    assert found["milestone-T-3@retail-integration.interloom"]["start"] == dt.date(2027, 1, 12)


def test_deadlines_are_added_on_request_and_uids_are_stable() -> None:
    schedule = schedule_plan(PLAN)
    first = milestones_calendar(PLAN, schedule, stamp=STAMP, deadlines=True)
    assert first == milestones_calendar(PLAN, schedule, stamp=STAMP, deadlines=True)
    found = events(first)
    deadline = found["deadline-T-2@retail-integration.interloom"]
    assert deadline["summary"] == "Retail integration: Deadline: Build the lookup flow"
    assert deadline["start"] == dt.date(2027, 1, 7)
    assert "deadline-T-1@retail-integration.interloom" not in found
    assert "deadline-T-2@retail-integration.interloom" not in events(
        milestones_calendar(PLAN, schedule, stamp=STAMP)
    )
