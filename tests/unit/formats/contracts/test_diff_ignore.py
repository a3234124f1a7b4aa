"""Ignore files of the contract diff: oasdiff's text lines and Interloom's YAML, errors located."""

from __future__ import annotations

import datetime as dt

import pytest

from interloom.core.contracts.diff.errors import IgnoreFileError
from interloom.formats.contracts.diff_ignore import read_ignore_file


def test_text_lines_name_an_operation_and_a_piece_of_the_message() -> None:
    rules = read_ignore_file(
        "# accepted in CR-12\n"
        "\n"
        "GET /customers/{id} removed the optional property 'nickname'\n"
        "send stock.changed sent-message-required-property-removed\n"
        "Query.tickets\n",
        ".diff-ignore",
    )

    assert [(r.operation, r.message, r.rule_id) for r in rules] == [
        ("GET /customers/{id}", "removed the optional property 'nickname'", None),
        ("send stock.changed", None, "sent-message-required-property-removed"),
        ("Query.tickets", None, None),
    ]
    assert rules[0].location is not None
    assert rules[0].location.line == 3


def test_yaml_entries() -> None:
    rules = read_ignore_file(
        "ignore:\n"
        "  - id: response-required-property-removed\n"
        "    operation: GET /customers/{id}\n"
        "    path: /marketingConsent\n"
        "    reason: Agreed with the web shop (CR-42)\n"
        "    until: 2027-06-30\n"
        "  - message: pickup\n",
        "ignore.yaml",
    )

    assert rules[0].rule_id == "response-required-property-removed"
    assert rules[0].until == dt.date(2027, 6, 30)
    assert rules[0].location is not None
    assert rules[0].location.line == 2
    assert rules[1].message == "pickup"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("ignore:\n  - id: response-required-property-remvoed\n", "no rule", 2),
        ("ignore:\n  - operaton: GET /a\n", "unknown key 'operaton'", 2),
        ("ignore:\n  - reason: because\n", "at least one of", 2),
        ("ignore:\n  - id: api-tag-added\n    until: someday\n", "'until' must be a date", 3),
        ("ignore: [a\n", "not valid YAML", None),
        ("rules: []\n", "unknown key 'rules'", 1),
    ],
)
def test_a_malformed_yaml_entry_is_a_located_error(
    text: str, message: str, line: int | None
) -> None:
    with pytest.raises(IgnoreFileError) as caught:
        read_ignore_file(text, "ignore.yaml")

    error = caught.value
    assert error.code == "E-DIFF-002"
    assert message in error.message
    assert error.location is not None
    assert error.location.file == "ignore.yaml"
    if line is not None:
        assert error.location.line == line


def test_an_unknown_rule_id_gets_a_suggestion() -> None:
    with pytest.raises(IgnoreFileError) as caught:
        read_ignore_file("- id: response-required-property-remvoed\n", "ignore.yml")

    assert caught.value.hint == "did you mean 'response-required-property-removed'?"
