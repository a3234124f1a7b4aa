"""The exception tree of Interloom: every failure a user can see is one of these.

Each error carries a stable ``code`` (``E-AREA-NNN``), a human ``message``, optionally the
``location`` at fault (a file, line and column, a field path or a JSON pointer) and a ``hint``,
and the HTTP ``status`` the management API answers with.

::

    InterloomError                   E-INTERNAL-001  500
    ├── ProjectError                 E-PROJECT-001   422  the project directory is unusable
    │   ├── ProjectNotFoundError     E-PROJECT-002   404  no interloom.yaml where expected
    │   ├── ProjectExistsError       E-PROJECT-003   409  init into a directory with a project
    │   └── ProjectInvalidError      E-PROJECT-004   422  validation found errors (.problems)
    ├── NotFoundError                E-NOTFOUND-001  404  no such system, interface, record…
    ├── ReferenceSyntaxError         E-REF-002       400  a reference that is not 'kind:id'
    ├── RequestError                 E-REQUEST-001   400  a request the API cannot accept
    │   └── InvalidRequestError      E-REQUEST-002   422  a body or parameter fails its schema
    ├── ConflictError                E-CONFLICT-001  409  the change clashes with the state
    ├── AuthError                    E-AUTH-001      401  no valid credentials
    │   └── ForbiddenError           E-AUTH-002      403  credentials lack the permission
    ├── StorageError                 E-STORAGE-001   503  the database cannot be reached or used
    │   └── MigrationError           E-STORAGE-002   500  the schema could not be migrated
    └── ConfigError                  E-CONFIG-001    400  a setting (CLI option, environment) is bad

Codes are part of the public interface: they are documented in ``docs/errors.md`` and never
reused for another meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is: a file with line and column, a field path, or a JSON pointer."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        text = self.file or ""
        if self.file and self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        where = self.path or self.pointer
        if where:
            text = f"{text} {where}" if text else where
        return text

    def to_dict(self) -> dict[str, Any]:
        """The location as JSON-friendly data, without empty fields."""
        return {
            key: value
            for key, value in (
                ("file", self.file),
                ("line", self.line),
                ("column", self.column),
                ("path", self.path),
                ("pointer", self.pointer),
            )
            if value is not None
        }


class InterloomError(Exception):
    """Root of every error Interloom reports to a user."""

    code: ClassVar[str] = "E-INTERNAL-001"
    status: ClassVar[int] = 500

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        hint: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        if code is not None:
            self.code = code  # type: ignore[misc]  # a more precise code for this instance

    def __str__(self) -> str:
        where = f"{self.location} " if self.location else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.code} {where}{self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        """The error in the shape of the API's error model."""
        data: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.location is not None:
            data["location"] = self.location.to_dict()
        if self.hint:
            data["hint"] = self.hint
        return data


class ProjectError(InterloomError):
    """The project directory is unusable."""

    code = "E-PROJECT-001"
    status = 422


class ProjectNotFoundError(ProjectError):
    """No ``interloom.yaml`` where a project was expected."""

    code = "E-PROJECT-002"
    status = 404


class ProjectExistsError(ProjectError):
    """``init`` was asked to scaffold into a directory that already holds a project."""

    code = "E-PROJECT-003"
    status = 409


class ProjectInvalidError(ProjectError):
    """Validation found errors; ``problems`` lists every one of them."""

    code = "E-PROJECT-004"
    status = 422

    def __init__(self, message: str, *, problems: list[Any], hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems


class NotFoundError(InterloomError):
    """No such system, interface, flow or record."""

    code = "E-NOTFOUND-001"
    status = 404


class ReferenceSyntaxError(InterloomError):
    """A reference that is not of the form ``kind:id``."""

    code = "E-REF-002"
    status = 400


class RequestError(InterloomError):
    """A request the API cannot accept."""

    code = "E-REQUEST-001"
    status = 400


class InvalidRequestError(RequestError):
    """A request body or parameter fails its schema."""

    code = "E-REQUEST-002"
    status = 422


class ConflictError(InterloomError):
    """The change clashes with the current state."""

    code = "E-CONFLICT-001"
    status = 409


class AuthError(InterloomError):
    """No valid credentials were presented."""

    code = "E-AUTH-001"
    status = 401


class ForbiddenError(AuthError):
    """The credentials lack the permission for this action."""

    code = "E-AUTH-002"
    status = 403


class StorageError(InterloomError):
    """The database cannot be reached or used."""

    code = "E-STORAGE-001"
    status = 503


class MigrationError(StorageError):
    """The database schema could not be brought up to date."""

    code = "E-STORAGE-002"
    status = 500


class ConfigError(InterloomError):
    """A setting (CLI option, environment variable) is wrong."""

    code = "E-CONFIG-001"
    status = 400
