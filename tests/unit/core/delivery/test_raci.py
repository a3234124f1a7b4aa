"""RACI: exactly one Accountable, at least one Responsible, known stakeholders; the matrix."""

from __future__ import annotations

from typing import Any

from interloom.core.delivery.raci import (
    FindingKind,
    RaciAssignment,
    Stakeholder,
    raci_findings,
    raci_matrix,
)

PEOPLE = [
    Stakeholder(id="helena", name="Helena Berg", role="Sponsor"),
    Stakeholder(id="sam", name="Sam Lindqvist"),
    Stakeholder(id="ops", name="Operations"),
]


def entry(**fields: Any) -> RaciAssignment:
    return RaciAssignment.model_validate({"deliverable": "milestone:M-1", **fields})


def test_a_complete_assignment_has_no_finding() -> None:
    good = entry(responsible=["sam"], accountable="helena", informed=["ops"])

    assert good.accountable == ["helena"]  # one id or a list
    assert raci_findings([good], PEOPLE) == []


def test_every_broken_rule_is_found_at_its_field() -> None:
    entries = [
        entry(responsible=["sam"]),  # no Accountable
        entry(
            deliverable="flow:sync",
            responsible=[],
            accountable=["helena", "sam"],
            consulted=["nobody"],
        ),
        entry(responsible=["sam"], accountable="helena"),  # M-1 again
    ]

    found = [(f.kind, f.path) for f in raci_findings(entries, PEOPLE)]

    assert found == [
        (FindingKind.ACCOUNTABLE, (0, "accountable")),
        (FindingKind.ACCOUNTABLE, (1, "accountable")),
        (FindingKind.RESPONSIBLE, (1, "responsible")),
        (FindingKind.UNKNOWN_STAKEHOLDER, (1, "consulted", 0)),
        (FindingKind.DUPLICATE_DELIVERABLE, (2, "deliverable")),
    ]
    messages = [f.message for f in raci_findings(entries, PEOPLE)]
    assert messages[1] == "flow:sync has 2 Accountable (helena, sam); it needs exactly one"
    assert messages[3] == "'nobody' (C for flow:sync) is not a stakeholder"


def test_matrix_puts_letters_per_deliverable_and_stakeholder() -> None:
    entries = [
        entry(responsible=["sam"], accountable="sam", informed=["helena"]),
        entry(deliverable="task:T-2", responsible=["ops", "guest"], accountable="helena"),
    ]

    matrix = raci_matrix(entries, PEOPLE, {"milestone:M-1": "M-1 Contracts agreed"})

    assert matrix.deliverables == ["milestone:M-1", "task:T-2"]
    assert matrix.cells["milestone:M-1"] == {"sam": "R/A", "helena": "I"}
    assert matrix.cells["task:T-2"] == {"ops": "R", "guest": "R", "helena": "A"}
    assert [s.id for s in matrix.stakeholders] == ["helena", "sam", "ops", "guest"]
    assert matrix.labels == {"milestone:M-1": "M-1 Contracts agreed", "task:T-2": "task:T-2"}
