"""Sprints, earned value, RACI, the risk register and signals, change requests, reports."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from interloom.api.dependencies import PrincipalDep, WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES, ErrorBody
from interloom.api.parameters import IsoDate, StatusDate
from interloom.core.delivery.change_impact import ChangeImpact
from interloom.core.delivery.changes import ChangeAction, ChangeState
from interloom.core.delivery.evm import EarningRule
from interloom.core.delivery.raci import RaciMatrix
from interloom.core.delivery.reporting import Standup, WeeklyReport
from interloom.core.delivery.risks import HeatMap, RiskLevel, RiskStatus, ScoredRisk
from interloom.core.delivery.signals import Signal
from interloom.core.delivery.sprints import SprintReport
from interloom.formats.plan.charts import heat_map_svg
from interloom.formats.plan.raci_matrix import MatrixFormat, render_raci
from interloom.formats.plan.reports import ReportFormat, render_standup, render_weekly
from interloom.services import change_control, delivery_reports, plan_management, risk_signals
from interloom.services.change_control import ChangeView, TransitionRequest
from interloom.services.plan_management import (
    EarnedValueView,
    RiskDetail,
    SprintChart,
    SprintsView,
)
from interloom.services.risk_signals import SignalOutcome, SignalView

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


SprintId = Annotated[str, Path(description="Sprint id", examples=["S-2"], max_length=63)]
ChangeId = Annotated[str, Path(description="Change request id", examples=["CR-1"], max_length=63)]
RiskId = Annotated[str, Path(description="R-… (declared) or AR-… (automatic)", max_length=63)]

SVG = {"content": {"image/svg+xml": {}}, "description": "An SVG image."}


class TextFormat(StrEnum):
    """A report as data or as a document."""

    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


class RaciFormat(StrEnum):
    """The RACI matrix as data or as a document."""

    JSON = "json"
    MARKDOWN = "markdown"
    CSV = "csv"
    HTML = "html"


_MEDIA = {
    TextFormat.MARKDOWN: "text/markdown; charset=utf-8",
    TextFormat.HTML: "text/html; charset=utf-8",
    RaciFormat.CSV: "text/csv; charset=utf-8",
}


def _documents(*kinds: str) -> dict[int | str, dict[str, Any]]:
    content: dict[str, Any] = {"application/json": {}}
    content.update({kind: {"schema": {"type": "string"}} for kind in kinds})
    return {200: {"content": content}}


# --- sprints and earned value -------------------------------------------------------------


@router.get("/plan/sprints", response_model=SprintsView, summary="List sprints", tags=["plan"])
async def list_sprints(workspace: WorkspaceDep, status_date: StatusDate = None) -> SprintsView:
    """Every sprint with its scope and progress, the velocity and the backlog."""
    return await plan_management.list_sprints(workspace, status_date=status_date)


@router.get(
    "/plan/sprints/{sprint_id}",
    response_model=SprintReport,
    summary="Get a sprint's burndown and burnup",
    tags=["plan"],
)
async def get_sprint(
    workspace: WorkspaceDep, sprint_id: SprintId, status_date: StatusDate = None
) -> SprintReport:
    """A sprint's tasks and a point per working day: ideal, remaining, done, scope."""
    return await plan_management.get_sprint(workspace, sprint_id, status_date=status_date)


@router.get(
    "/plan/sprints/{sprint_id}/chart",
    response_class=Response,
    responses={200: SVG},
    summary="Draw a sprint's burndown or burnup",
    tags=["plan"],
)
async def sprint_chart(
    workspace: WorkspaceDep,
    sprint_id: SprintId,
    kind: SprintChart = SprintChart.BURNDOWN,
    status_date: StatusDate = None,
) -> Response:
    """The chart as SVG."""
    svg = await plan_management.sprint_chart(workspace, sprint_id, kind, status_date=status_date)
    return Response(svg, media_type="image/svg+xml")


