"""Tasks as CSV with Jira's columns: round trip, Jira's own exports, and every bad row at once."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interloom.core.delivery.activities import ConstraintType, LinkType
from interloom.core.delivery.plan import (
    AssignmentEntry,
    Constraint,
    Dependency,
    Milestone,
    Plan,
    Task,
    TaskStatus,
)
from interloom.formats.plan.csv_tasks import (
    COLUMNS,
    parse_estimate,
    parse_predecessors,
    predecessor_text,
    read_tasks_csv,
    write_tasks_csv,
)
from interloom.formats.plan.errors import CsvProblem, CsvTasksError

PLAN = Plan(
    milestones=[
        Milestone(
            id="M-1",
            name="Contracts agreed",
            date=dt.date(2027, 1, 29),
            depends_on=[Dependency(task="T-2")],
            delivers=["interface:crm.customers.get"],
        )
    ],
    tasks=[
        Task(id="P-1", name="Contracts", wbs="1"),
        Task(
            id="T-1",
            name="Review the CRM contract, v2",
            parent="P-1",
            duration="3d",
            status=TaskStatus.IN_PROGRESS,
            assignee="priya",
            story_points=5,
            sprint="S-1",
            deadline=dt.date(2027, 1, 15),
            effort_hours=24,
            delivers=["interface:crm.customers.get", "system:crm"],
            milestone="M-1",
            tags=["crm", "api"],
            description='Check "get" and "list".\nThen sign.',
            percent_complete=40,
            actual_start=dt.datetime(2027, 1, 4, 8),
            assignments=[
                AssignmentEntry(resource="priya"),
                AssignmentEntry(resource="sam", units=0.5),
            ],
            constraint=Constraint(type=ConstraintType.SNET, date=dt.date(2027, 1, 4)),
            fixed_cost=450,
            calendar="hamburg",
        ),
        Task(
            id="T-2",
            name="Build the lookup flow",
            parent="P-1",
            duration="4h",
            depends_on=[
                Dependency(task="T-1"),
                Dependency(task="P-1", type=LinkType.SS, lag="-1d"),
                Dependency(task="T-1", type=LinkType.FF, lag="50%"),
            ],
            status=TaskStatus.DONE,
            actual_start=dt.date(2027, 1, 7),
            actual_finish=dt.date(2027, 1, 8),
            percent_complete=100,
        ),
        Task(id="T-3", name="Go/no-go", duration="0d", is_milestone=True, depends_on=["T-2"]),
    ],
)


def test_the_header_has_jira_columns_then_ours() -> None:
    header = write_tasks_csv(PLAN).splitlines()[0]
    assert header.startswith(
        "Issue key,Summary,Issue Type,Status,Assignee,Parent,Story Points,Sprint,Due date,"
        "Original estimate,Duration,Predecessors,WBS,Delivers"
    )
    assert header.split(",") == list(COLUMNS)


def test_round_trip() -> None:
    back = read_tasks_csv(write_tasks_csv(PLAN), "plan.csv")
    assert back.milestones == PLAN.milestones
    # A task shown as a milestone travels as a zero duration, which schedules the same.
    assert back.tasks[:3] == PLAN.tasks[:3]
    assert (back.tasks[3].duration, back.tasks[3].depends_on) == ("0d", PLAN.tasks[3].depends_on)


def test_rows_are_what_jira_shows() -> None:
    rows = list(csv.DictReader(io.StringIO(write_tasks_csv(PLAN), newline="")))
    t1 = rows[1]
    assert {k: t1[k] for k in COLUMNS[:11]} == {
        "Issue key": "T-1",
        "Summary": "Review the CRM contract, v2",
        "Issue Type": "Task",
        "Status": "In Progress",
        "Assignee": "priya",
        "Parent": "P-1",
        "Story Points": "5",
        "Sprint": "S-1",
        "Due date": "2027-01-15",
        "Original estimate": "86400",  # seconds, as Jira writes it
        "Duration": "3d",
    }
    assert (t1["Resources"], t1["Constraint"], t1["Actual start"]) == (
        "priya;sam:0.5",
        "SNET 2027-01-04",
        "2027-01-04T08:00",
    )
    assert rows[2]["Predecessors"] == "T-1;P-1SS-1d;T-1FF+50%"
    assert (rows[-1]["Issue Type"], rows[-1]["Due date"]) == ("Milestone", "2027-01-29")


def test_a_jira_export_imports() -> None:
    text = (
        "\ufeffSummary;Issue key;Issue id;Issue Type;Status;Priority;Assignee;Reporter;"
        "Parent;Sprint;Custom field (Story Points);Story Points;Due date;Original estimate\n"
        "Epic: CRM;CRM-1;10001;Epic;To Do;High;;ann;;;;;;\n"
        "Lookup API;CRM-2;10002;Story;In Review;Medium;priya;ann;CRM-1;Sprint 3;;8;"
        "15/Jan/27 5:00 PM;1w 2d 4h\n"
        "Cut-over;CRM-3;10003;Milestone;Open;;;ann;;;;;29/Jan/27;\n"
    )
    plan = read_tasks_csv(text, "jira.csv")
    epic, story = plan.tasks
    assert (epic.id, epic.name, epic.status) == ("CRM-1", "Epic: CRM", TaskStatus.NOT_STARTED)
    assert story.parent == "CRM-1"
    assert story.status is TaskStatus.IN_PROGRESS
    assert (story.sprint, story.story_points, story.deadline) == (
        "Sprint-3",
        8,
        dt.date(2027, 1, 15),
    )
    assert story.effort_hours == 60  # 1w 2d 4h of 8 h days
    assert story.duration == "60h"  # no Duration column: the estimate
    (milestone,) = plan.milestones
    assert (milestone.id, milestone.date) == ("CRM-3", dt.date(2027, 1, 29))


def test_every_bad_row_is_reported_with_row_and_column() -> None:
    text = (
        "Issue key,Summary,Status,Story Points,Predecessors,Due date,Delivers,Duration\n"
        "T-1,Fine,To Do,3,,2027-01-15,,2d\n"
        "T-2,Bad points,To Do,many,,,,\n"
        "T 3,Bad key,,,,,,\n"
        "T-4,Bad status and link,Someday,,T-9FS,,,\n"
        "T-1,Twice,,,,,,\n"
        "T-6,Bad date and ref,,,,next week,crm,\n"
        "T-7,,,,,,,\n"
        "T-8,Bad duration,,,,,,five days\n"
    )
    with pytest.raises(CsvTasksError) as caught:
        read_tasks_csv(text, "tasks.csv")
    error = caught.value
    assert error.code == "E-CSV-001"
    assert [(p.row, p.column) for p in error.problems] == [
        (3, "Story Points"),
        (4, "Issue key"),
        (5, "Status"),
        (5, "Predecessors"),
        (6, "Issue key"),
        (7, "Due date"),
        (7, "Delivers"),
        (8, "Summary"),
        (9, "Duration"),
    ]
    assert error.problems[0] == CsvProblem(
        3, "Story Points", "could not convert string to float: 'many'"
    )
    assert "'T-9FS' names no task of the file" in error.problems[3].message
    assert "row 3" in error.message
    assert error.location is not None
    assert error.to_dict()["details"][0] == {
        "pointer": "/rows/3/Story Points",
        "message": "could not convert string to float: 'many'",
    }


def test_a_file_without_keys_is_refused() -> None:
    with pytest.raises(CsvTasksError) as caught:
        read_tasks_csv("Name,Owner\nA,sam\n", "x.csv")
    assert caught.value.problems == [
        CsvProblem(1, None, "no column 'Issue key' or 'Summary' in the header")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T-1", [("T-1", "FS", "0d")]),
        ("T-1FS+2d; T-2SS-1d", [("T-1", "FS", "2d"), ("T-2", "SS", "-1d")]),
        ("T-1ff, T-2sf+4h", [("T-1", "FF", "0d"), ("T-2", "SF", "4h")]),
        ("T-1+50%", [("T-1", "FS", "50%")]),
        # An id that ends like a link type is still that id.
        ("T-FS", [("T-FS", "FS", "0d")]),
        ("T-FSFS+1d", [("T-FS", "FS", "1d")]),
        # T-1 and T-12 are both known: the longer one wins.
        ("T-12SS", [("T-12", "SS", "0d")]),
    ],
)
def test_predecessors(text: str, expected: list[tuple[str, str, str]]) -> None:
    found = parse_predecessors(text, ["T-1", "T-2", "T-12", "T-FS"])
    assert [(d.task, d.type.value, d.lag) for d in found] == expected


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.builds(
            Dependency,
            task=st.sampled_from(["T-1", "T-12", "T-FS", "A_b"]),
            type=st.sampled_from(list(LinkType)),
            lag=st.sampled_from(["0d", "2d", "-1d", "4h", "-30m", "1.5d", "25%", "-50%"]),
        ),
        max_size=4,
    )
)
def test_predecessor_text_reads_back(dependencies: list[Dependency]) -> None:
    text = ";".join(predecessor_text(d) for d in dependencies)
    assert parse_predecessors(text, ["T-1", "T-12", "T-FS", "A_b"]) == dependencies


@pytest.mark.parametrize(
    ("text", "hours"), [("28800", 8), ("1w", 40), ("2d 4h", 20), ("90m", 1.5), ("1.5h", 1.5)]
)
def test_estimates(text: str, hours: float) -> None:
    assert parse_estimate(text) == hours
