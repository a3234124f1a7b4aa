"""Pausing and resuming flows, for every server process of the project at once.

A pause or a resume is an audited record (``flow.paused`` / ``flow.resumed`` for
``flow:ID``); the last one of a flow is in force. Every serving process reads them when it
starts and every ``REFRESH_SECONDS`` after, so a pause made through one worker's API, or by
``interloom flows pause`` from a shell, reaches every worker within that time.

A paused flow's HTTP source answers ``503 E-FLOW-003`` with ``Retry-After``, its other
sources stop reading, and workers leave its persisted messages in the store (without counting
a try) until it resumes.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from interloom.core.errors import ConflictError, NotFoundError
from interloom.core.suggestions import did_you_mean
from interloom.services.workspace import Workspace
from interloom.storage.audit import add_audit_entry, latest_entries_by_entity

log = structlog.get_logger(__name__)

PAUSED = "flow.paused"
RESUMED = "flow.resumed"
REFRESH_SECONDS = 1.0


def _check_flow(workspace: Workspace, flow_id: str) -> None:
    known = [loaded.model.id for loaded in workspace.project.flows]
    if flow_id not in known:
        raise NotFoundError(f"no flow '{flow_id}'", hint=did_you_mean(flow_id, known))


async def paused_flows(workspace: Workspace) -> dict[str, str | None]:
    """The flows paused now, each with the reason given."""
    async with workspace.database.session() as session:
        latest = await latest_entries_by_entity(session, (PAUSED, RESUMED), entity_prefix="flow:")
    return {
        entity.removeprefix("flow:"): _reason(entry.after)
        for entity, entry in latest.items()
        if entry.action == PAUSED
    }


def _reason(after: object) -> str | None:
    reason = after.get("reason") if isinstance(after, dict) else None
    return reason if isinstance(reason, str) else None


async def _set(
    workspace: Workspace, flow_id: str, *, paused: bool, actor: str, reason: str | None
) -> None:
    _check_flow(workspace, flow_id)
    now = await paused_flows(workspace)
    if (flow_id in now) == paused:
        state = "paused" if paused else "running"
        raise ConflictError(f"flow '{flow_id}' is already {state}")
    async with workspace.database.transaction() as session:
        await add_audit_entry(
            session,
            actor=actor,
            action=PAUSED if paused else RESUMED,
            entity=f"flow:{flow_id}",
            before={"paused": not paused},
            after={"paused": paused, "reason": reason},
        )
    now = await paused_flows(workspace)
    workspace.flows.set_paused(now)


async def pause_flow(
    workspace: Workspace, flow_id: str, *, actor: str, reason: str | None = None
) -> None:
    """Pause a flow everywhere; :class:`ConflictError` if it is paused already."""
    await _set(workspace, flow_id, paused=True, actor=actor, reason=reason)


async def resume_flow(
    workspace: Workspace, flow_id: str, *, actor: str, reason: str | None = None
) -> None:
    """Resume a paused flow everywhere; :class:`ConflictError` if it runs."""
    await _set(workspace, flow_id, paused=False, actor=actor, reason=reason)


async def follow_flow_controls(workspace: Workspace, stop: asyncio.Event) -> None:
    """Keep this process's paused flows in step with the records until ``stop`` is set."""
    while not stop.is_set():
        try:
            workspace.flows.set_paused(await paused_flows(workspace))
        except Exception:  # a database hiccup must not end the following
            log.exception("flows.controls.refresh_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), REFRESH_SECONDS)
