"""Each readiness criterion on small real contracts: what passes, warns, fails, or is n/a."""

from __future__ import annotations

from typing import Any

import pytest

from interloom.core.catalog import Lifecycle
from interloom.core.readiness import (
    ContractProblem,
    CriterionId,
    Measurement,
    ReadinessPolicy,
    Status,
    assess_interface,
)
from interloom.core.readiness.criteria import CHECKS, Finding
from interloom.core.readiness.model import InterfaceFacts

from .readiness_facts import (
    DATA,
    PROBLEM_BODY,
    RETAIL,
    facts,
    file_facts,
    ok_response,
    openapi,
)

POLICY = ReadinessPolicy()


def check(criterion: CriterionId, interface_facts: InterfaceFacts) -> Finding:
    return CHECKS[criterion](interface_facts, POLICY)


def with_errors(**more: Any) -> dict[str, Any]:
    """Responses: 200, 404 and 500 with problem bodies (plus ``more``)."""
    return {
        "200": ok_response(),
        "404": {"description": "missing", "content": PROBLEM_BODY},
        "500": {"description": "broken", "content": PROBLEM_BODY},
        **more,
    }


# --- contract -----------------------------------------------------------------------------


def test_a_clean_contract_passes_and_locates_the_operation() -> None:
    found = check(CriterionId.CONTRACT, facts(openapi({"responses": with_errors()})))

    assert found.status is Status.PASS
    assert "imports cleanly; operation op found" in found.explanation
    assert found.location is not None
    assert found.location.startswith("contracts/things.json:")
    assert found.location.endswith("/paths/~1things/get")


def test_a_contract_that_does_not_import_fails_with_its_error_and_hint() -> None:
    problem = ContractProblem(
        "E-CONTRACT-001", "not valid YAML", "contracts/things.yaml:3:1", "check the indentation"
    )

    found = check(CriterionId.CONTRACT, facts(None, problem=problem))

    assert found.status is Status.FAIL
    assert found.explanation == "E-CONTRACT-001 contracts/things.yaml:3:1 not valid YAML"
    assert found.hint == "check the indentation"


def test_every_contract_based_criterion_fails_when_the_contract_does_not_import() -> None:
    result = assess_interface(facts(None, problem=ContractProblem("E-FILE-001", "gone")))

    for criterion in (CriterionId.EXAMPLES, CriterionId.ERRORS, CriterionId.RATE_LIMITS):
        assert result.criterion(criterion).status is Status.FAIL
        assert "does not import" in result.criterion(criterion).explanation


def test_an_operation_the_contract_lacks_fails_with_the_closest_name() -> None:
    document = openapi({"responses": with_errors()})

    found = check(CriterionId.CONTRACT, facts(document, interface={"operation": "opp"}))

    assert found.status is Status.FAIL
    assert "operation 'opp' is not in contracts/things.json" in found.explanation
    assert found.hint == "did you mean 'op'?"


def test_an_interface_naming_no_operation_of_several_is_not_operation_level() -> None:
    document = openapi({"responses": with_errors()})
    document["paths"]["/things"]["post"] = {"operationId": "add", "responses": with_errors()}

    result = assess_interface(facts(document, interface={"operation": None}))

    assert result.criterion(CriterionId.CONTRACT).status is Status.WARN
    assert "none of the 2 operations" in result.criterion(CriterionId.CONTRACT).explanation
    assert result.criterion(CriterionId.ERRORS).status is Status.FAIL
    assert (
        "no operation of the contract is named" in result.criterion(CriterionId.ERRORS).explanation
    )


def test_the_only_operation_stands_for_an_interface_naming_none() -> None:
    document = openapi({"responses": with_errors()})

    result = assess_interface(facts(document, interface={"operation": None}))

    assert result.criterion(CriterionId.CONTRACT).status is Status.PASS
    assert result.criterion(CriterionId.ERRORS).status is Status.PASS


def test_import_warnings_are_a_warning_with_the_first_one() -> None:
    document = openapi({"responses": with_errors(), "sumary": "typo"})

    found = check(CriterionId.CONTRACT, facts(document))

    assert found.status is Status.WARN
    assert "imports with 1 warning(s); first: W-CONTRACT-003" in found.explanation
    assert found.hint == "interloom contracts inspect contracts/things.json lists them all"


# --- examples -----------------------------------------------------------------------------


def test_examples_on_every_body_pass() -> None:
    document = openapi({"responses": {"200": ok_response()}})

    found = check(CriterionId.EXAMPLES, facts(document))

    assert (found.status, found.explanation) == (Status.PASS, "the only body has examples")


