"""A flow's steps, compiled once: each processor built from its config, errors located.

A step whose kind or config is wrong raises :class:`StepConfigError` naming the flow, the
step and the config field at fault, at its place in the flow file when the file's source map
is known: ``flows/orders.yaml:14:13 steps[2].config.routes[0].to[0]: no sink 'wms'``.
``step_problems`` reports the same as ``validate`` problems, every step at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from interloom.connectors.interface_contracts import InterfaceContracts
from interloom.core.errors import Location
from interloom.core.flows.definition import Flow
from interloom.core.problems import Code, Problem, format_path, severity_of
from interloom.core.project import Path_, SourceMap
from interloom.observability.tracing import TRACING
from interloom.runtime.message_traces import traced_process
from interloom.runtime.processors import (
    INTERFACE_FIELD,
    PROCESSORS,
    BuildContext,
    Mode,
    Process,
    Processor,
    StepConfigError,
    StepResources,
    build_processor,
    config_errors,
    unknown_kind,
)


class CompiledStep(NamedTuple):
    """One step, compiled: its id, kind, the callable that runs it and how it is called."""

    id: str
    kind: str
    process: Process
    mode: Mode = Mode.SIMPLE
    processor: Processor | None = None


def _where(source_map: SourceMap | None, path: Path_) -> Location:
    if source_map is None:
        return Location(path=format_path(path))
    line, column = source_map.locate(path)
    while line is None and len(path) > 2:  # a field the file does not spell out: its parent
        path = path[:-1]
        line, column = source_map.locate(path)
    return Location(file=source_map.file, line=line, column=column, path=format_path(path))


def compile_step(
    flow: Flow,
    index: int,
    root: Path,
    environ: Mapping[str, str],
    resources: StepResources,
    source_map: SourceMap | None = None,
    interfaces: InterfaceContracts | None = None,
) -> CompiledStep:
    """Build step ``index`` of ``flow``; :class:`StepConfigError` locates what is wrong."""
    step = flow.steps[index]
    context = BuildContext(
        root=root,
        flow=flow.id,
        step=step.id,
        sinks=tuple(flow.sink_ids),
        environ=environ,
        resources=resources,
        interface=step.interface,
        interfaces=interfaces,
    )
    try:
        if step.kind not in PROCESSORS:
            raise unknown_kind(step.kind)
        processor = build_processor(step.kind, step.config, context)
    except StepConfigError as error:
        at: Path_ = ("steps", index, "kind") if step.kind not in PROCESSORS else ()
        if not at and error.field == (INTERFACE_FIELD,):
            at = ("steps", index, "interface")  # the step's interface, not a config field
        elif not at:
            at = ("steps", index, "config", *error.field)
        # The pydantic message already starts with the kind; drop that prefix.
        message = error.message.removeprefix(f"{step.kind} config: ")
        raise StepConfigError(
            f"flow '{flow.id}' step '{step.id}' ({step.kind}): {message}",
            field=at,
            hint=error.hint,
            location=_where(source_map, at),
            problem=error.problem,
        ) from None
    process = processor.process
    if TRACING.enabled:  # a span per step; compiled bare otherwise, so that it costs nothing
        process = traced_process(step.id, step.kind, process, processor.mode)
    return CompiledStep(step.id, step.kind, process, processor.mode, processor)


def compile_steps(
    flow: Flow,
    root: Path,
    environ: Mapping[str, str],
    resources: StepResources | None = None,
    source_map: SourceMap | None = None,
    interfaces: InterfaceContracts | None = None,
) -> list[CompiledStep]:
    """Every step of the flow, compiled in order."""
    lent = resources if resources is not None else StepResources()
    contracts = interfaces if interfaces is not None else InterfaceContracts(root)
    return [
        compile_step(flow, index, root, environ, lent, source_map, contracts)
        for index in range(len(flow.steps))
    ]


def step_problems(
    flow: Flow, source_map: SourceMap, root: Path, interfaces: InterfaceContracts | None = None
) -> list[Problem]:
    """Every step of the flow that cannot be compiled, as ``validate`` problems.

    Compiling opens no connection and touches no database: expressions are compiled, sink
    ids resolved, the schema files a step names read, and the contracts of the interfaces
    the steps take their schema or call from imported.
    """
    contracts = interfaces if interfaces is not None else InterfaceContracts(root)
    problems: list[Problem] = []
    for index, step in enumerate(flow.steps):
        if step.kind not in PROCESSORS:
            error = unknown_kind(step.kind)
            problems.append(
                _problem(Code.UNKNOWN_PROCESSOR, source_map, ("steps", index, "kind"), error)
            )
            continue
        errors = config_errors(step.kind, step.config)
        if errors:
            for loc, message, hint in errors:
                at: Path_ = ("steps", index, "config", *loc)
                error = StepConfigError(f"step '{step.id}' ({step.kind}): {message}", hint=hint)
                problems.append(_problem(Code.STEP_CONFIG, source_map, at, error))
            continue
        try:
            compile_step(flow, index, root, {}, StepResources(), source_map, contracts)
        except StepConfigError as error:
            if error.problem == Code.DANGLING_REFERENCE:
                continue  # the project's references are checked, and this one reported
            # The problem's place names the flow already.
            error.message = error.message.removeprefix(f"flow '{flow.id}' ")
            code = Code(error.problem) if error.problem else Code.STEP_CONFIG
            problems.append(_problem(code, source_map, error.field, error))
    return problems


def _problem(code: Code, source_map: SourceMap, at: Path_, error: StepConfigError) -> Problem:
    where = _where(source_map, at)
    return Problem(
        code=code,
        severity=severity_of(code),
        message=error.message,
        file=source_map.file,
        line=where.line,
        column=where.column,
        path=format_path(at),
        hint=error.hint,
    )
