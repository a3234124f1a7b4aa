"""Problems found in a project directory, each with a stable code, a location and a hint."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    """How bad a problem is: errors make ``validate`` fail, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """Stable problem codes; never reused for another meaning (see ``docs/errors.md``)."""

    PROJECT_MISSING = "E-PROJECT-002"
    YAML_SYNTAX = "E-YAML-001"
    YAML_DUPLICATE_KEY = "E-YAML-002"
    YAML_EMPTY = "E-YAML-003"
    FILE_UNREADABLE = "E-FILE-003"
    UNKNOWN_KEY = "E-SCHEMA-001"
    MISSING_FIELD = "E-SCHEMA-002"
    WRONG_TYPE = "E-SCHEMA-003"
    VALUE_NOT_ALLOWED = "E-SCHEMA-004"
    INVALID_VALUE = "E-SCHEMA-005"
    DUPLICATE_ID = "E-ID-001"
    ID_FILE_MISMATCH = "W-ID-002"
    DANGLING_REFERENCE = "E-REF-001"
    REFERENCE_SYNTAX = "E-REF-002"
    REFERENCE_KIND = "E-REF-003"
    SELF_REFERENCE = "W-REF-004"
    UNKNOWN_OPERATION = "E-REF-005"
    OPERATION_NOT_NAMED = "W-REF-006"
    UNKNOWN_ENVIRONMENT = "E-ENV-001"
    MISSING_CONTRACT = "E-FILE-001"
    CONTRACT_OUTSIDE_PROJECT = "E-FILE-002"
    IGNORED_FILE = "W-FILE-004"
    CONTRACT_UNREADABLE = "W-FILE-005"
    UNKNOWN_PROCESSOR = "E-STEP-001"
    STEP_CONFIG = "E-FLOW-002"
    INTERFACE_CONTRACT = "E-FLOW-020"
    NO_BODY_SCHEMA = "E-FLOW-021"
    PATH_PARAMETER = "E-FLOW-022"
    UNKNOWN_CONNECTOR = "W-CONNECTOR-002"
    CONNECTOR_CONFIG = "W-CONNECTOR-003"
    RACI_ACCOUNTABLE = "E-RACI-001"
    RACI_RESPONSIBLE = "E-RACI-002"
    SPRINT_CONFLICT = "E-SPRINT-001"


DESCRIPTIONS: dict[Code, str] = {
    Code.PROJECT_MISSING: "No interloom.yaml in the project directory.",
    Code.YAML_SYNTAX: "The file is not valid YAML.",
    Code.YAML_DUPLICATE_KEY: "A mapping has the same key twice.",
    Code.YAML_EMPTY: "The file is empty.",
    Code.FILE_UNREADABLE: "The file cannot be read (permissions, encoding).",
    Code.UNKNOWN_KEY: "A key the file kind does not know (often a typo).",
    Code.MISSING_FIELD: "A required field is missing.",
    Code.WRONG_TYPE: "A value has the wrong type (a list where a mapping is expected…).",
    Code.VALUE_NOT_ALLOWED: "A value outside the allowed choices.",
    Code.INVALID_VALUE: "A value that breaks a rule of its field (pattern, range, format).",
    Code.DUPLICATE_ID: "Two definitions share one id.",
    Code.ID_FILE_MISMATCH: "A file's id differs from its file name.",
    Code.DANGLING_REFERENCE: "A reference names nothing in the project.",
    Code.REFERENCE_SYNTAX: "A reference is not of the form kind:id.",
    Code.REFERENCE_KIND: "A reference names the wrong kind of thing for its field.",
    Code.SELF_REFERENCE: "A system consumes its own interface, or a task depends on itself.",
    Code.UNKNOWN_OPERATION: "An interface's operation is not declared in its contract.",
    Code.OPERATION_NOT_NAMED: (
        "An interface names no operation of a contract that declares several (interfaces are "
        "one operation each)."
    ),
    Code.UNKNOWN_ENVIRONMENT: "An environment that interloom.yaml does not declare.",
    Code.MISSING_CONTRACT: "A contract file that does not exist.",
    Code.CONTRACT_OUTSIDE_PROJECT: "A contract path that leaves the project directory.",
    Code.IGNORED_FILE: "A file in a definitions folder that is not read (not .yaml/.yml).",
    Code.CONTRACT_UNREADABLE: "A contract that does not parse; its operations are not checked.",
    Code.UNKNOWN_PROCESSOR: "A flow step's kind names no processor.",
    Code.STEP_CONFIG: "A flow step's config is not what its processor accepts.",
    Code.INTERFACE_CONTRACT: (
        "A step or sink takes its call or schema from an interface whose contract cannot give "
        "it (unreadable, no such operation, not an HTTP operation, no server)."
    ),
    Code.NO_BODY_SCHEMA: (
        "A validate step checks against an interface whose operation declares no body schema "
        "(request body or message payload)."
    ),
    Code.PATH_PARAMETER: (
        "A call to an interface (enrich, http sink) gives no value for a parameter of the "
        "operation's path, or a value for one it does not have."
    ),
    Code.UNKNOWN_CONNECTOR: (
        "A flow's source or sink names a connector not installed here, or one that cannot "
        "play that part: the flow will not run on this installation."
    ),
    Code.CONNECTOR_CONFIG: (
        "A source's or sink's config is not what its connector accepts: the flow will not run."
    ),
    Code.RACI_ACCOUNTABLE: "A deliverable of the RACI matrix without exactly one Accountable.",
    Code.RACI_RESPONSIBLE: "A deliverable of the RACI matrix without a Responsible.",
    Code.SPRINT_CONFLICT: "A task pulled into two different sprints.",
}


class Problem(BaseModel):
    """One problem: what, where, and what to do about it."""

    model_config = ConfigDict(frozen=True)

    code: Code
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    hint: str | None = None

    def render(self) -> str:
        """One line a person reads: ``E-REF-001 systems/crm.yaml:14:5 consumes[0]: …``."""
        where = self.file or ""
        if self.file and self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        parts = [self.code.value]
        if where:
            parts.append(where)
        field_path = f"{self.path}: " if self.path else ""
        text = f"{' '.join(parts)} {field_path}{self.message}"
        return f"{text} ({self.hint})" if self.hint else text


def severity_of(code: Code) -> Severity:
    """Codes starting with ``W-`` are warnings; every other code is an error."""
    return Severity.WARNING if code.value.startswith("W-") else Severity.ERROR


def has_errors(problems: Iterable[Problem]) -> bool:
    """Whether any problem is an error."""
    return any(p.severity is Severity.ERROR for p in problems)


def format_path(path: tuple[str | int, ...]) -> str:
    """A field path as people write it: ``interfaces[2].contract``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in reading order: by file, line, column, then code."""
    return sorted(
        problems,
        key=lambda p: (p.file or "", p.line or 0, p.column or 0, p.code.value, p.message),
    )
