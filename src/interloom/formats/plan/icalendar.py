"""The plan's milestones (and, if asked, task deadlines) as an iCalendar file for calendar apps.

Each milestone is an all-day event on the day it is forecast (its scheduled date) or, without
a schedule, on its target date; the description gives both, and links what it delivers.
UIDs are built from the project and the item's id, so a calendar that subscribes to the file
updates its events in place instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from icalendar import Calendar, Event

from interloom.core.delivery.plan import Milestone, Plan, Task
from interloom.core.delivery.plan_schedule import PlanSchedule
from interloom.core.errors import ReferenceSyntaxError
from interloom.core.refs import Ref, RefKind

PRODUCT = "-//Interloom//Plan milestones//EN"
_API_PATHS = {
    RefKind.SYSTEM: "systems",
    RefKind.INTERFACE: "interfaces",
    RefKind.FLOW: "flows",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "plan"


def _day(moment: dt.datetime) -> dt.date:
    """The day a moment falls on; midnight is the end of the day before."""
    if moment.time() == dt.time(0):
        return moment.date() - dt.timedelta(days=1)
    return moment.date()


def ref_link(ref: str, base_url: str | None) -> str:
    """``interface:crm.customers.get``, followed by its API URL when a base URL is known."""
    if not base_url:
        return ref
    try:
        parsed = Ref.parse(ref)
    except ReferenceSyntaxError:
        return ref
    path = _API_PATHS.get(parsed.kind)
    if path is None:
        return ref
    return f"{ref} <{base_url.rstrip('/')}/api/v1/{path}/{parsed.id}>"


def _description(
    kind: str,
    item: Task | Milestone,
    project: str,
    target: dt.date | None,
    forecast: dt.date | None,
    delivers: list[str],
    base_url: str | None,
) -> str:
    lines = [f"{kind} {item.id} of {project}: {item.name}"]
    if target is not None:
        lines.append(f"Target date: {target.isoformat()}")
    if forecast is not None:
        late = "" if target is None or forecast <= target else " (after the target date)"
        lines.append(f"Forecast: {forecast.isoformat()}{late}")
    if item.description:
        lines += ["", item.description]
    if delivers:
        lines += ["", "Delivers:"] + [f"- {ref_link(ref, base_url)}" for ref in delivers]
    return "\n".join(lines)


def _events(
    plan: Plan, schedule: PlanSchedule | None, deadlines: bool
) -> Iterator[tuple[str, Task | Milestone, dt.date | None, dt.date | None]]:
    """(kind, item, target date, forecast date) of every event, in plan order."""
    forecast: dict[str, dt.date] = {}
    if schedule is not None:
        forecast = {t.id: _day(t.finish) for t in schedule.tasks}
    for milestone in plan.milestones:
        yield "Milestone", milestone, milestone.date, forecast.get(milestone.id)
    for task in plan.tasks:
        if task.is_milestone:
            yield "Milestone", task, task.deadline, forecast.get(task.id)
        elif deadlines and task.deadline is not None:
            yield "Deadline", task, task.deadline, forecast.get(task.id)


def milestones_calendar(
    plan: Plan,
    schedule: PlanSchedule | None = None,
    *,
    stamp: dt.datetime,
    deadlines: bool = False,
    base_url: str | None = None,
) -> bytes:
    """An iCalendar document: one all-day event per milestone (and per deadline if asked).

    ``stamp`` is the DTSTAMP of every event (when the file was made).
    """
    project = plan.project.name if plan.project is not None else "Plan"
    domain = f"{_slug(project)}.interloom"
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{project}: milestones")
    calendar.add("name", f"{project}: milestones")
    # A milestone delivers what it declares and what the tasks leading to it deliver.
    delivered: dict[str, list[str]] = {}
    for task in plan.tasks:
        if task.milestone is not None:
            delivered.setdefault(task.milestone, []).extend(task.delivers)
    for kind, item, target, forecast in _events(plan, schedule, deadlines):
        # A deadline is on its date; a milestone on its forecast, else its target.
        day = target if kind == "Deadline" else forecast or target
        if day is None:
            continue
        event = Event()
        event.add("uid", f"{kind.lower()}-{item.id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        title = item.name if kind == "Milestone" else f"Deadline: {item.name}"
        event.add("summary", f"{project}: {title}")
        delivers = list(item.delivers)
        if kind == "Milestone":
            delivers += delivered.get(item.id, [])
        delivers = list(dict.fromkeys(delivers))
        text = _description(kind, item, project, target, forecast, delivers, base_url)
        event.add("description", text)
        event.add("categories", [project, kind])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    document: bytes = calendar.to_ical()
    return document
