"""The landscape graph: systems, interfaces, flows and who consumes what."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from interloom.api.dependencies import WorkspaceDep
from interloom.api.errors import ERROR_RESPONSES
from interloom.core.landscape import Landscape
from interloom.services.landscape import (
    GraphFormat,
    current_landscape,
    dot_text,
    render_svg_async,
)

router = APIRouter(prefix="/api/v1", tags=["catalog"], responses=ERROR_RESPONSES)

DOT_MEDIA_TYPE = "text/vnd.graphviz"
SVG_MEDIA_TYPE = "image/svg+xml"

_GRAPH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The graph: JSON nodes and edges, Graphviz DOT, or SVG.",
        "content": {
            DOT_MEDIA_TYPE: {"schema": {"type": "string"}},
            SVG_MEDIA_TYPE: {"schema": {"type": "string"}},
        },
    }
}


@router.get(
    "/catalog/graph",
    response_model=Landscape,
    summary="Get the landscape graph",
    responses=_GRAPH_RESPONSES,
)
async def get_graph(
    workspace: WorkspaceDep,
    graph_format: Annotated[
        GraphFormat,
        Query(
            alias="format",
            description="json: nodes and edges; dot: Graphviz text; svg: drawn by Graphviz "
            "(503 E-GRAPHVIZ-002 when the server has no Graphviz).",
        ),
    ] = GraphFormat.JSON,
) -> Any:
    """Every system, interface and flow, and the edges between them (lifecycle: the state now)."""
    landscape = await current_landscape(workspace)
    if graph_format is GraphFormat.JSON:
        return landscape
    dot = dot_text(landscape)
    if graph_format is GraphFormat.DOT:
        return Response(dot, media_type=DOT_MEDIA_TYPE)
    return Response(await render_svg_async(dot), media_type=SVG_MEDIA_TYPE)
