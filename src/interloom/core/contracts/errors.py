"""What can go wrong importing a contract: fatal errors (exceptions) and warnings (codes).

A contract that cannot be imported raises a :class:`ContractError`; each carries the
``Location`` at fault (file, line, column and JSON pointer) and, where it helps, a hint::

    ContractError                    E-CONTRACT-001  422  malformed: not YAML/JSON/XML/SDL
    ├── ContractFormatError          E-CONTRACT-002  422  unknown format, unsupported version
    ├── ContractReferenceError       E-CONTRACT-003  422  a $ref or name that resolves to nothing
    └── ContractStructureError       E-CONTRACT-004  422  a field of the wrong type, or missing

A contract that imports with flaws keeps them as warnings (``W-CONTRACT-…``), listed on the
contract with their locations. Codes are stable and never reused for another meaning.
"""

from __future__ import annotations

from enum import StrEnum

from interloom.core.errors import InterloomError


class ContractError(InterloomError):
    """A contract document is malformed: it does not parse as its format."""

    code = "E-CONTRACT-001"
    status = 422


class ContractFormatError(ContractError):
    """A contract's format is not recognised, or its version is not supported."""

    code = "E-CONTRACT-002"
    status = 422


class ContractReferenceError(ContractError):
    """A reference in a contract (``$ref``, message, type or binding name) resolves to nothing."""

    code = "E-CONTRACT-003"
    status = 422


class ContractStructureError(ContractError):
    """A contract field has the wrong type, a required field is missing, or a value is invalid."""

    code = "E-CONTRACT-004"
    status = 422


class ContractWarningCode(StrEnum):
    """Stable codes of the flaws an import tolerates; listed on the contract, never fatal."""

    MISSING_OPERATION_ID = "W-CONTRACT-001"
    DUPLICATE_OPERATION_ID = "W-CONTRACT-002"
    UNKNOWN_FIELD = "W-CONTRACT-003"
    UNSUPPORTED_FEATURE = "W-CONTRACT-004"
    INVALID_SCHEMA = "W-CONTRACT-005"
    SCHEMA_RENAMED = "W-CONTRACT-006"
    PATH_PARAMETER_MISMATCH = "W-CONTRACT-007"
    NO_OPERATIONS = "W-CONTRACT-008"
    UNDECLARED_SECURITY_SCHEME = "W-CONTRACT-009"


WARNING_DESCRIPTIONS: dict[ContractWarningCode, str] = {
    ContractWarningCode.MISSING_OPERATION_ID: (
        "An operation has no id (operationId, name); one was made from its method and path."
    ),
    ContractWarningCode.DUPLICATE_OPERATION_ID: (
        "Two operations share one id; the later one was given a suffix."
    ),
    ContractWarningCode.UNKNOWN_FIELD: "A field the format does not define (often a typo).",
    ContractWarningCode.UNSUPPORTED_FEATURE: (
        "A construct Interloom does not import yet (callbacks, Avro payloads, encoded SOAP…)."
    ),
    ContractWarningCode.INVALID_SCHEMA: "A schema that is not valid JSON Schema 2020-12.",
    ContractWarningCode.SCHEMA_RENAMED: (
        "Two schemas (from different files) share a name; the later one was renamed."
    ),
    ContractWarningCode.PATH_PARAMETER_MISMATCH: (
        "A path template names a parameter that is not declared, or the other way round."
    ),
    ContractWarningCode.NO_OPERATIONS: "The contract declares no operation, channel or schema.",
    ContractWarningCode.UNDECLARED_SECURITY_SCHEME: (
        "A security requirement names a scheme the contract does not declare."
    ),
}
