"""The rule catalogue: oasdiff's ids with oasdiff's levels, every rule reachable, docs current."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from interloom.core.contracts.diff import RULES, Level
from interloom.core.contracts.diff.report import rules_markdown
from interloom.core.contracts.diff.scopes import SCOPES

ROOT = Path(__file__).resolve().parents[5]
OASDIFF_TABLE = Path(
    os.environ.get(
        "INTERLOOM_OASDIFF_RULE_IDS",
        ROOT.parent / "shared" / "reference" / "oasdiff-rule-ids.tsv",
    )
)
PACKAGE = ROOT / "src" / "interloom" / "core" / "contracts" / "diff"


def _oasdiff_levels() -> dict[str, str]:
    if not OASDIFF_TABLE.is_file():
        pytest.skip(f"oasdiff's rule table is not at {OASDIFF_TABLE}")
    with OASDIFF_TABLE.open(encoding="utf-8", newline="") as table:
        return {row["id"]: row["level"] for row in csv.DictReader(table, delimiter="\t")}


def test_every_rule_reused_from_oasdiff_keeps_its_id_and_level() -> None:
    oasdiff = _oasdiff_levels()
    reused = [rule for rule in RULES.values() if rule.oasdiff]

    assert len(reused) > 200
    mismatched = {
        r.id: (r.level.value, oasdiff.get(r.id))
        for r in reused
        if oasdiff.get(r.id) != r.level.value
    }
    assert mismatched == {}


def test_our_own_rule_ids_are_not_oasdiff_ids_in_disguise() -> None:
    oasdiff = _oasdiff_levels()

    assert [r.id for r in RULES.values() if not r.oasdiff and r.id in oasdiff] == []


def test_every_rule_a_scope_can_report_is_in_the_catalogue() -> None:
    reported = {
        rule_id for scope in SCOPES for rule_id in (*scope.root.values(), *scope.nested.values())
    }

    assert reported - set(RULES) == set()


def test_every_rule_of_the_catalogue_can_be_reported() -> None:
    from_scopes = {
        rule_id for scope in SCOPES for rule_id in (*scope.root.values(), *scope.nested.values())
    }
    source = "\n".join(
        path.read_text("utf-8") for path in PACKAGE.glob("*.py") if path.name != "rules.py"
    )

    unreachable = [
        rule_id for rule_id in RULES if rule_id not in from_scopes and f'"{rule_id}"' not in source
    ]
    assert unreachable == []


def test_levels_follow_the_direction_of_the_data() -> None:
    by_name = {scope.name: scope for scope in SCOPES}

    for name in ("request-body", "received-message", "soap-request"):
        assert (
            RULES[by_name[name].rule_for("enum-value-removed", at_root=False) or ""].level
            is Level.ERR
        )
        assert by_name[name].rule_for("max-length-increased", at_root=False) in (
            None,
            *(r for r in RULES if RULES[r].level is Level.INFO),
        )
    for name in ("response-body", "sent-message", "soap-response"):
        assert (
            RULES[by_name[name].rule_for("enum-value-added", at_root=False) or ""].level
            is Level.WARN
        )
        assert by_name[name].rule_for("max-length-decreased", at_root=False) in (
            None,
            *(r for r in RULES if RULES[r].level is Level.INFO),
        )


def test_read_only_data_is_ignored_in_requests_and_write_only_in_responses() -> None:
    by_name = {scope.name: scope for scope in SCOPES}

    assert (
        by_name["request-body"].rule_for("required-property-added", at_root=False, access="read")
        is None
    )
    assert by_name["request-body"].rule_for(
        "required-property-added", at_root=False, access="write"
    )
    assert (
        by_name["response-body"].rule_for(
            "required-property-removed", at_root=False, access="write"
        )
        is None
    )


def test_the_published_rule_list_is_current() -> None:
    published = (ROOT / "docs" / "contracts-diff.md").read_text("utf-8")

    assert published == rules_markdown(), (
        "docs/contracts-diff.md is stale: run "
        "`interloom contracts rules --write docs/contracts-diff.md`"
    )


def test_the_published_rule_list_names_every_rule_with_its_level() -> None:
    text = rules_markdown()

    for rule in RULES.values():
        assert f"| `{rule.id}`" in text
        line = next(line for line in text.splitlines() if line.startswith(f"| `{rule.id}`"))
        assert f"| {rule.level.value} |" in line
