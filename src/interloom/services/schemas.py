"""The JSON Schema of each project file kind, for editors and ``docs/schema/``."""

from __future__ import annotations

from typing import Any

from interloom.formats.project_files import FOLDERS, MODELS, FileKind

_TITLES = {
    FileKind.PROJECT: "Interloom project settings (interloom.yaml)",
    FileKind.SYSTEM: "Interloom system (systems/*.yaml)",
    FileKind.FLOW: "Interloom flow (flows/*.yaml)",
    FileKind.PLAN: "Interloom plan (plan/*.yaml)",
    FileKind.FLOW_TEST: "Interloom flow tests (flows/tests/*.yaml)",
}


def file_kind_schema(kind: FileKind) -> dict[str, Any]:
    """The JSON Schema (2020-12) of one file kind."""
    schema = MODELS[kind].model_json_schema(mode="validation")
    where = FOLDERS.get(kind)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://interloom.dev/schema/{kind.value}.schema.json",
        **schema,
        "title": _TITLES[kind],
        "description": schema.get("description", "")
        + (f" Files: {where}/*.yaml." if where else " File: interloom.yaml."),
    }
