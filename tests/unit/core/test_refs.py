"""References between definitions: ``system:crm``, ``interface:crm.customers.get``…"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from interloom.core.errors import ReferenceSyntaxError
from interloom.core.refs import (
    INTERFACE_ID_PATTERN,
    PLAN_ID_PATTERN,
    SYSTEM_ID_PATTERN,
    Ref,
    RefKind,
)

system_ids = st.from_regex(SYSTEM_ID_PATTERN, fullmatch=True)
interface_ids = st.from_regex(INTERFACE_ID_PATTERN, fullmatch=True)
plan_ids = st.from_regex(PLAN_ID_PATTERN, fullmatch=True)

refs = st.one_of(
    st.builds(lambda i: Ref(RefKind.SYSTEM, i), system_ids),
    st.builds(lambda i: Ref(RefKind.FLOW, i), system_ids),
    st.builds(Ref.interface, system_ids, interface_ids),
    st.builds(lambda i: Ref(RefKind.TASK, i), plan_ids),
    st.builds(lambda i: Ref(RefKind.MILESTONE, i), plan_ids),
)

ID_PATTERN_OF = {
    RefKind.SYSTEM: SYSTEM_ID_PATTERN,
    RefKind.FLOW: SYSTEM_ID_PATTERN,
    RefKind.TASK: PLAN_ID_PATTERN,
    RefKind.MILESTONE: PLAN_ID_PATTERN,
}


@pytest.mark.parametrize(
    ("text", "kind", "ident"),
    [
        ("system:crm", RefKind.SYSTEM, "crm"),
        ("system:data-warehouse", RefKind.SYSTEM, "data-warehouse"),
        ("interface:crm.customers.get", RefKind.INTERFACE, "crm.customers.get"),
        ("interface:erp.orders.created", RefKind.INTERFACE, "erp.orders.created"),
        ("flow:order-to-wms", RefKind.FLOW, "order-to-wms"),
        ("task:T-12", RefKind.TASK, "T-12"),
        ("task:build_mocks", RefKind.TASK, "build_mocks"),
        ("milestone:M-2", RefKind.MILESTONE, "M-2"),
    ],
)
def test_parse_reads_each_documented_kind(text: str, kind: RefKind, ident: str) -> None:
    ref = Ref.parse(text)

    assert (ref.kind, ref.id) == (kind, ident)
    assert str(ref) == text


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("crm.customers.get", "'crm.customers.get' is not a reference", "write kind:id"),
        ("system:", "'system:' is not a reference", "write kind:id"),
        ("service:crm", "'service' is not a kind of reference", "'interface:'"),
        ("System:crm", "'System' is not a kind of reference", "'system:'"),
        ("interface:crm", "not an interface reference", "interface:SYSTEM.INTERFACE"),
        ("interface:CRM.customers.get", "not an interface reference", "e.g."),
        ("interface:crm.Customers", "not an interface reference", "interface:crm.customers.get"),
        ("interface:crm.", "not an interface reference", "interface:SYSTEM.INTERFACE"),
        ("system:CRM", "'CRM' is not a valid system id in 'system:CRM'", None),
        ("flow:order_to_wms", "'order_to_wms' is not a valid flow id", None),
        ("task:T 12", "'T 12' is not a valid task id", None),
        ("milestone:-M2", "'-M2' is not a valid milestone id", None),
    ],
)
def test_parse_rejects_malformed_references_with_a_hint(
    text: str, message: str, hint: str | None
) -> None:
    with pytest.raises(ReferenceSyntaxError) as raised:
        Ref.parse(text)

    assert raised.value.code == "E-REF-002"
    assert message in raised.value.message
    if hint is not None:
        assert hint in (raised.value.hint or "")


@pytest.mark.parametrize(
    "text", ["system:crm\n", "task:T-1\n", "interface:crm.customers.get\n", "interface:crm\n.get"]
)
def test_parse_rejects_a_trailing_newline_the_id_patterns_would_let_through(text: str) -> None:
    # `$` matches before a final newline; ids must match their pattern in full.
    with pytest.raises(ReferenceSyntaxError):
        Ref.parse(text)


def test_system_id_of_an_interface_is_its_first_segment() -> None:
    assert Ref.parse("interface:crm.customers.get").system_id == "crm"
    assert Ref.parse("system:crm").system_id == "crm"
    assert Ref.parse("flow:order-to-wms").system_id is None
    assert Ref.parse("task:T-1").system_id is None


def test_interface_builds_the_reference_of_an_interface_of_a_system() -> None:
    assert str(Ref.interface("crm", "customers.get")) == "interface:crm.customers.get"


def test_refs_order_by_kind_then_id() -> None:
    texts = ["task:T-2", "system:wms", "system:crm", "task:T-1"]

    assert [str(r) for r in sorted(Ref.parse(t) for t in texts)] == [
        "system:crm",
        "system:wms",
        "task:T-1",
        "task:T-2",
    ]


@given(refs)
def test_parse_reads_back_what_str_writes(ref: Ref) -> None:
    assert Ref.parse(str(ref)) == ref


@given(st.sampled_from(list(RefKind)), st.text(max_size=30))
@example(RefKind.SYSTEM, "crm\n")
@example(RefKind.INTERFACE, "crm.customers.get\n")
@example(RefKind.TASK, "T-1\n")
def test_what_parse_accepts_matches_the_documented_id_patterns(kind: RefKind, ident: str) -> None:
    text = f"{kind}:{ident}"
    try:
        ref = Ref.parse(text)
    except ReferenceSyntaxError:
        return  # rejected: fine, whatever the text
    assert str(ref) == text
    if ref.kind is RefKind.INTERFACE:
        system, _, interface = ref.id.partition(".")
        assert re.fullmatch(SYSTEM_ID_PATTERN, system)
        assert re.fullmatch(INTERFACE_ID_PATTERN, interface)
    else:
        assert re.fullmatch(ID_PATTERN_OF[ref.kind], ref.id)
