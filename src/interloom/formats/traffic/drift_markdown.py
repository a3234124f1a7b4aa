"""A drift report as Markdown, for a pull request comment or a wiki page."""

from __future__ import annotations

from interloom.core.contracts.drift import KIND_DESCRIPTIONS, DriftFinding, DriftKind, DriftReport


def _cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def finding_place(finding: DriftFinding) -> str:
    """Where a finding is, inside its operation: ``response 200 application/json /items/*/id``."""
    parts: list[str] = []
    if finding.direction:
        parts.append(finding.direction)
    if finding.status is not None:
        parts.append(str(finding.status))
    if finding.media_type:
        parts.append(finding.media_type)
    if finding.pointer:
        parts.append(finding.pointer)
    return " ".join(parts)


def drift_markdown(report: DriftReport) -> str:
    """The report: a summary, then one table per kind of finding."""
    name = f"{report.title} ({report.contract})" if report.title else report.contract
    drift = [f for f in report.findings if f.category == "drift"]
    lines = [
        f"# Drift from {_cell(name)}",
        "",
        f"{report.exchanges} exchanges; {report.matched} matched "
        f"{report.operations_seen} of {report.documented_operations} documented operations. "
        + (
            f"**{len(drift)} findings of drift** ({sum(f.count for f in drift)} occurrences)."
            if drift
            else "**No drift.**"
        ),
        "",
    ]
    if not report.findings:
        return "\n".join(lines)
    lines += ["| kind | findings | occurrences |", "|---|---:|---:|"]
    for kind in DriftKind:
        found = [f for f in report.findings if f.kind is kind]
        if found:
            lines.append(f"| `{kind.value}` | {len(found)} | {sum(f.count for f in found)} |")
    for kind in DriftKind:
        found = [f for f in report.findings if f.kind is kind]
        if not found:
            continue
        lines += [
            "",
            f"## `{kind.value}`",
            "",
            KIND_DESCRIPTIONS[kind],
            "",
            "| operation | where | count | message | example |",
            "|---|---|---:|---|---|",
        ]
        for finding in found:
            example = f"`{_cell(finding.example)}`" if finding.example else ""
            lines.append(
                f"| `{_cell(finding.operation_label)}` | {_cell(finding_place(finding))} "
                f"| {finding.count} | {_cell(finding.message)} | {example} |"
            )
    return "\n".join(lines) + "\n"


__all__ = ["drift_markdown", "finding_place"]
