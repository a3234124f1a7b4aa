"""Plans written as plan files: readable, deterministic, and read back as the same plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from interloom.core.delivery.plan import Plan
from interloom.formats.plan.mspdi import import_mspdi
from interloom.formats.plan.plan_yaml import plan_yaml
from interloom.formats.project_files import parse_file

from .plan_strategies import plans

DATA = Path(__file__).parents[3] / "data" / "mspdi"


def read_back(text: str) -> Plan:
    parsed = parse_file(text, "plan/imported.yaml", Plan)
    assert parsed.problems == []
    assert parsed.loaded is not None
    return parsed.loaded.model


@pytest.mark.parametrize("name", ["links.xml", "calendars.xml", "progress.xml", "summaries.xml"])
def test_imported_plans_read_back(name: str) -> None:
    plan = import_mspdi((DATA / name).read_bytes(), name).plan
    text = plan_yaml(plan)
    assert read_back(text) == plan
    assert plan_yaml(plan) == text


def test_the_text_is_what_a_person_would_write() -> None:
    plan = import_mspdi((DATA / "calendars.xml").read_bytes(), "calendars.xml").plan
    text = plan_yaml(plan, comment="Imported from calendars.xml.")
    assert text.startswith("# Imported from calendars.xml.\nproject:\n  name: Calendars\n")
    assert "  start: 2027-01-04T08:00\n" in text
    assert (
        "      - name: Saturday shift\n        start: 2027-01-09\n"
        '        intervals: [{start: "08:00", end: "12:00"}]\n'
    ) in text
    assert "    depends_on: [T-1]\n" in text
    assert "    duration: 1.5d\n" in text
    assert "percent_complete" not in text  # defaults are left out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_generated_plans_read_back(case: tuple[Plan, object]) -> None:
    plan, _ = case
    assert read_back(plan_yaml(plan)) == plan


def test_a_date_time_with_seconds_keeps_them() -> None:
    plan = Plan.model_validate(
        {"project": {"name": "P", "start": dt.datetime(2027, 1, 4, 8, 0, 30)}}
    )
    assert read_back(plan_yaml(plan)) == plan
