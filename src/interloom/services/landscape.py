"""The landscape graph of a project, as data, Graphviz DOT, or SVG drawn by Graphviz ``dot``.

Errors of this module::

    InterloomError
    └── GraphvizError                E-GRAPHVIZ-001  500  dot failed to draw the graph
        └── GraphvizMissingError     E-GRAPHVIZ-002  503  no dot program to draw with
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import shutil
import subprocess
from enum import StrEnum
from pathlib import Path

from interloom.core.errors import InterloomError
from interloom.core.landscape import Landscape, build_landscape
from interloom.formats.landscape_dot import landscape_dot
from interloom.services.catalog import recorded_lifecycles
from interloom.services.project import open_project
from interloom.services.workspace import Workspace

DOT_ENV_VAR = "INTERLOOM_GRAPHVIZ_DOT"
"""Path of the Graphviz ``dot`` program, when it is not on ``PATH`` as ``dot``."""
DOT_TIMEOUT_SECONDS = 60
INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz) "
    "or use --format dot and draw it elsewhere"
)
# The comment an SVG carries to say which DOT text it was drawn from.
_STAMP = re.compile(r"<!-- interloom landscape: drawn from DOT sha256 ([0-9a-f]{64}) -->")


class GraphFormat(StrEnum):
    """How the landscape graph is written."""

    JSON = "json"
    DOT = "dot"
    SVG = "svg"


class GraphvizError(InterloomError):
    """Graphviz ``dot`` failed to draw the graph."""

    code = "E-GRAPHVIZ-001"
    status = 500


class GraphvizMissingError(GraphvizError):
    """No Graphviz ``dot`` program to draw the graph with (SVG needs it; DOT and JSON do not)."""

    code = "E-GRAPHVIZ-002"
    status = 503


async def current_landscape(workspace: Workspace) -> Landscape:
    """The landscape, each interface in its state now (the latest recorded, else declared)."""
    return build_landscape(workspace.project, await recorded_lifecycles(workspace))


def declared_landscape(root: Path) -> Landscape:
    """The landscape as the files declare it (no database): what docs are generated from."""
    return build_landscape(open_project(root).project)


def dot_text(landscape: Landscape) -> str:
    """The landscape as Graphviz DOT."""
    return landscape_dot(landscape)


def dot_digest(dot: str) -> str:
    """The SHA-256 of DOT text, as stamped into the SVG drawn from it."""
    return hashlib.sha256(dot.encode("utf-8")).hexdigest()


def svg_stamp(svg: str) -> str | None:
    """The DOT digest an SVG drawn by :func:`render_svg` carries, if any."""
    match = _STAMP.search(svg)
    return match.group(1) if match else None


def dot_program() -> str:
    """The Graphviz ``dot`` to run: ``$INTERLOOM_GRAPHVIZ_DOT``, else ``dot`` on ``PATH``."""
    configured = os.environ.get(DOT_ENV_VAR)
    found = shutil.which(configured) if configured else shutil.which("dot")
    if found is None:
        where = f"{DOT_ENV_VAR}={configured!r} names no program" if configured else "not on PATH"
        raise GraphvizMissingError(
            f"drawing SVG needs the Graphviz 'dot' program, which is {where}", hint=INSTALL_HINT
        )
    return found


def render_svg(dot: str) -> str:
    """Draw DOT text as SVG with Graphviz; the SVG carries the digest of the DOT it came from."""
    program = dot_program()
    try:
        completed = subprocess.run(
            [program, "-Tsvg"],
            input=dot.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"Graphviz dot took longer than {DOT_TIMEOUT_SECONDS} s") from None
    except OSError as error:
        raise GraphvizMissingError(
            f"Graphviz dot at {program} could not be run: {error.strerror}", hint=INSTALL_HINT
        ) from None
    if completed.returncode != 0:
        reason = completed.stderr.decode("utf-8", "replace").strip() or "no message"
        raise GraphvizError(f"Graphviz dot failed (exit {completed.returncode}): {reason}")
    svg = completed.stdout.decode("utf-8")
    stamp = f"<!-- interloom landscape: drawn from DOT sha256 {dot_digest(dot)} -->\n"
    start = svg.find("<svg")
    return svg[:start] + stamp + svg[start:] if start >= 0 else stamp + svg


async def render_svg_async(dot: str) -> str:
    """:func:`render_svg` off the event loop."""
    return await asyncio.to_thread(render_svg, dot)
