"""Checks of the policies a contract states: authentication, errors, rate limits, deprecation.

Where a format cannot state a policy (security in a WSDL, rate limits in AsyncAPI) the check
says so, and relies on the system file where it can, instead of failing it.
"""

from __future__ import annotations

from interloom.core.catalog import AuthKind, Lifecycle
from interloom.core.contracts.model import (
    ChannelAddress,
    ContractFormat,
    GraphQLAddress,
    Operation,
    SoapAddress,
)
from interloom.core.readiness.findings import (
    FIX_CONTRACT,
    NO_CONTRACT,
    Finding,
    resolve_operation,
    unassessable,
)
from interloom.core.readiness.model import InterfaceFacts, ReadinessPolicy, Status

# --- authentication -----------------------------------------------------------------------


def check_auth(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """How callers authenticate is documented: in the contract, and in the system file."""
    auth = facts.system.auth
    in_file = auth.kind is not AuthKind.NONE or auth.description is not None
    file_says = f"the system file says {auth.kind.value}"
    contract = facts.contract
    operation = resolve_operation(facts)
    if operation is not None:
        requirements = operation.security
    else:  # no operation to read: what the contract states for all of them
        requirements = (contract.security or None) if contract is not None else None
    if requirements is not None and any(requirements):
        schemes = sorted({name for requirement in requirements for name in requirement})
        undeclared = [s for s in schemes if contract is None or s not in contract.security_schemes]
        if undeclared:
            return Finding(
                Status.WARN,
                f"the contract requires scheme(s) it does not declare: {', '.join(undeclared)}",
                "declare them under components.securitySchemes",
            )
        kinds = ", ".join(
            f"{name} ({contract.security_schemes[name].type})" for name in schemes if contract
        )
        return Finding(Status.PASS, f"the contract requires {kinds}; {file_says}")
    if requirements is not None:  # explicitly open: `security: []` or only `{}`
        if auth.kind is AuthKind.NONE:
            return Finding(Status.PASS, "open: the contract and the system file agree")
        return Finding(
            Status.WARN,
            f"the contract says the operation is open, but {file_says}",
            "make the contract's security and the system file's auth agree",
        )
    if not in_file:
        return Finding(
            Status.FAIL,
            "authentication is documented nowhere: not in the contract, not in the system file",
            "declare 'auth' in the system file, and security in the contract "
            "('security: []' for an open API)",
        )
    if contract is not None and contract.format is ContractFormat.WSDL:
        if auth.description:
            return Finding(
                Status.PASS,
                f"a WSDL does not state security; {file_says}: {auth.description}",
                None,
            )
        return Finding(
            Status.WARN,
            f"a WSDL does not state security, and {file_says} without describing it",
            "describe the credentials (user, certificate, WS-Security profile) under auth",
        )
    if contract is None:
        return Finding(Status.WARN, f"{NO_CONTRACT}; only {file_says}", FIX_CONTRACT)
    return Finding(
        Status.WARN,
        f"the contract states no security; only {file_says}",
        "declare securitySchemes and security in the contract, so mocks and tests enforce it",
    )


# --- error model --------------------------------------------------------------------------


def _has_schema(operation: Operation, status: str) -> bool:
    response = operation.responses[status]
    return any(media.json_schema for media in response.content.values())


def check_errors(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """Errors are documented: 4xx and 5xx responses with schemas, or SOAP faults."""
    blocked = unassessable(facts)
    if blocked is not None:
        return blocked
    operation = resolve_operation(facts)
    if operation is None:
        return Finding(Status.NOT_APPLICABLE, "a data schema has no error responses")
    address = operation.address
    if isinstance(address, ChannelAddress):
        return Finding(Status.NOT_APPLICABLE, "a message has no error responses")
    if isinstance(address, GraphQLAddress):
        return Finding(Status.NOT_APPLICABLE, "GraphQL reports errors in its response envelope")
    if isinstance(address, SoapAddress):
        fault = operation.responses.get("500")
        if fault is not None and _has_schema(operation, "500"):
            return Finding(Status.PASS, fault.description or "SOAP faults declared")
        return Finding(
            Status.FAIL,
            "no SOAP fault is declared",
            "declare wsdl:fault elements with their detail element in the port type",
        )
    statuses = [s for s in operation.responses if s[0] in "45" or s == "default"]
    if not statuses:
        return Finding(
            Status.FAIL,
            "no error response (4xx, 5xx or default) is documented",
            "document the 4xx and 5xx responses with a body schema (e.g. RFC 9457 problem "
            "details), so that consumers can handle them",
        )
    with_schema = [s for s in statuses if _has_schema(operation, s)]
    client = [s for s in with_schema if s[0] == "4" or s == "default"]
    server = [s for s in with_schema if s[0] == "5" or s == "default"]
    listed = ", ".join(statuses)
    if client and server:
        return Finding(Status.PASS, f"error responses with schemas: {listed}")
    gaps = []
    if not client:
        gaps.append("no 4xx response with a body schema")
    if not server:
        gaps.append("no 5xx response with a body schema")
    return Finding(
        Status.WARN,
        f"error responses {listed}, but {' and '.join(gaps)}",
        "document what the system answers when it fails (5xx) as well as when the caller "
        "does (4xx), each with its body schema",
    )


# --- rate limits --------------------------------------------------------------------------

_RATE_HEADER_PREFIXES = ("ratelimit", "x-ratelimit", "x-rate-limit")
_RATE_EXTENSION_WORDS = ("ratelimit", "rate-limit", "rate_limit", "throttl", "quota")


def _rate_headers(operation: Operation) -> list[str]:
    names = {name for response in operation.responses.values() for name in response.headers}
    return sorted(
        name
        for name in names
        if name.lower() == "retry-after" or name.lower().startswith(_RATE_HEADER_PREFIXES)
    )


def check_rate_limits(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """Rate limits are documented: a 429 answer, rate-limit headers, or an extension."""
    blocked = unassessable(facts)
    if blocked is not None:
        return blocked
    operation = resolve_operation(facts)
    if operation is None:
        return Finding(Status.NOT_APPLICABLE, "a data schema has no rate limit")
    address = operation.address
    if isinstance(address, ChannelAddress):
        return Finding(Status.NOT_APPLICABLE, "messages: the consumer sets the pace")
    if isinstance(address, SoapAddress):
        return Finding(Status.NOT_APPLICABLE, "a WSDL has no way to state rate limits")
    extensions = sorted(
        name for name in facts.extensions if any(w in name.lower() for w in _RATE_EXTENSION_WORDS)
    )
    headers = _rate_headers(operation)
    too_many = "429" in operation.responses
    if extensions:
        return Finding(Status.PASS, f"stated by extension: {', '.join(extensions)}")
    if headers:
        answer = "429 with " if too_many else ""
        return Finding(Status.PASS, f"{answer}headers {', '.join(headers)}")
    if too_many:
        return Finding(
            Status.WARN,
            "429 is documented, but not when to try again",
            "declare Retry-After or RateLimit headers on the 429 response",
        )
    return Finding(
        Status.FAIL,
        "rate limits are not documented",
        "document the 429 response with Retry-After or RateLimit headers, or state the limit "
        "in an x-rate-limit extension",
    )


# --- deprecation --------------------------------------------------------------------------


def check_deprecation(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """A deprecated interface says so in its contract, with a sunset date."""
    contract = facts.contract
    operation = resolve_operation(facts)
    flagged = operation is not None and (
        operation.deprecated
        or any(
            contract is not None and m in contract.messages and contract.messages[m].deprecated
            for m in operation.messages
        )
    )
    retiring = facts.lifecycle in (Lifecycle.DEPRECATED, Lifecycle.RETIRED)
    consumers = (
        f"; consumers to move: {', '.join(facts.consumers)}" if facts.consumers else "; no consumer"
    )
    if not flagged and not retiring:
        return Finding(Status.NOT_APPLICABLE, "not deprecated")
    if not flagged:
        if contract is not None and contract.format is ContractFormat.WSDL:
            return Finding(
                Status.WARN,
                f"{facts.lifecycle.value}, which a WSDL cannot flag{consumers}",
                "announce the sunset date to the consumers in writing",
            )
        return Finding(
            Status.FAIL,
            f"the catalog says {facts.lifecycle.value}, but the contract does not flag the "
            f"operation deprecated{consumers}",
            "mark the operation 'deprecated: true' with an 'x-sunset' date, so that consumers' "
            "tools warn them",
        )
    if not retiring:
        return Finding(
            Status.WARN,
            f"the contract flags the operation deprecated, but its lifecycle is "
            f"{facts.lifecycle.value}",
            f"interloom interfaces set-lifecycle {facts.ref.removeprefix('interface:')} deprecated",
        )
    assert operation is not None
    if operation.sunset:
        return Finding(Status.PASS, f"deprecated, sunset {operation.sunset}{consumers}")
    return Finding(
        Status.WARN,
        f"deprecated without a sunset date{consumers}",
        "add 'x-sunset' with the date the operation goes away",
    )
