"""``interloom connectors list`` and ``describe``: tables for people, JSON for machines."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

ConsoleScript = Callable[..., Any]


def test_list_shows_every_built_in_connector_with_its_kind(console_script: ConsoleScript) -> None:
    outcome = console_script("connectors", "list", "--output", "json")

    assert outcome.exit_code == 0
    listed = {c["name"]: c["kinds"] for c in json.loads(outcome.stdout)}
    assert listed == {
        "file": ["both"],
        "http": ["both"],
        "poll-http": ["source"],
        "schedule": ["source"],
        "sql": ["both"],
        "webhook": ["source"],
    }


def test_list_as_a_table(console_script: ConsoleScript) -> None:
    outcome = console_script("connectors", "list")

    assert outcome.exit_code == 0
    assert "poll-http" in outcome.stdout
    assert "interloom" in outcome.stdout


def test_describe_shows_the_settings_guarantees_and_examples(
    console_script: ConsoleScript,
) -> None:
    outcome = console_script("connectors", "describe", "schedule")

    assert outcome.exit_code == 0
    text = outcome.stdout
    assert "schedule — source (interloom)" in text
    assert "guarantees: Each tick's message is persisted" in text
    for setting in ("cron", "interval_seconds", "timezone", "missed"):
        assert setting in text
    assert "latest |" in text  # the choices of missed
    assert "connector: schedule" in text  # an example, as it is written in a flow file


def test_describe_as_json_gives_each_role_with_its_json_schema(
    console_script: ConsoleScript,
) -> None:
    outcome = console_script("connectors", "describe", "sql", "--output", "json")

    assert outcome.exit_code == 0
    detail = json.loads(outcome.stdout)
    assert [role["kind"] for role in detail["roles"]] == ["source", "sink"]
    sink = detail["roles"][1]
    assert sink["config_schema"]["required"] == ["url", "table"]
    assert sink["config_schema"]["additionalProperties"] is False
    fields = {f["name"]: f for f in sink["fields"]}
    assert fields["mode"]["type"] == "insert | upsert"
    assert fields["mode"]["default"] == "insert"
    assert fields["columns"]["type"] == "map of string | null"
    assert "interloom_sink_effects" in sink["guarantees"]


def test_nested_settings_are_listed_dotted(console_script: ConsoleScript) -> None:
    outcome = console_script("connectors", "describe", "poll-http", "-o", "json")

    fields = [f["name"] for f in json.loads(outcome.stdout)["roles"][0]["fields"]]
    assert [f for f in fields if f.startswith("cursor")] == [
        "cursor",
        "cursor.field",
        "cursor.param",
        "cursor.initial",
    ]


def test_describing_an_unknown_connector_names_the_closest(
    console_script: ConsoleScript,
) -> None:
    outcome = console_script("connectors", "describe", "webhok")

    assert outcome.exit_code == 1
    assert "E-CONNECTOR-001 no connector 'webhok' (did you mean 'webhook'?)" in outcome.stderr
