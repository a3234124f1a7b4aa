"""Reading YAML with the position of every key: problems point at a line and a column."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.core.problems import Code, Severity
from interloom.formats.yaml_documents import read_yaml

SYSTEM = """\
# A system, with a comment first.

id: crm
owner:
  team: Sales IT
interfaces:
  - id: customers.get
    tags: [customers, read]
  - id: customers.list
    config: {page: 50, sort: name}
"""


def test_positions_are_the_1_based_line_and_column_of_each_key() -> None:
    document = read_yaml(SYSTEM, "systems/crm.yaml")

    assert document.ok
    positions = document.source.positions
    assert positions[("id",)] == (3, 1)
    assert positions[("owner",)] == (4, 1)
    assert positions[("owner", "team")] == (5, 3)
    assert positions[("interfaces",)] == (6, 1)
    assert positions[("interfaces", 0)] == (7, 5)
    assert positions[("interfaces", 0, "id")] == (7, 5)
    assert positions[("interfaces", 0, "tags")] == (8, 5)
    assert positions[("interfaces", 0, "tags", 0)] == (8, 12)
    assert positions[("interfaces", 0, "tags", 1)] == (8, 23)
    assert positions[("interfaces", 1, "config", "page")] == (10, 14)
    assert positions[("interfaces", 1, "config", "sort")] == (10, 24)


def test_the_data_is_plain_python() -> None:
    document = read_yaml(SYSTEM, "systems/crm.yaml")

    assert document.data == {
        "id": "crm",
        "owner": {"team": "Sales IT"},
        "interfaces": [
            {"id": "customers.get", "tags": ["customers", "read"]},
            {"id": "customers.list", "config": {"page": 50, "sort": "name"}},
        ],
    }
    assert type(document.data) is dict
    assert type(document.data["interfaces"]) is list
    assert type(document.data["owner"]["team"]) is str


def test_folded_and_quoted_strings_are_plain_strings() -> None:
    document = read_yaml('a: >-\n  one\n  two\nb: "x: y"\n', "f.yaml")

    assert document.data == {"a": "one two", "b": "x: y"}
    assert all(type(value) is str for value in document.data.values())


def test_a_duplicate_key_is_located_at_its_second_occurrence() -> None:
    document = read_yaml("id: crm\nauth:\n  kind: basic\n  kind: bearer\n", "systems/crm.yaml")

    assert not document.ok
    assert document.data is None
    [problem] = document.problems
    assert (problem.code, problem.file, problem.line, problem.column) == (
        Code.YAML_DUPLICATE_KEY,
        "systems/crm.yaml",
        4,
        3,
    )
    assert '"kind"' in problem.message
    assert problem.severity is Severity.ERROR
    assert problem.hint == "keys must be unique within a mapping; this one starts at line 3"


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("id: crm\nname: CRM: the master\n", 2, 10, "mapping values are not allowed here"),
        ("id: crm\nowner:\n\tteam: x\n", 3, 1, "found character '\\t' that cannot start any token"),
        ("id: crm\ntags: [a, b\nname: x\n", 3, 5, "expected ',' or ']'"),
        ("id: crm\n---\nid: erp\n", 2, 1, "expected a single document"),
        ("id: crm\nb:\n  <<: *nope\n", 3, 7, "found undefined alias 'nope'"),
    ],
)
def test_a_syntax_error_is_located(text: str, line: int, column: int, message: str) -> None:
    document = read_yaml(text, "systems/crm.yaml")

    [problem] = document.problems
    assert problem.code is Code.YAML_SYNTAX
    assert (problem.file, problem.line, problem.column) == ("systems/crm.yaml", line, column)
    assert message in problem.message
    assert document.data is None


@pytest.mark.parametrize("text", ["", "\n\n", "   \n", "# only a comment\n", "~\n", "---\n"])
def test_a_file_with_no_content_is_empty(text: str) -> None:
    document = read_yaml(text, "plan/backlog.yaml")

    [problem] = document.problems
    assert (problem.code, problem.line, problem.column) == (Code.YAML_EMPTY, 1, 1)
    assert problem.message == "the file is empty"


def test_a_document_that_is_not_a_mapping_is_still_read() -> None:
    # Whether a list or a scalar will do is for the file kind to say (see project_files).
    document = read_yaml("- a\n- b\n", "plan/plan.yaml")

    assert document.ok
    assert document.data == ["a", "b"]
    assert document.source.positions[(1,)] == (2, 3)


def test_merge_keys_share_fields_and_own_keys_keep_their_positions() -> None:
    text = """\
interfaces:
  - &rest
    id: customers.get
    style: rest
  - <<: *rest
    id: customers.list
"""
    document = read_yaml(text, "systems/crm.yaml")

    assert document.ok
    assert document.data["interfaces"][1] == {"id": "customers.list", "style": "rest"}
    positions = document.source.positions
    assert positions[("interfaces", 1, "id")] == (6, 5)
    # A merged key has no place of its own: problems about it point at the item that merges.
    assert ("interfaces", 1, "style") not in positions
    assert document.source.locate(("interfaces", 1, "style")) == (5, 5)


def test_an_empty_mapping_has_no_keys_to_locate() -> None:
    document = read_yaml("environments:\n  dev: {}\n  prod: {}\n", "interloom.yaml")

    assert document.ok
    assert document.source.positions[("environments", "prod")] == (3, 3)


def test_dates_are_left_as_text_for_the_model_to_check() -> None:
    document = read_yaml("milestones:\n  - id: M-1\n    date: 2027-02-30\n", "plan/plan.yaml")

    assert document.ok
    assert document.data == {"milestones": [{"id": "M-1", "date": "2027-02-30"}]}
    assert document.source.locate(("milestones", 0, "date")) == (3, 5)


def test_a_control_character_is_a_problem_not_a_crash() -> None:
    document = read_yaml("id: crm\nname: C\x00RM\n", "systems/crm.yaml")

    [problem] = document.problems
    assert problem.code is Code.YAML_SYNTAX


YAMLISH = st.lists(
    st.sampled_from([*"ab:- \n\t[]{},&*<|>'\"#?%@`.~", "<<: *a", "&a ", "id: ", "  - "]),
    max_size=30,
).map("".join)


@pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")
@given(YAMLISH)
def test_read_yaml_reports_rather_than_raises(text: str) -> None:
    document = read_yaml(text, "f.yaml")

    if document.ok:
        assert document.source.positions[()] == (1, 1)
    else:
        assert document.data is None
        assert {p.code for p in document.problems} <= {
            Code.YAML_SYNTAX,
            Code.YAML_DUPLICATE_KEY,
            Code.YAML_EMPTY,
        }
        assert all(p.line is not None and p.line >= 1 for p in document.problems)
