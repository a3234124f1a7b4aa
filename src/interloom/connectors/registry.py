"""The connector registry: built-ins declared with ``@connector``, third parties by entry point.

A package adds connectors by declaring an entry point in the ``interloom.connectors`` group::

    [project.entry-points."interloom.connectors"]
    kafka = "interloom_kafka.connectors"

Loading the entry point imports its module, whose ``@connector`` decorators register into the
default registry; an entry point may also name a :class:`ConnectorSpec` (or a list of them).
A third-party connector never replaces a built-in one: a clash is reported, the first stays.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any, TypeVar

import structlog
from pydantic import BaseModel

from interloom.connectors.spec import (
    ConnectorKind,
    ConnectorNotFoundError,
    ConnectorSpec,
)
from interloom.core.suggestions import did_you_mean

ENTRY_POINT_GROUP = "interloom.connectors"

# The modules of the built-in connectors, imported when the registry is first used.
BUILTIN_MODULES = (
    "interloom.connectors.http_source",
    "interloom.connectors.http_sink",
    "interloom.connectors.webhook",
    "interloom.connectors.schedule",
    "interloom.connectors.poll_http",
    "interloom.connectors.file_source",
    "interloom.connectors.file_sink",
    "interloom.connectors.sql_source",
    "interloom.connectors.sql_sink",
)

T = TypeVar("T")

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """An entry point that could not be loaded, or a connector that clashed with another."""

    origin: str
    message: str


class ConnectorRegistry:
    """Connector specs by name and role; a ``both`` connector fills both roles."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, ConnectorKind], ConnectorSpec] = {}
        self.problems: list[LoadProblem] = []
        self._loaded = False
        self._lock = threading.Lock()

    def register(self, spec: ConnectorSpec) -> None:
        """Add ``spec``; ValueError when another connector already has its name and role."""
        roles = _roles(spec.kind)
        for role in roles:
            held = self._specs.get((spec.name, role))
            if held is not None and not _same_factory(held, spec):
                raise ValueError(
                    f"connector '{spec.name}' ({role.value}) of {spec.origin} clashes with the "
                    f"one of {held.origin}"
                )
        for role in roles:
            self._specs[(spec.name, role)] = spec

    def load(self, entry_points_: Iterable[EntryPoint] | None = None) -> None:
        """Import the built-ins, then every ``interloom.connectors`` entry point (once)."""
        with self._lock:
            if self._loaded and entry_points_ is None:
                return
            for module in BUILTIN_MODULES:
                for spec in _specs_in(importlib.import_module(module)):
                    self.register(spec)
            points = (
                entry_points(group=ENTRY_POINT_GROUP) if entry_points_ is None else entry_points_
            )
            for point in points:
                self._load_entry_point(point)
            self._loaded = True

    def _load_entry_point(self, point: EntryPoint) -> None:
        origin = point.dist.name if point.dist is not None else point.value
        try:
            specs = _specs_in(point.load())
            if not specs:
                raise ValueError(
                    "it names no connector (a module with @connector classes, a "
                    "ConnectorSpec or a list of them)"
                )
            for spec in specs:
                self.register(replace(spec, origin=origin))
        except Exception as error:  # a broken plug-in must not stop the server
            message = f"entry point {point.name} = {point.value}: {error}"
            self.problems.append(LoadProblem(origin, message))
            log.warning("connectors.entry_point.failed", origin=origin, error=message)

    def get(self, name: str, role: ConnectorKind) -> ConnectorSpec:
        """The connector playing ``role``; :class:`ConnectorNotFoundError` names close ones."""
        self.load()
        spec = self._specs.get((name, role))
        if spec is not None:
            return spec
        serving = sorted({n for (n, r) in self._specs if r is role})
        other = self._specs.get((name, _other(role)))
        if other is not None:
            hint = f"'{name}' is a {_other(role).value} only; {role.value}s: {', '.join(serving)}"
        else:
            hint = did_you_mean(name, serving) or f"available {role.value}s: {', '.join(serving)}"
        raise ConnectorNotFoundError(f"no {role.value} connector '{name}'", hint=hint)

    def named(self, name: str) -> list[ConnectorSpec]:
        """Every spec of a connector name (its source and its sink); not found names close ones."""
        self.load()
        specs = _unique(s for (n, _), s in sorted(self._specs.items()) if n == name)
        if not specs:
            names = {n for n, _ in self._specs}
            raise ConnectorNotFoundError(
                f"no connector '{name}'",
                hint=did_you_mean(name, names) or f"available: {', '.join(sorted(names))}",
            )
        return specs

    def all(self) -> list[ConnectorSpec]:
        """Every spec, by name then role."""
        self.load()
        return _unique(spec for _, spec in sorted(self._specs.items()))


