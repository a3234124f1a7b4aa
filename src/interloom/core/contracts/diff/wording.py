"""Sentences people read: what a raw schema change means, said about the thing it changed."""

from __future__ import annotations

import json
from typing import Any

_KEYWORDS = {
    "maximum": "maximum",
    "exclusiveMaximum": "exclusive maximum",
    "minimum": "minimum",
    "exclusiveMinimum": "exclusive minimum",
    "maxLength": "maxLength",
    "minLength": "minLength",
    "maxItems": "maxItems",
    "minItems": "minItems",
}


def show(value: Any) -> str:
    """A value as it would be written in JSON, shortened when long."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def quoted(value: Any) -> str:
    """``'gls'`` for strings, ``12`` for numbers."""
    return f"'{value}'" if isinstance(value, str) else show(value)


def describe_schema_change(
    kind: str,
    *,
    where: str,
    path: str,
    noun: str,
    old_value: Any,
    new_value: Any,
    detail: str | None,
    owner: str | None,
) -> str:
    """One sentence for a raw change of kind ``kind`` at ``path`` (``""``: the root) of ``where``.

    ``noun`` names a property in this kind of contract (``property``, ``field``, ``element``);
    ``owner`` is the named schema (or type) the change sits in.
    """
    inside = f" (in {owner})" if owner else ""
    name = path.lstrip("/")
    thing = f"{noun} '{name}' of {where}" if name else where
    # A GraphQL output field is always there when selected: required or not says nothing.
    plain = noun == "field"
    if kind.endswith("-property-removed"):
        level = "" if plain else "required " if kind.startswith("required") else "optional "
        return f"removed the {level}{noun} '{name}' from {where}{inside}"
    if kind.startswith(("required-property-added", "optional-property-added")):
        level = "" if plain else "required " if kind.startswith("required") else "optional "
        default = " (with a default value)" if kind.endswith("with-default") else ""
        return f"added the {level}{noun} '{name}'{default} to {where}{inside}"
    simple = {
        "property-became-required": f"{thing} became required{inside}",
        "property-became-optional": f"{thing} became optional{inside}",
        "property-deprecated": f"{thing} was deprecated{inside}",
        "property-reactivated": f"{thing} is no longer deprecated{inside}",
        "became-nullable": f"{thing} may now be null{inside}",
        "became-not-nullable": f"{thing} may no longer be null{inside}",
        "additional-properties-closed": (
            f"{thing} no longer accepts properties it does not declare{inside}"
        ),
        "additional-properties-opened": (
            f"{thing} may now have properties it does not declare{inside}"
        ),
    }
    if kind in simple:
        return simple[kind]
    if kind.startswith(("type-", "list-of-types-")):
        verb = {
            "type-changed": "changed",
            "type-generalized": "was widened",
            "type-specialized": "was narrowed",
            "list-of-types-narrowed": "lost types",
            "list-of-types-widened": "gained types",
        }[kind]
        return f"the type of {thing} {verb}: {show(old_value)} -> {show(new_value)}{inside}"
    if kind == "enum-value-removed":
        return f"removed the value {quoted(old_value)} from the enum of {thing}{inside}"
    if kind == "enum-value-added":
        return f"added the value {quoted(new_value)} to the enum of {thing}{inside}"
    if kind == "became-enum":
        values = ", ".join(quoted(v) for v in (new_value or []))
        return f"{thing} is now restricted to the values {values}{inside}"
    for stem, label in (("const", "constant"), ("default-value", "default value")):
        if kind == f"{stem}-added":
            return f"{thing} got the {label} {quoted(new_value)}{inside}"
        if kind == f"{stem}-removed":
            return f"{thing} lost its {label} {quoted(old_value)}{inside}"
        if kind == f"{stem}-changed":
            return (
                f"the {label} of {thing} changed from {quoted(old_value)} "
                f"to {quoted(new_value)}{inside}"
            )
    if kind == "pattern-added":
        return f"{thing} must now match the pattern '{new_value}'{inside}"
    if kind == "pattern-removed":
        return f"{thing} no longer has to match the pattern '{old_value}'{inside}"
    if kind == "pattern-changed":
        return f"the pattern of {thing} changed from '{old_value}' to '{new_value}'{inside}"
    if detail in _KEYWORDS:
        keyword = _KEYWORDS[detail]
        if kind.endswith("-set"):
            return f"{thing} got a {keyword} of {show(new_value)}{inside}"
        if kind.endswith("-unset"):
            return f"{thing} lost its {keyword} of {show(old_value)}{inside}"
        return (
            f"the {keyword} of {thing} changed from {show(old_value)} to {show(new_value)}{inside}"
        )
    if kind.startswith(("one-of-", "any-of-")):
        keyword = "oneOf" if kind.startswith("one-of") else "anyOf"
        if plain:  # a GraphQL union
            if kind.endswith("-added"):
                return f"the union of {thing} has the new member {show(new_value)}{inside}"
            return f"the union of {thing} lost the member {show(old_value)}{inside}"
        if kind.endswith("-added"):
            return f"added the alternative {show(new_value)} to the {keyword} of {thing}{inside}"
        return f"removed the alternative {show(old_value)} from the {keyword} of {thing}{inside}"
    if kind == "xml-namespace-changed":
        label = "XML namespace" if detail == "namespace" else "XML name"
        return f"the {label} of {thing} changed from '{old_value}' to '{new_value}'{inside}"
    return f"{thing} changed ({kind}){inside}"


__all__ = ["describe_schema_change", "quoted", "show"]
