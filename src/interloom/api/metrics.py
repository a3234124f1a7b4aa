"""``GET /metrics`` in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Response

from interloom.api.dependencies import WorkspaceDep
from interloom.services.metrics import CONTENT_TYPE, render_metrics

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format."}},
)
async def metrics(workspace: WorkspaceDep) -> Response:
    """Per flow: up, received, messages by outcome, in flight; latency histograms; retries."""
    return Response(await render_metrics(workspace), media_type=CONTENT_TYPE)
