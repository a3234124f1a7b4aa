"""The weekly report and the stand-up digest, rendered from their facts with Jinja2 templates.

The templates live beside this module (``templates/*.j2``); Markdown cells are escaped so a
``|`` in a task name cannot break a table, HTML is autoescaped, and charts are embedded as
inline SVG so the page has no external assets.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from enum import StrEnum
from functools import cache

import jinja2

from interloom.core.delivery.reporting import Standup, WeeklyReport
from interloom.core.delivery.risks import heat_map_text
from interloom.formats.plan.charts import burndown_svg, heat_map_svg, velocity_svg

DASH = "—"


class ReportFormat(StrEnum):
    """What a report is rendered as."""

    MARKDOWN = "markdown"
    HTML = "html"


def _md(value: object) -> str:
    """Text safe in a Markdown table cell: no column break, no line break, no raw HTML."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _moment(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return DASH
    if isinstance(value, dt.datetime):
        return value.strftime("%a %Y-%m-%d %H:%M")
    return value.strftime("%a %Y-%m-%d")


def _until(value: dt.datetime) -> str:
    """A status date: midnight is the end of the day before it."""
    if value.time() == dt.time(0):
        return f"end of {(value - dt.timedelta(days=1)).strftime('%a %Y-%m-%d')}"
    return _moment(value)


def _day(value: dt.date | None) -> str:
    return DASH if value is None else value.strftime("%a %Y-%m-%d")


def _isoweek(value: dt.date) -> str:
    year, week, _ = value.isocalendar()
    return f"{year}-W{week:02d}"


def _number(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _ratio(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def _days(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:+.2f}".rstrip("0").rstrip(".") if value else "0"


def _money(value: float | None) -> str:
    return DASH if value is None else f"{value:,.2f}"


@cache
def _environment() -> jinja2.Environment:
    # HTML templates are autoescaped; Markdown ones escape table cells with the md filter.
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("interloom.formats.plan", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        md=_md,
        moment=_moment,
        until=_until,
        day=_day,
        isoweek=_isoweek,
        number=_number,
        ratio=_ratio,
        days=_days,
        money=_money,
    )
    return environment


def _milestone_counts(report: WeeklyReport) -> list[tuple[str, int]]:
    counts = Counter(m.state.value for m in report.milestones)
    order = ["done", "on-track", "at-risk", "late", "no-target"]
    return [(state, counts[state]) for state in order if counts[state]]


def render_weekly(report: WeeklyReport, fmt: ReportFormat = ReportFormat.MARKDOWN) -> str:
    """The weekly report as Markdown or a standalone HTML page."""
    html = fmt is ReportFormat.HTML
    template = _environment().get_template("weekly.html.j2" if html else "weekly.md.j2")
    context: dict[str, object] = {
        "r": report,
        "milestone_counts": _milestone_counts(report),
        "automatic_count": sum(1 for risk in report.risks if risk.automatic),
        "heat_text": heat_map_text(report.heat_map),
        "heat_svg": heat_map_svg(report.heat_map) if html else "",
        "burndown_svg": burndown_svg(report.sprint) if html and report.sprint else "",
        "velocity_svg": (
            velocity_svg(report.velocity) if html and report.velocity is not None else ""
        ),
    }
    return _tidy(template.render(**context))


def render_standup(standup: Standup) -> str:
    """The stand-up digest as Markdown."""
    return _tidy(_environment().get_template("standup.md.j2").render(s=standup))


def _tidy(text: str) -> str:
    """At most one blank line in a row, and one newline at the end."""
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line and lines and not lines[-1]:
            continue
        lines.append(line)
    return "\n".join(lines).strip("\n") + "\n"
