"""YAML read with the position of every key, so problems point at a line and a column."""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from interloom.core.problems import Code, Problem, Severity
from interloom.core.project import Path_, SourceMap


@dataclass(slots=True)
class YamlDocument:
    """Plain data read from one YAML file, its key positions, and the problems found."""

    data: Any
    source: SourceMap
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the file parsed (its data may still fail its model)."""
        return not self.problems


def _positions(node: Any, path: Path_, out: dict[Path_, tuple[int, int]]) -> None:
    if isinstance(node, CommentedMap):
        for key in node.lc.data or {}:  # own keys: merged ones (<<: *anchor) have no position
            line, column = node.lc.key(key)
            child = (*path, str(key))
            out[child] = (line + 1, column + 1)
            _positions(node[key], child, out)
    elif isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            line, column = node.lc.item(index)
            child = (*path, index)
            out[child] = (line + 1, column + 1)
            _positions(item, child, out)


def _plain(node: Any) -> Any:
    """ruamel's round-trip containers as plain dicts and lists, scalars as plain Python."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, str):
        return str(node)  # drop ruamel's scalar string subclasses
    return node


def _mark_problem(code: Code, file: str, error: MarkedYAMLError, message: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return Problem(
        code=code, severity=Severity.ERROR, message=message, file=file, line=line, column=column
    )


def read_yaml(text: str, file: str) -> YamlDocument:
    """Parse ``text`` (the content of ``file``); never raises for bad input."""
    source = SourceMap(file=file, positions={(): (1, 1)})
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.load(StringIO(text))
    except DuplicateKeyError as error:
        problem = _mark_problem(
            Code.YAML_DUPLICATE_KEY, file, error, f"duplicate key: {error.problem}".strip()
        )
        hint = "a key may appear once in a mapping; merge the two entries"
        return YamlDocument(None, source, [problem.model_copy(update={"hint": hint})])
    except MarkedYAMLError as error:
        what = " ".join(part for part in (error.context, error.problem) if part)
        return YamlDocument(
            None, source, [_mark_problem(Code.YAML_SYNTAX, file, error, what or "invalid YAML")]
        )
    if node is None:
        problem = Problem(
            code=Code.YAML_EMPTY,
            severity=Severity.ERROR,
            message="the file is empty",
            file=file,
            line=1,
            column=1,
        )
        return YamlDocument(None, source, [problem])
    _positions(node, (), source.positions)
    return YamlDocument(_plain(node), source)
