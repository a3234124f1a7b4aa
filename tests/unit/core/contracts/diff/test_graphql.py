"""GraphQL: fields, arguments, input types, enums, unions and nullability."""

from __future__ import annotations

from collections.abc import Callable

from interloom.core.contracts.diff import DiffResult, Level

from .conftest import line_of, one

OLD, NEW = "graphql/old.graphql", "graphql/new.graphql"


def test_output_fields(pair: Callable[[str], DiffResult]) -> None:
    result = pair("graphql")

    removed = one(result, "graphql-field-removed", operation="Query.ticket", path="/body")
    assert removed.level is Level.ERR
    assert removed.old is not None
    assert (removed.old.pointer, removed.old.line) == ("/Ticket/body", line_of(OLD, "body:"))
    nullable = one(result, "graphql-field-became-nullable", operation="Query.ticket")
    assert (nullable.path, nullable.level) == ("/subject", Level.ERR)
    non_null = one(result, "graphql-field-became-non-null", operation="Query.ticket")
    assert (non_null.path, non_null.level) == ("/priority", Level.INFO)
    renamed_type = one(
        result, "graphql-field-type-changed", operation="Query.ticket", path="/assignee"
    )
    assert "Agent -> User" in renamed_type.message
    assert one(result, "graphql-field-type-changed", operation="Query.ticket", path="/score")
    assert one(result, "graphql-field-added", operation="Query.ticket", path="/tags")


def test_root_fields_are_operations(pair: Callable[[str], DiffResult]) -> None:
    result = pair("graphql")

    removed = one(result, "graphql-field-removed", operation="Query.agents")
    assert removed.old is not None
    assert removed.old.line == line_of(OLD, "agents:")
    deprecated = one(result, "graphql-field-removed-with-deprecation")
    assert (deprecated.operation, deprecated.level) == ("Query.oldStats", Level.WARN)
    assert one(result, "graphql-field-added", operation="Query.me").level is Level.INFO
    assert one(result, "graphql-field-deprecated").operation == "Query.ticket"


def test_arguments_and_input_types(pair: Callable[[str], DiffResult]) -> None:
    result = pair("graphql")

    required = one(result, "graphql-required-argument-added")
    assert (required.operation, required.level) == ("Query.tickets", Level.ERR)
    assert required.new is not None
    assert required.new.pointer == "/Query/tickets/tenant"
    assert required.new.line == line_of(NEW, "tenant: String!")
    assert one(result, "graphql-argument-default-changed").level is Level.WARN
    assert one(result, "graphql-argument-became-optional").operation == "Mutation.closeTicket"
    assert one(result, "graphql-argument-added").operation == "Mutation.closeTicket"
    input_removed = one(result, "graphql-input-field-removed")
    assert (input_removed.path, input_removed.level) == ("/text", Level.ERR)
    assert one(result, "graphql-required-input-field-added").path == "/tag"


def test_enums_judged_by_where_they_are_used(pair: Callable[[str], DiffResult]) -> None:
    result = pair("graphql")

    as_input = one(result, "graphql-enum-value-removed", operation="Mutation.openTicket")
    assert (as_input.level, as_input.path) == (Level.ERR, "/priority")
    assert as_input.old is not None
    assert as_input.old.pointer == "/Priority/URGENT"
    assert as_input.old.line == line_of(OLD, "URGENT")
    as_output = one(result, "graphql-output-enum-value-removed", operation="Query.ticket")
    assert as_output.level is Level.INFO
    added = one(result, "graphql-enum-value-added", operation="Query.ticket")
    assert added.level is Level.WARN
    assert added.new is not None
    assert added.new.line == line_of(NEW, "CLOSED")
    assert one(result, "graphql-input-enum-value-added", operation="Query.tickets")


def test_unions_and_types(pair: Callable[[str], DiffResult]) -> None:
    result = pair("graphql")

    member = one(result, "graphql-union-member-added", operation="Query.ticket")
    assert member.level is Level.WARN
    assert "Customer" in member.message
    removed = one(result, "graphql-type-removed")
    assert (removed.operation, removed.level) == (None, Level.ERR)
    assert removed.old is not None
    assert removed.old.line == line_of(OLD, "type Metrics")