@router.get(
    "/plan/evm", response_model=EarnedValueView, summary="Measure earned value", tags=["plan"]
)
async def get_earned_value(
    workspace: WorkspaceDep,
    baseline: Annotated[
        str | None, Query(description="Baseline name; default: the latest", max_length=100)
    ] = None,
    rule: EarningRule = EarningRule.PERCENT_COMPLETE,
    status_date: StatusDate = None,
) -> EarnedValueView:
    """PV, EV, AC, SV, CV, SPI, CPI, EAC, ETC, VAC, TCPI and earned schedule."""
    return await plan_management.earned_value(
        workspace, status_date=status_date, baseline=baseline, rule=rule
    )


@router.get(
    "/plan/raci",
    response_model=RaciMatrix,
    responses=_documents("text/markdown", "text/csv", "text/html"),
    summary="Get the RACI matrix",
    tags=["plan"],
)
async def get_raci(workspace: WorkspaceDep, format: RaciFormat = RaciFormat.JSON) -> Any:
    """Who is Responsible, Accountable, Consulted and Informed for each deliverable."""
    matrix = await plan_management.get_raci(workspace)
    if format is RaciFormat.JSON:
        return matrix
    text = render_raci(
        matrix, MatrixFormat(format.value), f"RACI matrix — {workspace.project.name}"
    )
    media = _MEDIA.get(format, "text/markdown; charset=utf-8")
    return Response(text, media_type=media)


# --- risks and signals --------------------------------------------------------------------


@router.get("/risks", response_model=list[ScoredRisk], summary="List risks", tags=["risks"])
async def list_risks(
    workspace: WorkspaceDep,
    status: RiskStatus | None = None,
    level: RiskLevel | None = None,
    automatic: Annotated[
        bool | None, Query(description="Only those raised by signals (true) or declared (false)")
    ] = None,
) -> list[ScoredRisk]:
    """The register, highest score first: declared risks and risks raised by signals."""
    return await plan_management.list_risks(
        workspace, status=status, level=level, automatic=automatic
    )


@router.get(
    "/risks/heatmap",
    response_model=HeatMap,
    responses={200: {"content": {"application/json": {}, "image/svg+xml": {}}}},
    summary="Get the risk heat map",
    tags=["risks"],
)
async def get_heat_map(
    workspace: WorkspaceDep,
    format: Annotated[str, Query(pattern="^(json|svg)$", description="json or svg")] = "json",
) -> Any:
    """The 5×5 probability-and-impact matrix of the open risks."""
    heat = await plan_management.risk_heat_map(workspace)
    if format == "svg":
        return Response(heat_map_svg(heat), media_type="image/svg+xml")
    return heat


@router.post(
    "/risks/check-interfaces",
    response_model=list[SignalOutcome],
    summary="Raise risks for interfaces still mocked near their tasks' start",
    tags=["risks"],
)
async def check_interfaces(
    workspace: WorkspaceDep,
    within_days: Annotated[int, Query(ge=1, le=250, description="Working days ahead")] = 10,
    status_date: StatusDate = None,
) -> list[SignalOutcome]:
    """Interfaces in draft or mocked whose delivering or dependent tasks start soon."""
    return await risk_signals.check_mocked_interfaces(
        workspace, within_days=within_days, status_date=status_date
    )


