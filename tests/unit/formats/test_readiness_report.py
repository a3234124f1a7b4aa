"""Readiness reports in Markdown and HTML: every figure shown, tables well formed, text escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from interloom.core.catalog import InterfaceStyle, Lifecycle
from interloom.core.readiness import (
    TITLES,
    Criterion,
    CriterionId,
    Gap,
    InterfaceReadiness,
    Status,
    SystemReadiness,
)
from interloom.formats.readiness_report import readiness_html, readiness_markdown

STATUSES = [Status.PASS, Status.WARN, Status.FAIL, Status.NOT_APPLICABLE]


def interface(ident: str, name: str, score: float | None, grade: str) -> InterfaceReadiness:
    criteria = [
        Criterion(
            id=criterion,
            title=TITLES[criterion],
            status=STATUSES[index % 4],
            weight=2,
            explanation=f"{criterion.value} finding | with a pipe",
            hint=None if index % 4 == 0 else f"fix {criterion.value}",
            location="contracts/crm.yaml:12:5 /paths/~1a/get" if index == 0 else None,
        )
        for index, criterion in enumerate(CriterionId)
    ]
    return InterfaceReadiness(
        ref=f"interface:crm.{ident}",
        name=name,
        style=InterfaceStyle.REST,
        lifecycle=Lifecycle.MOCKED,
        contract="contracts/crm.yaml",
        operation="getCustomer",
        score=score,
        grade=grade,
        criteria=criteria,
    )


def report(**changes: object) -> SystemReadiness:
    data: dict[str, object] = {
        "system": "system:crm",
        "id": "crm",
        "name": "CRM <script>alert(1)</script>",
        "owner": "Sales IT",
        "assessed_at": datetime(2027, 2, 1, 9, 30, tzinfo=UTC),
        "score": 61.25,
        "grade": "C",
        "counts": {Status.PASS: 3, Status.WARN: 3, Status.FAIL: 3, Status.NOT_APPLICABLE: 2},
        "measured": 0,
        "gaps": [
            Gap(
                criterion=CriterionId.ERRORS,
                title=TITLES[CriterionId.ERRORS],
                points=12.5,
                failing=["interface:crm.customers.get"],
                warning=[],
                hint="document the 5xx | answers",
            )
        ],
        "interfaces": [
            interface("customers.get", "Get a customer", 61.2, "C"),
            interface("customers.list", "List customers", None, "n/a"),
        ],
    }
    data.update(changes)
    return SystemReadiness.model_validate(data)


def tables(markdown: str) -> list[list[list[str]]]:
    """The tables of a Markdown text, as rows of cell texts (header row first)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    found: list[list[list[str]]] = []
    row: list[str] = []
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            found.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(tokens[index + 1].content)
        elif token.type == "tr_close":
            found[-1].append(row)
    return found


def test_markdown_shows_the_summary_gaps_and_every_interface() -> None:
    text = readiness_markdown(report())

    assert text.startswith("# Readiness of CRM <script>alert(1)</script> (`system:crm`)\n")
    assert "**Score 61.2 / 100 — grade C** over 2 interfaces" in text
    assert "3 passed, 3 warnings, 3 failed, 2 not applicable or not measured" in text
    assert "latency and error rate not measured" in text
    assert "### `crm.customers.get` — Get a customer" in text
    assert "### `crm.customers.list` — List customers" in text


def test_markdown_tables_are_well_formed_and_pipes_stay_in_their_cell() -> None:
    found = tables(readiness_markdown(report()))

    gaps, matrix, first, second = found
    assert gaps[0] == ["#", "criterion", "points lost", "failing", "warning", "what to do"]
    assert gaps[1] == [
        "1",
        "Error model documented",
        "12.5",
        "crm.customers.get",
        "—",
        "document the 5xx | answers",
    ]
    assert matrix[0] == ["interface", "lifecycle", "score", "grade", *TITLES.values()]
    marks = ["✓", "!", "✗", "–"]
    assert matrix[1] == [
        "`crm.customers.get`",
        "mocked",
        "61.2",
        "C",
        *(marks[i % 4] for i in range(len(CriterionId))),
    ]
    assert matrix[2][2:4] == ["n/a", "n/a"]
    assert len(first) == len(second) == 1 + len(CriterionId)
    assert first[1][3] == (
        "contract finding | with a pipe (`contracts/crm.yaml:12:5 /paths/~1a/get`)"
    )
    assert first[2][1:] == ["! warn", "2", "examples finding | with a pipe", "fix examples"]


def test_markdown_of_a_system_without_interfaces_says_so() -> None:
    text = readiness_markdown(report(interfaces=[], gaps=[], score=None, grade="n/a"))

    assert "**Score n/a / 100 — grade n/a** over 0 interfaces" in text
    assert "The system declares no interface." in text
    assert "No interface to assess." in text
    assert tables(text) == []


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.scripts = 0
        self.cells: list[tuple[str, str]] = []
        self._cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if tag == "script":
            self.scripts += 1
        if tag == "td":
            self._cell = str(values.get("class") or "")

    def handle_data(self, data: str) -> None:
        if self._cell is not None and data.strip():
            self.cells.append((self._cell, data.strip()))
            self._cell = None


def test_html_escapes_text_and_links_each_interface_to_its_section() -> None:
    page = _Page()
    html = readiness_html(report())
    page.feed(html)

    assert page.scripts == 0
    assert "CRM &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert page.links == ["#i-crm-customers-get", "#i-crm-customers-list"]
    assert {"i-crm-customers-get", "i-crm-customers-list"} <= page.ids
    assert 'class="grade grade-C"' in html
    assert ("mark pass", "✓") in page.cells
    assert ("mark fail", "✗") in page.cells
    assert ("mark na", "–") in page.cells
