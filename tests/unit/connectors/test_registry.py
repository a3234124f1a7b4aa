"""The connector registry: built-ins, the decorator, entry points of installed packages."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from pydantic import BaseModel

from interloom.connectors.registry import (
    ENTRY_POINT_GROUP,
    REGISTRY,
    ConnectorRegistry,
    connector,
)
from interloom.connectors.spec import ConnectorContext, ConnectorKind, ConnectorNotFoundError

BUILT_IN = {
    ("file", "sink"),
    ("file", "source"),
    ("http", "sink"),
    ("http", "source"),
    ("poll-http", "source"),
    ("schedule", "source"),
    ("sql", "sink"),
    ("sql", "source"),
    ("webhook", "source"),
}


def test_every_built_in_connector_is_registered_with_a_description_and_guarantees() -> None:
    specs = ConnectorRegistry()
    specs.load(entry_points_=[])

    found = {(spec.name, spec.kind.value) for spec in specs.all()}

    assert found == BUILT_IN
    for spec in specs.all():
        assert spec.origin == "interloom"
        assert spec.summary, spec.name
        assert spec.guarantees, spec.name
        assert spec.examples, spec.name
        for example in spec.examples:
            spec.config.model_validate(example)  # every published example is valid


def test_an_unknown_connector_is_reported_with_the_closest_name() -> None:
    with pytest.raises(ConnectorNotFoundError) as raised:
        REGISTRY.get("sqll", ConnectorKind.SINK)

    assert raised.value.code == "E-CONNECTOR-001"
    assert raised.value.hint == "did you mean 'sql'?"


def test_a_source_asked_for_as_a_sink_says_it_is_a_source_only() -> None:
    with pytest.raises(ConnectorNotFoundError) as raised:
        REGISTRY.get("schedule", ConnectorKind.SINK)

    assert raised.value.hint is not None
    assert raised.value.hint.startswith("'schedule' is a source only; sinks: file, http")


class _EchoConfig(BaseModel):
    """Nothing to set."""


def test_the_decorator_registers_a_class_and_a_clash_is_refused() -> None:
    registry = ConnectorRegistry()

    @connector("echo", kind="both", config=_EchoConfig, guarantees="none", registry=registry)
    class Echo:
        """Answers what it is given."""

        def __init__(self, config: _EchoConfig, context: ConnectorContext) -> None:
            self.config = config

    spec = registry.get("echo", ConnectorKind.SINK)
    assert spec is registry.get("echo", ConnectorKind.SOURCE)
    assert spec.description == "Answers what it is given."
    assert spec.factory is Echo

    with pytest.raises(ValueError, match="clashes"):

        @connector("echo", kind="sink", config=_EchoConfig, guarantees="x", registry=registry)
        class OtherEcho:
            pass


PLUGIN = '''
"""A connector package as a third party would write it."""

from pydantic import BaseModel

from interloom.connectors.registry import connector


class NoteSinkConfig(BaseModel):
    """Where notes go."""

    channel: str


@connector("note", kind="sink", config=NoteSinkConfig, guarantees="at most once")
class NoteSink:
    """Post each message as a note in a channel."""

    def __init__(self, config, context):
        self.config = config

    async def connect(self):
        pass

    async def write(self, message, body):
        return None

    async def close(self):
        pass
'''

BROKEN = "raise RuntimeError('this plug-in is broken')\n"


@pytest.fixture
def installed_plugins(tmp_path: Path) -> Iterator[Path]:
    """Two distributions on sys.path: one with a connector, one that fails to import."""
    site = tmp_path / "site"
    (site / "interloom_notes").mkdir(parents=True)
    (site / "interloom_notes" / "__init__.py").write_text(PLUGIN, "utf-8")
    (site / "interloom_broken.py").write_text(BROKEN, "utf-8")
    for name, module in (
        ("interloom_notes", "interloom_notes"),
        ("interloom_broken", "interloom_broken"),
    ):
        info = site / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: 1.0\n", "utf-8"
        )
        (info / "entry_points.txt").write_text(
            textwrap.dedent(f"""\
                [{ENTRY_POINT_GROUP}]
                main = {module}
                """),
            "utf-8",
        )
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    # Importing the plug-in registers its connector in the default registry, as it would in
    # a server; the other tests must not see it.
    registered = dict(REGISTRY._specs)
    try:
        yield site
    finally:
        REGISTRY._specs = registered
        sys.path.remove(str(site))
        for module in ("interloom_notes", "interloom_broken"):
            sys.modules.pop(module, None)
        importlib.invalidate_caches()


def test_an_installed_package_adds_its_connector_through_its_entry_point(
    installed_plugins: Path,
) -> None:
    registry = ConnectorRegistry()
    points = [
        p
        for p in entry_points(group=ENTRY_POINT_GROUP)
        if p.dist and p.dist.name.startswith("interloom-")
    ]

    registry.load(entry_points_=points)

    spec = registry.get("note", ConnectorKind.SINK)
    assert spec.origin == "interloom-notes"
    assert spec.summary == "Post each message as a note in a channel."
    sink = spec.factory(
        spec.config.model_validate({"channel": "ops"}), ConnectorContext("f", installed_plugins)
    )
    assert sink.config.channel == "ops"
    # The broken package is reported, and everything else still loads.
    assert [p.origin for p in registry.problems] == ["interloom-broken"]
    assert "this plug-in is broken" in registry.problems[0].message
    assert ("http", ConnectorKind.SINK) in {(s.name, s.kind) for s in registry.all()}


def test_entry_points_are_found_on_the_path_without_being_named(installed_plugins: Path) -> None:
    registry = ConnectorRegistry()

    registry.load()

    assert registry.get("note", ConnectorKind.SINK).origin == "interloom-notes"
