"""GraphQL SDL: root fields are operations, named types are registry schemas."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from interloom.core.contracts import (
    Contract,
    ContractError,
    ContractReferenceError,
    ContractStructureError,
    ContractWarningCode,
    GraphQLAddress,
    ParameterIn,
    Transport,
)
from interloom.formats.contracts import import_contract

Load = Callable[[str], Contract]


def test_root_fields_are_operations(contract: Load) -> None:
    support = contract("support.graphql")

    assert (support.format, support.format_version) == ("graphql", "2021")
    assert [(op.id, op.match_key) for op in support.operations] == [
        ("ticket", "Query.ticket"),
        ("tickets", "Query.tickets"),
        ("node", "Query.node"),
        ("me", "Query.me"),
        ("viewer", "Query.viewer"),
        ("openTicket", "Mutation.openTicket"),
        ("reply", "Mutation.reply"),
        ("assign", "Mutation.assign"),
        ("ticketUpdated", "Subscription.ticketUpdated"),
    ]
    assert {op.transport for op in support.operations} == {Transport.GRAPHQL}
    assert support.operations[-1].address == GraphQLAddress(
        root="subscription", type="Subscription", field="ticketUpdated"
    )


def test_arguments_are_parameters_required_when_non_null_without_default(
    contract: Load,
) -> None:
    reply = contract("support.graphql").operation("reply")

    assert reply is not None
    assert [(p.name, p.in_, p.required, p.json_schema) for p in reply.parameters] == [
        ("ticketId", ParameterIn.ARGUMENT, True, {"type": "string"}),
        ("body", ParameterIn.ARGUMENT, True, {"type": "string"}),
        ("internal", ParameterIn.ARGUMENT, False, {"type": ["boolean", "null"], "default": False}),
    ]
    assert reply.responses["200"].content["application/json"].json_schema == {
        "$ref": "#/components/schemas/Message"
    }


def test_nullable_results_and_deprecation(contract: Load) -> None:
    support = contract("support.graphql")

    ticket = support.operation("ticket")
    me = support.operation("me")
    assert ticket is not None
    assert me is not None
    assert ticket.responses["200"].content["application/json"].json_schema == {
        "anyOf": [{"$ref": "#/components/schemas/Ticket"}, {"type": "null"}]
    }
    assert (me.deprecated, me.deprecation_reason) == (True, "Use viewer.")
    assert ticket.location is not None
    assert (ticket.location.line, ticket.location.column, ticket.location.pointer) == (
        90,
        3,
        "/Query/ticket",
    )


def test_object_types_enums_unions_inputs_and_scalars(contract: Load) -> None:
    schemas = contract("support.graphql").schemas

    assert sorted(schemas) == [
        "Agent",
        "Author",
        "Customer",
        "DateTime",
        "Message",
        "NewTicket",
        "Node",
        "Priority",
        "Ticket",
        "TicketFilter",
        "TicketPage",
        "TicketState",
        "Upload",
    ]
    customer = schemas["Customer"].json_schema
    assert customer == {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "email": {"type": ["string", "null"]},
            "vip": {"type": "boolean"},
        },
        "required": ["id", "name", "vip"],
    }
    assert schemas["Author"].json_schema == {
        "oneOf": [{"$ref": "#/components/schemas/Agent"}, {"$ref": "#/components/schemas/Customer"}]
    }
    assert schemas["Priority"].json_schema == {
        "type": "string",
        "enum": ["LOW", "NORMAL", "HIGH", "URGENT"],
    }
    assert schemas["DateTime"].json_schema == {"type": "string", "format": "date-time"}
    ticket = schemas["Ticket"].json_schema["properties"]
    assert ticket["legacyNumber"] == {
        "type": ["integer", "null"],
        "format": "int32",
        "deprecated": True,
    }
    assert ticket["tags"] == {"type": ["array", "null"], "items": {"type": ["string", "null"]}}
    ticket_filter = schemas["TicketFilter"].json_schema
    assert ticket_filter["additionalProperties"] is False
    assert ticket_filter["properties"]["priority"]["default"] == "NORMAL"
    assert "Query" not in schemas
    assert "String" not in schemas


@pytest.mark.parametrize(
    ("sdl", "error", "line", "column"),
    [
        ("type Query {\n  a: Int\n  b Int\n}\n", ContractError, 3, 5),
        ("type Query {\n  order: Order\n}\n", ContractReferenceError, 2, 10),
        ("type Query { a: Int }\ntype Query { b: Int }\n", ContractStructureError, 2, 6),
        (
            "interface I { x: Int }\ntype Query implements I { y: Int }\n",
            ContractStructureError,
            2,
            1,
        ),
    ],
)
def test_invalid_sdl_is_a_located_error(
    sdl: str, error: type[ContractError], line: int, column: int
) -> None:
    with pytest.raises(error) as caught:
        import_contract(sdl.encode(), "schema.graphql")

    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.column) == (line, column)


def test_sdl_is_recognised_without_its_extension() -> None:
    contract = import_contract(b'"Doc"\ntype Query { ping: String }\n', "schema.txt")

    assert [op.id for op in contract.operations] == ["ping"]


def test_queries_in_a_schema_file_are_a_warning() -> None:
    contract = import_contract(b"type Query { a: Int }\nquery Q { a }\n", "schema.graphql")

    assert [w.code for w in contract.warnings] == [ContractWarningCode.UNSUPPORTED_FEATURE]
