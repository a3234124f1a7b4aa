"""Sprint and risk charts as SVG: burndown, burnup, velocity bars, the risk heat map.

Pure and deterministic: the same facts give the same bytes, with no external assets, so a
chart can be embedded in an HTML report, attached to a mail or diffed in a test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from interloom.core.delivery.risks import HeatMap, RiskLevel
from interloom.core.delivery.sprints import SprintDay, SprintReport, Velocity

WIDTH = 640
HEIGHT = 320
MARGIN_LEFT = 56
MARGIN_RIGHT = 16
MARGIN_TOP = 52
MARGIN_BOTTOM = 56

COLOURS = {
    "ideal": "#9c9c9c",
    "actual": "#4e79a7",
    "scope": "#f28e2b",
    "done": "#59a14f",
    "committed": "#bab0ac",
    "completed": "#4e79a7",
    "average": "#e15759",
    "grid": "#dddddd",
    RiskLevel.LOW: "#cde8c4",
    RiskLevel.MEDIUM: "#fde3a7",
    RiskLevel.HIGH: "#f4a6a6",
}

STYLE = """
text { font-family: sans-serif; font-size: 11px; fill: #222; }
.title { font-size: 13px; font-weight: bold; }
.axis text { font-size: 10px; fill: #555; }
.grid { stroke: #dddddd; stroke-width: 1; }
.line { fill: none; stroke-width: 2; }
""".strip()


def _number(value: float) -> str:
    """A coordinate or value without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _open(title: str, width: int = WIDTH, height: int = HEIGHT) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text class="title" x="{MARGIN_LEFT}" y="20">{escape(title)}</text>',
    ]


def _axis(value: float) -> tuple[float, float]:
    """A round axis maximum at or above ``value`` and its tick step (at most six ticks)."""
    if value <= 0:
        return 1.0, 0.25
    magnitude = 10 ** math.floor(math.log10(value))
    for base in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10):
        step = base * magnitude
        if math.ceil(value / step - 1e-9) <= 6:
            return math.ceil(value / step - 1e-9) * step, step
    return 10.0 * magnitude, 2.0 * magnitude  # pragma: no cover - 10 × magnitude ≥ value


class _Plot:
    """The plotting area: maps (index, value) to pixels."""

    def __init__(self, count: int, value: float) -> None:
        self.count = max(1, count)
        self.top, self.step = _axis(value)
        self.left = MARGIN_LEFT
        self.right = WIDTH - MARGIN_RIGHT
        self.upper = MARGIN_TOP
        self.lower = HEIGHT - MARGIN_BOTTOM

    def x(self, index: float) -> float:
        span = max(1, self.count - 1)
        return self.left + (self.right - self.left) * index / span

    def y(self, value: float) -> float:
        return self.lower - (self.lower - self.upper) * value / self.top

    def axes(self, labels: Sequence[str], unit: str) -> list[str]:
        parts = ['<g class="axis">']
        for tick in range(round(self.top / self.step) + 1):
            value = tick * self.step
            y = _number(self.y(value))
            parts.append(
                f'<line class="grid" x1="{self.left}" y1="{y}" x2="{self.right}" y2="{y}"/>'
            )
            parts.append(
                f'<text x="{self.left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
                f"{_number(value)}</text>"
            )
        every = max(1, -(-len(labels) // 10))
        for index, label in enumerate(labels):
            if index % every and index != len(labels) - 1:
                continue
            x = _number(self.x(index))
            parts.append(
                f'<text x="{x}" y="{self.lower + 14}" text-anchor="end" '
                f'transform="rotate(-35 {x} {self.lower + 14})">{escape(label)}</text>'
            )
        parts.append(
            f'<text x="14" y="{(self.upper + self.lower) / 2:.0f}" text-anchor="middle" '
            f'transform="rotate(-90 14 {(self.upper + self.lower) / 2:.0f})">{escape(unit)}</text>'
        )
        parts.append("</g>")
        return parts

    def line(self, values: Sequence[float | None], colour: str, name: str, dash: bool) -> str:
        points = [
            f"{_number(self.x(i))},{_number(self.y(v))}"
            for i, v in enumerate(values)
            if v is not None
        ]
        style = ' stroke-dasharray="6 4"' if dash else ""
        return (
            f'<polyline class="line series-{name}" stroke="{colour}"{style} '
            f'points="{" ".join(points)}"/>'
        )


def _legend(entries: Sequence[tuple[str, str, bool]]) -> list[str]:
    """A line of legend under the title."""
    parts = []
    x = MARGIN_LEFT
    for label, colour, dash in entries:
        style = ' stroke-dasharray="6 4"' if dash else ""
        parts.append(
            f'<line x1="{x}" y1="34" x2="{x + 22}" y2="34" stroke="{colour}" '
            f'stroke-width="2"{style}/>'
        )
        parts.append(f'<text x="{x + 27}" y="38">{escape(label)}</text>')
        x += 34 + 7 * len(label)
    return parts


def _labels(days: Sequence[SprintDay]) -> list[str]:
    return [d.label if d.label == "start" else d.day.strftime("%a %d %b") for d in days]


def burndown_svg(report: SprintReport) -> str:
    """Remaining work per working day against the ideal straight line."""
    days = report.days
    plot = _Plot(len(days), max([report.scope, *(d.remaining or 0 for d in days)]))
    parts = _open(f"Burndown — {report.sprint.name} ({report.sprint.id})")
    parts += plot.axes(_labels(days), report.measure.value)
    parts.append(plot.line([d.ideal for d in days], COLOURS["ideal"], "ideal", dash=True))
    parts.append(plot.line([d.remaining for d in days], COLOURS["actual"], "remaining", False))
    parts += _legend([("ideal", COLOURS["ideal"], True), ("remaining", COLOURS["actual"], False)])
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def burnup_svg(report: SprintReport) -> str:
    """Work done per working day against the sprint's scope."""
    days = report.days
    plot = _Plot(len(days), max([report.scope, *(d.done or 0 for d in days)]))
    parts = _open(f"Burnup — {report.sprint.name} ({report.sprint.id})")
    parts += plot.axes(_labels(days), report.measure.value)
    parts.append(plot.line([d.scope for d in days], COLOURS["scope"], "scope", dash=True))
    parts.append(plot.line([d.done for d in days], COLOURS["done"], "done", dash=False))
    parts += _legend([("scope", COLOURS["scope"], True), ("done", COLOURS["done"], False)])
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def velocity_svg(velocity: Velocity) -> str:
    """Committed and completed work per closed sprint, with the average as a line."""
    sprints = velocity.sprints
    parts = _open(f"Velocity ({velocity.measure.value} per sprint)")
    if not sprints:
        parts.append(
            f'<text x="{MARGIN_LEFT}" y="{HEIGHT / 2:.0f}">No closed sprint yet.</text></svg>'
        )
        return "\n".join(parts) + "\n"
    plot = _Plot(len(sprints) + 1, max(max(s.committed, s.completed) for s in sprints))
    slot = (plot.right - plot.left) / len(sprints)
    bar = slot * 0.35
    parts.append('<g class="axis">')
    for tick in range(round(plot.top / plot.step) + 1):
        value = tick * plot.step
        y = _number(plot.y(value))
        parts.append(f'<line class="grid" x1="{plot.left}" y1="{y}" x2="{plot.right}" y2="{y}"/>')
        parts.append(
            f'<text x="{plot.left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{_number(value)}</text>"
        )
    parts.append("</g>")
    for index, sprint in enumerate(sprints):
        left = plot.left + index * slot + slot * 0.12
        for offset, value, colour, name in (
            (0.0, sprint.committed, COLOURS["committed"], "committed"),
            (bar, sprint.completed, COLOURS["completed"], "completed"),
        ):
            height = plot.y(value)
            parts.append(
                f'<rect class="bar-{name}" x="{_number(left + offset)}" y="{_number(height)}" '
                f'width="{_number(bar)}" height="{_number(plot.lower - height)}" fill="{colour}">'
                f"<title>{escape(sprint.sprint)} {name}: {_number(value)}</title></rect>"
            )
        parts.append(
            f'<text x="{_number(left + bar)}" y="{plot.lower + 16}" text-anchor="middle">'
            f"{escape(sprint.sprint)}</text>"
        )
    if velocity.average is not None:
        y = _number(plot.y(velocity.average))
        parts.append(
            f'<line class="average" x1="{plot.left}" y1="{y}" x2="{plot.right}" y2="{y}" '
            f'stroke="{COLOURS["average"]}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
        parts.append(
            f'<text x="{plot.left + 4}" y="{_number(plot.y(velocity.average) - 4)}">'
            f"average {_number(velocity.average)}</text>"
        )
    parts += _legend(
        [
            ("committed", COLOURS["committed"], False),
            ("completed", COLOURS["completed"], False),
        ]
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


CELL = 64


def heat_map_svg(heat: HeatMap, title: str = "Risk heat map") -> str:
    """The 5×5 probability-and-impact matrix, coloured by zone, with the risks in each cell."""
    left, top = 90, 40
    width = left + 5 * CELL + 20
    height = top + 5 * CELL + 50
    parts = _open(title, width, height)
    for row_index, row in enumerate(heat.rows):
        y = top + row_index * CELL
        parts.append(
            f'<text x="{left - 8}" y="{y + CELL / 2:.0f}" text-anchor="end" '
            f'dominant-baseline="middle">{_number(row[0].probability)}</text>'
        )
        for column, cell in enumerate(row):
            x = left + column * CELL
            names = ", ".join(cell.risks)
            tip = f"P {_number(cell.probability)} × I {_number(cell.impact)} = " + _number(
                cell.score
            )
            parts.append(
                f'<rect class="cell level-{cell.level.value}" x="{x}" y="{y}" width="{CELL}" '
                f'height="{CELL}" fill="{COLOURS[cell.level]}" stroke="#ffffff" stroke-width="2">'
                f"<title>{escape(tip + (': ' + names if names else ''))}</title></rect>"
            )
            if cell.risks:
                parts.append(
                    f'<text class="count" x="{x + CELL / 2:.0f}" y="{y + CELL / 2 - 6:.0f}" '
                    f'text-anchor="middle" font-weight="bold">{len(cell.risks)}</text>'
                )
                shown = ", ".join(cell.risks[:2]) + ("…" if len(cell.risks) > 2 else "")
                parts.append(
                    f'<text x="{x + CELL / 2:.0f}" y="{y + CELL / 2 + 10:.0f}" '
                    f'text-anchor="middle" font-size="9">{escape(shown)}</text>'
                )
    bottom = top + 5 * CELL
    for column, cell in enumerate(heat.rows[0]):
        parts.append(
            f'<text x="{left + column * CELL + CELL / 2:.0f}" y="{bottom + 16}" '
            f'text-anchor="middle">{_number(cell.impact)}</text>'
        )
    parts.append(
        f'<text x="{left + 5 * CELL / 2:.0f}" y="{bottom + 36}" text-anchor="middle">impact</text>'
    )
    parts.append(
        f'<text x="16" y="{top + 5 * CELL / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 16 {top + 5 * CELL / 2:.0f})">probability</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
