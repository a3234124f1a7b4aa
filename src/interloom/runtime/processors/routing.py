"""Content-based routing: which of the flow's sinks a message goes to."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from interloom.core.suggestions import did_you_mean
from interloom.runtime.processors.base import (
    BuildContext,
    Mode,
    Processor,
    Routed,
    StepConfigError,
    _Config,
    expression,
)


class Route(_Config):
    """One route: when its condition holds, the message goes to these sinks."""

    when: str = Field(description="JSONata condition on the message.")
    to: list[str] = Field(min_length=1, description="Sink ids (a sink's id, or sink-<index>).")


class RouteMode(StrEnum):
    """How many routes a message may take."""

    FIRST = "first"  # the first route whose condition holds
    ALL = "all"  # every route whose condition holds (a recipient list)


class RouteConfig(_Config):
    """Send each message to the sinks of the first route (or every route) whose condition holds."""

    routes: list[Route] = Field(min_length=1)
    otherwise: list[str] = Field(
        default_factory=list,
        description="Sinks for a message no route takes; empty: such a message is filtered.",
    )
    mode: RouteMode = RouteMode.FIRST


def build_route(config: RouteConfig, context: BuildContext) -> Processor:
    """Conditions compiled once, sink ids resolved to indexes once."""
    routes = [
        (
            expression(route.when, "routes", index, "when").test,
            _sinks(route.to, context, ("routes", index, "to")),
        )
        for index, route in enumerate(config.routes)
    ]
    otherwise = _sinks(config.otherwise, context, ("otherwise",))

    if config.mode is RouteMode.FIRST:

        def route_first(body: Any) -> Routed:
            for test, sinks in routes:
                if test(body):
                    return Routed(body, sinks)
            return Routed(body, otherwise)

        return Processor(route_first, Mode.SYNC)

    def route_all(body: Any) -> Routed:
        chosen: set[int] = set()
        for test, sinks in routes:
            if test(body):
                chosen.update(sinks)
        return Routed(body, tuple(sorted(chosen)) if chosen else otherwise)

    return Processor(route_all, Mode.SYNC)


def _sinks(ids: list[str], context: BuildContext, field: tuple[str | int, ...]) -> tuple[int, ...]:
    indexes: list[int] = []
    for position, sink in enumerate(ids):
        if sink not in context.sinks:
            raise StepConfigError(
                f"no sink '{sink}' in flow '{context.flow}'",
                field=(*field, position),
                hint=did_you_mean(sink, context.sinks)
                or f"the flow's sinks: {', '.join(context.sinks)}",
            )
        index = context.sinks.index(sink)
        if index not in indexes:
            indexes.append(index)
    return tuple(sorted(indexes))
