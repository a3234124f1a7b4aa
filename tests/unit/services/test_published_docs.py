"""The documents published under docs/ match what the code generates (run `make docs`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interloom.core.problems import Code
from interloom.formats.project_files import FileKind
from interloom.services.error_catalog import error_catalog_markdown
from interloom.services.schemas import file_kind_schema

DOCS = Path(__file__).resolve().parents[3] / "docs"


@pytest.mark.parametrize("kind", list(FileKind))
def test_published_json_schema_is_current(kind: FileKind) -> None:
    published = json.loads((DOCS / "schema" / f"{kind.value}.schema.json").read_text("utf-8"))

    assert published == file_kind_schema(kind), "docs/schema is stale: run `make docs`"


def test_published_error_catalogue_is_current() -> None:
    published = (DOCS / "errors.md").read_text("utf-8")

    assert published == error_catalog_markdown(), "docs/errors.md is stale: run `make docs`"


def test_error_catalogue_lists_every_problem_code_once() -> None:
    problems_section = error_catalog_markdown().split("## Problems", 1)[1]

    for code in Code:
        assert problems_section.count(f"| `{code.value}` |") == 1, code
