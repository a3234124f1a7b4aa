"""What every route needs: the open workspace and the caller's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from interloom.services.principal import Authenticator, Principal
from interloom.services.workspace import Workspace


def get_workspace(request: Request) -> Workspace:
    """The workspace the server opened at start-up."""
    workspace: Workspace = request.app.state.workspace
    return workspace


async def get_principal(request: Request) -> Principal:
    """The caller, as the configured authenticator sees it."""
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.authenticate(dict(request.headers))


WorkspaceDep = Annotated[Workspace, Depends(get_workspace)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
