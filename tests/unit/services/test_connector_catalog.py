"""The connectors as the CLI, the API and docs/connectors.md show them."""

from __future__ import annotations

from pathlib import Path

import pytest

from interloom.connectors.poll_http import PollHttpSourceConfig
from interloom.connectors.spec import ConnectorNotFoundError
from interloom.services.connectors import config_fields, describe_connector, list_connectors

DOCS = Path(__file__).resolve().parents[3] / "docs" / "connectors.md"


def test_every_setting_of_every_built_in_connector_is_documented() -> None:
    text = DOCS.read_text("utf-8")

    for summary in list_connectors():
        assert f"## {summary.name}" in text, summary.name
        for role in describe_connector(summary.name).roles:
            for field in role.fields:
                assert f"`{field.name}`" in text, f"{summary.name} {role.kind}: {field.name}"


def test_a_nested_model_and_optional_values_read_as_people_write_them() -> None:
    fields = {f.name: f for f in config_fields(PollHttpSourceConfig)}

    assert fields["url"].required
    assert fields["interval_seconds"].default == 60.0
    assert fields["cursor"].type == "object | null"
    assert fields["cursor.param"].default == "since"
    assert fields["cursor.initial"].type == "string | integer | number | null"


def test_describing_an_unknown_connector_suggests_the_closest() -> None:
    with pytest.raises(ConnectorNotFoundError) as raised:
        describe_connector("fil")

    assert raised.value.hint == "did you mean 'file'?"
