"""The Gantt chart: what it draws for each task, link and date, checked on the parsed SVG."""

from __future__ import annotations

import datetime as dt
import difflib
import os
from pathlib import Path

import pytest
from lxml import etree, html

from interloom.core.delivery.baselines import take_baseline
from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_schedule import (
    Baseline,
    PlanSchedule,
    TaskUpdate,
    merge_plans,
    schedule_plan,
)
from interloom.formats.plan.gantt import COLOURS, render_gantt_html, render_gantt_svg
from interloom.formats.project_files import parse_file

SMALL = Path(__file__).resolve().parents[3] / "data" / "plans" / "small"
GOLDEN = SMALL / "gantt.svg"
SVG = "{http://www.w3.org/2000/svg}"


def small_plan() -> Plan:
    plans = []
    for path in sorted(SMALL.glob("*.yaml")):
        parsed = parse_file(path.read_text("utf-8"), path.name, Plan)
        assert parsed.loaded is not None, parsed.problems
        plans.append(parsed.loaded.model)
    return merge_plans(plans)


@pytest.fixture(scope="module")
def schedule() -> PlanSchedule:
    return schedule_plan(small_plan())


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    # The plan as it stood before anything was reported: everything later moved from there.
    earlier = schedule_plan(small_plan(), status_date=dt.date(2027, 2, 26))
    return take_baseline(earlier, "approved", dt.datetime(2027, 2, 26, tzinfo=dt.UTC))


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode("utf-8"))


def tasks_of(root: etree._Element, xpath: str) -> list[str]:
    return [e.get("data-task") for e in root.iterfind(xpath)]


def test_every_task_has_one_bar_and_critical_bars_are_red(schedule: PlanSchedule) -> None:
    root = parse(render_gantt_svg(schedule))

    bars = root.findall(f".//{SVG}rect[@data-task]")
    bars = [b for b in bars if b.get("class", "").startswith("bar")]
    leaves = [t.id for t in schedule.tasks if not t.summary and not t.milestone]
    assert sorted(b.get("data-task") for b in bars) == sorted(leaves)
    red = {b.get("data-task") for b in bars if b.get("fill") == COLOURS["critical"]}
    assert red == {t.id for t in schedule.tasks if t.critical and t.id in leaves}
    assert red == {"T-2", "T-3", "T-5"}
    assert all("critical" in b.get("class", "").split() for b in bars if b.get("data-task") in red)


def test_summaries_are_summary_bars_and_milestones_diamonds(schedule: PlanSchedule) -> None:
    root = parse(render_gantt_svg(schedule))

    summaries = tasks_of(root, f".//{SVG}path[@class='summary-bar']")
    diamonds = root.findall(f".//{SVG}path[@data-task]")
    diamonds = [d for d in diamonds if d.get("class", "").startswith("diamond")]
    assert sorted(summaries) == ["P-1", "P-2"]
    assert sorted(d.get("data-task") for d in diamonds) == ["M-1", "M-2"]
    assert {d.get("data-task") for d in diamonds if "critical" in d.get("class", "")} == {
        "M-1",
        "M-2",
    }


def test_a_task_in_progress_is_filled_to_its_percent(schedule: PlanSchedule) -> None:
    root = parse(render_gantt_svg(schedule))

    bar = next(
        e
        for e in root.iter(f"{SVG}rect")
        if e.get("data-task") == "T-2" and "bar" in e.get("class", "")
    )
    fills = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "progress"]
    assert {e.get("data-task") for e in fills} == {"T-1", "T-2"}
    done = next(e for e in fills if e.get("data-task") == "T-2")
    assert float(done.get("width")) == pytest.approx(float(bar.get("width")) / 2, abs=0.2)


def test_baseline_bars_are_drawn_only_when_a_baseline_is_given(
    schedule: PlanSchedule, baseline: Baseline
) -> None:
    without = parse(render_gantt_svg(schedule))
    with_baseline = parse(render_gantt_svg(schedule, baseline=baseline))

    assert without.findall(f".//{SVG}rect[@class='baseline-bar']") == []
    drawn = tasks_of(with_baseline, f".//{SVG}rect[@class='baseline-bar']")
    assert sorted(drawn) == sorted(t.id for t in schedule.tasks)
    legend = "".join(with_baseline.find(f".//{SVG}g[@class='legend']").itertext())
    assert "baseline" in legend
    assert "baseline" not in "".join(without.find(f".//{SVG}g[@class='legend']").itertext())


def test_links_are_drawn_between_the_ends_their_type_ties(schedule: PlanSchedule) -> None:
    root = parse(render_gantt_svg(schedule))

    links = root.findall(f".//{SVG}g[@class='links']/{SVG}path")
    assert len(links) == len(schedule.links)
    by_ends = {(p.get("data-from"), p.get("data-to")): p for p in links}
    bars = {
        e.get("data-task"): e
        for e in root.iter(f"{SVG}rect")
        if "bar" in e.get("class", "").split()
    }

    def left(ident: str) -> float:
        return float(bars[ident].get("x"))

    def right(ident: str) -> float:
        return left(ident) + float(bars[ident].get("width"))

    def ends(path: etree._Element) -> tuple[float, float]:
        steps = path.get("d").split()
        first = float(steps[0][1:].split(",")[0])
        return first, float(steps[-1][1:])

    assert ends(by_ends["T-1", "T-2"]) == pytest.approx((left("T-1"), left("T-2")), abs=0.2)  # SS
    assert ends(by_ends["T-3", "T-4"]) == pytest.approx((right("T-3"), right("T-4")), abs=0.2)
    assert ends(by_ends["T-5", "T-6"]) == pytest.approx((left("T-5"), right("T-6")), abs=0.2)
    assert ends(by_ends["T-4", "T-5"]) == pytest.approx((right("T-4"), left("T-5")), abs=0.2)
    assert {p.get("class") for p in links} == {"link FS", "link SS", "link FF", "link SF"}


