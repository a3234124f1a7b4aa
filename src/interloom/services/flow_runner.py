"""Running a project's flows from code: a message in, what the flow did out (with fakes).

What ``interloom test`` does for a YAML case, for a Python caller — the pytest plugin
(:mod:`interloom.testing`) and notebooks::

    project = FlowProject.open("examples/bench")
    result = project.run("w1", order, fakes={"sink-0": {"status": 201}})
    assert result.status == "delivered"
    result.assert_output(expected, match="subset", ignore=["/placedAt"])
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from interloom.core.errors import ConfigError, NotFoundError, ProjectNotFoundError
from interloom.core.flows.comparison import Match, differences, unified_diff
from interloom.core.flows.definition import Flow
from interloom.core.flows.testcase import FakeAnswer, FakeSpec, answers_of, plain_json
from interloom.core.project import SETTINGS_FILE, Loaded
from interloom.core.suggestions import did_you_mean
from interloom.runtime.harness import HarnessResult, run_flow
from interloom.services.flow_testing import (
    FlowTestReport,
    collect_flow_tests,
    run_flow_tests,
)
from interloom.services.project import ProjectLoad, load_project

__all__ = ["FlowProject", "FlowResult", "assert_matches", "fake_answers"]

_FAKES: TypeAdapter[dict[str, FakeSpec]] = TypeAdapter(dict[str, FakeSpec])


def fake_answers(fakes: Mapping[str, Any] | None) -> dict[str, list[FakeAnswer]]:
    """Fakes as a test file gives them (id -> {status, body} or a list), checked."""
    if not fakes:
        return {}
    try:
        specs = _FAKES.validate_python(plain_json(dict(fakes)))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(
            f"fakes.{where}: {first['msg']}",
            hint="a fake is {'status': 201, 'body': {...}}, {'error': 'timeout'} or a list",
        ) from None
    return {key: answers_of(spec) for key, spec in specs.items()}


def assert_matches(
    expected: Any,
    actual: Any,
    *,
    match: Match | str = Match.EXACT,
    ignore: Sequence[str] = (),
    what: str = "output",
) -> None:
    """AssertionError, with each difference's pointer and a unified diff, unless they match."""
    how = Match(match)
    found = differences(expected, actual, match=how, ignore=ignore)
    if not found:
        return
    lines = [f"{what} differs from the expected at {len(found)} place(s):"]
    for difference in found[:20]:
        lines.append(
            f"  {difference.pointer or '/'} {difference.kind.value}: "
            f"expected {difference.expected!r}, actual {difference.actual!r}"
        )
    if len(found) > 20:
        lines.append(f"  … and {len(found) - 20} more")
    lines.append(
        unified_diff(expected, actual, match=how, ignore=ignore, labels=("expected", "actual"))
    )
    raise AssertionError("\n".join(lines))


@dataclass(slots=True)
class FlowResult:
    """What a flow did with the messages it was given."""

    statuses: list[str]
    outputs: list[Any]
    sinks: dict[str, list[Any]]
    errors: list[dict[str, Any]]
    calls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The status of the (first) message: delivered, rejected, filtered, dead_lettered…"""
        return self.statuses[0]

    @property
    def output(self) -> Any:
        """The one body the flow delivered; AssertionError when it delivered none or several."""
        if len(self.outputs) != 1:
            raise AssertionError(
                f"the flow delivered {len(self.outputs)} messages (status {self.statuses}); "
                "use .outputs"
            )
        return self.outputs[0]

    @property
    def error(self) -> dict[str, Any] | None:
        """The first error a message met: code, message, step, details (None: no error)."""
        return self.errors[0] if self.errors else None

    @property
    def error_pointers(self) -> list[str]:
        """Every JSON pointer the errors name."""
        return [
            str(d["pointer"])
            for e in self.errors
            for d in e.get("details", [])
            if d.get("pointer") is not None
        ]

    def assert_output(
        self, expected: Any, *, match: Match | str = Match.EXACT, ignore: Sequence[str] = ()
    ) -> None:
        """Assert the one delivered body matches ``expected`` (a readable diff when not)."""
        assert_matches(expected, self.output, match=match, ignore=ignore)

    @classmethod
    def of(cls, result: HarnessResult) -> FlowResult:
        """From what the harness observed."""
        errors = [run.error.to_dict() for run in result.messages if run.error is not None]
        errors += [d.error.to_dict() for run in result.messages for d in run.dead_letters]
        return cls(
            statuses=[run.status.value for run in result.inputs],
            outputs=list(result.outputs),
            sinks={sink: list(bodies) for sink, bodies in result.sinks.items()},
            errors=errors,
            calls={
                owner: [
                    {
                        "method": c.method,
                        "url": c.url,
                        "headers": c.headers,
                        "body": c.body,
                        "status": c.status,
                        "failure": c.failure,
                    }
                    for c in calls
                ]
                for owner, calls in result.calls.items()
            },
            messages=[run.to_dict() for run in result.messages],
        )


class FlowProject:
    """A project directory whose flows can be run on messages, with fakes."""

    def __init__(self, load: ProjectLoad) -> None:
        self.load = load
        self.root = load.root

    @classmethod
    def open(cls, path: str | Path) -> FlowProject:
        """The project at ``path``; flows that do not load are left out (see ``problems``)."""
        root = Path(path).expanduser().resolve()
        if not (root / SETTINGS_FILE).is_file():
            raise ProjectNotFoundError(
                f"no {SETTINGS_FILE} in {root}",
                hint="point the interloom_project setting (or --interloom-project) at it",
            )
        return cls(load_project(root))

    @property
    def flows(self) -> list[str]:
        """The ids of the flows that load."""
        return [loaded.model.id for loaded in self.load.project.flows]

    @property
    def problems(self) -> list[str]:
        """Every problem ``interloom validate`` would report, one line each."""
        return [problem.render() for problem in self.load.problems]

    def _loaded(self, flow_id: str) -> Loaded[Flow]:
        for loaded in self.load.project.flows:
            if loaded.model.id == flow_id:
                return loaded
        raise NotFoundError(
            f"no flow '{flow_id}' in {self.root}",
            hint=did_you_mean(flow_id, self.flows) or f"flows: {', '.join(self.flows)}",
        )

    def flow(self, flow_id: str) -> Flow:
        """The definition of a flow."""
        return self._loaded(flow_id).model

    async def arun(
        self,
        flow_id: str,
        message: Any = None,
        *,
        messages: Sequence[Any] | None = None,
        headers: Mapping[str, str] | None = None,
        fakes: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> FlowResult:
        """Run ``message`` (or each of ``messages``) through the flow; what it did."""
        loaded = self._loaded(flow_id)
        inputs = list(messages) if messages is not None else [message]
        result = await run_flow(
            loaded.model,
            self.root,
            [plain_json(body) for body in inputs],
            headers=headers,
            environ={**os.environ, **(env or {})},
            fakes=fake_answers(fakes),
            source_map=loaded.source,
        )
        return FlowResult.of(result)

    def run(self, flow_id: str, message: Any = None, **options: Any) -> FlowResult:
        """:meth:`arun` from synchronous code (inside an event loop, await ``arun``)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.arun(flow_id, message, **options))
        raise RuntimeError("an event loop is running here: 'await project.arun(...)' instead")

    async def arun_tests(
        self, flows: Sequence[str] = (), pattern: str | None = None
    ) -> FlowTestReport:
        """Run the project's ``flows/tests`` cases (all, or those of ``flows``)."""
        return await run_flow_tests(collect_flow_tests(self.root, flows, pattern))
