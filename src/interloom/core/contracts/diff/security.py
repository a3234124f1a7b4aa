"""Security: requirements in force for each operation and the contract, and security schemes.

oasdiff rates every security change ``INFO``, and its ids keep their levels here.
"""

from __future__ import annotations

from interloom.core.contracts.diff.context import DiffContext, OperationRef, Places
from interloom.core.contracts.model import (
    Contract,
    Operation,
    SecurityRequirement,
    SecurityScheme,
    SourceLocation,
)


def requirements(operation: Operation, contract: Contract) -> tuple[SecurityRequirement, ...]:
    """The security requirements in force for an operation (its own, else the contract's)."""
    return operation.security if operation.security is not None else contract.security


def _describe(requirement: SecurityRequirement) -> str:
    return (
        " + ".join(
            f"{scheme} [{', '.join(scopes)}]" if scopes else scheme
            for scheme, scopes in sorted(requirement.items())
        )
        or "no authentication"
    )


_OPERATION_SECURITY = {
    "added": "api-security-added",
    "removed": "api-security-removed",
    "scope-added": "api-security-scope-added",
    "scope-removed": "api-security-scope-removed",
}
_GLOBAL_SECURITY = {
    "added": "api-global-security-added",
    "removed": "api-global-security-removed",
    "scope-added": "api-global-security-scope-added",
    "scope-removed": "api-global-security-scope-removed",
}


def compare_requirements(
    ctx: DiffContext,
    old: tuple[SecurityRequirement, ...],
    new: tuple[SecurityRequirement, ...],
    ref: OperationRef | None,
    *,
    old_at: SourceLocation | None,
    new_at: SourceLocation | None,
) -> None:
    """Alternatives of security added or removed, and scopes of the ones kept.

    ``ref`` names the operation; without one, these are the contract's global requirements.
    """
    rules = _OPERATION_SECURITY if ref is not None else _GLOBAL_SECURITY
    old_by = {frozenset(r): r for r in old}
    new_by = {frozenset(r): r for r in new}
    subject = "the operation" if ref is not None else "the contract"
    places = Places(old=old_at, new=new_at)
    for key, requirement in old_by.items():
        if key not in new_by:
            ctx.add(
                rules["removed"],
                f"{subject} no longer accepts the security requirement {_describe(requirement)}",
                ref,
                **places,
            )
    for key, requirement in new_by.items():
        before = old_by.get(key)
        if before is None:
            ctx.add(
                rules["added"],
                f"{subject} accepts the new security requirement {_describe(requirement)}",
                ref,
                **places,
            )
            continue
        for scheme in sorted(requirement):
            old_scopes, new_scopes = set(before.get(scheme, ())), set(requirement[scheme])
            for scope in sorted(new_scopes - old_scopes):
                ctx.add(
                    rules["scope-added"],
                    f"{subject} needs the scope '{scope}' of '{scheme}'",
                    ref,
                    **places,
                )
            for scope in sorted(old_scopes - new_scopes):
                ctx.add(
                    rules["scope-removed"],
                    f"{subject} no longer needs the scope '{scope}' of '{scheme}'",
                    ref,
                    **places,
                )


def compare_security(ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef) -> None:
    """The security requirements in force for an operation present in both versions."""
    compare_requirements(
        ctx,
        requirements(old, ctx.old),
        requirements(new, ctx.new),
        ref,
        old_at=ctx.below(0, old.location, "security"),
        new_at=ctx.below(1, new.location, "security"),
    )


def compare_security_schemes(ctx: DiffContext) -> None:
    """Security schemes added, removed, retyped; OAuth scopes and URLs of their flows."""
    old, new = ctx.old.security_schemes, ctx.new.security_schemes
    for name, scheme in old.items():
        if name not in new:
            ctx.add(
                "api-security-component-removed",
                f"the security scheme '{name}' was removed",
                None,
                old=scheme.location,
            )
    for name, scheme in new.items():
        before = old.get(name)
        if before is None:
            ctx.add(
                "api-security-component-added",
                f"the security scheme '{name}' was added",
                None,
                new=scheme.location,
            )
            continue
        _compare_scheme(ctx, name, before, scheme)
    compare_requirements(
        ctx,
        ctx.old.security,
        ctx.new.security,
        None,
        old_at=ctx.below(0, SourceLocation(file=ctx.old.file), "security"),
        new_at=ctx.below(1, SourceLocation(file=ctx.new.file), "security"),
    )


def _compare_scheme(ctx: DiffContext, name: str, old: SecurityScheme, new: SecurityScheme) -> None:
    places = Places(old=old.location, new=new.location)
    if old.type != new.type:
        ctx.add(
            "api-security-component-type-changed",
            f"the type of the security scheme '{name}' changed from {old.type} to {new.type}",
            None,
            **places,
        )
        return
    for flow_name, flow in new.flows.items():
        before = old.flows.get(flow_name)
        if before is None:
            continue
        label = f"the OAuth flow {flow_name} of '{name}'"

        def at(
            *tokens: str, flow: str = flow_name, scope: str | None = None, side: int = -1
        ) -> Places:
            """Pointers into both flows; ``scope`` only on ``side``, where it exists."""
            old_tokens = (*tokens, scope) if scope is not None and side == 0 else tokens
            new_tokens = (*tokens, scope) if scope is not None and side == 1 else tokens
            return Places(
                old=ctx.below(0, old.location, "flows", flow, *old_tokens),
                new=ctx.below(1, new.location, "flows", flow, *new_tokens),
            )

        for scope in sorted(set(flow.scopes) - set(before.scopes)):
            ctx.add(
                "api-security-component-oauth-scope-added",
                f"{label} offers the new scope '{scope}'",
                None,
                **at("scopes", scope=scope, side=1),
            )
        for scope in sorted(set(before.scopes) - set(flow.scopes)):
            ctx.add(
                "api-security-component-oauth-scope-removed",
                f"{label} no longer offers the scope '{scope}'",
                None,
                **at("scopes", scope=scope, side=0),
            )
        if before.authorization_url != flow.authorization_url:
            ctx.add(
                "api-security-component-oauth-url-changed",
                f"the authorization URL of {label} changed from {before.authorization_url} "
                f"to {flow.authorization_url}",
                None,
                **at("authorizationUrl"),
            )
        if before.token_url != flow.token_url:
            ctx.add(
                "api-security-component-oauth-token-url-changed",
                f"the token URL of {label} changed from {before.token_url} to {flow.token_url}",
                None,
                **at("tokenUrl"),
            )


__all__ = ["compare_requirements", "compare_security", "compare_security_schemes", "requirements"]
