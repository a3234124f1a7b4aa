"""GraphQL: root fields (the operations), their arguments and result types, and the types.

Types are nominal in GraphQL: a field whose type becomes another named type changed type,
even if both have the same fields. Input objects are closed (an unknown input field fails
validation), so removing one is breaking, unlike a property of a JSON request.
"""

from __future__ import annotations

from interloom.core.contracts.diff.context import DiffContext, OperationRef, Places, Use
from interloom.core.contracts.diff.operations import operation_ref
from interloom.core.contracts.diff.scopes import GRAPHQL_INPUT, GRAPHQL_OUTPUT
from interloom.core.contracts.model import GraphQLAddress, MediaType, Operation, ParameterIn


def _key(operation: Operation) -> tuple[str, str]:
    address = operation.address
    if isinstance(address, GraphQLAddress):
        return address.root, address.field
    return "", operation.id


def compare_graphql(ctx: DiffContext, old_ops: list[Operation], new_ops: list[Operation]) -> None:
    """Root fields added, removed, deprecated; their arguments and results; types removed."""
    new_by_key = {_key(op): op for op in new_ops}
    for operation in old_ops:
        match = new_by_key.pop(_key(operation), None)
        ref = operation_ref(operation)
        if match is None:
            rule_id = (
                "graphql-field-removed-with-deprecation"
                if operation.deprecated
                else "graphql-field-removed"
            )
            ctx.add(rule_id, f"the field {ref.label} was removed", ref, old=operation.location)
            continue
        _compare_field(ctx, operation, match, operation_ref(match))
    for operation in new_by_key.values():
        ref = operation_ref(operation)
        ctx.add(
            "graphql-field-added", f"the field {ref.label} was added", ref, new=operation.location
        )
    for name, entry in ctx.old.schemas.items():
        if name not in ctx.new.schemas:
            ctx.add(
                "graphql-type-removed",
                f"the type {name} was removed from the schema",
                None,
                old=entry.location,
            )


def _result(operation: Operation) -> MediaType | None:
    response = operation.responses.get("200")
    return next(iter(response.content.values()), None) if response else None


def _compare_field(ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef) -> None:
    places = Places(old=old.location, new=new.location)
    if new.deprecated and not old.deprecated:
        ctx.add("graphql-field-deprecated", f"the field {ref.label} was deprecated", ref, **places)
    old_args = {p.name: p for p in old.parameters if p.in_ is ParameterIn.ARGUMENT}
    new_args = {p.name: p for p in new.parameters if p.in_ is ParameterIn.ARGUMENT}
    for name, argument in old_args.items():
        if name not in new_args:
            ctx.add(
                "graphql-argument-removed",
                f"the argument '{name}' of {ref.label} was removed",
                ref,
                old=argument.location,
                new=new.location,
            )
    for name, argument in new_args.items():
        before = old_args.get(name)
        if before is None:
            required = argument.required
            ctx.add(
                "graphql-required-argument-added" if required else "graphql-argument-added",
                f"added the {'required' if required else 'optional'} argument '{name}' "
                f"to {ref.label}",
                ref,
                old=old.location,
                new=argument.location,
            )
            continue
        if before.required != argument.required:
            ctx.add(
                "graphql-argument-became-required"
                if argument.required
                else "graphql-argument-became-optional",
                f"the argument '{name}' of {ref.label} became "
                f"{'required' if argument.required else 'optional'}",
                ref,
                old=before.location,
                new=argument.location,
            )
        ctx.compare_schemas(
            Use(GRAPHQL_INPUT, f"the argument '{name}' of {ref.label}", ref, noun="input field"),
            before.json_schema,
            argument.json_schema,
            ctx.parameter_spot(0, before, old.location),
            ctx.parameter_spot(1, argument, new.location),
        )
    old_result, new_result = _result(old), _result(new)
    if old_result is not None and new_result is not None:
        old_response, new_response = old.responses["200"], new.responses["200"]
        ctx.compare_schemas(
            Use(GRAPHQL_OUTPUT, f"the result of {ref.label}", ref, noun="field"),
            old_result.json_schema,
            new_result.json_schema,
            ctx.media_spot(0, old_result, old_response.location, old.location),
            ctx.media_spot(1, new_result, new_response.location, new.location),
        )


__all__ = ["compare_graphql"]