def _same_factory(held: ConnectorSpec, spec: ConnectorSpec) -> bool:
    """The same connector, or the same class defined again (its module was reloaded)."""
    one, two = held.factory, spec.factory
    if one is two:
        return True
    name = getattr(one, "__qualname__", None)
    return name is not None and (name, getattr(one, "__module__", None)) == (
        getattr(two, "__qualname__", None),
        getattr(two, "__module__", None),
    )


def _origin(module: str) -> str:
    return "interloom" if module.startswith("interloom.") else module.partition(".")[0]


def _roles(kind: ConnectorKind) -> tuple[ConnectorKind, ...]:
    if kind is ConnectorKind.BOTH:
        return (ConnectorKind.SOURCE, ConnectorKind.SINK)
    return (kind,)


def _other(role: ConnectorKind) -> ConnectorKind:
    return ConnectorKind.SINK if role is ConnectorKind.SOURCE else ConnectorKind.SOURCE


def _unique(specs: Iterable[ConnectorSpec]) -> list[ConnectorSpec]:
    seen: list[ConnectorSpec] = []
    for spec in specs:
        if not any(s is spec for s in seen):
            seen.append(spec)
    return seen


def _specs_in(loaded: Any) -> list[ConnectorSpec]:
    """The specs an entry point names: a spec, a list of them, a class, or a module."""
    if isinstance(loaded, ConnectorSpec):
        return [loaded]
    if isinstance(loaded, list | tuple):
        return [spec for item in loaded for spec in _specs_in(item)]
    spec = getattr(loaded, "__connector_spec__", None)
    if isinstance(spec, ConnectorSpec) and spec.factory is loaded:
        return [spec]
    if isinstance(loaded, ModuleType):
        # The connectors declared in the module itself, not those it imports or subclasses.
        return [
            value.__connector_spec__
            for value in vars(loaded).values()
            if isinstance(getattr(value, "__connector_spec__", None), ConnectorSpec)
            and value.__connector_spec__.factory is value
            and getattr(value, "__module__", None) == loaded.__name__
        ]
    return []


REGISTRY = ConnectorRegistry()


def connector(
    name: str,
    *,
    kind: ConnectorKind | str,
    config: type[BaseModel],
    guarantees: str,
    description: str | None = None,
    examples: Sequence[Mapping[str, Any]] = (),
    registry: ConnectorRegistry | None = None,
) -> Callable[[type[T]], type[T]]:
    """Declare the decorated class a connector: built as ``cls(config, context)``.

    The description defaults to the class's docstring. The spec is kept on the class as
    ``__connector_spec__``.
    """

    def declare(cls: type[T]) -> type[T]:
        spec = ConnectorSpec(
            name=name,
            kind=ConnectorKind(kind),
            config=config,
            factory=cls,
            description=(description or cls.__doc__ or "").strip(),
            guarantees=guarantees.strip(),
            examples=tuple(examples),
            origin=_origin(cls.__module__),
        )
        (registry or REGISTRY).register(spec)
        cls.__connector_spec__ = spec  # type: ignore[attr-defined]
        return cls

    return declare
