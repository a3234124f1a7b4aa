"""YAML read with the position of every key, so problems point at a line and a column."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

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


def _position(mark: Any) -> tuple[int | None, int | None]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _syntax_problem(file: str, error: MarkedYAMLError) -> Problem:
    """Where the parser gave up, and where the construct it was reading began."""
    line, column = _position(error.problem_mark or error.context_mark)
    message = error.problem or "invalid YAML"
    hint = None
    if error.context and error.context.startswith("while ") and error.context_mark is not None:
        opened_line, opened_column = _position(error.context_mark)
        hint = f"{error.context}, started at line {opened_line}, column {opened_column}"
    elif error.context:  # e.g. "expected a single document in the stream"
        message = f"{error.context}, {message}"
    return Problem(
        code=Code.YAML_SYNTAX,
        severity=Severity.ERROR,
        message=message,
        file=file,
        line=line,
        column=column,
        hint=hint,
    )


def _duplicate_key_problem(file: str, error: DuplicateKeyError) -> Problem:
    line, column = _position(error.problem_mark)
    first_line, _ = _position(error.context_mark)
    message = str(error.problem or "duplicate key").removeprefix("found ")
    return Problem(
        code=Code.YAML_DUPLICATE_KEY,
        severity=Severity.ERROR,
        message=message,
        file=file,
        line=line,
        column=column,
        hint=f"keys must be unique within a mapping; this one starts at line {first_line}",
    )


class _Constructor(RoundTripConstructor):
    """Round-trip construction that leaves dates and times as text for the models to parse.

    A bad date (2027-02-30) then becomes a located problem of its field instead of an
    exception of the YAML reader.
    """

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def read_yaml(text: str, file: str) -> YamlDocument:
    """Parse ``text`` (the content of ``file``); never raises for bad input."""
    source = SourceMap(file=file, positions={(): (1, 1)})
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. a reused anchor: legal YAML 1.2
            node = yaml.load(StringIO(text))
    except DuplicateKeyError as error:
        return YamlDocument(None, source, [_duplicate_key_problem(file, error)])
    except MarkedYAMLError as error:
        return YamlDocument(None, source, [_syntax_problem(file, error)])
    except (YAMLError, ValueError, KeyError, TypeError) as error:
        # Bad characters, or a tagged value that cannot be built (!!int abc).
        problem = Problem(
            code=Code.YAML_SYNTAX,
            severity=Severity.ERROR,
            message=f"invalid YAML: {' '.join(str(error).split())}",
            file=file,
        )
        return YamlDocument(None, source, [problem])
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
