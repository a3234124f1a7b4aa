"""The criteria of a readiness assessment, in report order, and the checks of state.

Each check reads the facts of one interface and returns a status (pass, warn, fail, n/a), an
explanation saying what was found and, short of a pass, a hint saying what to do. The checks
of what a contract documents are in :mod:`.documentation`, of the policies it states in
:mod:`.policies`; lifecycle, owner and measurements are here.
"""

from __future__ import annotations

from interloom.core.catalog import Lifecycle
from interloom.core.readiness.documentation import check_contract, check_examples, check_servers
from interloom.core.readiness.findings import Check, Finding
from interloom.core.readiness.model import CriterionId, InterfaceFacts, ReadinessPolicy, Status
from interloom.core.readiness.policies import (
    check_auth,
    check_deprecation,
    check_errors,
    check_rate_limits,
)

__all__ = ["CHECKS", "Check", "Finding"]


# --- lifecycle, owner ---------------------------------------------------------------------

_LIFECYCLE_FINDINGS: dict[Lifecycle, tuple[Status, str, str | None]] = {
    Lifecycle.DRAFT: (
        Status.FAIL,
        "draft: neither mocked nor tested yet",
        "mock it from its contract (mocked), then run the contract tests (conformant)",
    ),
    Lifecycle.MOCKED: (
        Status.WARN,
        "mocked: consumers can build against the mock; the real system is not yet tested",
        "run the contract tests against the real system (conformant)",
    ),
    Lifecycle.CONFORMANT: (
        Status.PASS,
        "conformant: the real system passes the contract tests",
        None,
    ),
    Lifecycle.LOAD_TESTED: (
        Status.PASS,
        "load-tested: conformant, and holds the expected load",
        None,
    ),
    Lifecycle.PUBLISHED: (Status.PASS, "published: in production use", None),
    Lifecycle.DEPRECATED: (
        Status.WARN,
        "deprecated: new consumers should not start on it",
        "plan the move to its successor",
    ),
    Lifecycle.RETIRED: (Status.FAIL, "retired: it must not be used", "use its successor"),
}


def check_lifecycle(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """How far the interface has come, from draft to published."""
    status, explanation, hint = _LIFECYCLE_FINDINGS[facts.lifecycle]
    return Finding(status, explanation, hint)


def check_owner(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """Someone answers for the interface: a team, and a person or an address to ask."""
    owner = facts.system.owner_of(facts.interface)
    contact = ", ".join(x for x in (owner.person, owner.email) if x)
    own = "" if facts.interface.owner else " (the system's owner)"
    if contact:
        return Finding(Status.PASS, f"{owner.team}: {contact}{own}")
    return Finding(
        Status.WARN,
        f"only a team is named: {owner.team}{own}",
        "name a person or an email address to ask",
    )


# --- measurements -------------------------------------------------------------------------

NOT_MEASURED = "not measured"
MEASURE_HINT = "probe the interface, or load-test its mock, to measure it"


def _graded(value: float, passing: float, warning: float) -> Status:
    if value <= passing:
        return Status.PASS
    return Status.WARN if value <= warning else Status.FAIL


def check_latency(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """The measured 95th percentile latency is within the policy's bounds."""
    measured = facts.measurement
    if measured is None or measured.latency_p95_ms is None:
        return Finding(Status.NOT_APPLICABLE, NOT_MEASURED, MEASURE_HINT)
    value = measured.latency_p95_ms
    status = _graded(value, policy.latency_p95_pass_ms, policy.latency_p95_warn_ms)
    hint = None
    if status is not Status.PASS:
        hint = f"at most {policy.latency_p95_pass_ms:g} ms passes; agree the latency budget"
    return Finding(
        status,
        f"p95 {value:g} ms over {measured.samples} calls ({measured.source})",
        hint,
    )


def check_error_rate(facts: InterfaceFacts, policy: ReadinessPolicy) -> Finding:
    """The measured error rate is within the policy's bounds."""
    measured = facts.measurement
    if measured is None or measured.error_rate is None:
        return Finding(Status.NOT_APPLICABLE, NOT_MEASURED, MEASURE_HINT)
    value = measured.error_rate
    status = _graded(value, policy.error_rate_pass, policy.error_rate_warn)
    hint = None
    if status is not Status.PASS:
        hint = f"at most {policy.error_rate_pass:.1%} passes; look at the failing calls"
    return Finding(
        status, f"{value:.2%} errors over {measured.samples} calls ({measured.source})", hint
    )


CHECKS: dict[CriterionId, Check] = {
    CriterionId.CONTRACT: check_contract,
    CriterionId.EXAMPLES: check_examples,
    CriterionId.AUTH: check_auth,
    CriterionId.ERRORS: check_errors,
    CriterionId.RATE_LIMITS: check_rate_limits,
    CriterionId.DEPRECATION: check_deprecation,
    CriterionId.SERVERS: check_servers,
    CriterionId.LIFECYCLE: check_lifecycle,
    CriterionId.OWNER: check_owner,
    CriterionId.LATENCY: check_latency,
    CriterionId.ERROR_RATE: check_error_rate,
}
