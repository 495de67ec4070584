"""The analysis names known shapes, finds the injected cliff, declines and outliers, and stays quiet
on noise."""

from __future__ import annotations

import pytest

from yamlperf.analysis import classes
from yamlperf.render.analysis import analyze
from yamlperf.results import RunResult

from .synthetic import OVERHEAD, SHAPES, make_run

NOISE_SEEDS = range(6)


def test_known_shapes_are_named(runs: dict[str, RunResult]) -> None:
    analysis = analyze(runs["scale"])
    found = {e.endpoint: e for e in analysis.endpoints}
    assert found["get_prompt"].growth.rank == classes.CONSTANT
    assert found["health"].growth.rank == classes.CONSTANT
    listing = found["list_prompts"].growth
    assert listing.rank == classes.LINEAR or (listing.rank is None and listing.low <= classes.LINEAR <= listing.high)
    assert found["search_prompts"].growth.rank == classes.QUADRATIC
    assert found["search_prompts"].level == "problem"
    assert "super-linear (O(n^2), " in found["search_prompts"].finding
    assert "% of resamples" in found["search_prompts"].finding
    assert found["get_prompt"].level == "ok"


def test_the_injected_cliff_is_found_and_the_trend_around_it_named(runs: dict[str, RunResult]) -> None:
    export = next(e for e in analyze(runs["scale"]).endpoints if e.endpoint == "export_report")
    assert export.cliff is not None
    assert (export.cliff.size_before, export.cliff.size_after) == (100, 200)
    assert export.cliff.jump == pytest.approx(4.0, rel=0.3)
    assert export.growth.top <= classes.N_LOG_N  # the trend beside the cliff
    assert "Performance cliff between 100 and 200 records" in export.finding


def test_declining_success_is_reported(runs: dict[str, RunResult]) -> None:
    analysis = analyze(runs["scale"])
    export = next(e for e in analysis.endpoints if e.endpoint == "export_report")
    assert export.decline is not None
    assert export.decline.last_rate == pytest.approx(0.95)
    assert any("decline" in f and "export_report" in f for f in analysis.findings)


def test_an_outlier_endpoint_is_named() -> None:
    shapes = {**SHAPES, "slow_report": lambda n: 0.040}
    analysis = analyze(make_run({k: v for k, v in shapes.items() if k != "search_prompts"}))
    outliers = [e.endpoint for e in analysis.endpoints if e.outlier]
    assert outliers == ["slow_report"]
    assert "Outliers: slow_report." in analysis.findings


@pytest.mark.parametrize("seed", NOISE_SEEDS)
def test_noise_is_not_flagged(seed: int) -> None:
    """Flat and linear endpoints with timing noise: nothing to report, whatever the noise draws."""
    quiet = {"a": lambda n: OVERHEAD * 1.5, "b": lambda n: OVERHEAD * 2, "c": lambda n: OVERHEAD + 4e-6 * n,
             "d": lambda n: OVERHEAD + 6e-6 * n}
    analysis = analyze(make_run(quiet, seed=seed, noise=0.05))
    assert [e.endpoint for e in analysis.endpoints if e.level != "ok"] == []
    assert analysis.headline.startswith("All 4 endpoints scale well")
    named = {e.endpoint: e.growth.rank for e in analysis.endpoints}
    assert named["a"] in (classes.CONSTANT, None)
    assert named["b"] in (classes.CONSTANT, None)
    assert {named["c"], named["d"]} <= {classes.LINEAR, classes.N_LOG_N, None}


def test_without_a_dataset_only_outliers_and_failures_are_read(runs: dict[str, RunResult]) -> None:
    analysis = analyze(runs["no_dataset"])
    assert all(e.growth is None for e in analysis.endpoints)
    assert analysis.findings[0] == "No endpoint is an outlier."
    assert all("throughput still rises at the highest level measured, 16 in flight" in f
               for f in analysis.findings[1:])  # the synthetic sweep's throughput grows with the level
    transform = next(e for e in analysis.endpoints if e.endpoint == "/api/dataset/transform")
    assert "3 of 40 requests failed" in transform.finding
    assert transform.level == "warning"
    assert "/api/dataset/transform 3 of 40 requests failed" in analysis.headline


def test_a_single_size_says_growth_needs_three(runs: dict[str, RunResult]) -> None:
    analysis = analyze(runs["single_size"])
    assert all(not e.growth.measurable for e in analysis.endpoints)
    assert "growth needs at least three" in analysis.endpoints[0].finding


def test_a_failed_cell_without_latency_is_a_decline_not_a_crash(runs: dict[str, RunResult]) -> None:
    analysis = analyze(runs["many"])
    failed = next(e for e in analysis.endpoints if e.endpoint == "endpoint_01")
    assert failed.decline is not None
    assert failed.decline.last_rate == 0


def test_noise_never_raises_a_problem_over_many_seeds() -> None:
    quiet = {"flat": lambda n: OVERHEAD, "linear": lambda n: OVERHEAD + 4e-6 * n}
    for seed in range(20):
        analysis = analyze(make_run(quiet, seed=seed, noise=0.05))
        assert analysis.by_level("problem") == (), seed


