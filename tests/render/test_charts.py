"""The charts a run supports, their labels and units, and how they cope with awkward runs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from yamlperf.render.charts import CHART_NAMES, build_charts, endpoint_colours
from yamlperf.render.distribution import percentile_curve, position
from yamlperf.render.heatmap import colour_at
from yamlperf.render.style import HEAT_STOPS, short
from yamlperf.results import CellStats, RunResult

from .conftest import ChartsOf
from .synthetic import SCRIPT_NAME, SIZES, make_cell, make_run

SVG = "{http://www.w3.org/2000/svg}"
PER_SIZE = {"response_time_vs_size", "success_rate_by_size", "response_time_heatmap"}
EXPECTED = {
    "scale": PER_SIZE | {"response_time_by_endpoint", "success_rate_by_endpoint", "latency_distribution",
                         "seeding_latency"},
    "no_dataset": {"response_time_by_endpoint", "success_rate_by_endpoint", "latency_distribution",
                   "throughput_vs_concurrency", "p95_vs_concurrency"},
    # one size: success by size would repeat success by endpoint; the heatmap still compares endpoints
    "single_size": {"response_time_heatmap", "response_time_by_endpoint", "success_rate_by_endpoint",
                    "latency_distribution", "seeding_latency"},
}
AXIS_TITLES = {
    "response_time_vs_size": ("Dataset size (records)", "Response time (ms)"),
    "success_rate_by_size": ("Dataset size (records)", "Successful requests (%)"),
    "response_time_heatmap": ("Dataset size (records)", "Median response time (ms"),
    "response_time_by_endpoint": ("Response time (ms)",),
    "success_rate_by_endpoint": ("Successful requests (%)",),
    "latency_distribution": ("Percentile", "Response time (ms"),
    "throughput_vs_concurrency": ("Concurrency (requests in flight)", "Throughput (requests/s)"),
    "p95_vs_concurrency": ("Concurrency (requests in flight)", "p95 response time (ms)"),
    "seeding_latency": ("Records already there", "Write response time (ms)"),
}


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_run_gets_the_charts_it_supports_in_report_order(name: str, charts_of: ChartsOf) -> None:
    charts = charts_of(name)
    assert set(charts) == EXPECTED[name]
    assert list(charts) == [n for n in CHART_NAMES if n in charts]


@pytest.mark.parametrize("name", ["scale", "many", "single_size", "no_dataset", "one_endpoint", "incomplete"])
def test_every_chart_is_self_contained_svg_with_titled_axes(name: str, charts_of: ChartsOf) -> None:
    for chart in charts_of(name).values():
        root = ET.fromstring(chart.svg)  # well-formed XML
        assert root.tag == f"{SVG}svg"
        assert "<script" not in chart.svg
        assert not re.search(r"""(href|src)=["'](https?:)?//""", chart.svg), chart.name
        assert "@import" not in chart.svg
        words = " ".join(texts(chart.svg))
        assert chart.title in words
        for axis in AXIS_TITLES[chart.name]:
            assert axis in words, (chart.name, axis)
        assert chart.size[0] > 0
        assert chart.size[1] > 0


def test_size_none_draws_the_per_endpoint_charts_only(charts_of: ChartsOf) -> None:
    assert not PER_SIZE & set(charts_of("no_dataset"))


def test_single_size_heatmap_has_one_column(charts_of: ChartsOf, runs: dict[str, RunResult]) -> None:
    words = texts(charts_of("single_size")["response_time_heatmap"].svg)
    assert "1,000" in words
    assert sum(w.replace(".", "").isdigit() for w in words) >= len(runs["single_size"].endpoints)


def test_failed_cells_are_marked_not_drawn_as_zero(charts_of: ChartsOf) -> None:
    charts = charts_of("many")
    assert "failed" in texts(charts["response_time_heatmap"].svg)
    labels = re.findall(r'<desc class="label">endpoint_01 \u00b7 median[^<]*</desc>', charts["response_time_vs_size"].svg)
    assert len(labels) == 4  # a gap at 500 records, not a point at zero
    assert "endpoint_01 (failed)" in texts(charts["response_time_by_endpoint"].svg)


