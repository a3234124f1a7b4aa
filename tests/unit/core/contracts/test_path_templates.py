"""Path templating: identifiers of any shape collapse to one template, static segments stay."""

from __future__ import annotations

import string
import uuid

from hypothesis import given
from hypothesis import strategies as st

from interloom.core.contracts.path_templates import (
    PathTemplater,
    SegmentKind,
    identifier_kind,
    key_of,
    parameter_name,
    singular,
)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
COLLECTIONS = ["customers", "orders", "order-lines", "invoices", "addresses", "categories"]

integers = st.integers(min_value=0, max_value=10**12).map(str)
uuids = st.uuids().map(str)
ulids = st.text(CROCKFORD, min_size=26, max_size=26).filter(
    lambda s: any(c.isdigit() for c in s) and any(c.isalpha() for c in s)
)
hexes = st.text("0123456789abcdef", min_size=8, max_size=40).filter(
    lambda s: any(c.isdigit() for c in s)
)
codes = st.builds(
    lambda prefix, number: f"{prefix}-{number:06d}",
    st.text(string.ascii_uppercase, min_size=1, max_size=4),
    st.integers(min_value=0, max_value=999_999),
)
identifiers = st.one_of(integers, uuids, ulids, hexes, codes)
words = st.text(string.ascii_lowercase, min_size=2, max_size=12)


def templates_of(paths: list[str], **options: int) -> dict[str, str]:
    templater = PathTemplater(**options)  # type: ignore[arg-type]
    templater.add_all(paths)
    built = templater.build()
    return {path: built[key_of(path)].path for path in paths}


@given(
    collection=st.sampled_from(COLLECTIONS),
    ids=st.lists(identifiers, min_size=1, max_size=12, unique=True),
    suffix=st.sampled_from(["", "/notes", "/lines/7"]),
)
def test_identifiers_of_any_shape_collapse_to_one_template(
    collection: str, ids: list[str], suffix: str
) -> None:
    paths = [f"/api/v1/{collection}/{value}{suffix}" for value in ids]

    templates = set(templates_of(paths).values())

    name = parameter_name(collection)
    expected_suffix = suffix.replace("/7", "/{lineId}")
    assert templates == {f"/api/v1/{collection}/{{{name}}}{expected_suffix}"}


@given(st.lists(words, min_size=1, max_size=20, unique=True))
def test_distinct_static_segments_at_the_root_never_collapse(resources: list[str]) -> None:
    paths = [f"/{resource}" for resource in resources]

    assert templates_of(paths) == {path: path for path in paths}


@given(
    collection=st.sampled_from(COLLECTIONS),
    actions=st.lists(words, min_size=1, max_size=2, unique=True),
)
def test_fewer_words_than_min_variants_under_a_collection_stay_literal(
    collection: str, actions: list[str]
) -> None:
    paths = [f"/{collection}/{action}" for action in actions]

    assert templates_of(paths, min_variants=3) == {path: path for path in paths}


@given(
    prefix=st.sampled_from(["v1", "api", "v2.1"]),
    resources=st.lists(words, min_size=3, max_size=10, unique=True),
)
def test_resources_under_a_version_or_api_prefix_stay_literal(
    prefix: str, resources: list[str]
) -> None:
    paths = [f"/{prefix}/{resource}" for resource in resources]

    assert templates_of(paths) == {path: path for path in paths}


@given(ids=st.lists(identifiers, min_size=1, max_size=8, unique=True), action=words)
def test_a_word_beside_identifiers_stays_a_literal(ids: list[str], action: str) -> None:
    paths = [f"/customers/{value}" for value in ids] + [f"/customers/{action}"]

    templates = templates_of(paths)

    assert templates[f"/customers/{action}"] == f"/customers/{action}"
    assert {templates[f"/customers/{value}"] for value in ids} == {"/customers/{customerId}"}


