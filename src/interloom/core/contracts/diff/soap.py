"""SOAP: operations of a WSDL port type, their binding, body elements and faults.

Operations pair by port type and name, then by name alone (a renamed port type keeps its
operations). XML names are on the wire, so an element's name or namespace is part of the
contract; the names of XSD types are not, so types are compared by content.
"""

from __future__ import annotations

from interloom.core.contracts.diff.context import DiffContext, OperationRef, Places, Use
from interloom.core.contracts.diff.keywords import ref_of
from interloom.core.contracts.diff.operations import operation_ref
from interloom.core.contracts.diff.parameters import compare_parameters
from interloom.core.contracts.diff.scopes import SOAP_REQUEST, SOAP_RESPONSE
from interloom.core.contracts.model import MediaType, Operation, SoapAddress

_BINDING = (
    ("soap_action", "soap-action-changed", "SOAPAction"),
    ("soap_version", "soap-version-changed", "SOAP version"),
    ("style", "soap-style-changed", "binding style"),
    ("endpoint", "soap-endpoint-changed", "endpoint"),
    ("input_element", "soap-body-element-changed", "request body element"),
    ("output_element", "soap-body-element-changed", "response body element"),
)


def _name(operation: Operation) -> str:
    address = operation.address
    return address.operation if isinstance(address, SoapAddress) else operation.id


def compare_soap(ctx: DiffContext, old_ops: list[Operation], new_ops: list[Operation]) -> None:
    """SOAP operations added, removed, rebound, and their messages."""
    new_by_key = {op.match_key: op for op in new_ops}
    leftovers: list[Operation] = []
    pairs: list[tuple[Operation, Operation]] = []
    for operation in old_ops:
        match = new_by_key.pop(operation.match_key, None)
        if match is None:
            leftovers.append(operation)
        else:
            pairs.append((operation, match))
    by_name = {_name(op): op for op in new_by_key.values()}
    for operation in leftovers:
        match = by_name.pop(_name(operation), None)
        if match is None:
            ref = operation_ref(operation)
            ctx.add(
                "soap-operation-removed",
                f"the SOAP operation {ref.label} was removed",
                ref,
                old=operation.location,
            )
        else:
            new_by_key.pop(match.match_key, None)
            pairs.append((operation, match))
    for before, after in pairs:
        _compare_operation(ctx, before, after, operation_ref(after))
    for operation in new_by_key.values():
        ref = operation_ref(operation)
        ctx.add(
            "soap-operation-added",
            f"the SOAP operation {ref.label} was added",
            ref,
            new=operation.location,
        )


def _body(content: dict[str, MediaType]) -> MediaType | None:
    return next(iter(content.values()), None)


def _faults(operation: Operation) -> dict[str, str]:
    response = operation.responses.get("500")
    media = _body(response.content) if response else None
    schema = media.json_schema if media else None
    if not schema:
        return {}
    alternatives = schema.get("oneOf")
    members = alternatives if isinstance(alternatives, list) else [schema]
    faults: dict[str, str] = {}
    for member in members:
        if isinstance(member, dict):
            name = member.get("title") or ref_of(member)
            if isinstance(name, str):
                faults[name] = name
    return faults


def _compare_operation(ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef) -> None:
    places = Places(old=old.location, new=new.location)
    if isinstance(old.address, SoapAddress) and isinstance(new.address, SoapAddress):
        for attribute, rule_id, label in _BINDING:
            before, after = getattr(old.address, attribute), getattr(new.address, attribute)
            if before != after and before is not None and after is not None:
                ctx.add(
                    rule_id,
                    f"the {label} of {ref.label} changed from '{before}' to '{after}'",
                    ref,
                    **places,
                )
    compare_parameters(ctx, old, new, ref)  # SOAP headers
    old_request = _body(old.request_body.content) if old.request_body else None
    new_request = _body(new.request_body.content) if new.request_body else None
    if old_request is not None and new_request is not None:
        ctx.compare_schemas(
            Use(SOAP_REQUEST, f"the request of {ref.label}", ref, noun="element"),
            old_request.json_schema,
            new_request.json_schema,
            ctx.media_spot(0, old_request, old.location),
            ctx.media_spot(1, new_request, new.location),
        )
    old_response, new_response = old.responses.get("200"), new.responses.get("200")
    old_output = _body(old_response.content) if old_response else None
    new_output = _body(new_response.content) if new_response else None
    if old_output is not None and new_output is not None:
        ctx.compare_schemas(
            Use(SOAP_RESPONSE, f"the response of {ref.label}", ref, noun="element"),
            old_output.json_schema,
            new_output.json_schema,
            ctx.media_spot(0, old_output, old.location),
            ctx.media_spot(1, new_output, new.location),
        )
    old_faults, new_faults = _faults(old), _faults(new)
    for fault in sorted(set(new_faults) - set(old_faults)):
        ctx.add("soap-fault-added", f"{ref.label} may now return the fault {fault}", ref, **places)
    for fault in sorted(set(old_faults) - set(new_faults)):
        ctx.add(
            "soap-fault-removed", f"{ref.label} no longer returns the fault {fault}", ref, **places
        )


__all__ = ["compare_soap"]
