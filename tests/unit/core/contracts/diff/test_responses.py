"""Responses: widening what the API returns is breaking; narrowing is not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from interloom.core.contracts.diff import DiffResult, Level

from .conftest import line_of, one

OLD, NEW = "responses/old.yaml", "responses/new.yaml"


@pytest.mark.parametrize(
    ("rule_id", "path", "level", "old_pointer", "old_line"),
    [
        (
            "response-required-property-removed",
            "/name",
            Level.ERR,
            "/components/schemas/Customer/properties/name",
            ("name:", "Customer:"),
        ),
        (
            "response-optional-property-removed",
            "/nickname",
            Level.WARN,
            "/components/schemas/Customer/properties/nickname",
            ("nickname:", None),
        ),
        (
            "response-property-became-optional",
            "/email",
            Level.ERR,
            "/components/schemas/Customer/required",
            ("required: [id, name", None),
        ),
        (
            "response-property-became-nullable",
            "/balance",
            Level.ERR,
            "/components/schemas/Customer/properties/balance",
            ("balance:", None),
        ),
        (
            "response-property-type-generalized",
            "/score",
            Level.ERR,
            "/components/schemas/Customer/properties/score/type",
            ("type: integer", "score:"),
        ),
        (
            "response-property-enum-value-added",
            "/tier",
            Level.WARN,
            "/components/schemas/Customer/properties/tier/enum",
            ("enum:", "tier:"),
        ),
        (
            "response-property-max-length-increased",
            "/addresses/postcode",
            Level.ERR,
            "/components/schemas/Address/properties/postcode/maxLength",
            ("maxLength:", "postcode:"),
        ),
    ],
)
def test_schema_changes_of_a_response(
    pair: Callable[[str], DiffResult],
    rule_id: str,
    path: str,
    level: Level,
    old_pointer: str,
    old_line: tuple[str, str | None],
) -> None:
    finding = one(pair("responses"), rule_id, path=path)

    assert (finding.level, finding.operation) == (level, "GET /customers/{id}")
    assert finding.where == "the response 200 body (application/json)"
    assert finding.old is not None
    assert finding.old.pointer == old_pointer
    text, after = old_line
    assert finding.old.line == line_of(OLD, text, after=after)


def test_statuses_and_content_types(pair: Callable[[str], DiffResult]) -> None:
    result = pair("responses")

    status = one(result, "response-success-status-removed")
    assert status.level is Level.ERR
    assert status.old is not None
    assert status.old.line == line_of(OLD, "'202':")
    assert one(result, "response-non-success-status-removed").level is Level.INFO
    assert one(result, "response-non-success-status-added").level is Level.INFO
    media = one(result, "response-media-type-removed")
    assert media.level is Level.ERR
    assert "application/xml" in media.message


def test_response_headers(pair: Callable[[str], DiffResult]) -> None:
    result = pair("responses")

    required = one(result, "required-response-header-removed")
    assert required.level is Level.ERR
    assert required.old is not None
    assert required.old.pointer == "/paths/~1customers~1{id}/get/responses/200/headers/ETag"
    assert required.old.line == line_of(OLD, "ETag:")
    optional = one(result, "optional-response-header-removed")
    assert optional.level is Level.WARN
    assert "X-Rate-Limit" in optional.message
    assert one(result, "response-header-became-optional").level is Level.ERR
