"""Field lineage of a whole flow: each output field and the input fields it comes from.

Every ``map`` and ``set`` step records which of its target fields it computes from which of
its own input fields (:mod:`interloom.core.flows.lineage`). Chained through the steps in
order, that gives, for each field the sinks receive, the fields of the message the source
took in. Steps that do not reshape the message (validate, filter, route…) keep the lineage;
``remove`` drops fields from it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from interloom.core.errors import NotFoundError
from interloom.core.flows.definition import Flow, Step
from interloom.core.flows.lineage import expression_lineage, mapping_lineage, set_lineage
from interloom.core.project import Project
from interloom.core.suggestions import did_you_mean

_SOURCE_ROOT = "$"


class StepLineage(BaseModel):
    """What one step writes, from which of its input fields."""

    step: str
    kind: str
    fields: dict[str, list[str]] = Field(description="Target field → the step's input fields.")
    removed: list[str] = Field(default_factory=list)


class FlowLineage(BaseModel):
    """A flow's lineage: per step, and end to end (output field → source fields)."""

    flow: str
    version: int
    steps: list[StepLineage]
    end_to_end: dict[str, list[str]] = Field(
        description="Output field → fields of the message the source took in."
    )
    passes_through: bool = Field(
        description="True when no step replaces the whole message: fields no step writes "
        "reach the sinks as they came in."
    )


def _step_lineage(step: Step) -> StepLineage | None:
    config: dict[str, Any] = step.config
    if step.kind == "map":
        if isinstance(config.get("expression"), str):
            fields = expression_lineage(config["expression"])
        elif isinstance(config.get("fields"), dict):
            fields = mapping_lineage(config["fields"])
        else:
            return None
        return StepLineage(step=step.id, kind=step.kind, fields=fields)
    if step.kind == "set":
        computed = config.get("fields") or {}
        literal = config.get("values") or {}
        fields = set_lineage(computed, list(literal))
        return StepLineage(step=step.id, kind=step.kind, fields=fields)
    if step.kind == "remove":
        return StepLineage(
            step=step.id, kind=step.kind, fields={}, removed=list(config.get("fields") or [])
        )
    return None


def _resolve(sources: list[str], known: dict[str, list[str]], whole: bool) -> list[str]:
    """The original fields behind a step's input fields."""
    found: set[str] = set()
    for source in sources:
        if source in known:
            found.update(known[source])
        elif source == _SOURCE_ROOT or whole:
            found.add(source)
        else:  # a field under one the earlier steps wrote, or a prefix of one
            parents = [k for k in known if source.startswith(k + ".") or k.startswith(source)]
            for parent in parents:
                found.update(known[parent])
            if not parents:
                found.add(source)
    return sorted(found)


def flow_lineage(flow: Flow) -> FlowLineage:
    """The lineage of every mapping step of ``flow`` and of the flow end to end."""
    steps: list[StepLineage] = []
    known: dict[str, list[str]] = {}  # current field → original input fields
    whole = True  # the message is still the source's message (no map has replaced it)
    for step in flow.steps:
        lineage = _step_lineage(step)
        if lineage is None:
            continue
        steps.append(lineage)
        resolved = {
            target: _resolve(sources, known, whole) for target, sources in lineage.fields.items()
        }
        if step.kind == "map":
            known, whole = resolved, False
        else:
            known.update(resolved)
            for removed in lineage.removed:
                known = {k: v for k, v in known.items() if not k.startswith(removed)}
    return FlowLineage(
        flow=flow.id,
        version=flow.version,
        steps=steps,
        end_to_end=dict(sorted(known.items())),
        passes_through=whole,
    )


def lineage_of(project: Project, flow_id: str) -> FlowLineage:
    """The lineage of one flow of the project; :class:`NotFoundError` names the closest id."""
    for loaded in project.flows:
        if loaded.model.id == flow_id:
            return flow_lineage(loaded.model)
    known = [loaded.model.id for loaded in project.flows]
    raise NotFoundError(f"no flow '{flow_id}'", hint=did_you_mean(flow_id, known))
