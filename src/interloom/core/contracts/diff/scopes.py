"""Where a schema is used decides what a change to it means: the scopes and their rule tables.

The same raw change (a property removed, a maximum raised) is breaking in a request and
harmless in a response, or the other way round. A :class:`Scope` is one place a schema can be
used — a request body, a parameter, a response header, a message an application receives, a
GraphQL argument, a SOAP response — with two tables from raw change kinds to rule ids: one for
the root of the schema, one for what lies below it. A kind a table lacks falls back along
:data:`FALLBACK` (``max-set`` → ``max-decreased`` → ``constraint-tightened``); a kind that falls
off the end is not worth reporting there (a maximum lowered in a response).
"""

from __future__ import annotations

from dataclasses import dataclass

from interloom.core.contracts.diff.rules import RULES

SCHEMA_KINDS: tuple[str, ...] = (
    "type-changed",
    "type-generalized",
    "type-specialized",
    "list-of-types-narrowed",
    "list-of-types-widened",
    "became-nullable",
    "became-not-nullable",
    "enum-value-removed",
    "enum-value-added",
    "became-enum",
    "const-added",
    "const-changed",
    "const-removed",
    "default-value-added",
    "default-value-changed",
    "default-value-removed",
    "pattern-added",
    "pattern-changed",
    "pattern-removed",
    *(
        f"{stem}-{move}"
        for stem in ("max", "exclusive-max", "max-length", "max-items")
        for move in ("decreased", "increased", "set", "unset")
    ),
    *(
        f"{stem}-{move}"
        for stem in ("min", "exclusive-min", "min-length", "min-items")
        for move in ("increased", "decreased", "set", "unset")
    ),
    "additional-properties-closed",
    "additional-properties-opened",
    "one-of-added",
    "one-of-removed",
    "any-of-added",
    "any-of-removed",
    "xml-namespace-changed",
)
"""Raw kinds of a schema node, as :mod:`schema_walk` reports them."""

PROPERTY_KINDS: tuple[str, ...] = (
    "required-property-removed",
    "optional-property-removed",
    "required-property-added",
    "required-property-added-with-default",
    "optional-property-added",
    "property-became-required",
    "property-became-optional",
    "property-deprecated",
    "property-reactivated",
)
"""Raw kinds about one property of an object."""


def _bound_fallbacks() -> dict[str, str]:
    fallbacks: dict[str, str] = {}
    for stem in ("max", "exclusive-max", "max-length", "max-items"):
        fallbacks |= {
            f"{stem}-set": f"{stem}-decreased",
            f"{stem}-unset": f"{stem}-increased",
            f"{stem}-decreased": "constraint-tightened",
            f"{stem}-increased": "constraint-loosened",
        }
    for stem in ("min", "exclusive-min", "min-length", "min-items"):
        fallbacks |= {
            f"{stem}-set": f"{stem}-increased",
            f"{stem}-unset": f"{stem}-decreased",
            f"{stem}-increased": "constraint-tightened",
            f"{stem}-decreased": "constraint-loosened",
        }
    return fallbacks


FALLBACK: dict[str, str] = {
    **_bound_fallbacks(),
    "type-specialized": "type-changed",
    "list-of-types-narrowed": "type-specialized",
    "list-of-types-widened": "type-generalized",
    "required-property-added-with-default": "required-property-added",
    "pattern-added": "constraint-tightened",
    "pattern-removed": "constraint-loosened",
    "pattern-changed": "constraint-changed",
    "became-enum": "constraint-tightened",
    "const-added": "constraint-tightened",
    "const-removed": "constraint-loosened",
    "const-changed": "type-changed",
    "one-of-added": "variant-added",
    "any-of-added": "variant-added",
    "one-of-removed": "variant-removed",
    "any-of-removed": "variant-removed",
}
"""What to look up when a scope has no rule for a kind."""


@dataclass(frozen=True, slots=True)
class Scope:
    """One place a schema is used, with its rule tables."""

    name: str
    request_like: bool
    """Data the contract's owner accepts (requests, received messages, arguments)."""
    root: dict[str, str]
    nested: dict[str, str]

    def rule_for(self, kind: str, *, at_root: bool, access: str | None = None) -> str | None:
        """The rule id of a raw change here, or ``None`` when it is not worth reporting."""
        if access == ("read" if self.request_like else "write"):
            return None  # readOnly data is never sent in a request, writeOnly never returned
        table = self.root if at_root else self.nested
        current: str | None = kind
        while current is not None:
            found = table.get(current)
            if found is not None:
                return found
            current = FALLBACK.get(current)
        return None


