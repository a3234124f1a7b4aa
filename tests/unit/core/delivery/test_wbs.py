"""Outline codes: declared ones kept, the others numbered within their parent in file order."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_errors import PlanStructureError
from interloom.core.delivery.wbs import outline_codes, wbs_key


def t(ident: str, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "name": ident, **fields}


def test_items_are_numbered_within_their_parent_tasks_before_milestones() -> None:
    plan = Plan.model_validate(
        {
            "milestones": [{"id": "M", "name": "M", "parent": "P1"}, {"id": "END", "name": "E"}],
            "tasks": [
                t("P1"),
                t("A", parent="P1"),
                t("P2"),
                t("B", parent="P1"),
                t("C", parent="A"),
                t("D", parent="P2"),
            ],
        }
    )

    assert outline_codes(plan) == {
        "P1": "1",
        "A": "1.1",
        "C": "1.1.1",
        "B": "1.2",
        "M": "1.3",
        "P2": "2",
        "D": "2.1",
        "END": "3",
    }


def test_declared_codes_are_kept_and_their_numbers_skipped() -> None:
    plan = Plan.model_validate(
        {"tasks": [t("A"), t("B", wbs="2"), t("C"), t("D", parent="B"), t("E", wbs="7.4")]}
    )

    assert outline_codes(plan) == {"A": "1", "B": "2", "C": "3", "D": "2.1", "E": "7.4"}


def test_two_tasks_declaring_one_code_are_refused() -> None:
    plan = Plan.model_validate({"tasks": [t("A", wbs="1.1"), t("B", wbs="1.1")]})

    with pytest.raises(PlanStructureError, match=r"'A' and 'B' both have WBS code 1\.1"):
        outline_codes(plan)


def test_items_whose_parents_loop_still_get_a_code() -> None:
    plan = Plan.model_validate({"tasks": [t("A"), t("X", parent="Y"), t("Y", parent="X")]})

    codes = outline_codes(plan)

    assert codes["A"] == "1"
    assert sorted(codes[i] for i in ("X", "Y")) == ["2", "3"]


def test_wbs_key_orders_codes_as_people_read_them() -> None:
    codes = ["1.10", "1.2", "2", "1", "1.2.1"]

    assert sorted(codes, key=wbs_key) == ["1", "1.2", "1.2.1", "1.10", "2"]


@st.composite
def hierarchies(draw: st.DrawFn) -> Plan:
    count = draw(st.integers(min_value=1, max_value=25))
    tasks = []
    for index in range(count):
        parent = draw(st.none() | st.integers(min_value=0, max_value=max(0, index - 1)))
        fields = {} if parent is None or index == 0 else {"parent": f"T{parent}"}
        tasks.append(t(f"T{index}", **fields))
    return Plan.model_validate({"tasks": tasks})


@given(hierarchies())
def test_undeclared_codes_are_unique_and_nest_under_their_parent(plan: Plan) -> None:
    codes = outline_codes(plan)

    assert len(set(codes.values())) == len(plan.tasks)
    for task in plan.tasks:
        if task.parent is None:
            assert "." not in codes[task.id]
        else:
            prefix, _, last = codes[task.id].rpartition(".")
            assert prefix == codes[task.parent]
            assert int(last) >= 1
    siblings: dict[str | None, list[str]] = {}
    for task in plan.tasks:
        siblings.setdefault(task.parent, []).append(codes[task.id])
    for group in siblings.values():  # file order is WBS order within a parent
        assert group == sorted(group, key=wbs_key)
        assert [wbs_key(c)[-1] for c in group] == list(range(1, len(group) + 1))
