"""The impact of a contract change on a project: interfaces, consumers, flows and tasks.

``assess_impact(diff, old, new, contract_path=…, project=…, tasks=…)`` joins the findings of
:func:`~interloom.core.contracts.diff.diff_contracts` to the project that uses the contract:
the interfaces whose operation a finding changes, the systems and flows consuming them, the
flows the change reaches — ``field X read by step S of flow F``, with how sure that is — and
the plan's tasks that deliver any of it, done ones flagged as rework.
"""

from interloom.core.contracts.impact.analysis import (
    PlanTaskFacts,
    assess_impact,
    tasks_from_plan,
    tasks_from_schedule,
)
from interloom.core.contracts.impact.errors import ContractImpactError
from interloom.core.contracts.impact.model import (
    Confidence,
    Consequence,
    Consumer,
    ContractImpact,
    FlowHit,
    How,
    Impact,
    ImpactedFinding,
    ImpactSummary,
    Part,
    RiskRaised,
    TaskHit,
)

__all__ = [
    "Confidence",
    "Consequence",
    "Consumer",
    "ContractImpact",
    "ContractImpactError",
    "FlowHit",
    "How",
    "Impact",
    "ImpactSummary",
    "ImpactedFinding",
    "Part",
    "PlanTaskFacts",
    "RiskRaised",
    "TaskHit",
    "assess_impact",
    "tasks_from_plan",
    "tasks_from_schedule",
]