def test_examples_on_some_bodies_warn_naming_the_missing_ones() -> None:
    operation = {
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": ok_response()},
    }
    document = openapi(operation)
    document["paths"]["/things"]["post"] = document["paths"]["/things"].pop("get")

    found = check(CriterionId.EXAMPLES, facts(document))

    assert found.status is Status.WARN
    assert found.explanation == ("1 of 2 bodies have examples; missing: request application/json")


def test_no_example_at_all_fails() -> None:
    document = openapi({"responses": {"200": ok_response(example=False)}})

    found = check(CriterionId.EXAMPLES, facts(document))

    assert found.status is Status.FAIL
    assert "response 200 application/json" in found.explanation
    assert found.hint is not None


def test_an_example_in_a_referenced_schema_counts() -> None:
    response = {
        "description": "ok",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
    }
    document = openapi(
        {"responses": {"200": response}},
        components={"schemas": {"Thing": {"type": "object", "examples": [{"id": 1}]}}},
    )

    assert check(CriterionId.EXAMPLES, facts(document)).status is Status.PASS


def test_an_operation_without_bodies_has_nothing_to_exemplify() -> None:
    document = openapi({"responses": {"204": {"description": "done"}}})

    assert check(CriterionId.EXAMPLES, facts(document)).status is Status.NOT_APPLICABLE


def test_event_messages_with_examples_pass() -> None:
    found = check(
        CriterionId.EXAMPLES,
        file_facts(RETAIL / "contracts" / "erp-events.asyncapi.yaml", "sendOrderCreated"),
    )

    assert found.status is Status.PASS


def test_a_wsdl_cannot_carry_examples_which_is_a_warning() -> None:
    found = check(CriterionId.EXAMPLES, file_facts(DATA / "stock-service.wsdl", "Reserve"))

    assert found.status is Status.WARN
    assert "a WSDL cannot carry examples" in found.explanation


# --- authentication -----------------------------------------------------------------------

SCHEMES = {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}}


def test_security_stated_by_the_contract_passes() -> None:
    document = openapi({"responses": with_errors(), "security": [{"key": []}]}, components=SCHEMES)

    found = check(CriterionId.AUTH, facts(document, auth={"kind": "api_key"}))

    assert found.status is Status.PASS
    assert found.explanation == "the contract requires key (apiKey); the system file says api_key"


def test_security_naming_an_undeclared_scheme_warns() -> None:
    document = openapi({"responses": with_errors(), "security": [{"oauth": []}]})

    found = check(CriterionId.AUTH, facts(document))

    assert found.status is Status.WARN
    assert "does not declare: oauth" in found.explanation


@pytest.mark.parametrize(
    ("auth", "status"), [({"kind": "none"}, Status.PASS), ({"kind": "basic"}, Status.WARN)]
)
def test_an_explicitly_open_operation_must_agree_with_the_system_file(
    auth: dict[str, str], status: Status
) -> None:
    document = openapi({"responses": with_errors(), "security": []})

    assert check(CriterionId.AUTH, facts(document, auth=auth)).status is status


def test_authentication_documented_nowhere_fails() -> None:
    found = check(CriterionId.AUTH, facts(openapi({"responses": with_errors()})))

    assert found.status is Status.FAIL
    assert found.explanation.startswith("authentication is documented nowhere")


def test_authentication_only_in_the_system_file_warns() -> None:
    document = openapi({"responses": with_errors()})

    found = check(CriterionId.AUTH, facts(document, auth={"kind": "bearer"}))

    assert found.status is Status.WARN
    assert found.explanation == "the contract states no security; only the system file says bearer"


def test_a_wsdl_relies_on_the_system_files_description_of_auth() -> None:
    path = DATA / "stock-service.wsdl"
    described = {"auth": {"kind": "ws_security", "description": "UsernameToken, user intg"}}

    assert (
        check(CriterionId.AUTH, file_facts(path, "Reserve", system=described)).status is Status.PASS
    )
    assert (
        check(
            CriterionId.AUTH, file_facts(path, "Reserve", system={"auth": {"kind": "basic"}})
        ).status
        is Status.WARN
    )


# --- error model --------------------------------------------------------------------------


def test_4xx_and_5xx_with_schemas_pass() -> None:
    found = check(CriterionId.ERRORS, facts(openapi({"responses": with_errors()})))

    assert (found.status, found.explanation) == (
        Status.PASS,
        "error responses with schemas: 404, 500",
    )


def test_a_default_response_with_a_schema_covers_both() -> None:
    responses = {"200": ok_response(), "default": {"description": "e", "content": PROBLEM_BODY}}

    assert check(CriterionId.ERRORS, facts(openapi({"responses": responses}))).status is Status.PASS


