"""``validate`` checks the sprints, risks, changes, freeze windows and RACI of plan files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interloom.core.problems import Code
from interloom.services.project import load_project

SMALL_PROJECT = Path(__file__).resolve().parents[2] / "data" / "delivery" / "small-project"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "small"
    shutil.copytree(SMALL_PROJECT, root)
    return root


def problems_of(root: Path, text: str) -> list[tuple[str, str | None, int | None, str | None]]:
    (root / "plan" / "management.yaml").write_text(text, "utf-8")
    return [(p.code.value, p.file, p.line, p.path) for p in load_project(root).problems]


def test_the_small_project_is_valid(project: Path) -> None:
    assert load_project(project).problems == []


def test_raci_without_one_accountable_or_a_responsible(project: Path) -> None:
    found = problems_of(
        project,
        """\
stakeholders:
  - {id: ann, name: Ann}
  - {id: bob, name: Bob}
raci:
  - deliverable: milestone:M-1
    responsible: [bob]
  - deliverable: task:T-2
    accountable: [ann, bob]
  - deliverable: flow:order-sync
    responsible: [bob]
    accountable: ann
    informed: [dave]
""",
    )

    assert found == [
        (Code.RACI_ACCOUNTABLE.value, "plan/management.yaml", 5, "raci[0].accountable"),
        # raci[1] has no responsible: key, so that problem is at the entry itself.
        (Code.RACI_RESPONSIBLE.value, "plan/management.yaml", 7, "raci[1].responsible"),
        (Code.RACI_ACCOUNTABLE.value, "plan/management.yaml", 8, "raci[1].accountable"),
        (Code.DANGLING_REFERENCE.value, "plan/management.yaml", 12, "raci[2].informed[0]"),
    ]


def test_references_of_sprints_risks_changes_and_freezes_resolve(project: Path) -> None:
    found = problems_of(
        project,
        """\
sprints:
  - {id: S-1, tasks: [T-1, T-9]}
  - {id: S-2, tasks: [T-1]}
risks:
  - id: R-1
    title: t
    probability: 0.5
    impact: {cost: 0.2}
    tasks: [T-2]
    refs: [flow:order-synk]
change_requests:
  - {id: CR-1, title: t, affects: [interface:crm.customers.delete]}
freeze_windows:
  - {start: 2027-01-01, end: 2027-01-02, reason: r, scope: [system:erp]}
""",
    )

    assert [(code, line, path) for code, _, line, path in found] == [
        (Code.DANGLING_REFERENCE.value, 2, "sprints[0].tasks[1]"),
        (Code.SPRINT_CONFLICT.value, 3, "sprints[1].tasks[0]"),
        (Code.DANGLING_REFERENCE.value, 10, "risks[0].refs[0]"),
        (Code.DANGLING_REFERENCE.value, 12, "change_requests[0].affects[0]"),
        (Code.DANGLING_REFERENCE.value, 14, "freeze_windows[0].scope[0]"),
    ]


def test_duplicate_ids_and_a_task_naming_an_unknown_sprint(project: Path) -> None:
    plan = project / "plan" / "plan.yaml"
    plan.write_text(
        plan.read_text("utf-8").replace(
            "    duration: 2d\n", "    duration: 2d\n    sprint: S-11\n", 1
        ),
        "utf-8",
    )
    (project / "plan" / "more.yaml").write_text(
        "risks:\n  - {id: R-2, title: t, probability: 0.1, impact: {cost: 0.1}}\n", "utf-8"
    )

    problems = load_project(project).problems

    assert [(p.code, p.file, p.path) for p in problems] == [
        # T-1 names S-11 itself while S-1 lists it.
        (Code.SPRINT_CONFLICT, "plan/management.yaml", "sprints[0].tasks[0]"),
        (Code.DUPLICATE_ID, "plan/more.yaml", "risks[0].id"),
        (Code.DANGLING_REFERENCE, "plan/plan.yaml", "tasks[0].sprint"),
    ]
    assert problems[0].message == "task 'T-1' is in sprint 'S-11' and in sprint 'S-1'"
    assert problems[1].hint is not None
    assert problems[1].hint.startswith("first defined at plan/management.yaml:")
    assert problems[2].hint == "did you mean 'S-1'?"


def test_bad_values_are_schema_problems_at_their_field(project: Path) -> None:
    found = problems_of(
        project,
        """\
risks:
  - {id: R-1, title: t, probability: 0.4, impact: {cost: 0.2}}
sprints:
  - {id: S-1, length: 50%}
freeze_windows:
  - {start: 2027-01-05, end: 2027-01-01, reason: r}
""",
    )

    assert [(code, line, path) for code, _, line, path in found] == [
        (Code.INVALID_VALUE.value, 2, "risks[0].probability"),
        (Code.INVALID_VALUE.value, 4, "sprints[0].length"),
        (Code.INVALID_VALUE.value, 6, "freeze_windows[0]"),
    ]
