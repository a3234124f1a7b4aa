"""Building a flow's source and sinks through the connector registry.

The connector named by each endpoint is looked up (an unknown one is reported with the
closest name), its config has ``${VAR}`` expanded and is validated against the connector's
model (an error names the flow file, line and field), then the connector is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from interloom.connectors.http_source import HttpSource, HttpSourceConfig, RequestCheck
from interloom.connectors.interface_contracts import InterfaceContractError, InterfaceContracts
from interloom.connectors.registry import REGISTRY, ConnectorRegistry
from interloom.connectors.spec import (
    ConnectorContext,
    ConnectorKind,
    ConnectorNotFoundError,
    ConnectorSpec,
    PullSource,
    Sink,
)
from interloom.core.errors import InterloomError, Location
from interloom.core.flows.definition import Endpoint, Flow
from interloom.core.problems import Code, Problem, severity_of
from interloom.core.project import SourceMap, expand_variables
from interloom.core.suggestions import did_you_mean
from interloom.runtime.processors.base import StepConfigError

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class BuiltSource:
    """A flow's source: a route the data plane serves, or a reader run in the background."""

    connector: str
    config: BaseModel
    route: HttpSourceConfig | None = None
    check: RequestCheck | None = None
    reader: PullSource | None = None


def expand(value: Any, environ: Mapping[str, str]) -> Any:
    """``value`` with ``${VAR}`` expanded in every string, however deep."""
    if isinstance(value, str):
        return expand_variables(value, environ)
    if isinstance(value, dict):
        return {key: expand(item, environ) for key, item in value.items()}
    if isinstance(value, list):
        return [expand(item, environ) for item in value]
    return value


