"""An interface is one operation: validate checks the operation against its contract."""

from __future__ import annotations

from typing import Any

from interloom.core.catalog import System
from interloom.core.consistency import check_project
from interloom.core.problems import Code, Severity
from interloom.core.project import Loaded, Project, ProjectSettings, SourceMap

CONTRACT = "contracts/crm.openapi.yaml"


def project(operation: str | None, declared: set[str] | None) -> Project:
    interface: dict[str, Any] = {
        "id": "customers.get",
        "name": "Get",
        "style": "rest",
        "contract": CONTRACT,
    }
    if operation is not None:
        interface["operation"] = operation
    crm = System.model_validate(
        {
            "id": "crm",
            "name": "CRM",
            "kind": "crm",
            "owner": {"team": "IT"},
            "interfaces": [interface],
        }
    )
    positions = {("interfaces", 0): (10, 5), ("interfaces", 0, "operation"): (14, 5)}
    settings = ProjectSettings.model_validate({"name": "shop", "environments": {"dev": {}}})
    return Project(
        settings=Loaded(settings, SourceMap("interloom.yaml")),
        systems=(Loaded(crm, SourceMap("systems/crm.yaml", positions)),),
        contract_files=frozenset({CONTRACT}),
        contract_operations={CONTRACT: frozenset(declared)} if declared is not None else {},
    )


def test_naming_no_operation_of_several_is_a_located_warning_listing_them() -> None:
    problems = check_project(project(None, {"getCustomer", "listCustomers", "addCustomer"}))

    assert [(p.code, p.severity, p.line, p.path) for p in problems] == [
        (Code.OPERATION_NOT_NAMED, Severity.WARNING, 10, "interfaces[0]")
    ]
    assert problems[0].message == (
        f"interface 'customers.get' names none of the 3 operations of {CONTRACT}"
    )
    assert problems[0].hint == (
        "an interface is one operation: add 'operation:' with one of "
        "addCustomer, getCustomer, listCustomers"
    )


def test_a_long_list_of_operations_is_cut_short_in_the_hint() -> None:
    (problem,) = check_project(project(None, {f"op{i}" for i in range(8)}))

    assert problem.hint is not None
    assert problem.hint.endswith("op0, op1, op2, op3, op4, …")


def test_naming_no_operation_is_fine_when_the_contract_has_one_or_is_unreadable() -> None:
    assert check_project(project(None, {"getCustomer"})) == []
    assert check_project(project(None, set())) == []
    assert check_project(project(None, None)) == []


def test_a_named_operation_must_exist() -> None:
    assert check_project(project("getCustomer", {"getCustomer", "listCustomers"})) == []
    (problem,) = check_project(project("getCustomers", {"getCustomer", "listCustomers"}))

    assert (problem.code, problem.line, problem.path) == (
        Code.UNKNOWN_OPERATION,
        14,
        "interfaces[0].operation",
    )
    assert problem.hint == "did you mean 'getCustomer'?"
