"""What belongs to the contract as a whole: security schemes, global security, named schemas."""

from __future__ import annotations

from interloom.core.contracts.diff.context import DiffContext, Places
from interloom.core.contracts.diff.http import compare_requirements
from interloom.core.contracts.model import ContractFormat, SecurityScheme, SourceLocation

_COMPONENT_PARENTS = ("/components/schemas/", "/definitions/", "/$defs/")


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


def compare_schema_components(ctx: DiffContext) -> None:
    """Named schemas (components, definitions) the new version no longer declares."""
    if ctx.old.format in (ContractFormat.GRAPHQL, ContractFormat.WSDL):
        return  # GraphQL types are reported by the GraphQL rules; XSD types are not on the wire
    for name, entry in ctx.old.schemas.items():
        pointer = entry.location.pointer if entry.location else ""
        if name in ctx.new.schemas or not pointer.startswith(_COMPONENT_PARENTS):
            continue
        ctx.add(
            "api-schema-removed",
            f"the schema '{name}' was removed from the components",
            None,
            old=entry.location,
        )


__all__ = ["compare_schema_components", "compare_security_schemes"]
