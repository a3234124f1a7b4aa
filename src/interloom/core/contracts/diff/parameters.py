"""Parameters of an operation: added, removed, moved, renamed, made required, their schemas."""

from __future__ import annotations

import re

from interloom.core.contracts.diff.context import DiffContext, OperationRef, Places, Use
from interloom.core.contracts.diff.scopes import (
    REQUEST_PARAMETER,
)
from interloom.core.contracts.model import (
    HttpAddress,
    Operation,
    Parameter,
    ParameterIn,
)

_TEMPLATE = re.compile(r"\{([^}/]*)\}")


def _parameter_key(parameter: Parameter) -> tuple[str, str]:
    name = parameter.name.lower() if parameter.in_ is ParameterIn.HEADER else parameter.name
    return parameter.in_.value, name


def _label(parameter: Parameter) -> str:
    return f"the {parameter.in_.value} parameter '{parameter.name}'"


def _path_names(operation: Operation) -> list[str]:
    address = operation.address
    return _TEMPLATE.findall(address.path) if isinstance(address, HttpAddress) else []


def compare_parameters(ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef) -> None:
    """Parameters added, removed, moved, renamed, made required, and their schemas."""
    pairs: list[tuple[Parameter, Parameter]] = []
    old_rest = [p for p in old.parameters if p.in_ is not ParameterIn.PATH]
    new_rest = [p for p in new.parameters if p.in_ is not ParameterIn.PATH]
    old_path = {p.name: p for p in old.parameters if p.in_ is ParameterIn.PATH}
    new_path = {p.name: p for p in new.parameters if p.in_ is ParameterIn.PATH}
    # Path parameters are positional: renaming {id} to {customerId} keeps the URL.
    for old_name, new_name in zip(_path_names(old), _path_names(new), strict=False):
        before, after = old_path.pop(old_name, None), new_path.pop(new_name, None)
        if before is None or after is None:
            continue
        if old_name != new_name:
            ctx.add(
                "request-path-parameter-renamed",
                f"the path parameter '{old_name}' was renamed '{new_name}'",
                ref,
                old=before.location,
                new=after.location,
            )
        pairs.append((before, after))
    old_rest += old_path.values()
    new_rest += new_path.values()
    new_by_key = {_parameter_key(p): p for p in new_rest}
    unmatched_old: list[Parameter] = []
    for parameter in old_rest:
        match = new_by_key.pop(_parameter_key(parameter), None)
        if match is None:
            unmatched_old.append(parameter)
        else:
            pairs.append((parameter, match))
    by_name = {p.name.lower(): p for p in new_by_key.values()}
    for parameter in unmatched_old:
        moved = by_name.pop(parameter.name.lower(), None)
        if moved is not None:
            new_by_key.pop(_parameter_key(moved), None)
            ctx.add(
                "request-parameter-moved",
                f"{_label(parameter)} moved to the {moved.in_.value}",
                ref,
                old=parameter.location,
                new=moved.location,
            )
            pairs.append((parameter, moved))
        elif parameter.deprecated:
            ctx.add(
                "request-parameter-removed-with-deprecation",
                f"the deprecated {parameter.in_.value} parameter '{parameter.name}' was removed",
                ref,
                old=parameter.location,
                new=new.location,
            )
        else:
            ctx.add(
                "request-parameter-removed",
                f"{_label(parameter)} was removed",
                ref,
                old=parameter.location,
                new=new.location,
            )
    for parameter in new_by_key.values():
        if parameter.in_ is ParameterIn.PATH:
            rule_id, kind = "new-request-path-parameter", "path"
        elif parameter.required:
            rule_id, kind = "new-required-request-parameter", "required"
        else:
            rule_id, kind = "new-optional-request-parameter", "optional"
        ctx.add(
            rule_id,
            f"added the {kind} {parameter.in_.value} parameter '{parameter.name}'"
            if kind != "path"
            else f"added the path parameter '{parameter.name}'",
            ref,
            old=old.location,
            new=parameter.location,
        )
    for before, after in pairs:
        _compare_parameter(ctx, before, after, ref)


def _compare_parameter(ctx: DiffContext, old: Parameter, new: Parameter, ref: OperationRef) -> None:
    label = _label(new)
    where = Places(old=old.location, new=new.location)
    if old.required != new.required:
        ctx.add(
            "request-parameter-became-required"
            if new.required
            else "request-parameter-became-optional",
            f"{label} became {'required' if new.required else 'optional'}",
            ref,
            **where,
        )
    if old.deprecated != new.deprecated:
        ctx.add(
            "request-parameter-deprecated" if new.deprecated else "request-parameter-reactivated",
            f"{label} {'was deprecated' if new.deprecated else 'is no longer deprecated'}",
            ref,
            **where,
        )
    ctx.compare_schemas(
        Use(REQUEST_PARAMETER, label, ref),
        old.json_schema,
        new.json_schema,
        ctx.parameter_spot(0, old),
        ctx.parameter_spot(1, new),
    )


__all__ = ["compare_parameters"]
