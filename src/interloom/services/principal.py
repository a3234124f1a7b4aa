"""Who is asking: the identity every service call acts as, recorded in the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller (a person, a CI job, a service account)."""

    id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    authenticated: bool = False


ANONYMOUS = Principal(id="anonymous", roles=frozenset({"admin"}))


class Authenticator(Protocol):
    """Turns a request's credentials into a principal; raises ``AuthError`` when they are bad.

    The seam where API keys and JWT/JWKS plug in: the API calls it for every request.
    """

    async def authenticate(self, headers: dict[str, str]) -> Principal:
        """The principal behind these request headers."""
        ...


class OpenAccess:
    """No authentication: every caller is the anonymous principal (the embedded default)."""

    async def authenticate(self, headers: dict[str, str]) -> Principal:
        """Everyone is anonymous."""
        return ANONYMOUS
