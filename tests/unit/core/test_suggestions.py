"""“Did you mean …” hints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interloom.core.suggestions import closest_match, did_you_mean

FIELDS = ["id", "name", "kind", "description", "owner", "base_urls", "auth", "interfaces"]
KINDS = ["erp", "crm", "wms", "payment", "ecommerce", "legacy", "data-warehouse", "other"]


@pytest.mark.parametrize(
    ("word", "candidates", "match"),
    [
        ("descripton", FIELDS, "description"),
        ("interface", FIELDS, "interfaces"),
        ("baseurls", FIELDS, "base_urls"),
        ("crmm", KINDS, "crm"),
        ("datawarehouse", KINDS, "data-warehouse"),
        ("customers.gett", ["customers.get", "customers.list"], "customers.get"),
        ("T1", ["T-1", "T-20"], "T-1"),
        # a prefix is still worth suggesting when the names are too far apart otherwise
        ("cust", ["customers.get.by.email", "orders.get"], "customers.get.by.email"),
        ("customers.get.by.email.address", ["customers.get"], "customers.get"),
        ("REST", ["rest", "soap", "event"], "rest"),
    ],
)
def test_closest_match_finds_the_intended_name(
    word: str, candidates: list[str], match: str
) -> None:
    assert closest_match(word, candidates) == match


@pytest.mark.parametrize(
    ("word", "candidates"),
    [
        ("colour", FIELDS),
        ("staging", ["dev", "prod"]),
        ("anything", []),
        ("", FIELDS),
    ],
)
def test_closest_match_gives_nothing_when_nothing_is_close(
    word: str, candidates: list[str]
) -> None:
    assert closest_match(word, candidates) is None


def test_did_you_mean_is_a_question_naming_the_candidate() -> None:
    assert did_you_mean("descripton", FIELDS) == "did you mean 'description'?"
    assert did_you_mean("colour", FIELDS) is None


def test_candidates_may_be_any_iterable_read_once() -> None:
    assert closest_match("crmm", iter(KINDS)) == "crm"


@given(st.text(max_size=20), st.lists(st.text(max_size=20), max_size=8))
def test_closest_match_returns_a_candidate_or_none(word: str, candidates: list[str]) -> None:
    match = closest_match(word, candidates)

    assert match is None or match in candidates


@given(st.text(min_size=1, max_size=20), st.lists(st.text(max_size=20), max_size=8))
def test_an_exact_name_is_its_own_best_match(word: str, others: list[str]) -> None:
    assert closest_match(word, [*others, word]) == word


@given(st.text(max_size=20), st.lists(st.text(max_size=20), max_size=8))
def test_the_match_does_not_depend_on_the_order_of_candidates(
    word: str, candidates: list[str]
) -> None:
    assert closest_match(word, candidates) == closest_match(word, list(reversed(candidates)))
