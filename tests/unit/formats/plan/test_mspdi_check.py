"""``check``: Interloom's schedule of hand-written MS Project files against their dates.

Every file of ``tests/data/mspdi`` states in a comment how its dates were computed by hand
(Standard calendar, January 2027); the engine must reproduce each one to the minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from interloom.core.delivery.activities import ConstraintType, LinkType
from interloom.core.delivery.plan import Dependency
from interloom.formats.plan.mspdi import Mismatch, check_mspdi, import_mspdi

DATA = Path(__file__).parents[3] / "data" / "mspdi"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "tasks"),
    [
        ("links.xml", 11),
        ("constraints.xml", 10),
        ("calendars.xml", 6),
        ("progress.xml", 7),
        ("summaries.xml", 9),
    ],
)
def test_hand_computed_dates_agree(name: str, tasks: int) -> None:
    report = check_mspdi(read(name), name)
    assert report.mismatches == ()
    assert report.tasks == tasks
    assert report.warnings == ()


def test_wrong_dates_are_reported_with_task_and_field() -> None:
    report = check_mspdi(read("wrong-dates.xml"), "wrong-dates.xml")
    assert report.tasks == 9
    assert report.mismatches == (
        Mismatch(3, "B", "Finish", "2027-01-11T17:00:00", "2027-01-08T17:00:00"),
        Mismatch(8, "E", "Start", "2027-01-14T09:00:00", "2027-01-14T08:00:00"),
    )
    assert report.to_dict() == {
        "tasks": 9,
        "mismatches": [
            {
                "uid": 3,
                "name": "B",
                "field": "Finish",
                "file": "2027-01-11T17:00:00",
                "ours": "2027-01-08T17:00:00",
            },
            {
                "uid": 8,
                "name": "E",
                "field": "Start",
                "file": "2027-01-14T09:00:00",
                "ours": "2027-01-14T08:00:00",
            },
        ],
    }


def test_a_wrong_early_date_is_a_mismatch_too() -> None:
    text = read("constraints.xml").replace(
        b"<EarlyStart>2027-01-06T08:00:00</EarlyStart>",
        b"<EarlyStart>2027-01-07T08:00:00</EarlyStart>",
    )
    report = check_mspdi(text, "constraints.xml")
    assert [(m.uid, m.field, m.file, m.ours) for m in report.mismatches] == [
        (3, "EarlyStart", "2027-01-07T08:00:00", "2027-01-06T08:00:00")
    ]


def test_links_import_with_their_types_and_lags() -> None:
    plan = import_mspdi(read("links.xml"), "links.xml").plan
    links = {t.name: t.depends_on for t in plan.tasks}
    assert links["B"] == [Dependency(task="T-1", type=LinkType.FS, lag="1d")]
    assert links["C"] == [Dependency(task="T-1", type=LinkType.SS, lag="4h")]
    assert links["D"] == [Dependency(task="T-2", type=LinkType.FF, lag="-1d")]
    assert links["E"] == [Dependency(task="T-3", type=LinkType.SF, lag="1d")]
    assert links["I"] == [Dependency(task="T-6", type=LinkType.FF, lag="2h")]
    assert links["J"] == [Dependency(task="T-2", type=LinkType.FS, lag="50%")]
    assert links["K"] == [Dependency(task="T-2", type=LinkType.FS, lag="-50%")]
    assert [t.is_milestone for t in plan.tasks if t.name == "G"] == [True]


def test_constraints_import_as_the_eight_kinds() -> None:
    plan = import_mspdi(read("constraints.xml"), "constraints.xml").plan
    kinds = {t.name.split()[0]: t.constraint for t in plan.tasks}
    assert kinds["P"] is None  # ASAP is the default
    assert kinds["L"] is None
    assert kinds["Q"] is not None
    assert kinds["Q"].type is ConstraintType.ALAP
    found = {name: (c.type.value, str(c.date)) for name, c in kinds.items() if c and c.date}
    assert found == {
        "S": ("MSO", "2027-01-06 08:00:00"),
        "T": ("MFO", "2027-01-07 17:00:00"),
        "U": ("SNET", "2027-01-05 13:00:00"),
        "V": ("SNLT", "2027-01-08 08:00:00"),
        "W": ("FNET", "2027-01-07 17:00:00"),
        "X": ("FNLT", "2027-01-08 17:00:00"),
        # Midnight on a finish constraint is the end of the day before: a bare date.
        "Y": ("FNET", "2027-01-11"),
    }


def test_progress_imports_actuals_and_status_date() -> None:
    plan = import_mspdi(read("progress.xml"), "progress.xml").plan
    assert plan.project is not None
    assert str(plan.project.status_date) == "2027-01-06 17:00:00"
    b = next(t for t in plan.tasks if t.name.startswith("B "))
    assert (b.percent_complete, str(b.actual_start), b.actual_finish) == (
        25,
        "2027-01-06 08:00:00",
        None,
    )


def test_summaries_import_as_the_outline() -> None:
    plan = import_mspdi(read("summaries.xml"), "summaries.xml").plan
    parents = {t.name: t.parent for t in plan.tasks}
    assert parents == {
        "Phase one": None,
        "A": "T-1",
        "B": "T-1",
        "Phase two": None,
        "C": "T-4",
        "Sub-phase": "T-4",
        "D": "T-6",
        "E": "T-6",
        "Done": None,
    }
    # The outline numbers follow the file order, so no WBS code needs to be written.
    assert all(t.wbs is None for t in plan.tasks)
