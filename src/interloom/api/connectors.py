"""The installed connectors: what each does, guarantees and takes as config."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from interloom.api.errors import ERROR_RESPONSES
from interloom.services import connectors
from interloom.services.connectors import ConnectorDetail, ConnectorSummary

router = APIRouter(prefix="/api/v1", tags=["connectors"], responses=ERROR_RESPONSES)


@router.get("/connectors", response_model=list[ConnectorSummary], summary="List connectors")
async def list_connectors() -> list[ConnectorSummary]:
    """Every installed connector: built-in ones and those of installed packages."""
    return connectors.list_connectors()


@router.get("/connectors/{name}", response_model=ConnectorDetail, summary="Describe a connector")
async def describe_connector(
    name: Annotated[str, Path(description="Connector name", examples=["sql"], max_length=200)],
) -> ConnectorDetail:
    """A connector as a source and as a sink: description, guarantees, config fields and the
    JSON Schema of its config, examples."""
    return connectors.describe_connector(name)
