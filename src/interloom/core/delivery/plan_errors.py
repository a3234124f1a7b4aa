"""What can be wrong with a plan once its files are read: where, and what to do about it.

Each error names the :class:`PlanSite` at fault (the task, milestone, calendar or resource by
id, and the field within it); the caller turns it into a file, line and column with a
:data:`Locator`, so the core stays free of files. Without one, the location is the site as a
path such as ``tasks[T-3].depends_on[0].task``::

    PlanError                E-PLAN-010  422  the plan cannot be scheduled as written
    ├── PlanMergeError       E-PLAN-011  422  two files declare project:, or the same id
    ├── PlanReferenceError   E-PLAN-012  422  an unknown calendar, resource, task or milestone
    ├── PlanStructureError   E-PLAN-013  422  no project: section, WBS codes that clash
    └── PlanProgressError    E-PLAN-014  422  actuals that contradict each other

Cycles and the engine's own structure errors keep their codes (``E-PLAN-001`` to ``003``, see
``network``) and are relocated to the plan file by :func:`relocate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from interloom.core.errors import InterloomError, Location


@dataclass(frozen=True, slots=True)
class PlanSite:
    """A place in the plan: a section, the id of an item in it, and a field path within it."""

    section: str  # project, tasks, milestones, calendars, resources, updates
    item: str | None = None
    field: tuple[str | int, ...] = ()

    def path(self) -> str:
        """The site as a readable path: ``tasks[T-3].depends_on[0].task``."""
        text = self.section if self.item is None else f"{self.section}[{self.item}]"
        for part in self.field:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text


Locator = Callable[[PlanSite], Location]
"""Turns a site into a location (file, line, column, path) for the user."""


def site_location(site: PlanSite) -> Location:
    """The default locator: the site as a path, with no file."""
    return Location(path=site.path())


class PlanError(InterloomError):
    """The plan cannot be scheduled as written."""

    code = "E-PLAN-010"
    status = 422

    def __init__(
        self,
        message: str,
        *,
        site: PlanSite | None = None,
        locate: Locator = site_location,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, location=None if site is None else locate(site), hint=hint)
        self.site = site


class PlanMergeError(PlanError):
    """Two plan files both declare the ``project:`` section, or the same id."""

    code = "E-PLAN-011"

    def __init__(self, message: str, *, site: PlanSite, index: int, hint: str | None = None):
        super().__init__(message, site=site, hint=hint)
        self.index = index  # position of the second plan file in the merged sequence


class PlanReferenceError(PlanError):
    """A task names a calendar, resource, predecessor, parent or milestone the plan lacks."""

    code = "E-PLAN-012"


class PlanStructureError(PlanError):
    """The plan has no ``project:`` section, or its WBS codes clash."""

    code = "E-PLAN-013"


class PlanProgressError(PlanError):
    """Progress that contradicts itself: an actual finish before the start, or without one."""

    code = "E-PLAN-014"


def relocate(error: InterloomError, site: PlanSite, locate: Locator) -> InterloomError:
    """``error`` pointing at ``site`` in the plan files (the engine only knows its indices)."""
    error.location = locate(site)
    return error
