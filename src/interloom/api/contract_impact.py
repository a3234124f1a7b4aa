"""The impact of a contract change: what it breaks in the project, and for whom."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from interloom.api.dependencies import PrincipalDep, WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES
from interloom.core.contracts.impact import ContractImpact
from interloom.services.contract_impact import ContractDocument, contract_impact_of_documents

router = APIRouter(prefix="/api/v1", tags=["contracts"], responses=ERROR_RESPONSES)

MAX_DOCUMENT_CHARS = 20_000_000


class DocumentIn(BaseModel):
    """One version of the contract: a file of the project, or the document itself."""

    model_config = ConfigDict(extra="forbid")

    path: str | None = Field(
        default=None,
        max_length=1000,
        description="A file relative to the project directory.",
        examples=["contracts/crm.openapi.yaml"],
    )
    content: str | None = Field(
        default=None,
        max_length=MAX_DOCUMENT_CHARS,
        description="The document's text; self-contained (relative $refs are not read).",
    )
    name: str | None = Field(
        default=None,
        max_length=255,
        description="With content: its file name, whose extension tells the format.",
        examples=["crm.openapi.yaml"],
    )


class ImpactRequest(BaseModel):
    """Two versions of a contract, and what to do with what the change reaches."""

    model_config = ConfigDict(extra="forbid")

    old: DocumentIn = Field(description="The contract as it is.")
    new: DocumentIn = Field(description="The contract as proposed.")
    contract: str | None = Field(
        default=None,
        max_length=1000,
        description="The project's contract file the change is about (default: old's path, "
        "else new's, else the one of the same file name).",
    )
    raise_risks: bool = Field(
        default=False,
        description="Send a breaking-change-found signal per affected interface (risk register).",
    )
    status_date: dt.date | None = Field(
        default=None, description="Schedule the plan at this date (default: the plan's)."
    )


def _document(document: DocumentIn) -> ContractDocument:
    return ContractDocument(path=document.path, content=document.content, name=document.name)


@router.post(
    "/contracts/impact",
    response_model=ContractImpact,
    summary="Assess the impact of a contract change",
)
async def assess_contract_impact(
    workspace: WorkspaceDep, principal: PrincipalDep, request: ImpactRequest
) -> ContractImpact:
    """Every finding of the diff with the interfaces, consumers, flows and tasks it reaches.

    Each version is a project file (``{"path": "contracts/crm.openapi.yaml"}``) or a document
    sent whole (``{"content": "...", "name": "crm.openapi.yaml"}``). Findings are those of
    ``interloom contracts diff``; each carries ``impact``: ``interfaces``, ``consumers``,
    ``flows`` (``{flow, step, field, how, confidence}``) and ``tasks`` (``{task, name, status,
    start, finish, consequence}``, done tasks being rework).
    """
    return await contract_impact_of_documents(
        workspace,
        _document(request.old),
        _document(request.new),
        contract=request.contract,
        raise_risks=request.raise_risks,
        actor=principal.id,
        status_date=request.status_date,
    )
