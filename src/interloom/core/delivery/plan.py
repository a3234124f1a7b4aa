"""The plan as declared in ``plan/*.yaml``: tasks and milestones linked to what they deliver."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from interloom.core.definition import AnyRef, Definition, PlanId, Text


class Milestone(Definition):
    """A dated point of the plan."""

    id: PlanId
    name: Text
    date: dt.date | None = None
    description: str | None = None


class Task(Definition):
    """A piece of work, linked to the systems, interfaces and flows it delivers."""

    id: PlanId
    name: Text
    description: str | None = None
    duration_days: float = Field(default=1, ge=0, description="Duration in working days.")
    assignee: str | None = None
    depends_on: list[PlanId] = Field(default_factory=list)
    delivers: list[AnyRef] = Field(default_factory=list)
    milestone: PlanId | None = None


class Plan(Definition):
    """One ``plan/*.yaml`` file."""

    milestones: list[Milestone] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