def test_long_names_are_cut_in_legends_with_the_full_name_in_a_tooltip(charts_of: ChartsOf) -> None:
    svg = charts_of("many")["response_time_vs_size"].svg
    full = "GET /api/v2/organisations/{org}/projects/{project}/prompts/search?page=2"
    root = ET.fromstring(svg)
    legends = [g for g in root.iter(f"{SVG}g") if "legend" in (g.get("class") or "").split()]
    shown = ["".join(t.itertext()) for g in legends for t in g.iter(f"{SVG}text")]
    tooltips = ["".join(t.itertext()) for g in legends for t in g.iter(f"{SVG}title")]
    assert short(full, 34) in shown
    assert full not in shown
    assert full in tooltips
    assert len(shown) == 20  # one entry per endpoint: the p95 lines share their endpoint's entry


def test_script_in_a_name_is_escaped_text(charts_of: ChartsOf) -> None:
    for chart in charts_of("many").values():
        assert "<script>window" not in chart.svg
    heatmap = charts_of("many")["response_time_heatmap"].svg
    assert "&lt;script&gt;" in heatmap


def test_one_endpoint_is_drawn(charts_of: ChartsOf) -> None:
    charts = charts_of("one_endpoint")
    assert "list_prompts" in texts(charts["response_time_vs_size"].svg)


def test_log_scale_follows_the_argument_and_the_scenario(runs: dict[str, RunResult]) -> None:
    run = runs["scale"]
    assert "log-log" not in build_charts(run)[0].title
    assert "log-log" in build_charts(run, log_scale=True)[0].title
    from dataclasses import replace
    logged = replace(run, scenario={**run.scenario, "output": {"log_scale": True}})
    chart = build_charts(logged)[0]
    assert "log-log" in chart.title
    words = texts(chart.svg)
    assert {"10", "50", "100", "500"} <= set(words)  # the sizes on the log axis, in records
    assert {"1", "2", "5", "10"} <= set(words)  # round milliseconds on the log axis


def test_an_endpoint_keeps_its_colour_across_charts(runs: dict[str, RunResult], charts_of: ChartsOf) -> None:
    colours = endpoint_colours(runs["scale"])
    assert len(set(colours.values())) == len(colours)
    for name in ("response_time_vs_size", "success_rate_by_size"):
        assert colours["search_prompts"].lower() in charts_of("scale")[name].svg.lower()


def test_heatmap_scale_runs_from_first_to_last_stop() -> None:
    assert colour_at(0.0) == HEAT_STOPS[0]
    assert colour_at(1.0) == HEAT_STOPS[-1]
    assert colour_at(0.5) not in HEAT_STOPS[:1]


def test_percentile_curve_from_histogram_samples_or_summary() -> None:
    with_histogram = make_cell("a", 10, 0.002, histogram=True)
    from_samples = make_cell("a", 10, 0.002)
    from dataclasses import replace
    summary_only = replace(from_samples, samples=())
    for cell in (with_histogram, from_samples, summary_only):
        curve = percentile_curve(cell)
        values = [v for _, v in curve]
        assert values == sorted(values)
        assert 0.001 < dict(curve)[50] < 0.003
    assert percentile_curve(make_cell("a", 10, 0.002, failures=40)) == []
    assert position(99) == pytest.approx(2.0)
    assert position(99.9) == pytest.approx(3.0)


def test_a_name_with_markup_in_titles_of_the_endpoint_charts(charts_of: ChartsOf) -> None:
    svg = charts_of("many")["response_time_by_endpoint"].svg
    assert short(SCRIPT_NAME) in texts(svg)


def test_latency_distribution_uses_a_log_axis_only_for_a_wide_spread(charts_of: ChartsOf) -> None:
    assert "log scale" in " ".join(texts(charts_of("scale")["latency_distribution"].svg))
    assert "log scale" not in " ".join(texts(charts_of("one_endpoint")["latency_distribution"].svg))


def _answered_404s(endpoint: str, size: int, seed: int = 0) -> CellStats:
    """A path that does not exist: every request answered 404 in ~0.2 ms, so the cell has times
    (latency covers answered requests) but no success."""
    cell = make_cell(endpoint, size, 0.0002, seed=seed)
    return replace(cell, successes=0, failures={"http_4xx": cell.requests}, status_codes={"404": cell.requests})


def _partly_ok(cell: CellStats, failed: int) -> CellStats:
    return replace(cell, successes=cell.requests - failed, failures={"http_5xx": failed},
                   status_codes={"200": cell.requests - failed, "503": failed})


