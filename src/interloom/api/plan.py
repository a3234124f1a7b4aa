"""The delivery plan: schedule, Gantt chart, task updates, baselines, resources."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from interloom.api.dependencies import PrincipalDep, WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES, ErrorBody
from interloom.api.parameters import IsoDate, StatusDate
from interloom.core.delivery.baselines import BaselineComparison
from interloom.services import plan as plan_service
from interloom.services.plan import (
    BaselineView,
    GanttFormat,
    PlanView,
    ResourceView,
    TaskUpdateRequest,
    TaskUpdateView,
)

router = APIRouter(prefix="/api/v1", tags=["plan"], responses=ERROR_RESPONSES)

SVG_MEDIA_TYPE = "image/svg+xml"
HTML_MEDIA_TYPE = "text/html; charset=utf-8"

TaskId = Annotated[str, Path(description="Task id", examples=["T-12"], max_length=63)]
BaselineName = Annotated[str, Path(description="Baseline name", max_length=100)]
_GANTT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The Gantt chart: an SVG image, or an HTML page with it and a task table.",
        "content": {
            SVG_MEDIA_TYPE: {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
        },
    }
}


class BaselineRequest(BaseModel):
    """A baseline to save from the current schedule."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["approved"])
    replace: bool = Field(
        default=False, strict=True, description="Overwrite a baseline of the same name."
    )
    status_date: IsoDate | None = None


@router.get("/plan", response_model=PlanView, summary="Get the scheduled plan")
async def get_plan(workspace: WorkspaceDep, status_date: StatusDate = None) -> PlanView:
    """Every task with its dates, floats, progress and cost, in WBS order; the critical path."""
    return await plan_service.get_plan(workspace, status_date=status_date)


@router.get(
    "/plan/gantt",
    summary="Draw the Gantt chart",
    response_class=Response,
    responses=_GANTT_RESPONSES,
)
async def get_gantt(
    workspace: WorkspaceDep,
    output: Annotated[GanttFormat, Query(alias="format", description="svg or html")] = (
        GanttFormat.SVG
    ),
    baseline: Annotated[
        str | None, Query(max_length=100, description="Draw this baseline too.")
    ] = None,
    status_date: StatusDate = None,
) -> Response:
    """The plan as a Gantt chart: bars, critical path, milestones, links, baseline."""
    text = await plan_service.render_gantt(
        workspace, output=output, baseline=baseline, status_date=status_date
    )
    media = SVG_MEDIA_TYPE if output is GanttFormat.SVG else HTML_MEDIA_TYPE
    return Response(text, media_type=media)


@router.post(
    "/plan/tasks/{task_id}/updates",
    response_model=TaskUpdateView,
    status_code=201,
    summary="Report progress on a task",
)
async def post_update(
    workspace: WorkspaceDep, principal: PrincipalDep, task_id: TaskId, body: TaskUpdateRequest
) -> TaskUpdateView:
    """Record percent complete, actual dates, status or remaining work (audited)."""
    return await plan_service.update_task(workspace, task_id, body, author=principal.id)


@router.get(
    "/plan/tasks/{task_id}/updates",
    response_model=list[TaskUpdateView],
    summary="List a task's updates",
)
async def list_task_updates(workspace: WorkspaceDep, task_id: TaskId) -> list[TaskUpdateView]:
    """The progress reports on one task, oldest first."""
    return await plan_service.list_task_updates(workspace, task=task_id)


@router.get("/plan/updates", response_model=list[TaskUpdateView], summary="List task updates")
async def list_updates(workspace: WorkspaceDep) -> list[TaskUpdateView]:
    """Every progress report, oldest first."""
    return await plan_service.list_task_updates(workspace)


@router.get("/plan/baselines", response_model=list[BaselineView], summary="List baselines")
async def list_baselines(workspace: WorkspaceDep) -> list[BaselineView]:
    """The saved baselines, oldest first."""
    return await plan_service.list_baselines(workspace)


@router.post(
    "/plan/baselines",
    response_model=BaselineView,
    status_code=201,
    summary="Save a baseline",
    responses={409: {"model": ErrorBody, "description": "A baseline of that name is saved"}},
)
async def post_baseline(
    workspace: WorkspaceDep, principal: PrincipalDep, body: BaselineRequest
) -> BaselineView:
    """Save the current schedule under a name (audited); 409 if the name is taken."""
    return await plan_service.save_baseline(
        workspace,
        body.name,
        actor=principal.id,
        replace=body.replace,
        status_date=body.status_date,
    )


@router.get(
    "/plan/baselines/{name}/comparison",
    response_model=BaselineComparison,
    summary="Compare the schedule with a baseline",
)
async def compare_baseline(
    workspace: WorkspaceDep, name: BaselineName, status_date: StatusDate = None
) -> BaselineComparison:
    """Start, finish, duration and cost variance per task; the tasks that slipped."""
    return await plan_service.compare_baseline(workspace, name, status_date=status_date)


@router.get("/plan/resources", response_model=list[ResourceView], summary="List resources")
async def list_resources(
    workspace: WorkspaceDep, status_date: StatusDate = None
) -> list[ResourceView]:
    """Resources with their assigned work, cost and over-allocations."""
    return await plan_service.plan_resources(workspace, status_date=status_date)
