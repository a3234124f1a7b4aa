"""The installed connectors, as the CLI, the API and the docs show them.

Built from each connector's spec: its config model gives the table of fields (name, type,
default, description) and the JSON Schema that editors and forms use.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python

from interloom.connectors.registry import REGISTRY, ConnectorRegistry
from interloom.connectors.spec import ConnectorKind, ConnectorSpec

# Nested settings (poll-http's cursor…) are listed as dotted fields down to this depth.
_MAX_DEPTH = 3


class ConfigField(BaseModel):
    """One setting of a connector's config."""

    name: str = Field(description="Dotted for a nested setting, e.g. cursor.param.")
    type: str
    required: bool
    default: Any = None
    description: str | None = None


class ConnectorSummary(BaseModel):
    """A connector in the list: its name, what it can be, where it comes from."""

    name: str
    kinds: list[ConnectorKind] = Field(description="source, sink, or both.")
    summary: str
    origin: str = Field(description="interloom, or the package that installed it.")


class ConnectorRole(BaseModel):
    """A connector as a source or as a sink: its description, guarantees and config."""

    kind: ConnectorKind
    description: str
    guarantees: str
    fields: list[ConfigField]
    config_schema: dict[str, Any] = Field(description="JSON Schema of the config.")
    examples: list[dict[str, Any]]


class ConnectorDetail(BaseModel):
    """A connector with each of its roles."""

    name: str
    origin: str
    roles: list[ConnectorRole]


class ConnectorProblem(BaseModel):
    """A connector package that could not be loaded."""

    origin: str
    message: str


def list_connectors(registry: ConnectorRegistry = REGISTRY) -> list[ConnectorSummary]:
    """Every installed connector, by name."""
    by_name: dict[str, list[ConnectorSpec]] = {}
    for spec in registry.all():
        by_name.setdefault(spec.name, []).append(spec)
    summaries = []
    for name, specs in sorted(by_name.items()):
        specs.sort(key=lambda spec: _kind_order(spec.kind))
        kinds = sorted({spec.kind for spec in specs}, key=_kind_order)
        if {ConnectorKind.SOURCE, ConnectorKind.SINK} <= set(kinds):
            kinds = [ConnectorKind.BOTH]
        summaries.append(
            ConnectorSummary(
                name=name,
                kinds=kinds,
                summary=" / ".join(dict.fromkeys(spec.summary for spec in specs)),
                origin=specs[0].origin,
            )
        )
    return summaries


def connector_problems(registry: ConnectorRegistry = REGISTRY) -> list[ConnectorProblem]:
    """Connector packages that failed to load (they are left out, the rest works)."""
    registry.load()
    return [ConnectorProblem(origin=p.origin, message=p.message) for p in registry.problems]


def describe_connector(name: str, registry: ConnectorRegistry = REGISTRY) -> ConnectorDetail:
    """One connector, every role; :class:`ConnectorNotFoundError` names the closest."""
    specs = sorted(registry.named(name), key=lambda s: _kind_order(s.kind))
    return ConnectorDetail(name=name, origin=specs[0].origin, roles=[_role(spec) for spec in specs])


def _kind_order(kind: ConnectorKind) -> int:
    return [ConnectorKind.SOURCE, ConnectorKind.SINK, ConnectorKind.BOTH].index(kind)


def _role(spec: ConnectorSpec) -> ConnectorRole:
    schema = spec.config.model_json_schema(by_alias=True)
    return ConnectorRole(
        kind=spec.kind,
        description=spec.description,
        guarantees=spec.guarantees,
        fields=config_fields(spec.config),
        config_schema=schema,
        examples=[to_jsonable_python(dict(example)) for example in spec.examples],
    )


def config_fields(model: type[BaseModel]) -> list[ConfigField]:
    """The settings of a config model, nested ones dotted, from its JSON Schema."""
    schema = model.model_json_schema(by_alias=True)
    return _fields(schema, schema.get("$defs", {}), prefix="", depth=1)


def _fields(
    schema: dict[str, Any], defs: dict[str, Any], *, prefix: str, depth: int
) -> list[ConfigField]:
    required = set(schema.get("required", []))
    found: list[ConfigField] = []
    for name, prop in schema.get("properties", {}).items():
        dotted = f"{prefix}{name}"
        found.append(
            ConfigField(
                name=dotted,
                type=_type_of(prop, defs),
                required=name in required,
                default=prop.get("default"),
                description=prop.get("description"),
            )
        )
        nested = _model_of(prop, defs)
        if nested is not None and depth < _MAX_DEPTH:
            found += _fields(nested, defs, prefix=f"{dotted}.", depth=depth + 1)
    return found


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        resolved: dict[str, Any] = defs.get(ref.rsplit("/", 1)[-1], {})
        return resolved
    return schema


def _model_of(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema with properties that ``schema`` is (or may be), if any."""
    for option in schema.get("anyOf", [schema]):
        target = _resolve(option, defs)
        if target.get("type") == "object" and "properties" in target:
            return target
    return None


def _type_of(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short type for people: ``string``, ``integer``, ``sync | durable``, ``list of string``."""
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option.get("type") != "null"]
        text = " | ".join(dict.fromkeys(_type_of(option, defs) for option in options))
        return f"{text} | null" if len(options) < len(schema["anyOf"]) else text
    target = _resolve(schema, defs)
    if "enum" in target:
        return " | ".join(str(value) for value in target["enum"])
    if "const" in target:
        return str(target["const"])
    kind = target.get("type")
    if kind == "array":
        return f"list of {_type_of(target.get('items', {}), defs)}"
    if kind == "object":
        if "properties" in target:
            return "object"
        values = target.get("additionalProperties")
        return f"map of {_type_of(values, defs)}" if isinstance(values, dict) else "object"
    if kind == "string" and target.get("format") == "password":
        return "string (secret)"
    if isinstance(kind, str):
        return kind
    return "any"