def test_a_cell_whose_requests_all_failed_is_drawn_failed_even_with_answers() -> None:
    """A 404 endpoint once showed 0.23 ms in healthy colours and was the fastest bar of every chart."""
    run = make_run({"list": lambda n: 0.0008 + 2e-6 * n, "missing": lambda n: 0.0009})
    cells = [_answered_404s("missing", c.size) if c.endpoint == "missing" else
             _partly_ok(c, 5) if c.size == 500 else c for c in run.cells]
    run = replace(run, cells=tuple(cells))
    charts = {c.name: c for c in build_charts(run)}

    heat = texts(charts["response_time_heatmap"].svg)
    assert heat.count("failed") == len(SIZES)
    assert "0.200" not in heat
    assert "87.5% ok" in heat  # 35 of 40 at 500 records: the value stays, marked
    assert "answers: 404 x40" in charts["response_time_heatmap"].svg

    line = charts["response_time_vs_size"].svg
    assert not re.findall(r'<desc class="label">missing \u00b7 median[^<]*</desc>', line)
    assert "no request to missing succeeded at any size" in charts["response_time_vs_size"].caption
    assert "87.5% of requests ok" in line

    bars = charts["response_time_by_endpoint"]
    assert "missing (failed)" in texts(bars.svg)
    assert "list (87.5% ok)" in texts(bars.svg)
    assert "missing \u00b7 average" not in bars.svg
    assert "missing" not in texts(charts["latency_distribution"].svg)


def test_a_one_size_sweep_of_one_endpoint_draws_no_single_square_or_single_group() -> None:
    """scenarios/concurrency-sweep.yaml: one endpoint at 200 records, six concurrency levels."""
    run = make_run({"detail": lambda n: 0.001}, sizes=(200,), concurrency=(1, 2, 4, 8))
    names = {c.name for c in build_charts(run)}
    assert "response_time_heatmap" not in names
    assert "success_rate_by_size" not in names
    assert {"throughput_vs_concurrency", "p95_vs_concurrency", "success_rate_by_endpoint"} <= names


def test_twenty_one_endpoints_get_twenty_one_colours() -> None:
    """The palette holds twenty: the twenty-first endpoint once shared the first one's colour."""
    names = [f"endpoint_{i:02d}" for i in range(45)]
    colours = endpoint_colours(make_run({n: (lambda s: 0.001) for n in names}, sizes=(10, 20)))
    assert len(set(colours.values())) == len(names)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours.values())
    run = make_run({n: (lambda s: 0.001) for n in names[:21]}, sizes=(10, 20))
    line = next(c for c in build_charts(run) if c.name == "response_time_vs_size").svg
    first, last = endpoint_colours(run)["endpoint_00"], endpoint_colours(run)["endpoint_20"]
    assert first != last
    assert last in line


def test_a_zero_success_bar_is_marked(charts_of: ChartsOf) -> None:
    """A 0% bar has no length: with twenty endpoints (no values printed) it once looked like no bar."""
    charts = charts_of("many")  # endpoint_01 failed every request at 500 records
    for name, mark in (("success_rate_by_size", "0"), ("success_rate_by_endpoint", "0%")):
        svg = charts[name].svg
        printed = [t for t in re.findall(r'<text[^>]*class="value"[^>]*>([^<]*)</text>', svg) if t]
        assert printed == [mark], name
        assert "yamlperf-zero-marks" in svg
        assert "0%" in charts[name].caption


def test_the_per_size_views_of_a_sweep_name_the_level_they_draw() -> None:
    """They draw the base concurrency only; an untitled level made the other levels look absent."""
    sweep = {c.name: c for c in build_charts(make_run({"a": lambda n: 0.001, "b": lambda n: 0.002},
                                                      sizes=(10, 50, 100), concurrency=(1, 4)))}
    for name in ("response_time_vs_size", "success_rate_by_size", "response_time_heatmap"):
        assert ", concurrency 1" in sweep[name].title, name
    single = {c.name: c for c in build_charts(make_run({"a": lambda n: 0.001, "b": lambda n: 0.002},
                                                       sizes=(10, 50, 100)))}
    for name in ("response_time_vs_size", "success_rate_by_size", "response_time_heatmap"):
        assert "concurrency" not in single[name].title, name


def test_the_distribution_draws_only_supported_percentiles_and_the_tables_figures() -> None:
    """Ten requests support p90 at most; the curve's p50/p95 are the table's (one percentile method)."""
    ten = make_cell("a", 10, 0.002, n=10, histogram=True)
    curve = dict(percentile_curve(ten))
    assert max(curve) == 90
    assert curve[50] == ten.latency.median
    many = make_cell("a", 10, 0.002, n=200, histogram=True)
    curve = dict(percentile_curve(many))
    assert max(curve) == 99.5
    assert curve[95] == many.latency.p95
    assert curve[99] == many.latency.p99
