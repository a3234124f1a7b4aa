"""The files of flow tests: finding ``flows/tests/*.yaml``, choosing cases, reading the
inputs and golden files they name (JSON or YAML, relative to the test file)."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from interloom.core.errors import Location, NotFoundError
from interloom.core.flows.testcase import (
    FlowTestCase,
    FlowTestError,
    FlowTestFile,
    FlowTestFileError,
    plain_json,
)
from interloom.core.problems import Code, Problem, Severity
from interloom.core.project import Loaded
from interloom.core.refs import RefKind
from interloom.core.suggestions import did_you_mean
from interloom.formats.project_files import FOLDERS, FileKind, parse_file
from interloom.formats.yaml_documents import read_yaml
from interloom.services.project import ProjectLoad, load_project

__all__ = [
    "CollectedFile",
    "TestCollection",
    "TestFileError",
    "collect_flow_tests",
    "expected_output",
    "inputs_of",
    "read_data_file",
]

TESTS_FOLDER = FOLDERS[FileKind.FLOW_TEST]
_SUFFIXES = (".yaml", ".yml")


class TestFileError(BaseModel):
    """A test file that cannot be read: every problem, located."""

    file: str
    problems: list[Problem]


@dataclass(slots=True)
class CollectedFile:
    """A test file that loaded, and its cases chosen to run."""

    path: Path
    file: str  # relative to the project directory
    loaded: Loaded[FlowTestFile]
    cases: list[tuple[int, FlowTestCase]]


@dataclass(slots=True)
class TestCollection:
    """The test files of a project and the cases chosen to run."""

    root: Path
    project: ProjectLoad
    files: list[CollectedFile] = field(default_factory=list)
    errors: list[TestFileError] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)
    filtered: bool = False  # FLOW arguments or a pattern narrowed the choice

    @property
    def total(self) -> int:
        """How many cases will run."""
        return sum(len(f.cases) for f in self.files)


def _matches(pattern: str | None, *names: str) -> bool:
    if not pattern:
        return True
    wanted = pattern.lower()
    if any(char in wanted for char in "*?["):
        return any(fnmatch.fnmatchcase(name.lower(), wanted) for name in names)
    return any(wanted in name.lower() for name in names)


def _test_files(root: Path) -> list[Path]:
    folder = root / TESTS_FOLDER
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in _SUFFIXES)


def _read_test_file(path: Path, file: str) -> tuple[Loaded[FlowTestFile] | None, list[Problem]]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problem = Problem(
            code=Code.FILE_UNREADABLE,
            severity=Severity.ERROR,
            message=f"cannot read the test file: {error}",
            file=file,
            hint="test files are UTF-8 YAML",
        )
        return None, [problem]
    parsed = parse_file(text, file, FlowTestFile)
    return parsed.loaded, parsed.problems


def collect_flow_tests(
    root: Path, flows: Sequence[str] = (), pattern: str | None = None
) -> TestCollection:
    """The test files of the project at ``root``: those of ``flows`` (all when empty), and of
    them the cases whose ``flow::name`` (or file name) matches ``pattern``.

    A substring matches case-insensitively; ``*``, ``?`` and ``[…]`` make it a glob.
    :class:`NotFoundError` when a named flow is not in the project.
    """
    project = load_project(root)
    known = [loaded.model.id for loaded in project.project.flows]
    unloaded = project.project.unloaded.get(RefKind.FLOW, frozenset())
    for flow_id in flows:
        if flow_id not in known and flow_id not in unloaded:
            raise NotFoundError(
                f"no flow '{flow_id}' in {root}",
                hint=did_you_mean(flow_id, known) or f"flows: {', '.join(known) or 'none'}",
            )
    collection = TestCollection(root, project, filtered=bool(flows or pattern))
    tested: set[str] = set()
    for path in _test_files(root):
        file = path.relative_to(root).as_posix()
        loaded, problems = _read_test_file(path, file)
        if loaded is None:
            collection.errors.append(TestFileError(file=file, problems=problems))
            continue
        test_file = loaded.model
        if flows and test_file.flow not in flows:
            continue
        tested.add(test_file.flow)
        cases = [
            (index, case)
            for index, case in enumerate(test_file.cases)
            if _matches(pattern, f"{test_file.flow}::{case.name}", path.stem)
        ]
        if cases:
            collection.files.append(CollectedFile(path, file, loaded, cases))
    collection.untested = [flow_id for flow_id in flows if flow_id not in tested]
    return collection


# --- reading what cases name ----------------------------------------------------------------


def read_data_file(path: Path, shown: str) -> Any:
    """A JSON (``.json``) or YAML file's data; :class:`FlowTestFileError` says where it is bad."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FlowTestFileError(
            f"cannot read {shown}: {error.strerror or error}",
            location=Location(file=shown),
            hint="paths in a test file are relative to the test file",
        ) from None
    if path.suffix.lower() == ".json":
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise FlowTestFileError(
                f"not valid JSON: {error.msg}",
                location=Location(file=shown, line=error.lineno, column=error.colno),
            ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FlowTestFileError("not UTF-8 text", location=Location(file=shown)) from None
    document = read_yaml(text, shown)
    if not document.ok:
        problem = document.problems[0]
        raise FlowTestFileError(
            problem.message,
            location=Location(file=shown, line=problem.line, column=problem.column),
            hint=problem.hint,
        )
    return plain_json(document.data)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def inputs_of(case: FlowTestCase, base: Path, root: Path) -> list[Any]:
    form = case.input_form
    if form == "inputs":
        return list(case.inputs or [])
    if form == "input_file":
        assert case.input_file is not None
        path = base / case.input_file
        return [read_data_file(path, _shown(path, root))]
    return [case.input]


# --- golden files ---------------------------------------------------------------------------


def _golden_text(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def expected_output(
    case: FlowTestCase,
    base: Path,
    root: Path,
    outputs: list[Any],
    update: bool,
    updated: list[str],
) -> tuple[bool, Any]:
    """``(True, expected)`` from the case's golden file (written first with ``update``);
    ``(False, None)`` when the case has no golden file."""
    expect = case.expect
    name = expect.output_file if expect.output_form == "output_file" else expect.outputs_file
    if name is None:
        return False, None
    path = base / name
    shown = _shown(path, root)
    if update:
        actual: Any = list(outputs)
        if expect.output_form == "output_file":
            if len(outputs) != 1:
                raise FlowTestError(
                    f"cannot update {shown}: the flow delivered {len(outputs)} messages, "
                    "and output_file holds one",
                    hint="use outputs_file for a case that delivers several",
                )
            actual = outputs[0]
        text = _golden_text(actual)
        current = path.read_text("utf-8") if path.is_file() else None
        if current != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            updated.append(shown)
        return True, actual
    if not path.is_file():
        raise FlowTestFileError(
            f"the golden file {shown} does not exist",
            location=Location(file=shown),
            hint="run 'interloom test --update' to write it from the flow's output",
        )
    return True, read_data_file(path, shown)
