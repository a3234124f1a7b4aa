"""Project settings (``interloom.yaml``) and the whole project as one aggregate."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, Field, field_validator

from interloom.core.catalog import Interface, System
from interloom.core.definition import Definition, SlugId, Text
from interloom.core.delivery.plan import Plan
from interloom.core.flows.definition import Flow
from interloom.core.refs import Ref, RefKind

DEFAULT_DATABASE_URL = "sqlite:///.interloom/interloom.db"
SETTINGS_FILE = "interloom.yaml"


class Environment(Definition):
    """A deployment environment (dev, test, prod…)."""

    description: str | None = None


class DatabaseSettings(Definition):
    """Where the project's records live."""

    url: Text = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy-style URL; sqlite paths are relative to the project directory.",
        examples=[DEFAULT_DATABASE_URL, "postgresql://interloom@db.example.com:5432/interloom"],
    )


class RuntimeSettings(Definition):
    """How ``interloom serve`` delivers persisted messages."""

    lease_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="A worker holds a message this long; if it dies, the message is offered "
        "again after it. Keep it above the slowest sink's timeout.",
    )
    delivery_concurrency: int = Field(
        default=64, ge=1, le=10_000, description="Messages one worker delivers at a time."
    )
    poll_seconds: float = Field(
        default=0.5, gt=0, le=60, description="How often an idle worker looks for messages."
    )
    key_retention_seconds: float = Field(
        default=86_400.0,
        ge=0,
        le=30 * 86_400,
        description="How long a finished message's id (a sender's Idempotency-Key) is "
        "remembered, so that a retry after delivery is answered as a duplicate; 0: only "
        "while the message is stored.",
    )
    otlp_endpoint: Text | None = Field(
        default=None,
        description="OpenTelemetry collector to send traces to (OTLP over HTTP/protobuf; "
        "/v1/traces is appended). Tracing is off without it, unless "
        "OTEL_EXPORTER_OTLP_ENDPOINT is set, which takes precedence.",
        examples=["http://127.0.0.1:4318"],
    )


class ProjectSettings(Definition):
    """The content of ``interloom.yaml``."""

    name: SlugId = Field(description="The project's id.")
    title: str | None = None
    description: str | None = None
    environments: dict[SlugId, Environment] = Field(
        min_length=1, description="Environment id to its settings; at least one."
    )
    default_environment: SlugId | None = Field(
        default=None, description="Defaults to the first environment."
    )
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)

    @field_validator("environments", mode="before")
    @classmethod
    def _empty_environment(cls, value: object) -> object:
        # `dev:` with nothing after it reads as null: an environment with no settings.
        if isinstance(value, dict):
            return {key: {} if settings is None else settings for key, settings in value.items()}
        return value

    @property
    def environment(self) -> str:
        """The environment used when none is named."""
        return self.default_environment or next(iter(self.environments))


_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


def expand_variables(text: str, environ: Mapping[str, str]) -> str:
    """Replace ``${VAR}`` and ``${VAR:-default}`` with values from ``environ``."""

    def value(match: re.Match[str]) -> str:
        found = environ.get(match["name"])
        if found:
            return found
        return match["default"] if match["default"] is not None else ""

    return _VARIABLE.sub(value, text)


ANY_ID = "*"

M = TypeVar("M", bound=BaseModel)

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Positions (1-based line, column) of the keys and values of one parsed file."""

    file: str
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_) -> tuple[int | None, int | None]:
        """The position of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            position = self.positions.get(path[:end])
            if position is not None:
                return position
        return None, None


@dataclass(frozen=True, slots=True)
class Loaded(Generic[M]):
    """A model together with the file it came from."""

    model: M
    source: SourceMap


@dataclass(frozen=True, slots=True)
class Project:
    """Every definition of a project directory, as read from its files."""

    settings: Loaded[ProjectSettings] | None
    systems: tuple[Loaded[System], ...] = ()
    flows: tuple[Loaded[Flow], ...] = ()
    plans: tuple[Loaded[Plan], ...] = ()
    contract_files: frozenset[str] = frozenset()
    # Contract path to the operation names it declares; absent when unknown or unreadable.
    contract_operations: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Ids (best guess: declared id and file name) of definitions whose file did not load, so
    # that references to them are not reported as dangling on top of the file's own errors.
    # ANY_ID stands for every id of the kind (a plan file that did not load).
    unloaded: Mapping[RefKind, frozenset[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The project's id (empty while interloom.yaml is invalid)."""
        return self.settings.model.name if self.settings is not None else ""

    def system(self, system_id: str) -> System | None:
        """The system with this id, if any."""
        return next((s.model for s in self.systems if s.model.id == system_id), None)

    def interfaces(self) -> Iterator[tuple[System, Interface]]:
        """Every interface with the system that exposes it, in file order."""
        for loaded in self.systems:
            for interface in loaded.model.interfaces:
                yield loaded.model, interface

    def interface(self, ref: str) -> tuple[System, Interface] | None:
        """The interface named by ``interface:SYSTEM.ID`` (or ``SYSTEM.ID``), if any."""
        ident = ref.removeprefix(f"{RefKind.INTERFACE}:")
        system_id, _, interface_id = ident.partition(".")
        system = self.system(system_id)
        if system is None:
            return None
        match = next((i for i in system.interfaces if i.id == interface_id), None)
        return (system, match) if match is not None else None

    def flow(self, flow_id: str) -> Flow | None:
        """The flow with this id, if any."""
        return next((f.model for f in self.flows if f.model.id == flow_id), None)

    def is_unloaded(self, ref: Ref) -> bool:
        """Whether ``ref`` may name a definition whose file did not load."""
        owner_kind = RefKind.SYSTEM if ref.kind is RefKind.INTERFACE else ref.kind
        ident = ref.system_id if ref.kind is RefKind.INTERFACE else ref.id
        ids = self.unloaded.get(owner_kind, frozenset())
        return ANY_ID in ids or ident in ids

    def known_refs(self) -> dict[RefKind, set[str]]:
        """The ids every kind of reference can name in this project."""
        known: dict[RefKind, set[str]] = {kind: set() for kind in RefKind}
        for loaded in self.systems:
            known[RefKind.SYSTEM].add(loaded.model.id)
        for system, interface in self.interfaces():
            known[RefKind.INTERFACE].add(Ref.interface(system.id, interface.id).id)
        for flow in self.flows:
            known[RefKind.FLOW].add(flow.model.id)
        for plan in self.plans:
            known[RefKind.TASK].update(task.id for task in plan.model.tasks)
            known[RefKind.MILESTONE].update(m.id for m in plan.model.milestones)
        return known