def _prefixed(prefix: str, **special: str) -> dict[str, str]:
    """``{kind: f"{prefix}-{kind}"}`` for each kind whose rule exists, plus ``special``."""
    table = {kind: f"{prefix}-{kind}" for kind in SCHEMA_KINDS if f"{prefix}-{kind}" in RULES}
    return table | {kind.replace("_", "-"): rule_id for kind, rule_id in special.items()}


def _own(prefix: str, kinds: dict[str, str]) -> dict[str, str]:
    return {kind: f"{prefix}-{suffix}" for kind, suffix in kinds.items()}


_REQUEST_PROPERTIES = {
    "required-property-removed": "request-property-removed",
    "optional-property-removed": "request-property-removed",
    "required-property-added": "new-required-request-property",
    "required-property-added-with-default": "new-required-request-property-with-default",
    "optional-property-added": "new-optional-request-property",
    "property-became-required": "request-property-became-required",
    "property-became-optional": "request-property-became-optional",
    "property-deprecated": "request-property-deprecated",
    "property-reactivated": "request-property-reactivated",
}
_RESPONSE_PROPERTIES = {
    "required-property-removed": "response-required-property-removed",
    "optional-property-removed": "response-optional-property-removed",
    "required-property-added": "response-required-property-added",
    "optional-property-added": "response-optional-property-added",
    "property-became-required": "response-property-became-required",
    "property-became-optional": "response-property-became-optional",
    "property-deprecated": "response-property-deprecated",
    "property-reactivated": "response-property-reactivated",
}

REQUEST_BODY = Scope(
    "request-body",
    True,
    _prefixed("request-body"),
    _prefixed("request-property") | _REQUEST_PROPERTIES,
)
REQUEST_PARAMETER = Scope(
    "request-parameter",
    True,
    _prefixed("request-parameter"),
    _prefixed("request-parameter") | _prefixed("request-parameter-property") | _REQUEST_PROPERTIES,
)
RESPONSE_BODY = Scope(
    "response-body",
    False,
    _prefixed("response-body", enum_value_removed="response-mediatype-enum-value-removed"),
    _prefixed("response-property") | _RESPONSE_PROPERTIES,
)
RESPONSE_HEADER = Scope(
    "response-header", False, _prefixed("response-header"), _prefixed("response-header")
)

_RECEIVED = _own(
    "received-message",
    {
        "required-property-added": "required-property-added",
        "optional-property-added": "optional-property-added",
        "required-property-removed": "property-removed",
        "optional-property-removed": "property-removed",
        "property-became-required": "property-became-required",
        "property-became-optional": "property-became-optional",
        "property-deprecated": "property-deprecated",
        "type-changed": "type-changed",
        "type-generalized": "type-generalized",
        "became-nullable": "became-nullable",
        "became-not-nullable": "became-not-nullable",
        "enum-value-removed": "enum-value-removed",
        "enum-value-added": "enum-value-added",
        "became-enum": "became-enum",
        "constraint-tightened": "constraint-tightened",
        "constraint-loosened": "constraint-loosened",
        "constraint-changed": "constraint-changed",
        "additional-properties-closed": "additional-properties-closed",
        "variant-removed": "variant-removed",
        "variant-added": "variant-added",
    },
)
_SENT = _own(
    "sent-message",
    {
        "required-property-removed": "required-property-removed",
        "optional-property-removed": "optional-property-removed",
        "required-property-added": "property-added",
        "optional-property-added": "property-added",
        "property-became-optional": "property-became-optional",
        "property-became-required": "property-became-required",
        "property-deprecated": "property-deprecated",
        "type-changed": "type-changed",
        "type-generalized": "type-generalized",
        "type-specialized": "type-specialized",
        "became-nullable": "became-nullable",
        "became-not-nullable": "became-not-nullable",
        "enum-value-added": "enum-value-added",
        "enum-value-removed": "enum-value-removed",
        "constraint-loosened": "constraint-loosened",
        "constraint-tightened": "constraint-tightened",
        "constraint-changed": "constraint-changed",
        "additional-properties-opened": "additional-properties-opened",
        "variant-added": "variant-added",
        "variant-removed": "variant-removed",
    },
)
RECEIVED_MESSAGE = Scope("received-message", True, _RECEIVED, _RECEIVED)
SENT_MESSAGE = Scope("sent-message", False, _SENT, _SENT)

