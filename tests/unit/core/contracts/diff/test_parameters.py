"""Parameters: added, removed, moved, made optional, and every constraint of their schemas."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from interloom.core.contracts.diff import DiffResult, Level

from .conftest import line_of, one

OLD, NEW = "parameters/old.yaml", "parameters/new.yaml"
OPERATION = "GET /products"


@pytest.mark.parametrize(
    ("rule_id", "level", "pointer", "anchor", "text"),
    [
        (
            "request-parameter-max-length-decreased",
            Level.ERR,
            "/paths/~1products/get/parameters/0/schema/maxLength",
            "name: q",
            "maxLength",
        ),
        (
            "request-parameter-max-decreased",
            Level.ERR,
            "/paths/~1products/get/parameters/1/schema/maximum",
            "name: limit",
            "maximum",
        ),
        (
            "request-parameter-enum-value-removed",
            Level.ERR,
            "/paths/~1products/get/parameters/3/schema/enum",
            "name: status",
            "enum",
        ),
        (
            "request-parameter-pattern-added",
            Level.ERR,
            "/paths/~1products/get/parameters/4/schema/pattern",
            "name: sku",
            "pattern",
        ),
        (
            "request-parameter-enum-value-added",
            Level.INFO,
            "/paths/~1products/get/parameters/3/schema/enum/2",
            "name: status",
            "enum",
        ),
    ],
)
def test_schema_changes_of_a_parameter_are_located_at_the_keyword(
    pair: Callable[[str], DiffResult],
    rule_id: str,
    level: Level,
    pointer: str,
    anchor: str,
    text: str,
) -> None:
    finding = one(pair("parameters"), rule_id)

    assert (finding.level, finding.operation) == (level, OPERATION)
    assert finding.new is not None
    assert finding.new.pointer == pointer
    assert finding.new.line == line_of(NEW, text, after=anchor)


def test_a_format_change_is_a_type_change(pair: Callable[[str], DiffResult]) -> None:
    result = pair("parameters")
    changed = [f for f in result.findings if f.id == "request-parameter-type-changed"]

    messages = sorted(f.message for f in changed)
    assert all(f.level is Level.ERR for f in changed)
    assert messages == [
        "the type of the query parameter 'page' changed: integer -> string",
        "the type of the query parameter 'since' changed: string (date) -> string (date-time)",
    ]


def test_added_removed_and_moved_parameters(pair: Callable[[str], DiffResult]) -> None:
    result = pair("parameters")

    required = one(result, "new-required-request-parameter")
    assert required.level is Level.ERR
    assert "header parameter 'X-Api-Version'" in required.message
    assert required.new is not None
    assert required.new.line == line_of(NEW, "name: X-Api-Version")
    assert one(result, "new-optional-request-parameter").level is Level.INFO
    removed = one(result, "request-parameter-removed")
    assert removed.level is Level.WARN
    assert removed.old is not None
    assert removed.old.line == line_of(OLD, "name: debug")
    moved = one(result, "request-parameter-moved")
    assert moved.level is Level.ERR
    assert moved.message == "the query parameter 'tenant' moved to the header"
    assert moved.old is not None
    assert moved.new is not None
    assert moved.old.line == line_of(OLD, "name: tenant")
    assert moved.new.line == line_of(NEW, "name: tenant")
    assert not any(
        f.id == "request-parameter-removed" and "tenant" in f.message for f in result.findings
    )


def test_a_required_parameter_made_optional_is_not_breaking(
    pair: Callable[[str], DiffResult],
) -> None:
    finding = one(pair("parameters"), "request-parameter-became-optional")

    assert finding.level is Level.INFO
    assert "'region'" in finding.message
