"""The pytest plugin (interloom.testing): a user's tests run flows with fakes, from pytest."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "examples" / "bench"
W1 = ROOT / "tests" / "data" / "w1"
LOOP_SCOPE = "asyncio_default_fixture_loop_scope = function"

USER_TESTS = f'''
import json
from pathlib import Path

import pytest

W1 = Path(r"{W1}")
ORDER = json.loads((W1 / "order.json").read_text("utf-8"))


def test_an_order_is_mapped(flow_runner):
    result = flow_runner("w1", ORDER, fakes={{"sink-0": {{"status": 201}}}})

    assert result.status == "delivered"
    result.assert_output(json.loads((W1 / "order.mapped.json").read_text("utf-8")))
    assert result.sinks["sink-0"] == [result.output]


def test_an_invalid_order_is_rejected_at_its_field(flow_runner):
    invalid = json.loads((W1 / "order-invalid.json").read_text("utf-8"))

    result = flow_runner("w1-durable", invalid)

    assert result.status == "rejected"
    assert result.error["code"] == "E-MSG-001"
    assert "/lines/2/qty" in result.error_pointers


def test_a_503_is_retried(flow_runner):
    fakes = {{"sink-0": [{{"status": 503}}, {{"status": 201}}]}}

    result = flow_runner("w1-durable", ORDER, fakes=fakes)

    assert result.status == "delivered"
    assert [c["status"] for c in result.calls["sink-0"]] == [503, 201]


@pytest.mark.asyncio
async def test_awaited_in_an_async_test(flow_runner):
    result = await flow_runner.arun("w1", messages=[ORDER, ORDER])

    assert result.statuses == ["delivered", "delivered"]


def test_a_wrong_expectation_fails_with_the_pointer(flow_runner):
    flow_runner("w1", ORDER).assert_output({{"orderRef": "ORD-0"}}, match="subset")


@pytest.mark.interloom_project(r"{ROOT / "tests" / "data" / "projects" / "valid-minimal"}")
def test_the_marker_chooses_another_project(interloom_project):
    assert interloom_project.root.name == "valid-minimal"
'''


def test_fixtures_run_flows_and_a_failure_shows_the_difference(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\n{LOOP_SCOPE}\ninterloom_project = {BENCH}\n")
    pytester.makepyfile(test_user_flows=USER_TESTS)

    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")

    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*output differs from the expected at 1 place(s):*",
            "*/orderRef changed: expected 'ORD-0', actual 'ORD-2026-004217'*",
            '*-  "orderRef": "ORD-0"*',
        ]
    )


def test_the_option_names_the_project_and_a_wrong_one_is_reported(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makeini(f"[pytest]\n{LOOP_SCOPE}\n")
    pytester.makepyfile(
        test_flows="def test_flows(interloom_project):\n"
        "    assert interloom_project.flows == ['w1-durable', 'w1']\n"
    )

    good = pytester.runpytest("-p", "no:cacheprovider", f"--interloom-project={BENCH}")
    bad = pytester.runpytest("-p", "no:cacheprovider", f"--interloom-project={tmp_path}")

    good.assert_outcomes(passed=1)
    bad.assert_outcomes(errors=1)
    bad.stdout.fnmatch_lines(["*no interloom.yaml in*"])
