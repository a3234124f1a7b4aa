"""route: which of the flow's sinks a message goes to, by its content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from interloom.runtime.processors import (
    BuildContext,
    Mode,
    Routed,
    StepConfigError,
    build_processor,
)

CONTEXT = BuildContext(root=Path("."), flow="orders", sinks=("erp", "wms", "audit"))
ROUTES = [
    {"when": "total >= 1000", "to": ["erp", "audit"]},
    {"when": "country = 'NL'", "to": ["wms"]},
]


def route(config: dict[str, Any], body: Any) -> Routed:
    processor = build_processor("route", config, CONTEXT)
    assert processor.mode is Mode.SYNC
    routed = processor.process(body)
    assert isinstance(routed, Routed)
    assert routed.body is body
    return routed


@pytest.mark.parametrize(
    ("body", "sinks"),
    [
        ({"total": 5000, "country": "NL"}, (0, 2)),  # the first route that holds wins
        ({"total": 10, "country": "NL"}, (1,)),
        ({"total": 10, "country": "BE"}, (2,)),  # otherwise
    ],
)
def test_the_first_route_whose_condition_holds_chooses_the_sinks(
    body: dict[str, Any], sinks: tuple[int, ...]
) -> None:
    assert route({"routes": ROUTES, "otherwise": ["audit"]}, body).sinks == sinks


def test_mode_all_takes_every_route_that_holds() -> None:
    routed = route({"routes": ROUTES, "mode": "all"}, {"total": 5000, "country": "NL"})

    assert routed.sinks == (0, 1, 2)


def test_without_otherwise_an_unrouted_message_goes_nowhere() -> None:
    assert route({"routes": ROUTES}, {"total": 1, "country": "FR"}).sinks == ()


def test_sinks_are_named_by_their_default_ids_too() -> None:
    context = BuildContext(root=Path("."), sinks=("sink-0", "sink-1"))
    processor = build_processor("route", {"routes": [{"when": "true", "to": ["sink-1"]}]}, context)

    assert processor.process({}).sinks == (1,)


@pytest.mark.parametrize(
    ("config", "field", "hint"),
    [
        (
            {"routes": [{"when": "true", "to": ["wsm"]}]},
            ("routes", 0, "to", 0),
            "did you mean 'wms'?",
        ),
        (
            {"routes": [{"when": "true", "to": ["erp"]}], "otherwise": ["ledger"]},
            ("otherwise", 0),
            "the flow's sinks: erp, wms, audit",
        ),
    ],
)
def test_an_unknown_sink_id_is_a_config_error_naming_flow_and_field(
    config: dict[str, Any], field: tuple[Any, ...], hint: str
) -> None:
    with pytest.raises(StepConfigError, match="in flow 'orders'") as raised:
        build_processor("route", config, CONTEXT)

    assert raised.value.field == field
    assert raised.value.hint == hint


def test_a_route_condition_that_does_not_parse_names_its_route() -> None:
    with pytest.raises(StepConfigError) as raised:
        build_processor("route", {"routes": [{"when": "(", "to": ["erp"]}]}, CONTEXT)

    assert raised.value.field == ("routes", 0, "when")


def test_a_route_needs_at_least_one_sink() -> None:
    with pytest.raises(StepConfigError, match="to"):
        build_processor("route", {"routes": [{"when": "true", "to": []}]}, CONTEXT)
