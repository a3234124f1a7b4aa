"""The Gantt chart of a scheduled plan: an SVG image, or an HTML page with it and a task table.

Pure and deterministic: the same schedule gives the same bytes, with no external assets. The
chart has a time axis scaled to the plan's span (days, weeks or months) with non-working days
shaded; one row per task in WBS order with its name indented by level; summary bars; task bars
filled to their percent complete, red on the critical path, orange when near-critical; thin
baseline bars below the current ones when a baseline is given; milestones as diamonds;
deadline markers; dependency arrows drawn between the ends each link type ties (FS from the
predecessor's finish to the successor's start, SS start to start, FF finish to finish, SF
start to finish); a line at the status date; and a legend.

Within a day, time is drawn over the calendar's working hours, so a one-day task fills its day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from interloom.core.delivery.activities import LinkType
from interloom.core.delivery.plan_schedule import Baseline, PlannedTask, PlanSchedule

ROW = 24
HEADER = 44
LABEL_WIDTH = 340
LEGEND = 56
NAME_CHARS = 40

COLOURS = {
    "bar": "#4e79a7",
    "critical": "#d62728",
    "near-critical": "#f28e2b",
    "progress": "#1f3b57",
    "summary": "#333333",
    "baseline": "#9c9c9c",
    "milestone": "#333333",
    "deadline": "#7b3294",
    "missed": "#d62728",
    "status": "#2ca02c",
    "nonworking": "#eeeeee",
    "link": "#555555",
    "grid": "#dddddd",
}

STYLE = """
text { font-family: sans-serif; font-size: 11px; fill: #222; }
.axis text { font-size: 10px; fill: #555; }
.summary-name { font-weight: bold; }
.row-odd { fill: #fafafa; }
.link { fill: none; stroke-width: 1; }
.status-date { stroke-width: 1.5; stroke-dasharray: 4 3; }
""".strip()


@dataclass(frozen=True, slots=True)
class _Scale:
    """Where a moment lands on the x axis."""

    origin: dt.date
    days: int
    per_day: float
    day_start: int  # minutes after midnight where the working day starts
    day_end: int

    def x(self, moment: dt.datetime) -> float:
        minute = moment.hour * 60 + moment.minute
        span = max(1, self.day_end - self.day_start)
        fraction = min(1.0, max(0.0, (minute - self.day_start) / span))
        return LABEL_WIDTH + ((moment.date() - self.origin).days + fraction) * self.per_day

    @property
    def width(self) -> float:
        return LABEL_WIDTH + self.days * self.per_day


def _scale(schedule: PlanSchedule, baseline: Baseline | None) -> _Scale:
    moments = [m for t in schedule.tasks for m in (t.start, t.finish)]
    if baseline is not None:
        moments += [m for t in baseline.tasks.values() for m in (t.start, t.finish)]
    if schedule.status_date is not None:
        moments.append(schedule.status_date)
    moments.append(schedule.schedule.project_start)
    first, last = min(moments).date(), max(moments).date()
    first -= dt.timedelta(days=first.weekday())  # whole weeks, Monday first
    last += dt.timedelta(days=7 - last.weekday())
    days = (last - first).days
    per_day = 24.0 if days <= 70 else 8.0 if days <= 400 else 2.0
    week = next((c.week for c in schedule.calendars if c.id == schedule.calendar), None)
    spans = [(i.start_minute, i.end_minute) for day in (week.days() if week else ()) for i in day]
    start = min((s for s, _ in spans), default=480)
    end = max((e for _, e in spans), default=1020)
    return _Scale(first, days, per_day, start, end)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _when(moment: dt.datetime, *, finish: bool = False) -> str:
    """A moment for people: a bare date at midnight (for a finish, the day it ends)."""
    if moment.hour == 0 and moment.minute == 0:
        day = moment - dt.timedelta(days=1) if finish else moment
        return day.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M")


def _days(minutes: int, per_day: int) -> str:
    return _num(minutes / per_day) + "d"


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _kind(task: PlannedTask) -> str:
    if task.milestone:
        return "milestone"
    return "summary" if task.summary else "task"


def _colour(task: PlannedTask) -> tuple[str, str]:
    """The bar's class and fill."""
    if task.critical:
        return "critical", COLOURS["critical"]
    if task.near_critical:
        return "near-critical", COLOURS["near-critical"]
    return "normal", COLOURS["bar"]


def _tooltip(task: PlannedTask, per_day: int) -> str:
    lines = [f"{task.wbs} {task.id} — {task.name}"]
    if task.milestone:
        lines.append(f"at {_when(task.finish, finish=True)}")
    else:
        lines.append(f"{_when(task.start)} → {_when(task.finish, finish=True)}")
        lines.append(f"duration {_days(task.duration_minutes, per_day)}")
    lines.append(f"{_num(task.percent_complete)}% complete")
    lines.append(f"total float {_days(task.total_float, per_day)}")
    if task.critical:
        lines.append("on the critical path")
    if task.assignee:
        lines.append(f"assignee {task.assignee}")
    if task.deadline is not None:
        missed = " (missed)" if task.deadline_missed else ""
        lines.append(f"deadline {task.deadline.isoformat()}{missed}")
    if task.delivers:
        lines.append("delivers " + ", ".join(task.delivers))
    return "\n".join(lines)


def render_gantt_svg(schedule: PlanSchedule, *, baseline: Baseline | None = None) -> str:
    """The Gantt chart as a standalone SVG document."""
    scale = _scale(schedule, baseline)
    rows = {task.id: index for index, task in enumerate(schedule.tasks)}
    body_height = len(schedule.tasks) * ROW
    height = HEADER + body_height + LEGEND
    width = max(scale.width + 20, _legend_width(baseline is not None))
    out: list[str] = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{_num(width)}" height="{height}" viewBox="0 0 {_num(width)} {height}" '
        'class="gantt" role="img">',
        f"<title>{escape(schedule.name)} — Gantt chart</title>",
        f"<style>{STYLE}</style>",
        "<defs>"
        '<marker id="arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" '
        f'markerHeight="6" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="{COLOURS["link"]}"/>'
        "</marker></defs>",
    ]
    out += _rows(schedule, width)
    out += _axis(schedule, scale, body_height)
    out += _labels(schedule)
    if baseline is not None:
        out += _baseline_bars(schedule, baseline, scale, rows)
    out += _links(schedule, scale, rows)
    for index, task in enumerate(schedule.tasks):
        out += _task(task, index, scale, schedule.minutes_per_day)
    out += _status_line(schedule, scale, body_height)
    out += _legend(HEADER + body_height + 24, baseline is not None)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _rows(schedule: PlanSchedule, width: float) -> list[str]:
    out = ['<g class="rows">']
    for index in range(1, len(schedule.tasks), 2):
        y = HEADER + index * ROW
        out.append(f'<rect class="row-odd" x="0" y="{y}" width="{_num(width)}" height="{ROW}"/>')
    out.append("</g>")
    return out


def _axis(schedule: PlanSchedule, scale: _Scale, body_height: float) -> list[str]:
    clock = schedule.working_time()
    out = ['<g class="axis">']
    top = HEADER + body_height
    shade = scale.per_day >= 4
    month_seen = None
    for offset in range(scale.days):
        day = scale.origin + dt.timedelta(days=offset)
        x = LABEL_WIDTH + offset * scale.per_day
        if shade and not clock.is_working_day(day):
            out.append(
                f'<rect class="nonworking" x="{_num(x)}" y="{HEADER}" '
                f'width="{_num(scale.per_day)}" height="{_num(body_height)}" '
                f'fill="{COLOURS["nonworking"]}"><title>{day.isoformat()} not worked</title></rect>'
            )
        if (day.year, day.month) != month_seen:
            month_seen = (day.year, day.month)
            out.append(
                f'<line x1="{_num(x)}" y1="0" x2="{_num(x)}" y2="{_num(top)}" '
                f'stroke="{COLOURS["grid"]}"/>'
            )
            out.append(f'<text x="{_num(x + 3)}" y="14">{day.strftime("%b %Y")}</text>')
        if scale.per_day >= 20:
            out.append(f'<text x="{_num(x + 3)}" y="36">{day.day}</text>')
        elif day.weekday() == 0 and scale.per_day >= 4:
            out.append(f'<text x="{_num(x + 2)}" y="36">{day.strftime("%d")}</text>')
            out.append(
                f'<line x1="{_num(x)}" y1="22" x2="{_num(x)}" y2="{_num(top)}" '
                f'stroke="{COLOURS["grid"]}" stroke-width="0.5"/>'
            )
        elif day.weekday() == 0 and day.day <= 7:
            out.append(f'<text x="{_num(x + 2)}" y="36">W{day.isocalendar().week:02d}</text>')
    out.append(f'<line x1="0" y1="{HEADER}" x2="{_num(scale.width)}" y2="{HEADER}" stroke="#999"/>')
    out.append(
        f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{_num(top)}" stroke="#999"/>'
    )
    out.append('<text x="6" y="36">WBS</text><text x="52" y="36">Task</text>')
    out.append("</g>")
    return out


def _labels(schedule: PlanSchedule) -> list[str]:
    out = ['<g class="labels">']
    for index, task in enumerate(schedule.tasks):
        y = HEADER + index * ROW + 16
        kind = ' class="summary-name"' if task.summary else ""
        x = 52 + 14 * task.level
        out.append(
            f'<text x="6" y="{y}">{escape(task.wbs)}</text>'
            f'<text x="{x}" y="{y}"{kind}><title>{escape(task.id)}: {escape(task.name)}</title>'
            f"{escape(_short(task.name))}</text>"
        )
    out.append("</g>")
    return out


def _task(task: PlannedTask, index: int, scale: _Scale, per_day: int) -> list[str]:
    top = HEADER + index * ROW
    mid = top + ROW / 2
    kind = _kind(task)
    out = [
        f'<g class="task {kind}" data-task="{escape(task.id)}">',
        f"<title>{escape(_tooltip(task, per_day))}</title>",
    ]
    x1, x2 = scale.x(task.start), scale.x(task.finish)
    if task.milestone:
        tone, fill = (
            ("critical", COLOURS["critical"]) if task.critical else ("normal", COLOURS["milestone"])
        )
        out.append(
            f'<path class="diamond {tone}" data-task="{escape(task.id)}" fill="{fill}" '
            f'd="M{_num(x2)},{_num(mid - 7)} L{_num(x2 + 7)},{_num(mid)} '
            f'L{_num(x2)},{_num(mid + 7)} L{_num(x2 - 7)},{_num(mid)} z"/>'
        )
    elif task.summary:
        y = top + 6
        out.append(
            f'<path class="summary-bar" data-task="{escape(task.id)}" fill="{COLOURS["summary"]}" '
            f'd="M{_num(x1)},{y} H{_num(x2)} V{y + 10} L{_num(x2 - 5)},{y + 6} '
            f'H{_num(x1 + 5)} L{_num(x1)},{y + 10} z"/>'
        )
    else:
        tone, fill = _colour(task)
        width = max(1.0, x2 - x1)
        out.append(
            f'<rect class="bar {tone}" data-task="{escape(task.id)}" x="{_num(x1)}" '
            f'y="{top + 5}" width="{_num(width)}" height="12" rx="2" fill="{fill}"/>'
        )
        if task.percent_complete > 0:
            done = width * min(100.0, task.percent_complete) / 100
            out.append(
                f'<rect class="progress" data-task="{escape(task.id)}" x="{_num(x1)}" '
                f'y="{top + 9}" width="{_num(done)}" height="4" fill="{COLOURS["progress"]}"/>'
            )
    if task.deadline is not None:
        end = dt.datetime.combine(task.deadline, dt.time()) + dt.timedelta(days=1)
        x = LABEL_WIDTH + (end.date() - scale.origin).days * scale.per_day
        tone = "missed" if task.deadline_missed else "deadline"
        out.append(
            f'<path class="deadline {tone}" fill="{COLOURS[tone]}" '
            f'd="M{_num(x - 4)},{top + 1} H{_num(x + 4)} L{_num(x)},{top + 7} z"/>'
        )
    out.append("</g>")
    return out


def _baseline_bars(
    schedule: PlanSchedule, baseline: Baseline, scale: _Scale, rows: dict[str, int]
) -> list[str]:
    out = [f'<g class="baselines" data-baseline="{escape(baseline.name)}">']
    for task in schedule.tasks:
        was = baseline.tasks.get(task.id)
        if was is None:
            continue
        top = HEADER + rows[task.id] * ROW
        x1, x2 = scale.x(was.start), scale.x(was.finish)
        out.append(
            f'<rect class="baseline-bar" data-task="{escape(task.id)}" x="{_num(x1)}" '
            f'y="{top + 18}" width="{_num(max(2.0, x2 - x1))}" height="3" '
            f'fill="{COLOURS["baseline"]}"><title>baseline {escape(baseline.name)}: '
            f"{_when(was.start)} → {_when(was.finish, finish=True)}</title></rect>"
        )
    out.append("</g>")
    return out


def _links(schedule: PlanSchedule, scale: _Scale, rows: dict[str, int]) -> list[str]:
    tasks = {t.id: t for t in schedule.tasks}
    out = ['<g class="links">']
    for link in schedule.links:
        before, after = tasks.get(link.predecessor), tasks.get(link.successor)
        if before is None or after is None:
            continue
        from_finish = link.type in (LinkType.FS, LinkType.FF)
        to_start = link.type in (LinkType.FS, LinkType.SS)
        x1 = scale.x(before.finish if from_finish else before.start)
        x2 = scale.x(after.start if to_start else after.finish)
        y1 = HEADER + rows[before.id] * ROW + ROW / 2
        y2 = HEADER + rows[after.id] * ROW + ROW / 2
        out_x = x1 + 6 if from_finish else x1 - 6
        in_x = x2 - 6 if to_start else x2 + 6
        middle = y2 - ROW / 2 + 2 if y2 > y1 else y2 + ROW / 2 - 2
        path = (
            f"M{_num(x1)},{_num(y1)} H{_num(out_x)} V{_num(middle)} H{_num(in_x)} "
            f"V{_num(y2)} H{_num(x2)}"
        )
        out.append(
            f'<path class="link {link.type.value}" data-from="{escape(before.id)}" '
            f'data-to="{escape(after.id)}" d="{path}" stroke="{COLOURS["link"]}" '
            'marker-end="url(#arrow)"/>'
        )
    out.append("</g>")
    return out


def _status_line(schedule: PlanSchedule, scale: _Scale, body_height: float) -> list[str]:
    if schedule.status_date is None:
        return []
    moment = schedule.status_date
    x = scale.x(moment)
    label = _when(moment, finish=True)
    return [
        f'<g class="status"><line class="status-date" x1="{_num(x)}" y1="{HEADER - 4}" '
        f'x2="{_num(x)}" y2="{_num(HEADER + body_height)}" stroke="{COLOURS["status"]}"/>'
        f'<text x="{_num(x + 3)}" y="{_num(HEADER + body_height + 12)}" '
        f'fill="{COLOURS["status"]}">status date {label}</text></g>'
    ]


def _legend_entries(with_baseline: bool) -> list[tuple[str, str]]:
    entries = [
        ("bar", "task"),
        ("critical", "critical"),
        ("near-critical", "near-critical"),
        ("progress", "% complete"),
        ("summary", "summary"),
        ("milestone", "milestone"),
        ("deadline", "deadline"),
        ("status", "status date"),
        ("nonworking", "non-working day"),
    ]
    if with_baseline:
        entries.insert(5, ("baseline", "baseline"))
    return entries


def _legend_width(with_baseline: bool) -> float:
    return 12 + sum(30 + 7 * len(label) for _, label in _legend_entries(with_baseline))


def _legend(y: float, with_baseline: bool) -> list[str]:
    entries = _legend_entries(with_baseline)
    out = [f'<g class="legend" transform="translate(6,{_num(y)})">']
    x = 0
    for key, label in entries:
        if key == "milestone":
            shape = f'<path d="M{x + 6},0 L{x + 12},6 L{x + 6},12 L{x},6 z" fill="{COLOURS[key]}"/>'
        else:
            shape = f'<rect x="{x}" y="2" width="14" height="8" fill="{COLOURS[key]}"/>'
        out.append(f'<g class="legend-item">{shape}<text x="{x + 18}" y="10">{label}</text></g>')
        x += 30 + 7 * len(label)
    out.append("</g>")
    return out


def render_gantt_html(schedule: PlanSchedule, *, baseline: Baseline | None = None) -> str:
    """A self-contained HTML page: the plan's figures, the Gantt chart and a task table."""
    per_day = schedule.minutes_per_day
    status = "—" if schedule.status_date is None else _when(schedule.status_date, finish=True)
    title = escape(schedule.name)
    rows = []
    for task in schedule.tasks:
        kind = _kind(task)
        critical = "★" if task.critical else ""
        deadline = "" if task.deadline is None else task.deadline.isoformat()
        if task.deadline_missed:
            deadline += " (missed)"
        rows.append(
            f'<tr class="{kind}{" critical" if task.critical else ""}" '
            f'title="{escape(_tooltip(task, per_day))}">'
            f"<td>{escape(task.wbs)}</td><td>{escape(task.id)}</td>"
            f'<td style="padding-left:{4 + 14 * task.level}px">{escape(task.name)}</td>'
            f"<td>{_when(task.start)}</td><td>{_when(task.finish, finish=True)}</td>"
            f"<td>{_days(task.duration_minutes, per_day)}</td>"
            f"<td>{_days(task.total_float, per_day)}</td><td>{critical}</td>"
            f"<td>{_num(task.percent_complete)}%</td><td>{escape(task.assignee or '')}</td>"
            f"<td>{escape(deadline)}</td></tr>"
        )
    compared = "" if baseline is None else f" · baseline {escape(baseline.name)}"
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en"><head><meta charset="utf-8">',
                f"<title>{title} — plan</title>",
                "<style>",
                "body { font-family: sans-serif; margin: 1.5em; color: #222; }",
                ".chart { overflow-x: auto; border: 1px solid #ddd; margin: 1em 0; }",
                "table { border-collapse: collapse; font-size: 13px; }",
                "th, td { border-bottom: 1px solid #e5e5e5; padding: 3px 8px; text-align: left; }",
                "tr.summary td { font-weight: bold; }",
                "tr.critical td:nth-child(8) { color: #d62728; }",
                "</style></head><body>",
                f"<h1>{title}</h1>",
                f"<p>{_when(schedule.schedule.project_start)} → "
                f"{_when(schedule.schedule.project_finish, finish=True)} · status date {status} · "
                f"planned cost {_num(schedule.cost)} {escape(schedule.currency)} · "
                f"{len(schedule.critical_path)} critical{compared}</p>",
                '<div class="chart">',
                render_gantt_svg(schedule, baseline=baseline).rstrip("\n"),
                "</div>",
                '<table class="tasks"><thead><tr><th>WBS</th><th>id</th><th>name</th>'
                "<th>start</th><th>finish</th><th>duration</th><th>total float</th>"
                "<th>critical</th><th>% complete</th><th>assignee</th><th>deadline</th></tr>"
                "</thead><tbody>",
                *rows,
                "</tbody></table></body></html>",
            ]
        )
        + "\n"
    )
