"""Checks across files, on projects built from models and source maps (no files read)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel

from interloom.core.catalog import System
from interloom.core.consistency import check_project as check_unsorted
from interloom.core.delivery.plan import Plan
from interloom.core.flows.definition import Flow
from interloom.core.problems import Code, Problem, Severity, sort_problems
from interloom.core.project import Loaded, Path_, Project, ProjectSettings, SourceMap

M = TypeVar("M", bound=BaseModel)


def loaded(
    model: type[M], file: str, data: dict[str, Any], positions: dict[Path_, tuple[int, int]]
) -> Loaded[M]:
    return Loaded(model.model_validate(data), SourceMap(file, {(): (1, 1), **positions}))


def settings(**changes: Any) -> Loaded[ProjectSettings]:
    data = {"name": "shop", "environments": {"dev": {}, "prod": {}}, **changes}
    return loaded(ProjectSettings, "interloom.yaml", data, {("default_environment",): (5, 1)})


def interface(
    ident: str, contract: str = "contracts/crm.openapi.yaml", **more: Any
) -> dict[str, Any]:
    return {"id": ident, "name": ident, "style": "rest", "contract": contract, **more}


def system(
    ident: str,
    *,
    file: str | None = None,
    interfaces: Sequence[dict[str, Any]] = (),
    consumes: Sequence[str] = (),
    base_urls: dict[str, str] | None = None,
) -> Loaded[System]:
    """A system file: interface ``i`` starts on line 10 + 6 i, ``consumes[i]`` is on 40 + i."""
    urls = base_urls or {}
    data = {
        "id": ident,
        "name": ident.upper(),
        "kind": "other",
        "owner": {"team": "IT"},
        "base_urls": urls,
        "interfaces": list(interfaces),
        "consumes": list(consumes),
    }
    positions: dict[Path_, tuple[int, int]] = {("id",): (1, 1), ("base_urls",): (6, 1)}
    positions.update({("base_urls", env): (7 + i, 3) for i, env in enumerate(urls)})
    for index in range(len(interfaces)):
        line = 10 + 6 * index
        positions[("interfaces", index)] = (line, 5)
        positions[("interfaces", index, "id")] = (line, 5)
        positions[("interfaces", index, "contract")] = (line + 3, 5)
        positions[("interfaces", index, "operation")] = (line + 4, 5)
    for index in range(len(consumes)):
        positions[("consumes", index)] = (40 + index, 5)
    return loaded(System, file or f"systems/{ident}.yaml", data, positions)


def flow(ident: str, *, file: str | None = None, **data: Any) -> Loaded[Flow]:
    """A flow file; its references sit on fixed lines (source 5, step 9, sink 14)."""
    body = {
        "id": ident,
        "name": ident,
        "source": {"connector": "http"},
        "sinks": [{"connector": "http"}],
        **data,
    }
    positions: dict[Path_, tuple[int, int]] = {
        ("id",): (1, 1),
        ("source", "interface"): (5, 3),
        ("steps", 0, "interface"): (9, 5),
        ("steps", 1, "id"): (11, 5),
        ("sinks", 0, "interface"): (14, 5),
    }
    return loaded(Flow, file or f"flows/{ident}.yaml", body, positions)


def plan(
    file: str, *, tasks: Sequence[dict[str, Any]], milestones: Sequence[str] = ()
) -> Loaded[Plan]:
    """A plan file; task ``i`` starts on line 20 + 10 i, its lists on the lines after."""
    data = {
        "milestones": [{"id": m, "name": m} for m in milestones],
        "tasks": [{"name": t["id"], **t} for t in tasks],
    }
    positions: dict[Path_, tuple[int, int]] = {}
    for index in range(len(milestones)):
        positions[("milestones", index, "id")] = (2 + index, 5)
    for index in range(len(tasks)):
        line = 20 + 10 * index
        positions[("tasks", index, "id")] = (line, 5)
        positions[("tasks", index, "milestone")] = (line + 2, 5)
        for position in range(3):
            positions[("tasks", index, "depends_on", position)] = (line + 3, 18 + 5 * position)
            positions[("tasks", index, "delivers", position)] = (line + 4, 16 + 25 * position)
    return loaded(Plan, file, data, positions)


CRM = system("crm", interfaces=[interface("customers.get"), interface("customers.list")])
ERP = system(
    "erp",
    interfaces=[interface("orders.get", "contracts/erp.openapi.yaml")],
    consumes=["interface:crm.customers.get"],
)
CONTRACTS = frozenset({"contracts/crm.openapi.yaml", "contracts/erp.openapi.yaml"})


def project(**parts: Any) -> Project:
    base: dict[str, Any] = {
        "settings": settings(),
        "systems": (CRM, ERP),
        "contract_files": CONTRACTS,
    }
    return Project(**{**base, **parts})


def check_project(project: Project) -> list[Problem]:
    """The cross-file problems in reading order, as ``validate`` shows them."""
    return sort_problems(check_unsorted(project))


def summary(problems: list[Problem]) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(p.code.value, p.file, p.line, p.path) for p in problems]


def test_a_consistent_project_has_no_problem() -> None:
    sync = flow(
        "customer-sync",
        source={"connector": "http", "interface": "interface:erp.orders.get"},
        steps=[{"id": "enrich", "kind": "enrich", "interface": "interface:crm.customers.get"}],
        sinks=[{"connector": "http", "interface": "interface:crm.customers.list"}],
    )
    work = plan(
        "plan/plan.yaml",
        milestones=["M-1"],
        tasks=[
            {"id": "T-1", "milestone": "M-1", "delivers": ["system:crm", "flow:customer-sync"]},
            {"id": "T-2", "depends_on": ["T-1"], "delivers": ["interface:erp.orders.get"]},
        ],
    )

    assert check_project(project(flows=(sync,), plans=(work,))) == []


def test_an_empty_project_without_settings_has_no_cross_file_problem() -> None:
    assert check_project(Project(settings=None)) == []


# --- duplicate ids ------------------------------------------------------------------------


def test_a_system_id_defined_in_two_files_is_reported_at_the_second() -> None:
    copy = system("crm", file="systems/customers.yaml")

    problems = check_project(project(systems=(CRM, ERP, copy)))

    duplicate = [p for p in problems if p.code is Code.DUPLICATE_ID]
    assert summary(duplicate) == [("E-ID-001", "systems/customers.yaml", 1, "id")]
    assert duplicate[0].hint == "first defined at systems/crm.yaml:1"
    assert "system id 'crm' is defined twice" in duplicate[0].message


def test_the_first_definition_without_a_position_is_named_by_its_file() -> None:
    first = Loaded(CRM.model, SourceMap("systems/crm.yaml"))
    copy = system("crm", file="systems/customers.yaml")

    problems = check_project(project(systems=(first, copy)))

    assert [p.hint for p in problems if p.code is Code.DUPLICATE_ID] == ["systems/crm.yaml"]


def test_an_interface_id_twice_in_a_system_is_reported_at_the_second() -> None:
    crm = system("crm", interfaces=[interface("customers.get"), interface("customers.get")])

    problems = check_project(project(systems=(crm, ERP)))

    assert summary(problems) == [("E-ID-001", "systems/crm.yaml", 16, "interfaces[1].id")]
    assert problems[0].hint == "first defined at systems/crm.yaml:10"
    assert "'crm'" in problems[0].message


def test_the_same_interface_id_in_two_systems_is_fine() -> None:
    wms = system("wms", interfaces=[interface("customers.get")])

    assert check_project(project(systems=(CRM, ERP, wms))) == []


def test_flow_and_step_ids_are_unique() -> None:
    steps = [{"id": "check", "kind": "validate"}, {"id": "check", "kind": "map"}]
    first = flow("sync", steps=steps)
    second = flow("sync", file="flows/sync-v2.yaml")

    problems = check_project(project(flows=(first, second)))

    assert summary([p for p in problems if p.code is Code.DUPLICATE_ID]) == [
        ("E-ID-001", "flows/sync-v2.yaml", 1, "id"),
        ("E-ID-001", "flows/sync.yaml", 11, "steps[1].id"),
    ]


def test_task_and_milestone_ids_are_unique_across_plan_files() -> None:
    first = plan("plan/build.yaml", milestones=["M-1"], tasks=[{"id": "T-1"}])
    second = plan("plan/test.yaml", milestones=["M-1"], tasks=[{"id": "T-1"}])

    problems = check_project(project(plans=(first, second)))

    assert summary(problems) == [
        ("E-ID-001", "plan/test.yaml", 2, "milestones[0].id"),
        ("E-ID-001", "plan/test.yaml", 20, "tasks[0].id"),
    ]
    assert [p.hint for p in problems] == [
        "first defined at plan/build.yaml:2",
        "first defined at plan/build.yaml:20",
    ]


def test_an_id_that_differs_from_its_file_name_is_a_warning() -> None:
    renamed = system(
        "crm", file="systems/customers.yaml", interfaces=CRM.model.model_dump()["interfaces"]
    )
    sync = flow("customer-sync", file="flows/sync.yaml")

    problems = check_project(project(systems=(renamed, ERP), flows=(sync,)))

    assert summary(problems) == [
        ("W-ID-002", "flows/sync.yaml", 1, "id"),
        ("W-ID-002", "systems/customers.yaml", 1, "id"),
    ]
    assert all(p.severity is Severity.WARNING for p in problems)
    assert problems[1].hint == "rename the file to crm.yaml, so the id is found by name"


def test_plan_files_may_have_any_name() -> None:
    assert check_project(project(plans=(plan("plan/q1-2027.yaml", tasks=[{"id": "T-1"}]),))) == []


# --- references ---------------------------------------------------------------------------


def test_a_dangling_consumed_interface_is_located_with_the_closest_name() -> None:
    erp = system("erp", consumes=["interface:crm.customer.get"])

    problems = check_project(project(systems=(CRM, erp)))

    assert summary(problems) == [("E-REF-001", "systems/erp.yaml", 40, "consumes[0]")]
    assert problems[0].column == 5
    assert problems[0].message == "'interface:crm.customer.get' names no interface of this project"
    assert problems[0].hint == "did you mean 'interface:crm.customers.get'?"


def test_a_dangling_reference_far_from_any_name_has_no_hint() -> None:
    erp = system("erp", consumes=["interface:payments.refunds.create"])

    problems = check_project(project(systems=(CRM, erp)))

    assert [(p.code, p.hint) for p in problems] == [(Code.DANGLING_REFERENCE, None)]


@pytest.mark.parametrize(
    ("part", "path", "line"),
    [
        (
            {"source": {"connector": "http", "interface": "interface:crm.customer.get"}},
            "source.interface",
            5,
        ),
        (
            {
                "steps": [
                    {"id": "enrich", "kind": "enrich", "interface": "interface:crm.customer.get"}
                ]
            },
            "steps[0].interface",
            9,
        ),
        (
            {"sinks": [{"connector": "http", "interface": "interface:crm.customer.get"}]},
            "sinks[0].interface",
            14,
        ),
    ],
)
def test_every_interface_a_flow_names_is_resolved(
    part: dict[str, Any], path: str, line: int
) -> None:
    problems = check_project(project(flows=(flow("sync", **part),)))

    assert summary(problems) == [("E-REF-001", "flows/sync.yaml", line, path)]
    assert problems[0].hint == "did you mean 'interface:crm.customers.get'?"


@pytest.mark.parametrize(
    ("reference", "hint"),
    [
        ("system:crmm", "did you mean 'system:crm'?"),
        ("interface:erp.order.get", "did you mean 'interface:erp.orders.get'?"),
        ("flow:customer-sink", "did you mean 'flow:customer-sync'?"),
        ("milestone:M-01", "did you mean 'milestone:M-1'?"),
        ("task:T-1a", "did you mean 'task:T-1'?"),
    ],
)
def test_every_kind_of_delivered_reference_is_resolved(reference: str, hint: str) -> None:
    work = plan(
        "plan/plan.yaml",
        milestones=["M-1"],
        tasks=[{"id": "T-1"}, {"id": "T-2", "delivers": ["system:crm", reference]}],
    )

    problems = check_project(project(flows=(flow("customer-sync"),), plans=(work,)))

    assert summary(problems) == [("E-REF-001", "plan/plan.yaml", 34, "tasks[1].delivers[1]")]
    assert problems[0].column == 41
    assert problems[0].hint == hint


def test_depends_on_and_milestone_must_name_a_task_and_milestone_of_the_plan() -> None:
    work = plan(
        "plan/plan.yaml",
        milestones=["M-1"],
        tasks=[{"id": "T-1"}, {"id": "T-2", "depends_on": ["T-1", "T1"], "milestone": "M-01"}],
    )

    problems = check_project(project(plans=(work,)))

    assert summary(problems) == [
        ("E-REF-001", "plan/plan.yaml", 32, "tasks[1].milestone"),
        ("E-REF-001", "plan/plan.yaml", 33, "tasks[1].depends_on[1]"),
    ]
    assert [p.message for p in problems] == [
        "milestone 'M-01' is not defined in the plan",
        "task 'T1' is not defined in the plan",
    ]
    assert [p.hint for p in problems] == ["did you mean 'M-1'?", "did you mean 'T-1'?"]


def test_a_task_may_depend_on_a_task_of_another_plan_file() -> None:
    build = plan("plan/build.yaml", milestones=["M-1"], tasks=[{"id": "T-1"}])
    test = plan("plan/test.yaml", tasks=[{"id": "T-9", "depends_on": ["T-1"], "milestone": "M-1"}])

    assert check_project(project(plans=(build, test))) == []


# --- self-references ----------------------------------------------------------------------


def test_a_system_consuming_its_own_interface_is_a_warning() -> None:
    crm = system(
        "crm", interfaces=[interface("customers.get")], consumes=["interface:crm.customers.get"]
    )

    problems = check_project(project(systems=(crm, ERP)))

    assert summary(problems) == [("W-REF-004", "systems/crm.yaml", 40, "consumes[0]")]
    assert problems[0].severity is Severity.WARNING
    assert problems[0].hint == "list only interfaces of other systems under consumes"


def test_a_system_consuming_its_own_missing_interface_gets_both_problems() -> None:
    crm = system(
        "crm", interfaces=[interface("customers.get")], consumes=["interface:crm.customers.del"]
    )

    problems = check_project(project(systems=(crm, ERP)))

    assert sorted(p.code.value for p in problems) == ["E-REF-001", "W-REF-004"]


def test_a_task_depending_on_itself_is_a_warning_not_a_dangling_reference() -> None:
    work = plan("plan/plan.yaml", tasks=[{"id": "T-1", "depends_on": ["T-1"]}])

    problems = check_project(project(plans=(work,)))

    assert summary(problems) == [("W-REF-004", "plan/plan.yaml", 23, "tasks[0].depends_on[0]")]
    assert problems[0].message == "task 'T-1' depends on itself"


# --- environments -------------------------------------------------------------------------


def test_base_urls_must_use_declared_environments() -> None:
    crm = system(
        "crm",
        interfaces=[interface("customers.get")],
        base_urls={"dev": "http://127.0.0.1:9201", "staging": "https://s", "prd": "https://p"},
    )

    problems = check_project(project(systems=(crm, ERP)))

    assert summary(problems) == [
        ("E-ENV-001", "systems/crm.yaml", 8, "base_urls.staging"),
        ("E-ENV-001", "systems/crm.yaml", 9, "base_urls.prd"),
    ]
    assert [p.hint for p in problems] == ["declared: dev, prod", "did you mean 'prod'?"]
    assert problems[0].message == "environment 'staging' is not declared in interloom.yaml"


def test_the_default_environment_must_be_declared() -> None:
    problems = check_project(project(settings=settings(default_environment="develop")))

    assert summary(problems) == [("E-ENV-001", "interloom.yaml", 5, "default_environment")]
    assert problems[0].hint == "did you mean 'dev'?"


def test_environments_are_not_checked_while_interloom_yaml_is_unreadable() -> None:
    crm = system("crm", base_urls={"staging": "https://s"})

    assert check_project(project(settings=None, systems=(crm,))) == []


# --- contracts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contract", "code", "hint"),
    [
        ("contracts/crm.openapi.yml", "E-FILE-001", "did you mean 'contracts/crm.openapi.yaml'?"),
        ("specs/payments.wsdl", "E-FILE-001", "contract files live under contracts/"),
        ("contracts/payments/refunds.wsdl", "E-FILE-001", None),
        ("contracts/../interloom.yaml", "E-FILE-001", "contract files live under contracts/"),
        ("/etc/crm.openapi.yaml", "E-FILE-002", "under contracts/"),
        ("../shared/crm.openapi.yaml", "E-FILE-002", "under contracts/"),
        ("contracts/../../crm.openapi.yaml", "E-FILE-002", "under contracts/"),
        ("..", "E-FILE-002", "under contracts/"),
    ],
)
def test_a_contract_must_be_a_file_of_the_project(
    contract: str, code: str, hint: str | None
) -> None:
    crm = system("crm", interfaces=[interface("customers.get", contract)])

    problems = check_project(project(systems=(crm,)))

    assert summary(problems) == [(code, "systems/crm.yaml", 13, "interfaces[0].contract")]
    assert problems[0].hint == hint if hint is None else hint in (problems[0].hint or "")


def test_a_contract_path_is_normalised_before_it_is_looked_up() -> None:
    crm = system("crm", interfaces=[interface("customers.get", "contracts/./crm.openapi.yaml")])

    assert check_project(project(systems=(crm,))) == []


def test_an_operation_must_be_declared_in_its_contract() -> None:
    crm = system(
        "crm",
        interfaces=[
            interface("customers.get", operation="getCustomers"),
            interface("customers.list", operation="listCustomers"),
            interface("customers.purge", operation="purgeEverything"),
        ],
    )
    operations = {"contracts/crm.openapi.yaml": frozenset({"getCustomer", "listCustomers"})}

    problems = check_project(project(systems=(crm,), contract_operations=operations))

    assert summary(problems) == [
        ("E-REF-005", "systems/crm.yaml", 14, "interfaces[0].operation"),
        ("E-REF-005", "systems/crm.yaml", 26, "interfaces[2].operation"),
    ]
    assert problems[0].hint == "did you mean 'getCustomer'?"
    assert problems[1].hint == "it declares: getCustomer, listCustomers"


def test_operations_are_not_checked_in_a_contract_of_unknown_format() -> None:
    crm = system("crm", interfaces=[interface("customers.get", operation="getCustomers")])

    assert check_project(project(systems=(crm,), contract_operations={})) == []


# --- locations ----------------------------------------------------------------------------


def test_locate_falls_back_to_the_nearest_ancestor_with_a_position() -> None:
    source = SourceMap("systems/crm.yaml", {(): (1, 1), ("interfaces", 0): (10, 5)})

    assert source.locate(("interfaces", 0, "style")) == (10, 5)
    assert source.locate(("owner", "team")) == (1, 1)
    assert SourceMap("systems/crm.yaml").locate(("id",)) == (None, None)
