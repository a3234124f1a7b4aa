"""Resources, their assignments to activities, and when a resource is asked for too much."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from interloom.core.delivery.activities import LocalDateTime
from interloom.core.delivery.network import ScheduleReferenceError
from interloom.core.delivery.schedule import Schedule
from interloom.core.errors import Location

_TOLERANCE = 1e-9  # units are fractions (0.5 = half time); sums of floats drift by ulps


class Resource(BaseModel):
    """A person, team or machine; ``max_units`` 1.0 is one full-time unit (MS Project's 100 %)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    name: str = ""
    max_units: float = Field(default=1.0, gt=0)


class Assignment(BaseModel):
    """A resource working on an activity at ``units`` (0.5 = half its time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    activity: str
    resource: str
    units: float = Field(default=1.0, gt=0)


class Overallocation(BaseModel):
    """An interval in which a resource's assigned units exceed its maximum."""

    model_config = ConfigDict(frozen=True)

    resource: str
    start: LocalDateTime
    finish: LocalDateTime
    units: float
    max_units: float
    activities: tuple[str, ...]


def find_overallocations(
    schedule: Schedule, resources: Sequence[Resource], assignments: Sequence[Assignment]
) -> list[Overallocation]:
    """Every interval where a resource works over its maximum, by resource then time.

    Activities occupy their scheduled ``[start, finish)``; milestones occupy nothing. An
    interval ends where the load or the set of activities changes.
    """
    known = {r.id: r for r in resources}
    load: dict[str, list[tuple[dt.datetime, int, str, float]]] = defaultdict(list)
    for number, assignment in enumerate(assignments):
        activity = schedule.activities.get(assignment.activity)
        if activity is None:
            raise ScheduleReferenceError(
                f"assignment names no scheduled activity '{assignment.activity}'",
                location=Location(path=f"assignments[{number}].activity"),
            )
        if assignment.resource not in known:
            raise ScheduleReferenceError(
                f"assignment names no known resource '{assignment.resource}'",
                location=Location(path=f"assignments[{number}].resource"),
            )
        if activity.finish <= activity.start:
            continue
        events = load[assignment.resource]
        # At one instant, releases sort before claims: back-to-back work does not overlap.
        events.append((activity.start, 1, activity.id, assignment.units))
        events.append((activity.finish, 0, activity.id, assignment.units))
    found: list[Overallocation] = []
    for resource in resources:
        found.extend(_sweep(resource, sorted(load.get(resource.id, ()))))
    return found


def _sweep(
    resource: Resource, events: list[tuple[dt.datetime, int, str, float]]
) -> list[Overallocation]:
    active: dict[str, float] = defaultdict(float)
    found: list[Overallocation] = []
    for index, (moment, claim, activity, units) in enumerate(events):
        if claim:
            active[activity] += units
        else:
            active[activity] -= units
            if active[activity] <= _TOLERANCE:
                del active[activity]
        following = events[index + 1][0] if index + 1 < len(events) else moment
        if following == moment:
            continue  # more changes at this instant; judge the load once they are all in
        total = round(sum(active.values()), 9)
        if total <= resource.max_units + _TOLERANCE:
            continue
        names = tuple(sorted(active))
        last = found[-1] if found else None
        if last and last.finish == moment and (last.activities, last.units) == (names, total):
            found[-1] = last.model_copy(update={"finish": following})
            continue
        found.append(
            Overallocation(
                resource=resource.id,
                start=moment,
                finish=following,
                units=total,
                max_units=resource.max_units,
                activities=names,
            )
        )
    return found
