"""Burndown, burnup, velocity and heat-map charts: well-formed SVG that draws the numbers."""

from __future__ import annotations

import datetime as dt

from defusedxml import ElementTree

from interloom.core.delivery.risks import Risk, heat_map, scored
from interloom.core.delivery.sprints import (
    Measure,
    SprintDay,
    SprintReport,
    SprintState,
    SprintVelocity,
    SprintWindow,
    Velocity,
)
from interloom.formats.plan.charts import burndown_svg, burnup_svg, heat_map_svg, velocity_svg

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [dt.date(2027, 1, d) for d in (4, 5, 6, 7, 8)]


def report(remaining: list[float | None]) -> SprintReport:
    scope = 20.0
    points = [
        SprintDay(
            day=DAYS[0] if i == 0 else DAYS[i - 1],
            label="start" if i == 0 else DAYS[i - 1].isoformat(),
            ideal=scope * (1 - i / 5),
            scope=scope,
            remaining=r,
            done=None if r is None else scope - r,
        )
        for i, r in enumerate(remaining)
    ]
    return SprintReport(
        sprint=SprintWindow(
            id="S-1", name="Sprint <1>", goal=None, start=DAYS[0], finish=DAYS[-1], days=tuple(DAYS)
        ),
        state=SprintState.ACTIVE,
        measure=Measure.POINTS,
        status_date=dt.datetime(2027, 1, 6, 17),
        scope=scope,
        completed=8,
        remaining=12,
        items=[],
        days=points,
    )


def polyline(svg: str, series: str) -> list[tuple[float, float]]:
    root = ElementTree.fromstring(svg)
    for line in root.iter(f"{SVG}polyline"):
        if f"series-{series}" in line.get("class", ""):
            pairs = [p.split(",") for p in line.get("points", "").split()]
            return [(float(x), float(y)) for x, y in pairs]
    raise AssertionError(f"no {series} series")


def test_burndown_draws_ideal_for_every_day_and_actuals_up_to_the_status_date() -> None:
    svg = burndown_svg(report([20, 18, 12, None, None, None]))

    ideal = polyline(svg, "ideal")
    actual = polyline(svg, "remaining")
    assert len(ideal) == 6
    assert len(actual) == 3
    assert [x for x, _ in actual] == [x for x, _ in ideal[:3]]
    ys = [y for _, y in ideal]
    assert ys == sorted(ys)  # falling to zero: y grows downwards
    assert actual[2][1] > actual[0][1]  # 12 left is lower on the chart than 20
    assert "Sprint &lt;1&gt;" in svg  # names are escaped


def test_burnup_draws_scope_flat_and_done_rising() -> None:
    svg = burnup_svg(report([20, 15, 10, 5, 0, 0]))

    scope = polyline(svg, "scope")
    done = polyline(svg, "done")
    assert len({y for _, y in scope}) == 1
    assert [y for _, y in done] == sorted((y for _, y in done), reverse=True)
    assert done[-1][1] == scope[0][1]  # everything done reaches the scope line


def test_velocity_bars_and_average() -> None:
    velocity = Velocity(
        measure=Measure.HOURS,
        sprints=[
            SprintVelocity(sprint="S-1", name="1", finish=DAYS[-1], committed=40, completed=30),
            SprintVelocity(sprint="S-2", name="2", finish=DAYS[-1], committed=40, completed=40),
        ],
        average=35,
        backlog=0,
        open_work=0,
        sprints_to_finish=None,
    )

    root = ElementTree.fromstring(velocity_svg(velocity))

    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class", "").startswith("bar-")]
    heights = {(r.get("class"), r.findtext(f"{SVG}title")): float(r.get("height", 0)) for r in bars}
    assert len(bars) == 4
    assert (
        heights[("bar-completed", "S-1 completed: 30")]
        < heights[("bar-completed", "S-2 completed: 40")]
    )
    assert (
        heights[("bar-committed", "S-1 committed: 40")]
        == heights[("bar-completed", "S-2 completed: 40")]
    )
    assert any(t.text == "average 35" for t in root.iter(f"{SVG}text"))


def test_velocity_without_closed_sprints_says_so() -> None:
    empty = Velocity(
        measure=Measure.POINTS,
        sprints=[],
        average=None,
        backlog=3,
        open_work=3,
        sprints_to_finish=None,
    )

    assert "No closed sprint yet." in velocity_svg(empty)


def test_heat_map_has_25_cells_coloured_by_zone_with_counts() -> None:
    risks = [
        scored(
            Risk.model_validate(
                {"id": f"R-{n}", "title": "t", "probability": p, "impact": {"cost": i}}
            )
        )
        for n, (p, i) in enumerate([(0.9, 0.8), (0.9, 0.8), (0.1, 0.05)], start=1)
    ]

    root = ElementTree.fromstring(heat_map_svg(heat_map(risks)))

    cells = [r for r in root.iter(f"{SVG}rect") if "cell" in r.get("class", "")]
    assert len(cells) == 25
    levels = [c.get("class", "").split("level-")[1] for c in cells]
    # High from 0.18 (8 cells), low below 0.05 (9 cells), medium in between (8 cells).
    assert [levels.count(level) for level in ("high", "medium", "low")] == [8, 8, 9]
    counts = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "count"]
    assert counts == ["2", "1"]
    assert cells[4].findtext(f"{SVG}title") == "P 0.9 × I 0.8 = 0.72: R-1, R-2"