def _failing_under_load() -> RunResult:
    """A sweep where only concurrency 8 loses requests as the data grows: 0, 0, 4, 12, 20 of 40."""
    from dataclasses import replace

    from .synthetic import SIZES, make_cell

    run = make_run({"list": SHAPES["list_prompts"], "detail": SHAPES["get_prompt"],
                    "health": SHAPES["health"]}, concurrency=(1, 8))
    lost = dict(zip(SIZES, (0, 0, 4, 12, 20), strict=True))
    cells = tuple(make_cell(c.endpoint, c.size, c.latency.median, concurrency=8, failures=lost[c.size])
                  if c.endpoint == "list" and c.concurrency == 8 and c.size is not None else c
                  for c in run.cells)
    return replace(run, cells=cells)


def test_a_decline_seen_only_under_load_is_reported_with_its_level() -> None:
    """The seed's 'declining success rates' reading: in a sweep the failures appear at the higher
    level first, and the base level (where growth is read) stays at 100%."""
    analysis = analyze(_failing_under_load())
    found = {e.endpoint: e for e in analysis.endpoints}
    assert found["list"].decline is not None
    assert found["list"].decline.last_rate == pytest.approx(0.5)
    assert found["list"].decline_concurrency == 8
    assert found["list"].level == "problem"
    assert "Success rate declines with size at concurrency 8, from 100% at" in found["list"].finding
    assert "Success rates decline with size for list at concurrency 8." in analysis.findings
    assert "list success falls to 50.0% at concurrency 8" in analysis.headline
    assert found["detail"].decline is None


def test_a_single_level_decline_names_no_level(runs: dict[str, RunResult]) -> None:
    export = next(e for e in analyze(runs["scale"]).endpoints if e.endpoint == "export_report")
    assert export.decline_concurrency is None
    assert "Success rate declines with size, from" in export.finding


def test_requests_failing_only_under_load_are_named_with_their_level() -> None:
    """Flat failures (no decline) at concurrency 8 only: the base level is clean, and the analysis
    once said every endpoint was fine."""
    from dataclasses import replace

    from .synthetic import make_cell

    run = make_run({"list": SHAPES["get_prompt"], "detail": SHAPES["get_prompt"], "health": SHAPES["health"]},
                   concurrency=(1, 8))
    cells = tuple(make_cell(c.endpoint, c.size, c.latency.median, concurrency=8, failures=6)
                  if c.endpoint == "detail" and c.concurrency == 8 else c for c in run.cells)
    analysis = analyze(replace(run, cells=cells))
    detail = next(e for e in analysis.endpoints if e.endpoint == "detail")
    assert detail.decline is None
    assert detail.level == "warning"
    assert "6 of 40 requests failed at 500 records, concurrency 8." in detail.finding
    assert "detail 6 of 40 requests failed at concurrency 8" in analysis.headline


def test_a_sweep_names_its_saturation_point_in_the_headline() -> None:
    """The issue's sweep: 'All 1 endpoint scale well' while throughput peaked at 2 workers."""
    from dataclasses import replace

    run = make_run({"detail": SHAPES["get_prompt"]}, sizes=(200,), concurrency=(1, 2, 4, 8, 16, 32))
    peak = {1: 1200.0, 2: 2000.0, 4: 2050.0, 8: 1950.0, 16: 1800.0, 32: 1500.0}
    cells = tuple(replace(c, throughput=peak[c.concurrency]) for c in run.cells)
    analysis = analyze(replace(run, cells=cells))
    assert analysis.headline.startswith("detail saturates at about 2 requests in flight.")
    assert "scale well" not in analysis.headline
    (sentence,) = [f for f in analysis.findings if "Universal Scalability Law" in f]
    assert "contention \u03c3 = " in sentence
    assert "predicted maximum of" in sentence
    assert not any("super-linearly" in f for f in analysis.findings)  # one size: no growth to read


def test_the_findings_quote_the_tables_figures(runs: dict[str, RunResult]) -> None:
    """The issue's contradictions: "42.0x slower" when the table says 345x, and a "fixed cost of about
    1.73 ms" above every median. The span, the ratio and any fixed cost come from the table's medians."""
    import re

    from yamlperf.render import tables
    from yamlperf.render.style import ms

    result = runs["scale"]
    analysis = analyze(result)
    table = {row.cells[0]: row.cells for row in tables.endpoint_summary(result, analysis).rows}
    for finding in analysis.endpoints:
        medians = [c.latency.median for c in result.cells if c.endpoint == finding.endpoint and c.latency]
        first, last = medians[0], medians[-1]
        text = finding.finding
        assert table[finding.endpoint][3] == f"{ms(first)} \u2192 {ms(last)}"
        if f"{ms(first)} \u2192 {ms(last)} ms" in text:
            ratio = re.search(r"\((\S+)x for 50x the data\)", text)
            assert ratio is not None, text
            assert float(ratio.group(1).replace(",", "")) == pytest.approx(last / first, rel=0.01)
        else:
            assert f"{ms(min(medians))}-{ms(max(medians))} ms across the 5 sizes" in text
        fixed = re.search(r"fixed cost of about (\S+) ms", text)
        if fixed:
            assert float(fixed.group(1)) <= float(ms(min(medians)))
