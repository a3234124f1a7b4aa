"""Markdown and HTML reports of a diff."""

from __future__ import annotations

from interloom.core.contracts.diff.report import render_html, render_markdown, summary_line

from .conftest import diff_files, line_of


def test_markdown_groups_findings_by_operation_with_their_location() -> None:
    result = diff_files("responses/old.yaml", "responses/new.yaml")

    text = render_markdown(result)

    assert text.startswith(
        "# Contract changes: responses/old.yaml (1.0) → responses/new.yaml (2.0)"
    )
    assert "## GET /customers/{id}" in text
    row = next(line for line in text.splitlines() if "`response-required-property-removed`" in line)
    assert row.startswith("| ERR | `response-required-property-removed` | /name |")
    # Where the property is gone from: its schema in the new file.
    assert row.endswith(f"| responses/new.yaml:{line_of('responses/new.yaml', 'Customer:')}:5 |")
    assert f"**{summary_line(result)}**" in text


def test_html_escapes_what_the_contracts_say() -> None:
    result = diff_files("parameters/old.yaml", "parameters/new.yaml")

    page = render_html(result)

    assert page.startswith("<!DOCTYPE html>")
    assert "<h2>GET /products</h2>" in page
    assert "&#x27;^[A-Z]{3}-[0-9]{5}$&#x27;" in page  # a pattern, escaped
    assert '<td class="ERR">ERR</td>' in page


def test_no_changes() -> None:
    result = diff_files("responses/old.yaml", "responses/old.yaml")

    assert summary_line(result) == "no changes"
    assert "##" not in render_markdown(result)
