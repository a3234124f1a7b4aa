"""A system's readiness as a Markdown or HTML report, from the templates shipped in the package.

Templates live in ``interloom/templates/reports``: ``readiness.md.j2`` (GitHub-flavoured
Markdown, for a pull request or a wiki) and ``readiness.html.j2`` (one self-contained page,
values escaped). Both show the summary, the top gaps, one row per interface with a mark per
criterion, then each interface's findings and what to do about them.
"""

from __future__ import annotations

from functools import cache

import jinja2

from interloom.core.readiness import TITLES, CriterionId, Status, SystemReadiness

_MARKS = {Status.PASS: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.NOT_APPLICABLE: "–"}
_CLASSES = {Status.PASS: "pass", Status.WARN: "warn", Status.FAIL: "fail"}


def _cell(text: object) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _score(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.1f}"


def _short(ref: str) -> str:
    return ref.removeprefix("interface:")


def _refs(refs: list[str]) -> str:
    return ", ".join(_short(ref) for ref in refs) or "—"


def _anchor(ref: str) -> str:
    return "i-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in _short(ref))


def _mark(status: Status) -> str:
    return _MARKS[status]


def _status_class(status: Status) -> str:
    return _CLASSES.get(status, "na")


def _grade_class(grade: str) -> str:
    return grade if grade in ("A", "B", "C", "D", "F") else "na"


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("interloom", "templates/reports"),
        # Markdown is not HTML: escaping would show '&lt;' to its readers; the HTML escapes.
        autoescape=autoescape,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(
        cell=_cell,
        score=_score,
        short=_short,
        refs=_refs,
        anchor=_anchor,
        mark=_mark,
        status_class=_status_class,
        grade_class=_grade_class,
    )
    return environment


def _render(template: str, report: SystemReadiness, *, autoescape: bool) -> str:
    criteria = [{"id": c, "title": TITLES[c]} for c in CriterionId]
    return _environment(autoescape).get_template(template).render(report=report, criteria=criteria)


def readiness_markdown(report: SystemReadiness) -> str:
    """The report as GitHub-flavoured Markdown."""
    return _render("readiness.md.j2", report, autoescape=False)


def readiness_html(report: SystemReadiness) -> str:
    """The report as one self-contained HTML page."""
    return _render("readiness.html.j2", report, autoescape=True)
