"""The dead-letter queue: list, show, replay and discard messages that ran out of tries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from interloom.api.dependencies import PrincipalDep, WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES
from interloom.services import dead_letters
from interloom.services.dead_letters import (
    BulkResult,
    DeadLetterFilter,
    DeadLetterPage,
    DeadLetterView,
    Instant,
)

router = APIRouter(prefix="/api/v1", tags=["dead letters"], responses=ERROR_RESPONSES)


@router.get("/dead-letters", response_model=DeadLetterPage, summary="List dead letters")
async def list_dead_letters(
    workspace: WorkspaceDep,
    flow: Annotated[str | None, Query(max_length=200)] = None,
    step: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=1000, description="Text in the error.")] = None,
    since: Annotated[Instant | None, Query(description="Failed at or after.")] = None,
    until: Annotated[Instant | None, Query(description="Failed before.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DeadLetterPage:
    """Dead letters in arrival order, filtered (all of them when no filter is given)."""
    selection = DeadLetterFilter(
        flow=flow, step=step, error=error, since=since, until=until, all=True
    )
    return await dead_letters.list_dead_letters(workspace, selection, limit=limit, offset=offset)


@router.post("/dead-letters/replay", response_model=BulkResult, summary="Replay dead letters")
async def replay_dead_letters(
    workspace: WorkspaceDep, principal: PrincipalDep, selection: DeadLetterFilter
) -> BulkResult:
    """Put the selected dead letters back in the queue: ids, a filter, or `all: true`."""
    return await dead_letters.replay_dead_letters(workspace, selection, actor=principal.id)


@router.post("/dead-letters/discard", response_model=BulkResult, summary="Discard dead letters")
async def discard_dead_letters(
    workspace: WorkspaceDep, principal: PrincipalDep, selection: DeadLetterFilter
) -> BulkResult:
    """Delete the selected dead letters for good; they stay counted as dead-lettered."""
    return await dead_letters.discard_dead_letters(workspace, selection, actor=principal.id)


@router.get(
    "/dead-letters/{message_id}", response_model=DeadLetterView, summary="Get a dead letter"
)
async def get_dead_letter(
    workspace: WorkspaceDep, message_id: Annotated[str, Path(max_length=400)]
) -> DeadLetterView:
    """One dead letter with its body and every failed try."""
    return await dead_letters.get_dead_letter(workspace, message_id)
