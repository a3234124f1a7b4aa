"""Comparing two versions of a contract file: read both (from disk or git), diff, locate, filter.

The diff itself is pure (``core.contracts.diff``); this service reads the files — the old one
possibly at a git revision, with the files it references read at that revision too — imports
both, gives every finding the line of its pointer, and drops what an ignore file accepts.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from interloom.core.contracts.diff import RULES, DiffResult, Finding, diff_contracts
from interloom.core.contracts.diff.errors import ContractDiffError, GitRevisionError
from interloom.core.contracts.diff.ignore import IgnoreRule, apply_ignore_rules
from interloom.core.contracts.diff.report import rules_markdown
from interloom.core.contracts.model import Contract, SourceLocation
from interloom.core.errors import Location, NotFoundError
from interloom.formats.contracts.detect import import_contract
from interloom.formats.contracts.diff_ignore import read_ignore_file
from interloom.formats.contracts.documents import file_relative_to
from interloom.formats.contracts.source_lines import SourceLines

GIT_TIMEOUT_SECONDS = 30
DIFF_STEPS = 4
"""How many times :func:`diff_contract_files` reports a step: read, read, compare, locate."""

Step = Callable[[str], None]


@dataclass(slots=True)
class _Source:
    """One version of a contract: its name in locations, and how to read it and its references."""

    label: str
    read_main: Callable[[], bytes]
    read_relative: Callable[[str], bytes]
    files: dict[str, bytes] = field(default_factory=dict)
    """Every file read, by the name locations give it."""

    def load(self) -> Contract:
        data = self.read_main()
        self.files[self.label] = data

        def resolve_file(relative: str) -> bytes:
            content = self.read_relative(relative)
            self.files[file_relative_to(self.label, relative)] = content
            return content

        return import_contract(data, self.label, resolve_file=resolve_file)


def _file_source(path: Path, root: Path | None) -> _Source:
    if not path.is_file():
        raise NotFoundError(f"no contract file {path}", location=Location(file=str(path)))
    boundary = (root or path.parent).resolve()

    def read_relative(relative: str) -> bytes:
        target = (path.parent / relative).resolve()
        if not target.is_relative_to(boundary):
            # Reported by the importer as an unresolvable reference, with its location.
            raise ValueError(f"it lies outside {boundary}; references stay in that tree")
        return target.read_bytes()

    return _Source(path.as_posix(), path.read_bytes, read_relative)


def _git(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *arguments],
            cwd=cwd,
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT_SECONDS,
        )
    except FileNotFoundError:
        raise GitRevisionError(
            "git is not installed (or not on PATH)", hint="install git to use --git"
        ) from None
    except subprocess.TimeoutExpired:
        raise GitRevisionError(f"git did not answer within {GIT_TIMEOUT_SECONDS} s") from None


def _git_source(path: Path, revision: str) -> _Source:
    """``path`` as it was at git ``revision``; relative references are read there too."""
    if not revision or revision.startswith("-"):
        raise ContractDiffError(
            f"'{revision}' is not a git revision", hint="name a commit, branch or tag: --git main"
        )
    if not path.is_file():
        raise NotFoundError(f"no contract file {path}", location=Location(file=str(path)))
    directory = path.resolve().parent
    top = _git(["rev-parse", "--show-toplevel"], directory)
    if top.returncode != 0:
        raise GitRevisionError(
            f"{path} is not in a git repository",
            location=Location(file=str(path)),
            hint="--git compares a file with its content in the repository's history",
        )
    root = Path(top.stdout.decode().strip()).resolve()
    relative = path.resolve().relative_to(root).as_posix()
    check = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], root)
    if check.returncode != 0:
        raise GitRevisionError(
            f"git has no revision '{revision}'",
            hint="name a commit, branch or tag that exists (git log --oneline)",
        )

    def show(file: str) -> bytes:
        shown = _git(["show", f"{revision}:{file}"], root)
        if shown.returncode != 0:
            raise FileNotFoundError(f"{file} does not exist at {revision}")
        return shown.stdout

    def read_main() -> bytes:
        try:
            return show(relative)
        except FileNotFoundError:
            raise GitRevisionError(
                f"{relative} does not exist at {revision}",
                location=Location(file=str(path)),
                hint="was it added after that revision? compare with a later one",
            ) from None

    def read_relative(reference: str) -> bytes:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(relative), reference))
        if target == ".." or target.startswith("../") or posixpath.isabs(target):
            raise ValueError("it lies outside the repository")
        return show(target)

    # Named as git names it (`main:contracts/crm.yaml`), ready for `git show`.
    return _Source(f"{revision}:{relative}", read_main, read_relative)


def _locate(findings: tuple[Finding, ...], lines: SourceLines) -> tuple[Finding, ...]:
    def refine(location: SourceLocation | None) -> SourceLocation | None:
        return lines.locate(location) if location is not None else None

    return tuple(finding.located(refine(finding.old), refine(finding.new)) for finding in findings)


def read_ignore_rules(path: Path) -> list[IgnoreRule]:
    """The rules of an ignore file (oasdiff text lines, or YAML)."""
    if not path.is_file():
        raise NotFoundError(f"no ignore file {path}", location=Location(file=str(path)))
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ContractDiffError(
            f"cannot read the ignore file: {error}", location=Location(file=str(path))
        ) from None
    return read_ignore_file(text, str(path))


def diff_contract_files(
    old: Path | None,
    new: Path,
    *,
    git_revision: str | None = None,
    ignore_file: Path | None = None,
    root: Path | None = None,
    today: dt.date | None = None,
    on_step: Step | None = None,
) -> DiffResult:
    """The findings between two contract files, or between ``new`` and itself at a revision.

    ``old`` is ignored with ``git_revision`` (and must be given without it). Findings an
    ``ignore_file`` accepts are moved to :attr:`DiffResult.ignored`. Malformed input raises a
    located Interloom error; nothing else is raised.
    """
    step = on_step or (lambda _: None)
    if git_revision is not None:
        old_source = _git_source(new, git_revision)
    elif old is None:
        raise ContractDiffError(
            "two files are needed: OLD and NEW", hint="or one file with --git REVISION"
        )
    else:
        old_source = _file_source(old, root)
    new_source = _file_source(new, root)
    rules = read_ignore_rules(ignore_file) if ignore_file is not None else []
    step(f"reading {old_source.label}")
    old_contract = old_source.load()
    step(f"reading {new_source.label}")
    new_contract = new_source.load()
    step("comparing")
    day = today or dt.date.today()
    result = diff_contracts(old_contract, new_contract, today=day)
    step("locating")
    files = {**old_source.files, **new_source.files}
    located = _locate(result.findings, SourceLines(files.get))
    result = result.with_findings(located)
    return apply_ignore_rules(result, rules, today=day)


def contract_diff_rules() -> list[dict[str, str]]:
    """The rule catalogue, as ``interloom contracts rules --output json`` prints it."""
    return [
        {
            "id": rule.id,
            "level": rule.level.value,
            "family": rule.family.value,
            "description": rule.description,
            "origin": "oasdiff" if rule.oasdiff else "interloom",
        }
        for rule in RULES.values()
    ]


def contract_diff_rules_markdown() -> str:
    """``docs/contracts-diff.md``."""
    return rules_markdown()


__all__ = [
    "DIFF_STEPS",
    "contract_diff_rules",
    "contract_diff_rules_markdown",
    "diff_contract_files",
    "read_ignore_rules",
]