def test_non_working_days_deadlines_and_the_status_date_are_marked(
    schedule: PlanSchedule,
) -> None:
    root = parse(render_gantt_svg(schedule))

    shaded = ["".join(e.itertext()) for e in root.iterfind(f".//{SVG}rect[@class='nonworking']")]
    assert "2027-03-10 not worked" in shaded  # the holiday
    assert "2027-03-06 not worked" in shaded  # a Saturday
    assert "2027-03-09 not worked" not in shaded
    deadlines = root.findall(f".//{SVG}path")
    marks = [d.get("class") for d in deadlines if "deadline" in (d.get("class") or "")]
    assert sorted(marks) == ["deadline deadline", "deadline missed", "deadline missed"]
    status = root.find(f".//{SVG}line[@class='status-date']")
    assert status is not None
    assert "status date 2027-03-03" in "".join(root.find(f".//{SVG}g[@class='status']").itertext())


def test_no_status_date_no_status_line() -> None:
    plan = small_plan()
    assert plan.project is not None
    plan = plan.model_copy(
        update={"project": plan.project.model_copy(update={"status_date": None})}
    )

    root = parse(render_gantt_svg(schedule_plan(plan)))

    assert root.find(f".//{SVG}line[@class='status-date']") is None


def test_text_is_escaped_and_tooltips_say_what_a_bar_is(schedule: PlanSchedule) -> None:
    svg = render_gantt_svg(schedule)
    root = parse(svg)

    assert "<& " not in svg
    names = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert any(name.endswith('Review the ERP order events <& "quotes">') for name in names)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("data-task") == "T-2")
    tooltip = group.find(f"{SVG}title").text
    assert "50% complete" in tooltip
    assert "deadline 2027-03-04 (missed)" in tooltip
    assert "delivers interface:erp.orders.created" in tooltip


def test_the_time_axis_scales_to_the_span(schedule: PlanSchedule) -> None:
    short = parse(render_gantt_svg(schedule))
    plan = small_plan()
    long_plan = plan.model_copy(
        update={
            "tasks": [
                *plan.tasks,
                plan.tasks[-1].model_copy(
                    update={"id": "T-9", "duration": "30w", "depends_on": []}
                ),
            ]
        }
    )
    long = parse(render_gantt_svg(schedule_plan(long_plan)))

    def day_width(root: etree._Element) -> float:
        bar = next(
            e
            for e in root.iter(f"{SVG}rect")
            if e.get("data-task") == "T-4" and "bar" in e.get("class", "")
        )
        return float(bar.get("width")) / 3  # T-4 spans three working days (a holiday inside)

    assert float(short.get("width")) < 1200
    assert day_width(long) < day_width(short)
    months = ["".join(t.itertext()) for t in long.iterfind(f".//{SVG}g[@class='axis']/{SVG}text")]
    assert "Mar 2027" in months
    assert "Sep 2027" in months


def test_the_html_page_wraps_the_chart_with_a_task_table(
    schedule: PlanSchedule, baseline: Baseline
) -> None:
    page = render_gantt_html(schedule, baseline=baseline)
    document = html.fromstring(page)

    rows = document.findall(".//table[@class='tasks']/tbody/tr")
    assert [r.findall("td")[1].text for r in rows] == [t.id for t in schedule.tasks]
    critical = [r.findall("td")[1].text for r in rows if r.findall("td")[7].text == "★"]
    assert critical == [t.id for t in schedule.tasks if t.critical]
    assert all(r.get("title") for r in rows)
    assert document.find(".//svg") is not None
    assert "baseline approved" in document.text_content()
    assert not document.xpath("//*[@src]")
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_rendering_is_deterministic_and_matches_the_golden_file(
    schedule: PlanSchedule, baseline: Baseline
) -> None:
    svg = render_gantt_svg(schedule, baseline=baseline)
    assert svg == render_gantt_svg(schedule_plan(small_plan()), baseline=baseline)
    if os.environ.get("INTERLOOM_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(svg, "utf-8")
    golden = GOLDEN.read_text("utf-8")
    diff = "".join(difflib.unified_diff(golden.splitlines(True), svg.splitlines(True), n=1))
    assert svg == golden, f"the Gantt SVG changed (INTERLOOM_UPDATE_GOLDEN=1 rewrites it):\n{diff}"


def test_updates_show_in_the_chart() -> None:
    plan = small_plan()
    update = TaskUpdate(
        task="T-2", at=dt.datetime(2027, 3, 3, 18, tzinfo=dt.UTC), percent_complete=100
    )

    root = parse(render_gantt_svg(schedule_plan(plan, updates=[update])))

    fill = next(
        e
        for e in root.iter(f"{SVG}rect")
        if e.get("class") == "progress" and e.get("data-task") == "T-2"
    )
    bar = next(
        e
        for e in root.iter(f"{SVG}rect")
        if e.get("data-task") == "T-2" and "bar" in e.get("class", "")
    )
    assert fill.get("width") == bar.get("width")