# GraphQL: output fields are always present when selected, so requiredness follows
# nullability there; input fields and arguments are optional exactly when nullable, so
# nullability follows requiredness (reported once, as a requiredness change).
_GRAPHQL_OUTPUT = {
    "required-property-removed": "graphql-field-removed",
    "optional-property-removed": "graphql-field-removed",
    "required-property-added": "graphql-field-added",
    "optional-property-added": "graphql-field-added",
    "property-deprecated": "graphql-field-deprecated",
    "type-changed": "graphql-field-type-changed",
    "type-generalized": "graphql-field-type-changed",
    "became-nullable": "graphql-field-became-nullable",
    "became-not-nullable": "graphql-field-became-non-null",
    "enum-value-added": "graphql-enum-value-added",
    "enum-value-removed": "graphql-output-enum-value-removed",
    "variant-added": "graphql-union-member-added",
    "variant-removed": "graphql-union-member-removed",
}
_GRAPHQL_INPUT_VALUES = {
    "enum-value-removed": "graphql-enum-value-removed",
    "enum-value-added": "graphql-input-enum-value-added",
}
GRAPHQL_OUTPUT = Scope("graphql-output", False, _GRAPHQL_OUTPUT, _GRAPHQL_OUTPUT)
GRAPHQL_INPUT = Scope(
    "graphql-input",
    True,
    {
        "type-changed": "graphql-argument-type-changed",
        "type-generalized": "graphql-argument-type-changed",
        "default-value-added": "graphql-argument-default-changed",
        "default-value-changed": "graphql-argument-default-changed",
        "default-value-removed": "graphql-argument-default-changed",
        **_GRAPHQL_INPUT_VALUES,
    },
    {
        "required-property-added": "graphql-required-input-field-added",
        "optional-property-added": "graphql-input-field-added",
        "required-property-removed": "graphql-input-field-removed",
        "optional-property-removed": "graphql-input-field-removed",
        "property-became-required": "graphql-input-field-became-required",
        "property-became-optional": "graphql-input-field-became-optional",
        "type-changed": "graphql-input-field-type-changed",
        "type-generalized": "graphql-input-field-type-changed",
        **_GRAPHQL_INPUT_VALUES,
    },
)

_SOAP_REQUEST = {
    "required-property-added": "soap-request-required-element-added",
    "optional-property-added": "soap-request-optional-element-added",
    "required-property-removed": "soap-request-element-removed",
    "optional-property-removed": "soap-request-element-removed",
    "property-became-required": "soap-request-element-became-required",
    "property-became-optional": "soap-request-element-became-optional",
    "type-changed": "soap-request-element-type-changed",
    "type-generalized": "soap-request-element-type-generalized",
    "became-not-nullable": "soap-request-element-became-not-nillable",
    "enum-value-removed": "soap-request-enum-value-removed",
    "enum-value-added": "soap-request-enum-value-added",
    "constraint-tightened": "soap-request-constraint-tightened",
    "constraint-loosened": "soap-request-constraint-loosened",
    "constraint-changed": "soap-request-constraint-changed",
    "variant-removed": "soap-request-choice-removed",
    "xml-namespace-changed": "soap-element-namespace-changed",
}
_SOAP_RESPONSE = {
    "required-property-removed": "soap-response-required-element-removed",
    "optional-property-removed": "soap-response-optional-element-removed",
    "required-property-added": "soap-response-element-added",
    "optional-property-added": "soap-response-element-added",
    "property-became-optional": "soap-response-element-became-optional",
    "property-became-required": "soap-response-element-became-required",
    "type-changed": "soap-response-element-type-changed",
    "type-generalized": "soap-response-element-type-changed",
    "became-nullable": "soap-response-element-became-nillable",
    "enum-value-added": "soap-response-enum-value-added",
    "constraint-loosened": "soap-response-constraint-loosened",
    "constraint-changed": "soap-response-constraint-changed",
    "variant-added": "soap-response-choice-added",
    "xml-namespace-changed": "soap-element-namespace-changed",
}
SOAP_REQUEST = Scope("soap-request", True, _SOAP_REQUEST, _SOAP_REQUEST)
SOAP_RESPONSE = Scope("soap-response", False, _SOAP_RESPONSE, _SOAP_RESPONSE)

SCOPES: tuple[Scope, ...] = (
    REQUEST_BODY,
    REQUEST_PARAMETER,
    RESPONSE_BODY,
    RESPONSE_HEADER,
    RECEIVED_MESSAGE,
    SENT_MESSAGE,
    GRAPHQL_OUTPUT,
    GRAPHQL_INPUT,
    SOAP_REQUEST,
    SOAP_RESPONSE,
)

__all__ = [
    "FALLBACK",
    "GRAPHQL_INPUT",
    "GRAPHQL_OUTPUT",
    "PROPERTY_KINDS",
    "RECEIVED_MESSAGE",
    "REQUEST_BODY",
    "REQUEST_PARAMETER",
    "RESPONSE_BODY",
    "RESPONSE_HEADER",
    "SCHEMA_KINDS",
    "SCOPES",
    "SENT_MESSAGE",
    "SOAP_REQUEST",
    "SOAP_RESPONSE",
    "Scope",
]
