"""The RACI matrix as Markdown, CSV or a standalone HTML page."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from html import escape

from interloom.core.delivery.raci import RaciMatrix


class MatrixFormat(StrEnum):
    """What the RACI matrix is rendered as."""

    MARKDOWN = "markdown"
    CSV = "csv"
    HTML = "html"


def _markdown_cell(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def raci_markdown(matrix: RaciMatrix) -> str:
    """A Markdown table: a row per deliverable, a column per stakeholder."""
    header = ["Deliverable", *(s.name for s in matrix.stakeholders)]
    lines = [
        "| " + " | ".join(_markdown_cell(h) for h in header) + " |",
        "|" + "---|" * len(header),
    ]
    for deliverable in matrix.deliverables:
        row = matrix.cells.get(deliverable, {})
        label = matrix.labels.get(deliverable, deliverable)
        name = label if label == deliverable else f"{label} (`{deliverable}`)"
        cells = [row.get(s.id, "") for s in matrix.stakeholders]
        lines.append("| " + " | ".join(_markdown_cell(c) for c in [name, *cells]) + " |")
    lines += ["", "R = Responsible, A = Accountable, C = Consulted, I = Informed."]
    return "\n".join(lines) + "\n"


def raci_csv(matrix: RaciMatrix) -> str:
    """CSV with a header row of stakeholder ids; the first two columns name the deliverable."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["deliverable", "name", *(s.id for s in matrix.stakeholders)])
    for deliverable in matrix.deliverables:
        row = matrix.cells.get(deliverable, {})
        writer.writerow(
            [
                deliverable,
                matrix.labels.get(deliverable, deliverable),
                *(row.get(s.id, "") for s in matrix.stakeholders),
            ]
        )
    return out.getvalue()


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: center; }}
th.deliverable, td.deliverable {{ text-align: left; }}
td.A {{ background: #f4a6a6; font-weight: bold; }}
td.R {{ background: #cde8c4; }}
td.C {{ background: #fde3a7; }}
td.I {{ background: #e8eef7; }}
</style>
</head>
<body>
<h1>{title}</h1>
<table>
{rows}
</table>
<p>R = Responsible, A = Accountable, C = Consulted, I = Informed.</p>
</body>
</html>
"""


def raci_html(matrix: RaciMatrix, title: str = "RACI matrix") -> str:
    """A standalone HTML page with the matrix; cells are coloured by their strongest letter."""
    header = ['<th class="deliverable">Deliverable</th>'] + [
        f'<th title="{escape(s.role or "")}">{escape(s.name)}</th>' for s in matrix.stakeholders
    ]
    rows = ["<tr>" + "".join(header) + "</tr>"]
    for deliverable in matrix.deliverables:
        row = matrix.cells.get(deliverable, {})
        label = matrix.labels.get(deliverable, deliverable)
        cells = [
            f'<td class="deliverable">{escape(label)}<br><small>{escape(deliverable)}</small></td>'
        ]
        for stakeholder in matrix.stakeholders:
            letters = row.get(stakeholder.id, "")
            strongest = next((c for c in "ARCI" if c in letters.split("/")), "")
            cells.append(f'<td class="{strongest}">{escape(letters)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return _PAGE.format(title=escape(title), rows="\n".join(rows))


def render_raci(matrix: RaciMatrix, fmt: MatrixFormat, title: str = "RACI matrix") -> str:
    """The matrix in ``fmt``."""
    if fmt is MatrixFormat.CSV:
        return raci_csv(matrix)
    if fmt is MatrixFormat.HTML:
        return raci_html(matrix, title)
    return raci_markdown(matrix)
