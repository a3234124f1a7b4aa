"""``interloom init``: a new project directory that validates and serves as it is."""

from __future__ import annotations

import datetime as dt
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from interloom.core.errors import ConfigError, ProjectExistsError
from interloom.core.project import SETTINGS_FILE
from interloom.core.refs import SYSTEM_ID_PATTERN

_TEMPLATE = files("interloom") / "templates" / "project"
# Files shipped without their leading dot, so that packaging tools do not skip them.
_DOTTED = {"gitignore": ".gitignore"}
_KEPT_IF_PRESENT = {"README.md", "gitignore"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _walk(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        name = f"{prefix}{child.name}"
        if child.is_dir():
            found += _walk(child, f"{name}/")
        else:
            found.append((name, child))
    return found


def init_project(directory: Path, *, name: str | None = None) -> list[Path]:
    """Write a working project into ``directory`` (created if needed); the files written."""
    if (directory / SETTINGS_FILE).exists():
        raise ProjectExistsError(
            f"{directory} already holds a project",
            hint="choose an empty or new directory",
        )
    project_name = name or _slug(directory.resolve().name)
    if not re.match(SYSTEM_ID_PATTERN, project_name):
        raise ConfigError(
            f"'{project_name}' is not a valid project name",
            hint="use lower-case letters, digits and '-', starting with a letter (--name)",
        )
    today = dt.date.today()
    monday = today + dt.timedelta(days=(7 - today.weekday()) % 7)  # the plan starts on a Monday
    values = {
        "name": project_name,
        "title": project_name.replace("-", " ").capitalize(),
        "start": monday.isoformat(),
    }
    plan = [
        (directory / _DOTTED.get(rel, rel), source)
        for rel, source in _walk(_TEMPLATE)
        # A repository's own README and .gitignore are kept as they are.
        if not (rel in _KEPT_IF_PRESENT and (directory / _DOTTED.get(rel, rel)).exists())
    ]
    clashes = [target for target, _ in plan if target.exists()]
    if clashes:
        raise ProjectExistsError(
            f"{clashes[0]} already exists",
            hint="init writes only into a directory that has none of its files",
        )
    for target, source in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(Template(source.read_text("utf-8")).substitute(values), "utf-8")
    return [target for target, _ in plan]
