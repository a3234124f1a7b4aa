"""The demo's self-check of the weekly report, run against the small project."""

from __future__ import annotations

from pathlib import Path

import httpx

from interloom.api.app import create_app
from interloom.services.demo import CHECKS
from interloom.services.server import ServerConfig


async def test_the_weekly_report_check_passes_on_a_served_project(
    project_dir: Path, database_url: str
) -> None:
    check = dict(CHECKS)["the weekly report renders"]
    app = create_app(ServerConfig(root=project_dir, database_url=database_url, watch=False))

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            detail = await check(client)

    assert detail.startswith("Markdown (")
    # The declared, and the two interfaces still mocked or draft as T-2 and T-3
    # start, raised by the report itself.
    assert detail.endswith("and HTML; 4 risks, 2 change requests")