def test_no_5xx_or_bodiless_errors_warn() -> None:
    responses = {
        "200": ok_response(),
        "400": {"description": "bad", "content": PROBLEM_BODY},
        "503": {"description": "down"},
    }

    found = check(CriterionId.ERRORS, facts(openapi({"responses": responses})))

    assert found.status is Status.WARN
    assert found.explanation == ("error responses 400, 503, but no 5xx response with a body schema")


def test_no_error_response_fails() -> None:
    found = check(CriterionId.ERRORS, facts(openapi({"responses": {"200": ok_response()}})))

    assert found.status is Status.FAIL


def test_soap_faults_are_the_error_model() -> None:
    with_faults = file_facts(DATA / "stock-service.wsdl", "Reserve")
    without = file_facts(DATA / "currency-rpc.wsdl", "Convert")

    assert check(CriterionId.ERRORS, with_faults).status is Status.PASS
    assert "InsufficientStock" in check(CriterionId.ERRORS, with_faults).explanation
    assert check(CriterionId.ERRORS, without).status is Status.FAIL
    assert check(CriterionId.ERRORS, without).explanation == "no SOAP fault is declared"


def test_messages_have_no_error_responses() -> None:
    event = file_facts(RETAIL / "contracts" / "erp-events.asyncapi.yaml", "sendOrderCreated")

    assert check(CriterionId.ERRORS, event).status is Status.NOT_APPLICABLE


# --- rate limits --------------------------------------------------------------------------


def test_429_with_retry_after_passes() -> None:
    too_many = {
        "description": "slow down",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
    document = openapi({"responses": with_errors(**{"429": too_many})})

    found = check(CriterionId.RATE_LIMITS, facts(document))

    assert (found.status, found.explanation) == (Status.PASS, "429 with headers Retry-After")


def test_429_without_a_retry_header_warns() -> None:
    document = openapi({"responses": with_errors(**{"429": {"description": "slow down"}})})

    found = check(CriterionId.RATE_LIMITS, facts(document))

    assert found.status is Status.WARN
    assert found.hint == "declare Retry-After or RateLimit headers on the 429 response"


@pytest.mark.parametrize("where", ["operation", "root"])
def test_a_rate_limit_extension_passes(where: str) -> None:
    extension = {"x-rate-limit": {"requests": 100, "per": "minute"}}
    if where == "operation":
        document = openapi({"responses": with_errors(), **extension})
    else:
        document = openapi({"responses": with_errors()}, **extension)

    found = check(CriterionId.RATE_LIMITS, facts(document))

    assert (found.status, found.explanation) == (Status.PASS, "stated by extension: x-rate-limit")


def test_undocumented_rate_limits_fail() -> None:
    found = check(CriterionId.RATE_LIMITS, facts(openapi({"responses": with_errors()})))

    assert found.status is Status.FAIL


def test_rate_limits_do_not_apply_to_messages_or_soap() -> None:
    event = file_facts(RETAIL / "contracts" / "erp-events.asyncapi.yaml", "sendOrderCreated")
    soap = file_facts(DATA / "stock-service.wsdl", "Reserve")

    assert check(CriterionId.RATE_LIMITS, event).status is Status.NOT_APPLICABLE
    assert check(CriterionId.RATE_LIMITS, soap).status is Status.NOT_APPLICABLE


# --- deprecation --------------------------------------------------------------------------


def test_an_interface_nobody_deprecated_has_no_policy_to_check() -> None:
    found = check(CriterionId.DEPRECATION, facts(openapi({"responses": with_errors()})))

    assert (found.status, found.explanation) == (Status.NOT_APPLICABLE, "not deprecated")


def test_deprecated_in_the_catalog_but_not_in_the_contract_fails_naming_consumers() -> None:
    document = openapi({"responses": with_errors()})
    deprecated = facts(
        document, lifecycle=Lifecycle.DEPRECATED, consumers=("system:erp", "flow:sync")
    )

    found = check(CriterionId.DEPRECATION, deprecated)

    assert found.status is Status.FAIL
    assert "consumers to move: system:erp, flow:sync" in found.explanation
    assert "x-sunset" in (found.hint or "")


def test_deprecated_with_a_sunset_passes_and_without_warns() -> None:
    sunset = openapi({"responses": with_errors(), "deprecated": True, "x-sunset": "2027-06-30"})
    no_sunset = openapi({"responses": with_errors(), "deprecated": True})

    passed = check(CriterionId.DEPRECATION, facts(sunset, lifecycle=Lifecycle.DEPRECATED))
    warned = check(CriterionId.DEPRECATION, facts(no_sunset, lifecycle=Lifecycle.DEPRECATED))

    assert (passed.status, passed.explanation) == (
        Status.PASS,
        "deprecated, sunset 2027-06-30; no consumer",
    )
    assert warned.status is Status.WARN


def test_a_contract_deprecating_a_published_interface_warns_to_update_the_catalog() -> None:
    document = openapi({"responses": with_errors(), "deprecated": True, "x-sunset": "2027-06-30"})

    found = check(CriterionId.DEPRECATION, facts(document, lifecycle=Lifecycle.PUBLISHED))

    assert found.status is Status.WARN
    assert found.hint == "interloom interfaces set-lifecycle things.things.get deprecated"


# --- servers ------------------------------------------------------------------------------


def test_servers_in_the_contract_and_base_urls_for_every_environment_pass() -> None:
    document = openapi({"responses": with_errors()}, servers=[{"url": "https://things.example"}])

    found = check(CriterionId.SERVERS, facts(document))

    assert (found.status, found.explanation) == (
        Status.PASS,
        "the contract names 1 server(s); base URLs for dev",
    )


def test_an_environment_without_a_base_url_warns() -> None:
    document = openapi({"responses": with_errors()}, servers=[{"url": "https://things.example"}])

    found = check(CriterionId.SERVERS, facts(document, environments=("dev", "prod")))

    assert found.status is Status.WARN
    assert found.hint == "add base URLs for prod to the system file"


def test_no_server_anywhere_fails() -> None:
    found = check(CriterionId.SERVERS, facts(openapi({"responses": with_errors()}), base_urls={}))

    assert found.status is Status.FAIL


def test_the_soap_endpoint_is_a_server() -> None:
    found = check(CriterionId.SERVERS, file_facts(DATA / "stock-service.wsdl", "Reserve"))

    assert found.status is Status.PASS


# --- lifecycle, owner ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifecycle", "status"),
    [
        (Lifecycle.DRAFT, Status.FAIL),
        (Lifecycle.MOCKED, Status.WARN),
        (Lifecycle.CONFORMANT, Status.PASS),
        (Lifecycle.LOAD_TESTED, Status.PASS),
        (Lifecycle.PUBLISHED, Status.PASS),
        (Lifecycle.DEPRECATED, Status.WARN),
        (Lifecycle.RETIRED, Status.FAIL),
    ],
)
def test_lifecycle_states_score_from_draft_to_published(
    lifecycle: Lifecycle, status: Status
) -> None:
    found = check(CriterionId.LIFECYCLE, facts(openapi({}), lifecycle=lifecycle))

    assert found.status is status
    assert found.explanation.startswith(f"{lifecycle.value}:")


