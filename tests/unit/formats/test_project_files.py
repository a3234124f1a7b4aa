"""Project files read into models: each schema error becomes a located problem with a hint."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import BaseModel

from interloom.core.catalog import System, SystemKind
from interloom.core.delivery.plan import Plan
from interloom.core.flows.definition import Flow
from interloom.core.problems import Code, Problem
from interloom.core.project import ProjectSettings
from interloom.formats.project_files import MODELS, FileKind, ParsedFile, parse_file

SYSTEM = """\
id: crm
name: CRM
kind: crm
owner:
  team: Sales IT
interfaces:
  - id: customers.get
    name: Get a customer
    style: rest
    contract: contracts/crm.openapi.yaml
"""


def problems_of(
    text: str, model: type[BaseModel] = System, file: str = "systems/crm.yaml"
) -> list[Problem]:
    parsed: ParsedFile[BaseModel] = parse_file(text, file, model)
    assert parsed.loaded is None, "the file should not have been accepted"
    return parsed.problems


def only(text: str, model: type[BaseModel] = System) -> Problem:
    [problem] = problems_of(text, model)
    return problem


def test_a_valid_file_gives_its_model_and_key_positions() -> None:
    parsed = parse_file(SYSTEM, "systems/crm.yaml", System)

    assert parsed.problems == []
    assert parsed.loaded is not None
    assert parsed.loaded.model.kind is SystemKind.CRM
    assert parsed.loaded.model.interfaces[0].contract == "contracts/crm.openapi.yaml"
    assert parsed.loaded.source.file == "systems/crm.yaml"
    assert parsed.loaded.source.locate(("interfaces", 0, "style")) == (9, 5)


def test_every_file_kind_has_a_model() -> None:
    assert set(MODELS) == set(FileKind)


# --- E-SCHEMA-001 unknown keys ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "line", "hint"),
    [
        (SYSTEM + "descripton: x\n", "descripton", 11, "did you mean 'description'?"),
        (SYSTEM.replace("  team:", "  tema:"), "owner.tema", 5, "did you mean 'team'?"),
        (
            SYSTEM + "    lifecyle: draft\n",
            "interfaces[0].lifecyle",
            11,
            "did you mean 'lifecycle'?",
        ),
    ],
)
def test_an_unknown_key_is_located_with_the_key_it_resembles(
    text: str, path: str, line: int, hint: str
) -> None:
    unknown = [p for p in problems_of(text) if p.code is Code.UNKNOWN_KEY]

    assert [(p.path, p.line, p.hint) for p in unknown] == [(path, line, hint)]
    assert unknown[0].message == f"unknown key '{path.rsplit('.', 1)[-1]}'"


def test_an_unknown_key_like_no_other_lists_the_allowed_keys() -> None:
    problem = only(SYSTEM + "colour: blue\n")

    assert problem.code is Code.UNKNOWN_KEY
    assert problem.hint == (
        "allowed keys: id, name, kind, description, owner, base_urls, auth, tags, interfaces, "
        "consumes"
    )


def test_an_unknown_key_in_an_environment_is_matched_against_environment_keys() -> None:
    text = "name: shop\nenvironments:\n  dev:\n    descripton: Local.\n"

    problem = only(text, ProjectSettings)

    assert (problem.code, problem.path, problem.line, problem.column) == (
        Code.UNKNOWN_KEY,
        "environments.dev.descripton",
        4,
        5,
    )
    assert problem.hint == "did you mean 'description'?"


# --- E-SCHEMA-002 missing fields ----------------------------------------------------------


def test_a_missing_field_is_located_at_its_mapping() -> None:
    problem = only(SYSTEM.replace("    style: rest\n", ""))

    assert (problem.code, problem.path, problem.line, problem.column) == (
        Code.MISSING_FIELD,
        "interfaces[0].style",
        7,
        5,
    )
    assert problem.message == "missing required field 'style'"
    assert problem.hint == "add 'style'"


def test_a_missing_top_level_field_is_located_at_the_start_of_the_file() -> None:
    problem = only("name: shop\n", ProjectSettings)

    assert (problem.code, problem.path, problem.line, problem.column) == (
        Code.MISSING_FIELD,
        "environments",
        1,
        1,
    )


# --- E-SCHEMA-003 wrong types -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "got"),
    [
        (
            SYSTEM.replace("  - id: customers.get\n", "  customers.get:\n    id: x\n"),
            "interfaces",
            "got mapping",
        ),
        (SYSTEM + "base_urls: [http://x]\n", "base_urls", "got list"),
        (SYSTEM + "tags: master-data\n", "tags", "got str"),
        (SYSTEM.replace("name: CRM", "name:"), "name", "got nothing"),
    ],
)
def test_a_value_of_the_wrong_type_names_what_it_got(text: str, path: str, got: str) -> None:
    problem = only(text)

    assert (problem.code, problem.path) == (Code.WRONG_TYPE, path)
    assert problem.message.endswith(got)


def test_a_number_that_is_not_a_number_is_a_wrong_type() -> None:
    problem = only("tasks:\n  - id: T-1\n    name: x\n    percent_complete: three\n", Plan)

    assert (problem.code, problem.path, problem.line) == (
        Code.WRONG_TYPE,
        "tasks[0].percent_complete",
        4,
    )


def test_a_duration_that_is_not_working_time_says_how_to_write_one() -> None:
    problem = only("tasks:\n  - id: T-1\n    name: x\n    duration: three\n", Plan)

    assert (problem.code, problem.path, problem.line) == (
        Code.INVALID_VALUE,
        "tasks[0].duration",
        4,
    )
    assert "5d, 4h, 30m, 2w" in problem.message


@pytest.mark.parametrize("amount", ["10001d", "2001w", "80001h", "4800001m", "10001", "-10001d"])
def test_a_duration_past_ten_thousand_days_is_refused_where_it_is_written(amount: str) -> None:
    problem = only(f"tasks:\n  - id: T-1\n    name: x\n    duration: {amount}\n", Plan)

    assert (problem.code, problem.path, problem.line) == (
        Code.INVALID_VALUE,
        "tasks[0].duration",
        4,
    )
    assert "at most 10,000 days" in problem.message


@pytest.mark.parametrize("amount", ["10000d", "2000w", "-5d", "150%"])
def test_long_and_negative_amounts_within_the_bound_are_read(amount: str) -> None:
    tasks = [
        {"id": "T-1", "name": "x"},
        {"id": "T-2", "name": "y", "depends_on": [{"task": "T-1", "lag": amount}]},
    ]
    plan = Plan.model_validate({"tasks": tasks})
    assert plan.tasks[1].depends_on[0].lag == amount


@pytest.mark.parametrize(
    ("text", "got"),
    [("- id: T-1\n", "not a list"), ("just words\n", "not 'just words'"), ("42\n", "not '42'")],
)
def test_a_file_that_is_not_a_mapping_says_so_at_its_start(text: str, got: str) -> None:
    problem = only(text, Plan)

    assert (problem.code, problem.line, problem.column, problem.path) == (
        Code.WRONG_TYPE,
        1,
        1,
        None,
    )
    assert problem.message == f"the file must hold a mapping of keys, {got}"
    assert problem.hint == "see 'interloom schema plan'"


# --- E-SCHEMA-004 values outside the choices ----------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "path", "hint"),
    [
        ("kind: crm", "kind: crmm", "kind", "did you mean 'crm'?"),
        ("style: rest", "style: REST", "interfaces[0].style", "did you mean 'rest'?"),
        (
            "contract: contracts/crm.openapi.yaml",
            "contract: contracts/crm.openapi.yaml\n    lifecycle: publish",
            "interfaces[0].lifecycle",
            "did you mean 'published'?",
        ),
        ("kind: crm", "kind: warehouse", "kind", "did you mean 'data-warehouse'?"),
    ],
)
def test_a_value_outside_the_choices_suggests_the_closest(
    old: str, new: str, path: str, hint: str
) -> None:
    problem = only(SYSTEM.replace(old, new))

    assert (problem.code, problem.path, problem.hint) == (Code.VALUE_NOT_ALLOWED, path, hint)


def test_a_value_outside_the_choices_and_far_from_all_lists_them() -> None:
    problem = only(SYSTEM.replace("kind: crm", "kind: 5"))

    assert problem.code is Code.VALUE_NOT_ALLOWED
    assert problem.hint is not None
    assert problem.hint.startswith("expected 'erp', 'crm', ")


def test_an_unknown_auth_kind_suggests_the_closest() -> None:
    problem = only(SYSTEM + "auth:\n  kind: oauth2\n")

    assert (problem.code, problem.path, problem.line, problem.column) == (
        Code.VALUE_NOT_ALLOWED,
        "auth.kind",
        12,
        3,
    )
    assert problem.hint == "did you mean 'oauth2_client_credentials'?"


# --- E-SCHEMA-005 values that break a rule ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "model", "path"),
    [
        (SYSTEM.replace("id: crm", "id: CRM_Main"), System, "id"),
        (SYSTEM.replace("id: customers.get", "id: Customers.Get"), System, "interfaces[0].id"),
        (
            SYSTEM.replace("team: Sales IT", "team: Sales IT\n  email: sales(at)example.com"),
            System,
            "owner.email",
        ),
        (SYSTEM.replace("name: CRM", "name: ''"), System, "name"),
        ("name: shop\nenvironments: {}\n", ProjectSettings, "environments"),
        ("name: shop\nenvironments:\n  Dev: {}\n", ProjectSettings, "environments.Dev"),
        ("name: Shop\nenvironments:\n  dev: {}\n", ProjectSettings, "name"),
        (
            "id: f\nname: F\nsource: {connector: http}\nsinks: [{connector: http}]\n"
            "error_policy: {max_attempts: 0}\n",
            Flow,
            "error_policy.max_attempts",
        ),
        ("id: f\nname: F\nsource: {connector: http}\nsinks: []\n", Flow, "sinks"),
        ("milestones:\n  - id: M-1\n    name: x\n    date: soon\n", Plan, "milestones[0].date"),
        ("tasks:\n  - id: T 1\n    name: x\n", Plan, "tasks[0].id"),
    ],
)
def test_a_value_that_breaks_its_rule_is_an_invalid_value(
    text: str, model: type, path: str
) -> None:
    problem = only(text, model)

    assert (problem.code, problem.path) == (Code.INVALID_VALUE, path)
    assert problem.line is not None


def test_an_invalid_environment_id_is_located_at_the_key() -> None:
    problem = only("name: shop\nenvironments:\n  Dev: {}\n", ProjectSettings)

    assert (problem.line, problem.column) == (3, 3)


# --- references ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "code", "hint"),
    [
        ("crm.customers.get", Code.REFERENCE_SYNTAX, "write kind:id"),
        ("interface:crm", Code.REFERENCE_SYNTAX, "write interface:SYSTEM.INTERFACE"),
        ("service:crm.x", Code.REFERENCE_SYNTAX, "use one of 'system:'"),
        ("system:crm", Code.REFERENCE_KIND, None),
        ("flow:order-to-wms", Code.REFERENCE_KIND, None),
    ],
)
def test_a_consumed_reference_must_be_an_interface_reference(
    reference: str, code: Code, hint: str | None
) -> None:
    problem = only(SYSTEM + f"consumes:\n  - {reference}\n")

    assert (problem.code, problem.path, problem.line, problem.column) == (
        code,
        "consumes[0]",
        12,
        5,
    )
    if hint is not None:
        assert hint in (problem.hint or "")
    if code is Code.REFERENCE_KIND:
        assert problem.message.startswith(f"'{reference}' names a {reference.split(':')[0]}, but")


def test_a_plan_may_deliver_any_kind_of_reference_but_only_well_formed_ones() -> None:
    text = "tasks:\n  - id: T-1\n    name: x\n    delivers: [system:crm, task:T 2]\n"

    problem = only(text, Plan)

    assert (problem.code, problem.path) == (Code.REFERENCE_SYNTAX, "tasks[0].delivers[1]")
    assert problem.message == "'T 2' is not a valid task id in 'task:T 2'"


def test_a_malformed_id_in_a_reference_has_no_made_up_hint() -> None:
    problem = only("tasks:\n  - id: T-1\n    name: x\n    delivers: [milestone:M 1]\n", Plan)

    assert problem.code is Code.REFERENCE_SYNTAX
    assert problem.hint is None


# --- everything at once -------------------------------------------------------------------


def test_every_error_of_a_file_is_reported_not_just_the_first() -> None:
    text = SYSTEM.replace("kind: crm", "kind: crmm").replace("name: CRM\n", "") + "colour: red\n"

    problems = problems_of(text)

    assert sorted((p.code.value, p.path) for p in problems) == [
        ("E-SCHEMA-001", "colour"),
        ("E-SCHEMA-002", "name"),
        ("E-SCHEMA-004", "kind"),
    ]
    assert all(p.file == "systems/crm.yaml" for p in problems)


def test_yaml_problems_come_before_any_model_check() -> None:
    problems = problems_of("id: crm\nid: erp\n")

    assert [p.code for p in problems] == [Code.YAML_DUPLICATE_KEY]


def test_dates_and_empty_environments_are_read() -> None:
    plan = parse_file(
        "milestones:\n  - id: M-1\n    name: x\n    date: 2027-01-29\n", "plan/plan.yaml", Plan
    )
    settings = parse_file("name: shop\nenvironments:\n  dev:\n", "interloom.yaml", ProjectSettings)

    assert plan.loaded is not None
    assert plan.loaded.model.milestones[0].date == dt.date(2027, 1, 29)
    assert settings.loaded is not None
    assert settings.loaded.model.environment == "dev"