class _EndpointError(Exception):
    """What is wrong with an endpoint: where (a path in the flow file), what, and a hint."""

    def __init__(self, path: FieldPath, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.hint = hint
        self.unknown_connector = False
        self.code: str | None = None  # a more precise problem code (E-FLOW-020…)
        self.dangling = False  # its interface is not in the project (reported as E-REF-001)


def _dotted(path: FieldPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _location(source_map: SourceMap | None, path: FieldPath) -> Location:
    if source_map is None:
        return Location(path=_dotted(path))
    line, column = source_map.locate(path)
    return Location(file=source_map.file, line=line, column=column, path=_dotted(path))


def _config_error(
    flow: Flow, fault: _EndpointError, source_map: SourceMap | None
) -> StepConfigError:
    return StepConfigError(
        f"flow '{flow.id}' {_dotted(fault.path)}: {fault.message}",
        field=fault.path,
        hint=fault.hint,
        location=_location(source_map, fault.path),
    )


def _spec(
    registry: ConnectorRegistry, endpoint: Endpoint, role: ConnectorKind, at: FieldPath
) -> ConnectorSpec:
    try:
        return registry.get(endpoint.connector, role)
    except ConnectorNotFoundError as error:
        fault = _EndpointError((*at, "connector"), error.message, hint=error.hint)
        fault.unknown_connector = True
        raise fault from None


def _build(
    spec: ConnectorSpec,
    endpoint: Endpoint,
    at: FieldPath,
    context: ConnectorContext,
    *,
    expand_variables: bool = True,
) -> tuple[BaseModel, Any]:
    data = expand(endpoint.config, context.environ) if expand_variables else endpoint.config
    context = replace(context, interface=endpoint.interface)
    try:
        config = spec.config.model_validate(data)
    except ValidationError as error:
        problems = error.errors()
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        hint = None
        if first["type"] == "extra_forbidden":
            known = sorted((f.alias or name) for name, f in spec.config.model_fields.items())
            role = "connector" if spec.kind is ConnectorKind.BOTH else spec.kind.value
            hint = did_you_mean(str(first["loc"][-1]), known) or (
                f"the {spec.name} {role} takes: {', '.join(known)}"
            )
        raise _EndpointError(
            (*at, "config", *first["loc"]), first["msg"] + more, hint=hint
        ) from None
    try:
        return config, spec.factory(config, context)
    except InterfaceContractError as error:
        field = (*at, "interface") if error.field is None else (*at, "config", *error.field)
        fault = _EndpointError(field, error.message, hint=error.hint)
        fault.code, fault.dangling = error.code, error.dangling
        raise fault from None
    except InterloomError as error:
        raise _EndpointError((*at, "config"), error.message, hint=error.hint) from None


def _source(
    flow: Flow,
    context: ConnectorContext,
    registry: ConnectorRegistry,
    *,
    expand_variables: bool = True,
) -> BuiltSource:
    at: FieldPath = ("source",)
    spec = _spec(registry, flow.source, ConnectorKind.SOURCE, at)
    config, built = _build(spec, flow.source, at, context, expand_variables=expand_variables)
    if isinstance(built, HttpSource):
        return BuiltSource(spec.name, config, route=built.config, check=built.check)
    if isinstance(built, PullSource):
        return BuiltSource(spec.name, config, reader=built)
    raise _EndpointError(
        (*at, "connector"),
        f"connector '{spec.name}' ({spec.origin}) built neither an HTTP route nor a pull source",
    )


def _sink(
    flow: Flow,
    index: int,
    context: ConnectorContext,
    registry: ConnectorRegistry,
    *,
    expand_variables: bool = True,
) -> Sink:
    at: FieldPath = ("sinks", index)
    endpoint = flow.sinks[index]
    spec = _spec(registry, endpoint, ConnectorKind.SINK, at)
    _, built = _build(spec, endpoint, at, context, expand_variables=expand_variables)
    if not isinstance(built, Sink):
        raise _EndpointError(
            (*at, "connector"), f"connector '{spec.name}' ({spec.origin}) did not build a sink"
        )
    return built


def build_source(
    flow: Flow,
    root: Path,
    environ: Mapping[str, str],
    *,
    source_map: SourceMap | None = None,
    registry: ConnectorRegistry = REGISTRY,
) -> BuiltSource:
    """The flow's source, built by its connector; :class:`StepConfigError` when it cannot be."""
    context = ConnectorContext(flow=flow.id, root=root, environ=environ)
    try:
        return _source(flow, context, registry)
    except _EndpointError as fault:
        raise _config_error(flow, fault, source_map) from None


def build_sinks(
    flow: Flow,
    root: Path,
    environ: Mapping[str, str],
    *,
    source_map: SourceMap | None = None,
    registry: ConnectorRegistry = REGISTRY,
    interfaces: InterfaceContracts | None = None,
) -> list[Sink]:
    """The flow's sinks, in order, built by their connectors."""
    context = ConnectorContext(
        flow=flow.id,
        root=root,
        environ=environ,
        interfaces=interfaces if interfaces is not None else InterfaceContracts(root),
    )
    try:
        return [_sink(flow, index, context, registry) for index in range(len(flow.sinks))]
    except _EndpointError as fault:
        raise _config_error(flow, fault, source_map) from None


def endpoint_problems(
    flow: Flow,
    source_map: SourceMap,
    root: Path,
    *,
    registry: ConnectorRegistry = REGISTRY,
    interfaces: InterfaceContracts | None = None,
) -> list[Problem]:
    """Every source or sink of the flow that cannot be built, as ``validate`` problems.

    Settings are checked as written (``${VAR}`` is not expanded: the environment of the
    machine that validates is not the server's); nothing is connected to.
    """
    contracts = interfaces if interfaces is not None else InterfaceContracts(root)
    context = ConnectorContext(flow=flow.id, root=root, environ={}, interfaces=contracts)
    problems: list[Problem] = []
    builds: list[Callable[[], object]] = [
        lambda: _source(flow, context, registry, expand_variables=False)
    ]
    builds += [
        partial(_sink, flow, index, context, registry, expand_variables=False)
        for index in range(len(flow.sinks))
    ]
    for build in builds:
        try:
            build()  # the objects hold nothing open until they connect
        except _EndpointError as fault:
            if fault.dangling:
                continue  # the project's references are checked, and this one reported
            code = Code.UNKNOWN_CONNECTOR if fault.unknown_connector else Code.CONNECTOR_CONFIG
            code = Code(fault.code) if fault.code else code
            where = _location(source_map, fault.path)
            problems.append(
                Problem(
                    code=code,
                    severity=severity_of(code),
                    message=fault.message,
                    file=source_map.file,
                    line=where.line,
                    column=where.column,
                    path=_dotted(fault.path),
                    hint=fault.hint,
                )
            )
    return problems