def test_an_owner_with_a_person_passes_and_a_team_alone_warns() -> None:
    named = check(CriterionId.OWNER, facts(openapi({})))
    team_only = check(CriterionId.OWNER, facts(openapi({}), owner={"team": "Things IT"}))
    own = check(
        CriterionId.OWNER,
        facts(openapi({}), interface={"owner": {"team": "API team", "email": "api@example.com"}}),
    )

    assert (named.status, named.explanation) == (
        Status.PASS,
        "Things IT: Kim (the system's owner)",
    )
    assert team_only.status is Status.WARN
    assert (own.status, own.explanation) == (Status.PASS, "API team: api@example.com")


# --- measurements -------------------------------------------------------------------------


def test_without_measurements_latency_and_error_rate_are_not_measured() -> None:
    result = assess_interface(facts(openapi({"responses": with_errors()})))

    for criterion in (CriterionId.LATENCY, CriterionId.ERROR_RATE):
        assert result.criterion(criterion).status is Status.NOT_APPLICABLE
        assert result.criterion(criterion).explanation == "not measured"


@pytest.mark.parametrize(
    ("latency", "error_rate", "latency_status", "error_status"),
    [
        (120.0, 0.0, Status.PASS, Status.PASS),
        (500.0, 0.01, Status.PASS, Status.PASS),
        (900.0, 0.03, Status.WARN, Status.WARN),
        (2500.0, 0.2, Status.FAIL, Status.FAIL),
    ],
)
def test_measurements_are_graded_by_the_policy(
    latency: float, error_rate: float, latency_status: Status, error_status: Status
) -> None:
    measured = Measurement(
        source="probe", samples=200, latency_p95_ms=latency, error_rate=error_rate
    )

    result = assess_interface(facts(openapi({}), measurement=measured))

    assert result.criterion(CriterionId.LATENCY).status is latency_status
    assert result.criterion(CriterionId.ERROR_RATE).status is error_status
    assert "over 200 calls (probe)" in result.criterion(CriterionId.LATENCY).explanation
