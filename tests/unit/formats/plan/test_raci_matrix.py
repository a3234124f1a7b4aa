"""The RACI matrix as Markdown, CSV and HTML."""

from __future__ import annotations

import csv
import io

from interloom.core.delivery.raci import RaciAssignment, Stakeholder, raci_matrix
from interloom.formats.plan.raci_matrix import MatrixFormat, render_raci

MATRIX = raci_matrix(
    [
        RaciAssignment.model_validate(
            {
                "deliverable": "milestone:M-1",
                "responsible": ["sam"],
                "accountable": "sam",
                "informed": ["helena"],
            }
        ),
        RaciAssignment.model_validate(
            {
                "deliverable": "flow:sync",
                "responsible": ["ops"],
                "accountable": "helena",
                "consulted": ["sam"],
            }
        ),
    ],
    [
        Stakeholder(id="helena", name="Helena | Sponsor"),
        Stakeholder(id="sam", name="Sam <lead>"),
        Stakeholder(id="ops", name="Operations"),
    ],
    {"milestone:M-1": "M-1 Live"},
)


def test_markdown_table() -> None:
    lines = render_raci(MATRIX, MatrixFormat.MARKDOWN).splitlines()

    assert lines[0] == "| Deliverable | Helena \\| Sponsor | Sam &lt;lead&gt; | Operations |"
    assert lines[1] == "|---|---|---|---|"
    assert lines[2] == "| M-1 Live (`milestone:M-1`) | I | R/A |  |"
    assert lines[3] == "| flow:sync | A | C | R |"


def test_csv_round_trips() -> None:
    rows = list(csv.reader(io.StringIO(render_raci(MATRIX, MatrixFormat.CSV))))

    assert rows == [
        ["deliverable", "name", "helena", "sam", "ops"],
        ["milestone:M-1", "M-1 Live", "I", "R/A", ""],
        ["flow:sync", "flow:sync", "A", "C", "R"],
    ]


def test_html_colours_the_strongest_letter_and_escapes() -> None:
    page = render_raci(MATRIX, MatrixFormat.HTML, title="RACI <retail>")

    assert "<title>RACI &lt;retail&gt;</title>" in page
    assert '<th title="">Sam &lt;lead&gt;</th>' in page
    assert '<td class="A">R/A</td>' in page
    assert '<td class="I">I</td>' in page
