"""The impact of a contract change for people: grouped by interface, as Markdown or as rows.

The JSON form lists the findings, each with its impact; people read it the other way round:
per affected interface, the findings that change it, then who consumes it, the flows the
change reaches and the tasks that deliver them (:func:`by_interface`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from interloom.core.contracts.impact.model import (
    Consumer,
    ContractImpact,
    FlowHit,
    ImpactedFinding,
    TaskHit,
)

__all__ = ["InterfaceImpact", "by_interface", "headline", "render_markdown", "task_day"]

_LEVELS = ("ERR", "WARN", "INFO")


@dataclass
class InterfaceImpact:
    """One affected interface: its findings, consumers, flows reached and tasks."""

    interface: str
    operation: str | None = None
    findings: list[ImpactedFinding] = field(default_factory=list)
    consumers: list[Consumer] = field(default_factory=list)
    flows: list[tuple[FlowHit, list[str]]] = field(default_factory=list)
    """Each flow hit with the ids of the rules (findings) that cause it."""
    tasks: list[TaskHit] = field(default_factory=list)


def by_interface(impact: ContractImpact) -> list[InterfaceImpact]:
    """The affected interfaces in the order the project declares them, worst finding first."""
    groups = {ref: InterfaceImpact(ref) for ref in impact.summary.interfaces}
    flow_rules: dict[str, dict[tuple[str, str | None, str | None, str], list[str]]] = {}
    best: dict[str, dict[tuple[str, str | None, str | None, str], FlowHit]] = {}
    for finding in impact.findings:
        for ref in finding.impact.interfaces:
            group = groups.setdefault(ref, InterfaceImpact(ref))
            group.findings.append(finding)
            if finding.operation and group.operation is None:
                group.operation = finding.operation
            for consumer in finding.impact.consumers:
                if consumer.interface == ref and consumer not in group.consumers:
                    group.consumers.append(consumer)
            for task in finding.impact.tasks:
                if all(t.task != task.task for t in group.tasks):
                    group.tasks.append(task)
        for hit in finding.impact.flows:
            key = (hit.flow, hit.step, hit.field, hit.how.value)
            rules = flow_rules.setdefault(hit.interface, {}).setdefault(key, [])
            if finding.id not in rules:
                rules.append(finding.id)
            known = best.setdefault(hit.interface, {}).get(key)
            if known is None or hit.confidence.rank > known.confidence.rank:
                best[hit.interface][key] = hit
    for ref, hits in best.items():
        groups[ref].flows = [(hit, flow_rules[ref][key]) for key, hit in hits.items()]
    ranks = {"ERR": 0, "WARN": 1, "INFO": 2}
    plan_order = {task: index for index, task in enumerate(impact.summary.tasks)}
    for group in groups.values():
        group.findings.sort(key=lambda f: ranks.get(f.level, 3))
        group.tasks.sort(key=lambda t: plan_order.get(t.task, len(plan_order)))
    return [g for g in groups.values() if g.findings]


def headline(impact: ContractImpact) -> str:
    """``14 ERR, 9 WARN, 20 INFO; 31 reach 6 interfaces, 2 consumers, 1 flow, 12 tasks``."""
    summary = impact.summary
    counts = ", ".join(f"{summary.counts.get(level, 0)} {level}" for level in _LEVELS)
    if not impact.findings:
        return "no changes"
    reaching = sum(summary.reaching.values())
    if not reaching:
        return f"{counts}; nothing of the project uses what changed"

    def many(count: int, noun: str) -> str:
        return f"{count} {noun}{'' if count == 1 else 's'}"

    rework = f" ({len(summary.rework)} done: rework)" if summary.rework else ""
    return (
        f"{counts}; {reaching} reach {many(len(summary.affected_interfaces), 'interface')}, "
        f"{many(len(summary.consumers), 'consumer')}, {many(len(summary.flows), 'flow')}, "
        f"{many(len(summary.tasks), 'task')}{rework}"
    )


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def task_day(moment: dt.datetime | None, *, finish: bool = False) -> str:
    """The date of a start, or of a finish (one at midnight ends the day before); ``""``."""
    if moment is None:
        return ""
    if finish and moment.hour == 0 and moment.minute == 0:
        moment -= dt.timedelta(days=1)
    return moment.strftime("%Y-%m-%d")


def _consumer_text(consumer: Consumer) -> str:
    steps = f": {', '.join(consumer.steps)}" if consumer.steps else ""
    return f"`{consumer.ref}` ({consumer.relation}{steps})"


def render_markdown(impact: ContractImpact) -> str:
    """The impact as Markdown, for a pull-request comment or a change request."""
    summary = impact.summary

    def side(file: str, version: str | None) -> str:
        return f"{file} ({version})" if version else file

    lines = [
        f"# Impact of a change to {summary.contract}",
        "",
        f"{side(summary.old_file, summary.old_version)} → "
        f"{side(summary.new_file, summary.new_version)}",
        "",
        f"**{headline(impact)}**",
        "",
    ]
    if summary.rework:
        lines += [f"Done tasks this change reopens: {', '.join(summary.rework)}.", ""]
    for group in by_interface(impact):
        title = f"## `{group.interface}`"
        lines += [f"{title} — {_cell(group.operation)}" if group.operation else title, ""]
        lines += ["| level | rule | path | change |", "|---|---|---|---|"]
        for finding in group.findings:
            lines.append(
                f"| {finding.level} | `{finding.id}` | {_cell(finding.path)} | "
                f"{_cell(finding.message)} |"
            )
        lines.append("")
        if group.consumers:
            listed = ", ".join(_consumer_text(c) for c in group.consumers)
            lines += [f"**Consumers:** {listed}", ""]
        if group.flows:
            lines += [
                "| flow | step | field | how | confidence | because of |",
                "|---|---|---|---|---|---|",
            ]
            for hit, rules in group.flows:
                lines.append(
                    f"| `{hit.flow}` | {_cell(hit.step)} | {_cell(hit.field)} | "
                    f"{hit.how.value} | {hit.confidence.value} | "
                    f"{_cell(', '.join(rules))} |"
                )
            lines.append("")
        if group.tasks:
            lines += [
                "| task | name | status | start | finish | consequence |",
                "|---|---|---|---|---|---|",
            ]
            for task in group.tasks:
                lines.append(
                    f"| {task.task} | {_cell(task.name)} | {task.status} | "
                    f"{task_day(task.start)} | {task_day(task.finish, finish=True)} | "
                    f"{task.consequence.value} |"
                )
            lines.append("")
    if summary.unused_operations:
        lines += ["## Changed operations no interface of the project stands for", ""]
        lines += [f"- {_cell(operation)}" for operation in summary.unused_operations]
        lines.append("")
    if summary.risks:
        lines += ["## Risks raised", ""]
        lines += [
            f"- `{r.interface}`: {r.action}" + (f" ({r.risk})" if r.risk else "")
            for r in summary.risks
        ]
        lines.append("")
    for note in summary.notes:
        lines += [f"> {_cell(note)}", ""]
    return "\n".join(lines)
