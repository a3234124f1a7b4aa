"""What can go wrong moving a plan in or out of Interloom (MSPDI, CSV, MPXJ).

Every error is located: an MSPDI fault names the line and the element path
(``/Project/Tasks/Task[3]/PredecessorLink[1]/Type``), a CSV fault the row and the column::

    PlanInterchangeError        E-INTERCHANGE-001  422  a plan file that cannot be imported
    ├── MspdiSyntaxError        E-MSPDI-001        422  not well-formed XML
    ├── MspdiUnsafeError        E-MSPDI-002        422  a DTD or entity declaration (refused)
    ├── MspdiFormatError        E-MSPDI-003        422  XML, but not an MS Project XML document
    ├── MspdiValueError         E-MSPDI-004        422  a value that cannot be read
    ├── MspdiReferenceError     E-MSPDI-005        422  a UID that names no task, resource…
    ├── CsvTasksError           E-CSV-001          422  rows that cannot be read (.problems)
    ├── MpxjUnavailableError    E-MPXJ-001         422  the mpxj extra or Java is missing
    └── MpxjConversionError     E-MPXJ-002         422  MPXJ could not read the file

What an import tolerates (an elapsed lag, a recurring calendar exception it cannot expand…) is
kept as an :class:`InterchangeWarning` with a ``W-MSPDI-…`` code, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from interloom.core.errors import InterloomError, Location


class PlanInterchangeError(InterloomError):
    """A plan file that cannot be imported."""

    code = "E-INTERCHANGE-001"
    status = 422


class MspdiSyntaxError(PlanInterchangeError):
    """An MS Project XML file that is not well-formed XML."""

    code = "E-MSPDI-001"


class MspdiUnsafeError(PlanInterchangeError):
    """An MS Project XML file with a DTD or entity declarations (refused: XXE, entity bombs)."""

    code = "E-MSPDI-002"


class MspdiFormatError(PlanInterchangeError):
    """XML that is not an MS Project XML (MSPDI) document."""

    code = "E-MSPDI-003"


class MspdiValueError(PlanInterchangeError):
    """A value of an MS Project XML file that cannot be read (a bad date, an unknown code)."""

    code = "E-MSPDI-004"


class MspdiReferenceError(PlanInterchangeError):
    """A UID in an MS Project XML file that names no task, resource or calendar of the file."""

    code = "E-MSPDI-005"


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """One fault of a CSV file: its row (1 is the header), column and what is wrong."""

    row: int
    column: str | None
    message: str

    def render(self) -> str:
        """``row 4, column Story Points: 'many' is not a number``."""
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class CsvTasksError(PlanInterchangeError):
    """A CSV file of tasks with rows that cannot be read, each listed with its row and column."""

    code = "E-CSV-001"

    def __init__(self, file: str, problems: list[CsvProblem]) -> None:
        count = len(problems)
        first = problems[0]
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''} in the CSV file; first: {first.render()}",
            location=Location(file=file, line=first.row),
            hint="fix every row listed, then import again",
        )
        self.file = file
        self.problems = problems

    def to_dict(self) -> dict[str, Any]:
        """The error with one detail per problem (``/rows/4/Story Points``)."""
        data = super().to_dict()
        data["details"] = [
            {"pointer": f"/rows/{p.row}/{p.column or ''}".rstrip("/"), "message": p.message}
            for p in self.problems
        ]
        return data


class MpxjUnavailableError(PlanInterchangeError):
    """Reading this file needs MPXJ: the interloom[mpxj] extra and a Java runtime."""

    code = "E-MPXJ-001"


class MpxjConversionError(PlanInterchangeError):
    """MPXJ could not read the file (damaged, password-protected, or a format it lacks)."""

    code = "E-MPXJ-002"


class WarningCode(StrEnum):
    """Stable codes of what an import tolerates; listed with the import, never fatal."""

    ELAPSED_LAG = "W-MSPDI-001"
    RECURRING_EXCEPTION = "W-MSPDI-002"
    MANUAL_TASK = "W-MSPDI-003"
    EXTERNAL_TASK = "W-MSPDI-004"
    NON_WORK_RESOURCE = "W-MSPDI-005"
    MILESTONE_WITH_DURATION = "W-MSPDI-006"
    UNSUPPORTED_VALUE = "W-MSPDI-007"
    RENAMED_ID = "W-MSPDI-008"
    ELAPSED_DURATION = "W-MSPDI-009"


WARNING_DESCRIPTIONS: dict[WarningCode, str] = {
    WarningCode.ELAPSED_LAG: "An elapsed lag (edays, e%) was imported as working time.",
    WarningCode.RECURRING_EXCEPTION: (
        "A recurring calendar exception of a kind not expanded (monthly or yearly by position)."
    ),
    WarningCode.MANUAL_TASK: "A manually scheduled task; Interloom schedules it automatically.",
    WarningCode.EXTERNAL_TASK: "A task of another project (external or subproject); skipped.",
    WarningCode.NON_WORK_RESOURCE: "A material or cost resource; skipped with its assignments.",
    WarningCode.MILESTONE_WITH_DURATION: "A milestone with a duration, imported as a task.",
    WarningCode.UNSUPPORTED_VALUE: "A value Interloom has no field for; left out.",
    WarningCode.RENAMED_ID: "An id that is not a valid plan id or is taken; another was made.",
    WarningCode.ELAPSED_DURATION: "An elapsed duration imported as working time.",
}


@dataclass(frozen=True, slots=True)
class InterchangeWarning:
    """Something an import tolerated, with where it is in the file."""

    code: WarningCode
    message: str
    location: Location | None = None

    def render(self) -> str:
        """``W-MSPDI-001 plan.xml:42 /Project/Tasks/Task[3]/PredecessorLink[1]: …``."""
        where = f" {self.location}" if self.location else ""
        return f"{self.code.value}{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        data: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.location is not None:
            data["location"] = self.location.to_dict()
        return data
