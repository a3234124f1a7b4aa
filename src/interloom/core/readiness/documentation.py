"""Checks of what a contract documents: the contract itself, examples, servers.

Checks read the contract's canonical model, so one rule serves OpenAPI, AsyncAPI, WSDL and
GraphQL alike; where a format cannot express something (examples in a WSDL) the check says so
instead of failing it.
"""

from __future__ import annotations

from collections.abc import Iterator

from interloom.core.contracts.model import (
    Contract,
    ContractFormat,
    JsonSchema,
    MediaType,
    Operation,
    SoapAddress,
)
from interloom.core.contracts.schemas import schema_ref_name
from interloom.core.readiness.findings import (
    FIX_CONTRACT,
    Finding,
    resolve_operation,
    unassessable,
    where_of,
)
from interloom.core.readiness.model import InterfaceFacts, ReadinessPolicy, Status
from interloom.core.suggestions import did_you_mean

# --- contract -----------------------------------------------------------------------------


def check_contract(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """The contract imports, names the interface's operation, and has no warnings."""
    contract = facts.contract
    if contract is None:
        problem = facts.contract_problem
        return Finding(
            Status.FAIL,
            str(problem) if problem else "no contract was read",
            (problem.hint if problem and problem.hint else None) or FIX_CONTRACT,
        )
    kind = f"{contract.format.value} {contract.format_version}"
    named = facts.interface.operation
    operation = resolve_operation(facts)
    if named is not None and operation is None:
        known = [op.id for op in contract.operations]
        return Finding(
            Status.FAIL,
            f"operation '{named}' is not in {contract.file} ({kind})",
            did_you_mean(named, known) or f"it declares: {', '.join(known) or 'no operation'}",
        )
    if operation is None and len(contract.operations) > 1:
        return Finding(
            Status.WARN,
            f"the interface names none of the {len(contract.operations)} operations of "
            f"{contract.file}: it is not one operation",
            "name one with 'operation:' in the system file",
        )
    if contract.warnings:
        first = contract.warnings[0].render()
        return Finding(
            Status.WARN,
            f"{contract.file} ({kind}) imports with {len(contract.warnings)} warning(s); "
            f"first: {first}",
            f"interloom contracts inspect {contract.file} lists them all",
        )
    what = f"operation {operation.id}" if operation else "its schemas"
    return Finding(
        Status.PASS,
        f"{contract.file} ({kind}) imports cleanly; {what} found",
        None,
        where_of(operation),
    )


# --- examples -----------------------------------------------------------------------------


def _schema_has_example(contract: Contract, schema: JsonSchema | None) -> bool:
    if not schema:
        return False
    if "examples" in schema or "example" in schema:
        return True
    ref = schema.get("$ref")
    name = schema_ref_name(ref) if isinstance(ref, str) else None
    entry = contract.schemas.get(name) if name else None
    return entry is not None and ("examples" in entry.json_schema or "example" in entry.json_schema)


def _media_has_example(contract: Contract, media: MediaType) -> bool:
    return bool(media.examples) or _schema_has_example(contract, media.json_schema)


def _bodies(contract: Contract, operation: Operation) -> Iterator[tuple[str, bool]]:
    """Each body of the operation (request, success responses, messages) and if it has examples."""
    if operation.request_body is not None:
        for media_type, media in operation.request_body.content.items():
            yield f"request {media_type}", _media_has_example(contract, media)
    for status, response in operation.responses.items():
        if status.startswith("2"):
            for media_type, media in response.content.items():
                yield f"response {status} {media_type}", _media_has_example(contract, media)
    for message_id in (*operation.messages, *operation.reply_messages):
        message = contract.messages.get(message_id)
        if message is not None:
            has = bool(message.examples) or _schema_has_example(contract, message.payload)
            yield f"message {message_id}", has


def check_examples(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """Every body the operation carries has at least one example."""
    blocked = unassessable(facts)
    if blocked is not None:
        return blocked
    contract = facts.contract
    assert contract is not None
    operation = resolve_operation(facts)
    if operation is None:  # a data schema without operations
        entries = list(contract.schemas.values())
        with_examples = [e.name for e in entries if _schema_has_example(contract, e.json_schema)]
        if not entries:
            return Finding(Status.NOT_APPLICABLE, "the contract declares no schema")
        status = Status.PASS if with_examples else Status.FAIL
        return Finding(
            status,
            f"{len(with_examples)} of {len(entries)} schemas have examples",
            None if with_examples else "add 'examples' to the schemas",
        )
    if contract.format is ContractFormat.WSDL:
        return Finding(
            Status.WARN,
            "a WSDL cannot carry examples; mocks and tests make samples from its XML Schema",
            "check the generated samples against real messages from the system's team",
        )
    bodies = list(_bodies(contract, operation))
    if not bodies:
        return Finding(Status.NOT_APPLICABLE, "the operation carries no body to exemplify")
    missing = [name for name, has in bodies if not has]
    if not missing:
        every = "the only body has" if len(bodies) == 1 else f"all {len(bodies)} bodies have"
        return Finding(Status.PASS, f"{every} examples")
    hint = (
        "add 'examples' to the media types (OpenAPI) or messages (AsyncAPI), so that mocks "
        "answer realistic data and consumers see the shape at a glance"
    )
    if len(missing) == len(bodies):
        return Finding(Status.FAIL, f"no body has an example ({', '.join(missing)})", hint)
    return Finding(
        Status.WARN,
        f"{len(bodies) - len(missing)} of {len(bodies)} bodies have examples; "
        f"missing: {', '.join(missing)}",
        hint,
    )


# --- servers ------------------------------------------------------------------------------


def _contract_servers(contract: Contract | None, operation: Operation | None) -> list[str]:
    if contract is None:
        return []
    servers = [s.url for s in (operation.servers if operation else ()) or contract.servers]
    address = operation.address if operation is not None else None
    if isinstance(address, SoapAddress) and address.endpoint and address.endpoint not in servers:
        servers.append(address.endpoint)
    return servers


def check_servers(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """Where the interface is served: in the contract, and per environment in the system file."""
    operation = resolve_operation(facts)
    servers = _contract_servers(facts.contract, operation)
    base_urls = facts.system.base_urls
    missing = [env for env in facts.environments if env not in base_urls]
    in_contract = f"the contract names {len(servers)} server(s)" if servers else ""
    in_file = f"base URLs for {', '.join(base_urls)}" if base_urls else ""
    if not servers and not base_urls:
        return Finding(
            Status.FAIL,
            "no server is documented: none in the contract, no base URL in the system file",
            "list the servers in the contract and the base URL per environment under base_urls",
        )
    if not base_urls:
        return Finding(
            Status.WARN,
            f"{in_contract}, but the system file has no base URL",
            "add base_urls per environment to the system file",
        )
    if missing:
        return Finding(
            Status.WARN,
            f"{in_file}, none for {', '.join(missing)}",
            f"add base URLs for {', '.join(missing)} to the system file",
        )
    if not servers:
        return Finding(
            Status.WARN,
            f"{in_file}, but the contract names no server",
            "list the servers in the contract, so its readers know where it is served",
        )
    return Finding(Status.PASS, f"{in_contract}; {in_file}")