@given(st.lists(words, min_size=3, max_size=10, unique=True))
def test_varying_words_under_a_collection_become_a_parameter(names: list[str]) -> None:
    paths = [f"/users/{name}" for name in names] + ["/users"]

    templates = templates_of(paths)

    assert templates["/users"] == "/users"
    assert {templates[f"/users/{name}"] for name in names} == {"/users/{userId}"}


def test_sub_resources_of_an_item_are_not_taken_for_values() -> None:
    paths = [
        "/customers/1/addresses",
        "/customers/2/notes",
        "/customers/3/orders",
        "/customers/4/tags",
    ]

    assert set(templates_of(paths).values()) == {
        "/customers/{customerId}/addresses",
        "/customers/{customerId}/notes",
        "/customers/{customerId}/orders",
        "/customers/{customerId}/tags",
    }


def test_nested_identifiers_get_names_of_their_own_collections() -> None:
    paths = [
        "/customers/1024/contacts/3f2b8c1e-6a7d-4e8f-9b0a-1c2d3e4f5a6b",
        "/customers/7/contacts/9a1c7d2e-4b5f-4a6e-8c7d-0e1f2a3b4c5d",
        "/customers/7/customers/8",
    ]

    templates = templates_of(paths)

    assert templates[paths[0]] == "/customers/{customerId}/contacts/{contactId}"
    assert templates[paths[2]] == "/customers/{customerId}/customers/{customerId2}"


def test_user_templates_win_and_keep_their_names() -> None:
    templater = PathTemplater(["/customers/{key}", "/customers/search"])
    for path in ("/customers/alpha", "/customers/search", "/customers/42"):
        templater.add(path)

    built = templater.build()

    assert built[templater.add("/customers/alpha")].path == "/customers/{key}"
    assert built[templater.add("/customers/42")].path == "/customers/{key}"
    assert built[templater.add("/customers/search")].path == "/customers/search"
    parameter = built[templater.add("/customers/42")].parameters[0]
    assert parameter.kinds == {SegmentKind.INTEGER, SegmentKind.TEXT}


def test_parameter_kinds_say_what_the_values_looked_like() -> None:
    templater = PathTemplater()
    key = templater.add("/orders/42")
    templater.add("/orders/" + str(uuid.UUID(int=7)))

    (parameter,) = templater.build()[key].parameters

    assert parameter.name == "orderId"
    assert parameter.kinds == {SegmentKind.INTEGER, SegmentKind.UUID}


def test_identifier_kinds() -> None:
    assert identifier_kind("42") is SegmentKind.INTEGER
    assert identifier_kind("000123") is SegmentKind.DIGITS
    assert identifier_kind("3f2b8c1e-6a7d-4e8f-9b0a-1c2d3e4f5a6b") is SegmentKind.UUID
    assert identifier_kind("01HV6Z3K8W5Q2R9T4Y7N1M0B3C") is SegmentKind.ULID
    assert identifier_kind("507f1f77bcf86cd799439011") is SegmentKind.HEX
    assert identifier_kind("C-000123") is SegmentKind.CODE
    assert identifier_kind("cus_NffrFeUfNV2Hib") is SegmentKind.CODE
    assert identifier_kind("V1StGXR8_Z5jdHi6B-myT") is SegmentKind.TOKEN
    for literal in ("v1", "oauth2", "customers", "deadbeef", "customer-2fa-settings", "s3"):
        assert identifier_kind(literal) is None, literal


@given(words)
def test_letters_alone_are_never_an_identifier(word: str) -> None:
    assert identifier_kind(word) is None


def test_names_are_singular_camel_case() -> None:
    assert [singular(w) for w in ("customers", "categories", "addresses", "boxes", "status")] == [
        "customer",
        "category",
        "address",
        "box",
        "status",
    ]
    assert parameter_name("order-lines") == "orderLineId"
    assert parameter_name("line_items") == "lineItemId"
    assert parameter_name(None) == "id"
    assert parameter_name("v1") == "id"
