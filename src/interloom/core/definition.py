"""The base of every model read from a project file, and the field types they share."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from interloom.core.errors import ReferenceSyntaxError
from interloom.core.refs import (
    PLAN_ID_PATTERN,
    SYSTEM_ID_PATTERN,
    Ref,
    RefKind,
)


class Definition(BaseModel):
    """A model read from a project file: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_reference(value: str, *kinds: RefKind) -> str:
    try:
        ref = Ref.parse(value)
    except ReferenceSyntaxError as error:
        raise PydanticCustomError(
            "reference_syntax", "{message}", {"message": error.message, "hint": error.hint or ""}
        ) from None
    if kinds and ref.kind not in kinds:
        wanted = " or ".join(f"{kind}" for kind in kinds)
        raise PydanticCustomError(
            "reference_kind",
            "'{value}' names a {kind}, but this field takes a reference to an {wanted}",
            {
                "value": value,
                "kind": str(ref.kind),
                "wanted": wanted,
                "hint": "write interface:SYSTEM.INTERFACE, e.g. interface:crm.customers.get",
            },
        )
    return value


def _any_reference(value: str) -> str:
    return _check_reference(value)


def _interface_reference(value: str) -> str:
    return _check_reference(value, RefKind.INTERFACE)


_REF_PATTERN = r"^(system|interface|flow|task|milestone):\S+$"

AnyRef = Annotated[
    str,
    AfterValidator(_any_reference),
    Field(
        json_schema_extra={"pattern": _REF_PATTERN},
        description="A reference: system:ID, interface:SYSTEM.ID, flow:ID, task:ID, milestone:ID.",
        examples=["interface:crm.customers.get"],
    ),
]
InterfaceRef = Annotated[
    str,
    AfterValidator(_interface_reference),
    Field(
        json_schema_extra={"pattern": r"^interface:[a-z][a-z0-9-]*\.\S+$"},
        description="A reference to an interface: interface:SYSTEM.INTERFACE.",
        examples=["interface:crm.customers.get"],
    ),
]
SlugId = Annotated[
    str,
    Field(
        pattern=SYSTEM_ID_PATTERN,
        min_length=1,
        max_length=63,
        description="Lower-case letters, digits and '-'.",
    ),
]
PlanId = Annotated[
    str,
    Field(
        pattern=PLAN_ID_PATTERN, min_length=1, max_length=63, description="A task or milestone id."
    ),
]
Text = Annotated[str, Field(min_length=1)]
