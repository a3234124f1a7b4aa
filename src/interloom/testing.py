"""pytest plugin: test Interloom flows from pytest.

Installed with Interloom (entry point ``pytest11``), it gives two fixtures:

- ``interloom_project``: the project, loaded (:class:`~interloom.services.flow_runner.FlowProject`).
  Which directory: the ``interloom_project`` marker of the test, else ``--interloom-project``,
  else the ``interloom_project`` ini setting (relative to the rootdir), else
  ``$INTERLOOM_PROJECT``, else the rootdir.
- ``flow_runner``: runs a flow on a message with fakes and returns what it did::

      def test_an_order_is_mapped(flow_runner):
          result = flow_runner("w1", order, fakes={"sink-0": {"status": 201}})
          assert result.status == "delivered"
          result.assert_output(expected, match="subset", ignore=["/placedAt"])

  In an ``async def`` test, ``await flow_runner.arun(...)``.

Nothing of Interloom is imported until a fixture is used, so the plugin costs other test
suites nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from interloom.services.flow_runner import FlowProject, FlowResult

INI_NAME = "interloom_project"
OPTION = "--interloom-project"
MARKER = "interloom_project"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--interloom-project DIR`` and the ``interloom_project`` ini setting."""
    group = parser.getgroup("interloom", "Interloom flow testing")
    group.addoption(
        OPTION,
        dest="interloom_project",
        default=None,
        help="The Interloom project directory whose flows the flow_runner fixture runs.",
    )
    parser.addini(INI_NAME, "The Interloom project directory (relative to the rootdir).")


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker, so that --strict-markers accepts it."""
    config.addinivalue_line(
        "markers", f"{MARKER}(path): the Interloom project this test's flow_runner runs"
    )


def _project_dir(request: pytest.FixtureRequest) -> Path:
    config = request.config
    rootdir = Path(str(config.rootpath))
    marker = request.node.get_closest_marker(MARKER)
    chosen: str | os.PathLike[str] | None = None
    if marker is not None and marker.args:
        chosen = marker.args[0]
    chosen = chosen or config.getoption("interloom_project")
    chosen = chosen or config.getini(INI_NAME) or os.environ.get("INTERLOOM_PROJECT")
    path = Path(chosen) if chosen else rootdir
    return path if path.is_absolute() else rootdir / path


class FlowRunner:
    """Runs a flow of the project on messages, with fakes; callable, or ``await .arun()``."""

    def __init__(self, project: FlowProject) -> None:
        self.project = project

    def __call__(self, flow: str, message: Any = None, **options: Any) -> FlowResult:
        """Run ``message`` through ``flow``; options: messages, headers, fakes, env."""
        return self.project.run(flow, message, **options)

    async def arun(self, flow: str, message: Any = None, **options: Any) -> FlowResult:
        """The same, awaited (inside an event loop)."""
        return await self.project.arun(flow, message, **options)


_PROJECTS = pytest.StashKey[dict[Path, "FlowProject"]]()


@pytest.fixture
def interloom_project(request: pytest.FixtureRequest) -> FlowProject:
    """The Interloom project (see the module docstring for which directory).

    Each directory is read once per test session; a test that edits the project's files
    reads them again with ``FlowProject.open(path)``.
    """
    from interloom.services.flow_runner import FlowProject

    opened = request.config.stash.setdefault(_PROJECTS, {})
    root = _project_dir(request).resolve()
    if root not in opened:
        opened[root] = FlowProject.open(root)
    return opened[root]


@pytest.fixture
def flow_runner(interloom_project: FlowProject) -> FlowRunner:
    """Run a flow of ``interloom_project`` on a message, with fakes; see the module docstring."""
    return FlowRunner(interloom_project)
