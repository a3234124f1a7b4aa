"""A summary of the open project for people and dashboards."""

from __future__ import annotations

from pydantic import BaseModel

from interloom.core.problems import Problem
from interloom.services.workspace import Workspace


class EnvironmentView(BaseModel):
    """A deployment environment."""

    id: str
    description: str | None


class ProjectInfo(BaseModel):
    """The open project: its identity, its environments and what it defines."""

    name: str
    title: str | None
    description: str | None
    root: str
    environments: list[EnvironmentView]
    default_environment: str
    counts: dict[str, int]
    warnings: list[Problem]
    rejected_changes: list[Problem]


def project_info(workspace: Workspace) -> ProjectInfo:
    """Identity, environments, counts, warnings, and errors of a rejected reload."""
    project = workspace.project
    assert project.settings is not None  # an open project has valid settings
    settings = project.settings.model
    plans = [p.model for p in project.plans]
    return ProjectInfo(
        name=settings.name,
        title=settings.title,
        description=settings.description,
        root=str(workspace.root),
        environments=[
            EnvironmentView(id=key, description=env.description)
            for key, env in settings.environments.items()
        ],
        default_environment=settings.environment,
        counts={
            "systems": len(project.systems),
            "interfaces": sum(1 for _ in project.interfaces()),
            "flows": len(project.flows),
            "tasks": sum(len(p.tasks) for p in plans),
            "milestones": sum(len(p.milestones) for p in plans),
            "contracts": len(project.contract_files),
        },
        warnings=list(workspace.load.problems),
        rejected_changes=list(workspace.rejected),
    )
