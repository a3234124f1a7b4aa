"""The kinds of project file, read from YAML text into core models with located problems."""

from __future__ import annotations

import types
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from interloom.core.catalog import System
from interloom.core.delivery.plan import Plan
from interloom.core.flows.definition import Flow
from interloom.core.flows.testcase import FlowTestFile
from interloom.core.problems import Code, Problem, Severity, format_path
from interloom.core.project import Loaded, Path_, ProjectSettings, SourceMap
from interloom.core.suggestions import did_you_mean
from interloom.formats.yaml_documents import read_yaml


class FileKind(StrEnum):
    """Every kind of file in a project directory that has a model."""

    PROJECT = "project"
    SYSTEM = "system"
    FLOW = "flow"
    PLAN = "plan"
    FLOW_TEST = "flow-test"


MODELS: dict[FileKind, type[BaseModel]] = {
    FileKind.PROJECT: ProjectSettings,
    FileKind.SYSTEM: System,
    FileKind.FLOW: Flow,
    FileKind.PLAN: Plan,
    FileKind.FLOW_TEST: FlowTestFile,
}

FOLDERS: dict[FileKind, str] = {
    FileKind.SYSTEM: "systems",
    FileKind.FLOW: "flows",
    FileKind.PLAN: "plan",
    FileKind.FLOW_TEST: "flows/tests",
}

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ParsedFile(Generic[M]):
    """The outcome of reading one file: its model when valid, and every problem found."""

    loaded: Loaded[M] | None
    problems: list[Problem]
    declared_id: str | None = None  # the file's `id`, when it has one, even if invalid


_WRONG_TYPE_SUFFIXES = ("_type", "_parsing")
_NOT_ALLOWED = {"literal_error", "enum"}


def _code_for(error: ErrorDetails) -> Code:
    kind = error["type"]
    if kind == "extra_forbidden":
        return Code.UNKNOWN_KEY
    if kind == "missing":
        return Code.MISSING_FIELD
    if kind == "reference_syntax":
        return Code.REFERENCE_SYNTAX
    if kind == "reference_kind":
        return Code.REFERENCE_KIND
    if kind in _NOT_ALLOWED:
        return Code.VALUE_NOT_ALLOWED
    if kind.endswith(_WRONG_TYPE_SUFFIXES) and kind not in {"date_from_datetime_parsing"}:
        return Code.WRONG_TYPE
    return Code.INVALID_VALUE


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types behind an annotation (``X | None`` gives ``[X]``)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return [t for arg in get_args(annotation) for t in _unwrap(arg) if t is not type(None)]
    if origin is not None and hasattr(annotation, "__metadata__"):  # Annotated
        return _unwrap(get_args(annotation)[0])
    return [annotation]


def _types_at(model: type[BaseModel], path: tuple[str | int, ...]) -> list[Any]:
    """The types a value at ``path`` may have, following the model's annotations."""
    current: list[Any] = [model]
    for part in path:
        following: list[Any] = []
        for candidate in current:
            origin = get_origin(candidate)
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                if isinstance(part, str) and part in candidate.model_fields:
                    following += _unwrap(candidate.model_fields[part].annotation)
            elif origin is list and isinstance(part, int):
                following += _unwrap(get_args(candidate)[0])
            elif origin is dict and isinstance(part, str):
                following += _unwrap(get_args(candidate)[1])
        current = following
    return current


def _fields_at(model: type[BaseModel], path: tuple[str | int, ...]) -> list[str]:
    """The field names a mapping at ``path`` accepts."""
    return [
        name
        for candidate in _types_at(model, path)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel)
        for name in candidate.model_fields
    ]


def _description_at(model: type[BaseModel], path: tuple[str | int, ...]) -> str | None:
    """The description of the field holding the value at ``path`` (list items: the list's)."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    if not path:
        return None
    for candidate in _types_at(model, path[:-1]):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            field = candidate.model_fields.get(str(path[-1]))
            if field is not None:
                return field.description or _annotated_description(field.metadata)
    return None


def _annotated_description(metadata: list[Any]) -> str | None:
    return next((m.description for m in metadata if getattr(m, "description", None)), None)


def _hint(error: ErrorDetails, model: type[BaseModel], path: Path_) -> str | None:
    kind = error["type"]
    if kind == "extra_forbidden" and path:
        return did_you_mean(str(path[-1]), _fields_at(model, path[:-1])) or (
            f"allowed keys: {', '.join(_fields_at(model, path[:-1]))}"
        )
    if kind in _NOT_ALLOWED:
        context = error.get("ctx") or {}
        expected = str(context.get("expected", ""))
        choices = [c.strip(" '\"") for c in expected.replace(" or ", ",").split(",") if c.strip()]
        if isinstance(error["input"], str):
            return did_you_mean(error["input"], choices) or f"expected {expected}"
        return f"expected {expected}"
    if kind == "string_pattern_mismatch":
        return _description_at(model, path) or None
    if kind == "missing" and path:
        return f"add '{path[-1]}'"
    if kind in ("reference_syntax", "reference_kind"):
        return str((error.get("ctx") or {}).get("hint") or "") or None
    return None


def _message(error: ErrorDetails, path: Path_) -> str:
    kind = error["type"]
    if kind == "extra_forbidden" and path:
        return f"unknown key '{path[-1]}'"
    if kind == "missing" and path:
        return f"missing required field '{path[-1]}'"
    if kind in _NOT_ALLOWED:
        return f"{_shown(error['input'])} is not one of the allowed values"
    if kind == "string_pattern_mismatch":
        return f"{_shown(error['input'])} is not a valid value for this field"
    message = error["msg"]
    if kind.endswith(_WRONG_TYPE_SUFFIXES):
        got = type(error["input"]).__name__
        got = {"dict": "mapping", "list": "list", "NoneType": "nothing"}.get(got, got)
        message = f"{message}, got {got}"
    return message


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def problems_from_validation(
    error: ValidationError, model: type[BaseModel], source: SourceMap
) -> list[Problem]:
    """One problem per pydantic error, located with the file's key positions."""
    problems = []
    for detail in error.errors(include_url=False):
        path: Path_ = tuple(part for part in detail["loc"] if part != "[key]")
        line, column = source.locate(path)
        code = _code_for(detail)
        problems.append(
            Problem(
                code=code,
                severity=Severity.ERROR,
                message=_message(detail, path),
                file=source.file,
                line=line,
                column=column,
                path=format_path(path) or None,
                hint=_hint(detail, model, path),
            )
        )
    return problems


def parse_file(text: str, file: str, model: type[M]) -> ParsedFile[M]:
    """Read ``text`` as the model of one file kind; every problem is reported, none raised."""
    document = read_yaml(text, file)
    if not document.ok:
        return ParsedFile(None, document.problems)
    if not isinstance(document.data, dict):
        got = "a list" if isinstance(document.data, list) else f"'{document.data}'"
        problem = Problem(
            code=Code.WRONG_TYPE,
            severity=Severity.ERROR,
            message=f"the file must hold a mapping of keys, not {got}",
            file=file,
            line=1,
            column=1,
            hint=f"see 'interloom schema {_kind_of(model)}'",
        )
        return ParsedFile(None, [problem])
    try:
        instance = model.model_validate(document.data)
    except ValidationError as error:
        declared = document.data.get("id")
        return ParsedFile(
            None,
            problems_from_validation(error, model, document.source),
            declared if isinstance(declared, str) else None,
        )
    return ParsedFile(Loaded(instance, document.source), [])


def _kind_of(model: type[BaseModel]) -> str:
    return next((kind.value for kind, cls in MODELS.items() if cls is model), model.__name__)
