"""Stakeholders and who is Responsible, Accountable, Consulted and Informed for each deliverable.

``stakeholders:`` in a plan file lists the people and groups of the project; ``raci:`` gives,
for a deliverable (a task, a milestone, or an interface, flow or system the project delivers),
who does the work (R), who answers for it (A: exactly one), who is asked (C) and who is told
(I). :func:`raci_findings` finds what breaks those rules, as field paths to report.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field

from interloom.core.definition import AnyRef, Definition, Text

STAKEHOLDER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"

StakeholderId = Annotated[
    str,
    Field(
        pattern=STAKEHOLDER_ID_PATTERN,
        min_length=1,
        max_length=63,
        description="Letters, digits, '.', '-' and '_' (e.g. priya.natarajan).",
    ),
]


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


StakeholderIds = Annotated[
    list[StakeholderId],
    BeforeValidator(_as_list, json_schema_input_type=StakeholderId | list[StakeholderId]),
]


class Stakeholder(Definition):
    """A person or group with a stake in the project."""

    id: StakeholderId
    name: Text
    role: str | None = Field(default=None, examples=["Integration lead"])
    organisation: str | None = None
    email: EmailStr | None = None


class RaciAssignment(Definition):
    """Who is R, A, C and I for one deliverable."""

    deliverable: AnyRef = Field(examples=["milestone:M-2", "interface:crm.customers.get"])
    responsible: StakeholderIds = Field(default_factory=list, description="Who does the work.")
    accountable: StakeholderIds = Field(
        default_factory=list, description="Who answers for it: exactly one."
    )
    consulted: StakeholderIds = Field(default_factory=list)
    informed: StakeholderIds = Field(default_factory=list)


class Role(StrEnum):
    """A letter of RACI."""

    RESPONSIBLE = "R"
    ACCOUNTABLE = "A"
    CONSULTED = "C"
    INFORMED = "I"


ROLE_FIELDS: dict[Role, str] = {
    Role.RESPONSIBLE: "responsible",
    Role.ACCOUNTABLE: "accountable",
    Role.CONSULTED: "consulted",
    Role.INFORMED: "informed",
}


class FindingKind(StrEnum):
    """What is wrong with a RACI assignment."""

    ACCOUNTABLE = "accountable"
    RESPONSIBLE = "responsible"
    UNKNOWN_STAKEHOLDER = "unknown-stakeholder"
    DUPLICATE_DELIVERABLE = "duplicate-deliverable"


class RaciFinding(BaseModel):
    """One broken rule, at a field path of the ``raci:`` list (``(3, 'accountable')``)."""

    model_config = ConfigDict(frozen=True)

    kind: FindingKind
    index: int
    path: tuple[str | int, ...]
    message: str
    hint: str | None = None


def raci_findings(
    assignments: Sequence[RaciAssignment], stakeholders: Sequence[Stakeholder]
) -> list[RaciFinding]:
    """Every broken rule: one Accountable exactly, at least one Responsible, known people."""
    known = {s.id for s in stakeholders}
    findings = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(assignments):
        if entry.deliverable in seen:
            findings.append(
                RaciFinding(
                    kind=FindingKind.DUPLICATE_DELIVERABLE,
                    index=index,
                    path=(index, "deliverable"),
                    message=f"{entry.deliverable} has two RACI entries",
                    hint=f"merge it with raci[{seen[entry.deliverable]}]",
                )
            )
        else:
            seen[entry.deliverable] = index
        if len(entry.accountable) != 1:
            count = len(entry.accountable)
            findings.append(
                RaciFinding(
                    kind=FindingKind.ACCOUNTABLE,
                    index=index,
                    path=(index, "accountable"),
                    message=f"{entry.deliverable} has {count or 'no'} Accountable "
                    f"({', '.join(entry.accountable) or 'none'}); it needs exactly one",
                    hint="one person answers for a deliverable; make the others Responsible",
                )
            )
        if not entry.responsible:
            findings.append(
                RaciFinding(
                    kind=FindingKind.RESPONSIBLE,
                    index=index,
                    path=(index, "responsible"),
                    message=f"{entry.deliverable} has no Responsible",
                    hint="name at least one stakeholder who does the work",
                )
            )
        for role, field in ROLE_FIELDS.items():
            for position, person in enumerate(getattr(entry, field)):
                if person not in known:
                    findings.append(
                        RaciFinding(
                            kind=FindingKind.UNKNOWN_STAKEHOLDER,
                            index=index,
                            path=(index, field, position),
                            message=f"'{person}' ({role.value} for {entry.deliverable}) "
                            "is not a stakeholder",
                            hint="add it under stakeholders:",
                        )
                    )
    return findings


class RaciMatrix(BaseModel):
    """Deliverables as rows, stakeholders as columns, the letters in the cells."""

    model_config = ConfigDict(frozen=True)

    stakeholders: list[Stakeholder]
    deliverables: list[str]
    labels: dict[str, str] = Field(description="Deliverable reference to a readable name.")
    cells: dict[str, dict[str, str]] = Field(
        description="Deliverable, then stakeholder id, to letters such as 'A' or 'R/A'."
    )


def raci_matrix(
    assignments: Sequence[RaciAssignment],
    stakeholders: Sequence[Stakeholder],
    labels: dict[str, str] | None = None,
) -> RaciMatrix:
    """The matrix; stakeholders in declaration order, then any undeclared ones named."""
    columns = list(stakeholders)
    ids = {s.id for s in columns}
    cells: dict[str, dict[str, str]] = {}
    for entry in assignments:
        row = cells.setdefault(entry.deliverable, {})
        for role, field in ROLE_FIELDS.items():
            for person in getattr(entry, field):
                if person not in ids:
                    ids.add(person)
                    columns.append(Stakeholder(id=person, name=person))
                letters = row.get(person, "")
                if role.value not in letters.split("/"):
                    row[person] = f"{letters}/{role.value}" if letters else role.value
    deliverables = list(cells)
    names = {d: (labels or {}).get(d, d) for d in deliverables}
    return RaciMatrix(stakeholders=columns, deliverables=deliverables, labels=names, cells=cells)