@router.get(
    "/risks/signals", response_model=list[SignalView], summary="List signals", tags=["risks"]
)
async def list_signals(
    workspace: WorkspaceDep,
    kind: Annotated[str | None, Query(max_length=100)] = None,
    ref: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[SignalView]:
    """The latest signals first."""
    return await risk_signals.list_signals(workspace, kind=kind, ref=ref, limit=limit)


@router.get("/risks/{risk_id}", response_model=RiskDetail, summary="Get a risk", tags=["risks"])
async def get_risk(workspace: WorkspaceDep, risk_id: RiskId) -> RiskDetail:
    """One risk; an automatic one with the evidence of its signals."""
    return await plan_management.get_risk(workspace, risk_id)


@router.post("/signals", response_model=SignalOutcome, summary="Send a signal", tags=["risks"])
async def post_signal(
    workspace: WorkspaceDep, principal: PrincipalDep, signal: Signal
) -> SignalOutcome:
    """Raise, update or (``cleared: true``) close the automatic risk of a kind and reference.

    Body: ``{kind, ref, severity, evidence, source, cleared}``; kinds built in:
    breaking-change-found, contract-test-failing, interface-only-mocked-near-start,
    slo-burning, dead-letters-growing.
    """
    return await risk_signals.raise_signal(workspace, signal, actor=principal.id)


# --- change requests ----------------------------------------------------------------------


@router.get(
    "/changes", response_model=list[ChangeView], summary="List change requests", tags=["changes"]
)
async def list_changes(
    workspace: WorkspaceDep, state: ChangeState | None = None
) -> list[ChangeView]:
    """Change requests of the plan files, with their workflow state."""
    return await change_control.list_changes(workspace, state=state)


@router.get(
    "/changes/{change_id}",
    response_model=ChangeView,
    summary="Get a change request",
    tags=["changes"],
)
async def get_change(workspace: WorkspaceDep, change_id: ChangeId) -> ChangeView:
    """One change request with its state and recorded assessment."""
    return await change_control.get_change(workspace, change_id)


@router.get(
    "/changes/{change_id}/impact",
    response_model=ChangeImpact,
    summary="Analyse a change request's impact",
    tags=["changes"],
)
async def get_change_impact(
    workspace: WorkspaceDep, change_id: ChangeId, status_date: StatusDate = None
) -> ChangeImpact:
    """The plan scheduled with and without the change, compared now (nothing is recorded)."""
    return await change_control.analyse_change(workspace, change_id, status_date=status_date)


@router.post(
    "/changes/{change_id}/actions/{action}",
    response_model=ChangeView,
    responses={409: {"model": ErrorBody, "description": "Not allowed now (workflow, freeze)"}},
    summary="Move a change request through its workflow",
    tags=["changes"],
)
async def transition_change(
    workspace: WorkspaceDep,
    principal: PrincipalDep,
    change_id: ChangeId,
    action: ChangeAction,
    body: TransitionRequest | None = None,
) -> ChangeView:
    """submit, assess, approve, reject (needs a note) or implement; audited.

    An illegal transition answers 409 ``E-CHANGE-001``; approving or implementing during a
    freeze window the change touches answers 409 ``E-CHANGE-002`` unless ``emergency_reason``
    is given.
    """
    return await change_control.transition_change(
        workspace, change_id, action, actor=principal.id, request=body
    )


# --- reports ------------------------------------------------------------------------------


@router.get(
    "/reports/weekly",
    response_model=WeeklyReport,
    responses=_documents("text/markdown", "text/html"),
    summary="Get the weekly report",
    tags=["reports"],
)
async def get_weekly_report(
    workspace: WorkspaceDep,
    week: Annotated[IsoDate | None, Query(description="Any day of the week")] = None,
    format: TextFormat = TextFormat.JSON,
    baseline: Annotated[str | None, Query(max_length=100)] = None,
) -> Any:
    """Milestones, critical path, earned value, risks, changes and interface readiness."""
    report = await delivery_reports.weekly_report(workspace, week=week, baseline=baseline)
    if format is TextFormat.JSON:
        return report
    text = render_weekly(report, ReportFormat(format.value))
    return Response(text, media_type=_MEDIA[format])


@router.get(
    "/reports/standup",
    response_model=Standup,
    responses=_documents("text/markdown"),
    summary="Get the stand-up digest",
    tags=["reports"],
)
async def get_standup(
    workspace: WorkspaceDep,
    date: Annotated[IsoDate | None, Query(description="The day; default: status date")] = None,
    format: Annotated[str, Query(pattern="^(json|markdown)$")] = "json",
) -> Any:
    """Per person: done since the previous working day, due today, blocked, in progress."""
    digest = await delivery_reports.standup(workspace, day=date)
    if format == "markdown":
        return Response(render_standup(digest), media_type=_MEDIA[TextFormat.MARKDOWN])
    return digest
