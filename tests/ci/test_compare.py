"""Comparing runs: noise is unchanged, a real slowdown is a regression of that cell only."""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.latency import latency_from
from yamlperf.analysis import classes
from yamlperf.analysis.reading import read_run
from yamlperf.analysis.significance import holm, mann_whitney_u, smallest_p, two_proportions
from yamlperf.cli import main
from yamlperf.cli.compare import format_comparison
from yamlperf.compare import Comparison, Criteria, Noise, Verdict, compare_runs
from yamlperf.results import RunResult, save_results

from .builders import cell, result


@pytest.mark.parametrize(("first", "second", "u", "p_value"), [
    # Reference values from scipy.stats.mannwhitneyu(..., alternative="two-sided", method="asymptotic").
    ([1, 2, 2, 3, 3, 3, 4, 5, 5, 6], [3, 3, 4, 4, 5, 6, 6, 7, 8, 8, 9], 21.0, 0.017056890104866558),
    ([1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16], 0.0, 0.0009391056991171899),
    ([1.0] * 10, [1.0] * 12, 60.0, 1.0),
])
def test_mann_whitney_matches_the_reference(first: list[float], second: list[float], u: float,
                                            p_value: float) -> None:
    outcome = mann_whitney_u(first, second)
    assert outcome.statistic == u
    assert outcome.p_value == pytest.approx(p_value, rel=1e-9)


def test_two_proportions() -> None:
    assert two_proportions(100, 100, 90, 100).p_value == pytest.approx(0.001178, rel=1e-3)
    assert two_proportions(50, 50, 50, 50).p_value == 1.0


def _pair(slow: float = 1.0):
    base = result(cell("search", 100, median=0.015, n=200, seed=1), cell("list", 100, median=0.012, n=200, seed=2))
    new = result(cell("search", 100, median=0.015 * slow, n=200, seed=3),
                 cell("list", 100, median=0.012, n=200, seed=4))
    return base, new


def test_noise_is_unchanged() -> None:
    comparison = compare_runs(*_pair())
    assert [c.verdict for c in comparison.cells] == [Verdict.UNCHANGED, Verdict.UNCHANGED]


def test_a_twice_slower_endpoint_regresses_and_only_that_one() -> None:
    comparison = compare_runs(*_pair(slow=2.0))
    verdicts = {c.endpoint: c for c in comparison.cells}
    assert verdicts["search"].verdict is Verdict.REGRESSED
    assert verdicts["search"].severity_pct == pytest.approx(100, abs=10)
    assert verdicts["search"].reason.startswith("median +")
    assert verdicts["list"].verdict is Verdict.UNCHANGED
    assert compare_runs(*reversed(_pair(slow=2.0))).cells[0].verdict is Verdict.IMPROVED


def test_a_significant_but_tiny_change_is_not_a_regression() -> None:
    base = result(cell("search", None, median=0.020, spread=0.0002, n=400, seed=1))
    new = result(cell("search", None, median=0.0206, spread=0.0002, n=400, seed=2))
    (outcome,) = compare_runs(base, new).cells
    assert outcome.latency_p is not None
    assert outcome.latency_p < 1e-6
    assert outcome.verdict is Verdict.UNCHANGED
    assert "below the minimum effect" in outcome.reason
    assert compare_runs(base, new, Criteria(min_effect_pct=1, min_effect_s=0)).cells[0].verdict \
        is Verdict.REGRESSED


def test_falling_success_rate_regresses() -> None:
    base = result(cell("search", None, n=200))
    new = result(cell("search", None, n=200, failures=30))
    (outcome,) = compare_runs(base, new).cells
    assert outcome.verdict is Verdict.REGRESSED
    assert outcome.severity_pct == pytest.approx(15)
    assert "success rate -15.0 points" in outcome.reason


def test_different_scenarios_compare_matching_cells_and_list_the_rest() -> None:
    base = result(cell("search", 100), cell("list", 100), cell("list", 500))
    new = result(cell("search", 100, seed=5), cell("detail", 100))
    comparison = compare_runs(base, new)
    assert [c.key for c in comparison.cells] == [("search", 100, 1)]
    assert comparison.only_in_base == (("list", 100, 1), ("list", 500, 1))
    assert comparison.only_in_new == (("detail", 100, 1),)


def _files(tmp_path: Path, slow: float) -> tuple[str, str]:
    base, new = _pair(slow)
    base_dir = tmp_path / "base-run"
    save_results(base, base_dir / "results.json")
    save_results(new, tmp_path / "new.json")
    return str(base_dir), str(tmp_path / "new.json")


def test_cli_prints_table_method_and_writes_json_and_html(tmp_path: Path) -> None:
    base, new = _files(tmp_path, slow=2.0)
    out = CliRunner().invoke(main, ["compare", base, new, "--json", str(tmp_path / "c.json"),
                                    "--html", str(tmp_path / "c.html")])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == f"{new} vs {base}"
    search = next(line for line in lines if line.strip().startswith("search"))
    assert search.rstrip().endswith("REGRESSED")
    assert next(line for line in lines if line.strip().startswith("list")).rstrip().endswith("unchanged")
    assert "1 improved" not in out.output
    assert "1 regressed, 0 improved, 1 unchanged" in out.output
    assert "Mann-Whitney U test" in out.output
    assert "Holm-corrected over 2 cells (family-wise alpha 0.05" in out.output
    assert "too few cells to estimate the run-to-run spread" in out.output
    data = json.loads((tmp_path / "c.json").read_text())
    (comparison,) = data["comparisons"]
    assert comparison["summary"] == {"improved": 0, "regressed": 1, "unchanged": 1}
    assert comparison["method"]["min_effect_pct"] == 10.0
    assert comparison["method"]["correction"] == "holm"
    assert comparison["method"]["noise"]["latency_cells_tested"] == 2
    assert "Holm-corrected over 2 cells" in comparison["method"]["description"]
    assert comparison["cells"][0]["latency_p_holm"] >= comparison["cells"][0]["latency_p_value"]
    assert comparison["cells"][0]["verdict"] == "regressed"
    html = (tmp_path / "c.html").read_text()
    assert "<svg" in html
    assert "<script" not in html
    assert "regressed" in html


def test_fail_on_regression(tmp_path: Path) -> None:
    base, new = _files(tmp_path, slow=2.0)
    failing = CliRunner().invoke(main, ["compare", base, new, "--fail-on-regression", "10%"])
    assert failing.exit_code == 1
    assert "regression beyond 10%: search @ 100 records x1" in failing.output
    assert CliRunner().invoke(main, ["compare", base, new, "--fail-on-regression", "500%"]).exit_code == 0
    same_base, same_new = _files(tmp_path / "same", slow=1.0)
    assert CliRunner().invoke(main, ["compare", same_base, same_new, "--fail-on-regression", "1"]).exit_code == 0


def test_fail_on_regression_with_no_cells_in_common_is_an_error(tmp_path: Path) -> None:
    save_results(result(cell("search", 100)), tmp_path / "a.json")
    save_results(result(cell("list", 100)), tmp_path / "b.json")
    out = CliRunner().invoke(main, ["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"),
                                    "--fail-on-regression", "10%"])
    assert out.exit_code == 2, out.output
    assert "have no cells in common" in out.output
    assert "nothing compared" in out.output
    plain = CliRunner().invoke(main, ["compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert plain.exit_code == 0, plain.output
    assert ("verdicts: latency not tested: no cell has successful requests in both runs (the same endpoint, "
            "dataset size and concurrency)") in plain.output
    assert "at most 0" not in plain.output, "no cell in common is not a want of iterations"


def test_html_escapes_names_from_users_files(tmp_path: Path) -> None:
    from yamlperf.render.compare_page import compare_html

    evil = "<script>alert(1)</script>"
    comparison = compare_runs(result(cell(evil, None)), result(cell(evil, None, seed=3)), base_label=evil)
    html = compare_html([comparison])
    assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_cli_rejects_a_file_that_is_not_results(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    out = CliRunner().invoke(main, ["compare", str(bad), str(bad)])
    assert out.exit_code == 2
    assert "bad.json:1:2: not valid JSON" in out.output


# --- The family of tests and the run-to-run noise ------------------------------------------------


def test_holm_matches_the_reference() -> None:
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm")
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.2]) == [0.2]
    assert holm([]) == []
    assert holm([0.5, 0.6, 0.7]) == [1.0, 1.0, 1.0]  # never below a smaller p's adjusted value


def test_holm_keeps_false_calls_over_thirty_cells_near_alpha() -> None:
    """Thirty unchanged cells of 10 samples, 60 times: uncorrected, most comparisons call some
    cell changed; corrected, about one in twenty at most."""
    raw_any = holm_any = 0
    rng = random.Random(6)
    for _ in range(60):
        p_values = [mann_whitney_u([rng.gauss(10, 1) for _ in range(10)],
                                   [rng.gauss(10, 1) for _ in range(10)]).p_value for _ in range(30)]
        raw_any += min(p_values) < 0.05
        holm_any += min(holm(p_values)) < 0.05
    assert raw_any >= 40
    assert holm_any <= 6
    assert smallest_p(10, 10) * 30 < 0.05 < smallest_p(5, 5) * 30


def test_noise_floor_follows_the_spread_within_its_bounds() -> None:
    criteria = Criteria()
    assert Noise(criteria).floor(1) == pytest.approx(math.log(1.1))  # unknown: the minimum effect
    quiet = Noise(criteria, spread=0.01)
    assert quiet.floor(1) == pytest.approx(math.log(1.1))
    medium = Noise(criteria, spread=0.1)
    assert medium.floor(1) == pytest.approx(0.3)
    assert medium.floor(5) == pytest.approx(0.3 * 1.25 / math.sqrt(5))
    loud = Noise(criteria, spread=0.6)
    assert loud.floor(1) == loud.floor(5) == pytest.approx(math.log(1.5))  # the cap
    assert Noise(Criteria(min_effect_pct=80), spread=0.6).floor(1) == pytest.approx(math.log(1.8))


ENDPOINTS = ("list", "search", "filter", "detail", "related", "stats")
SIZES = (10, 50, 100, 200, 500)


def _noisy_run(seed: int, *, shift: float = 1.0, scatter: float = 0.12, slow: dict[str, float] | None = None,
               endpoints: tuple[str, ...] = ENDPOINTS, sizes: tuple[int | None, ...] = SIZES) -> RunResult:
    """A run on a shared machine: every cell ``shift`` times slower, and each cell's median off by
    a random factor (log-normal, sd ``scatter``) for the run, which its tight samples do not show."""
    rng = random.Random(seed)
    cells = []
    for i, endpoint in enumerate(endpoints):
        for j, size in enumerate(sizes):
            median = 0.003 * (i + 1) * (j + 1) * shift * math.exp(rng.gauss(0, scatter))
            median *= (slow or {}).get(endpoint, 1.0)
            cells.append(cell(endpoint, size, median=median, spread=median * 0.04, n=10,
                              seed=rng.randrange(2**32)))
    return result(*cells)


def _verdicts(base: RunResult, new: RunResult) -> dict[Verdict, set[str]]:
    comparison = compare_runs(base, new)
    found: dict[Verdict, set[str]] = {v: set() for v in Verdict}
    for c in comparison.cells:
        found[c.verdict].add(f"{c.endpoint}@{c.size}")
    return found


@pytest.mark.parametrize("seed", range(8))
def test_run_to_run_noise_is_unchanged(seed: int) -> None:
    """The whole run 25% slower or faster, each cell off by ~12%: every cell's samples differ
    (p < 0.05 without correction), and none is called changed."""
    base = _noisy_run(seed)
    new = _noisy_run(seed + 100, shift=1.25 if seed % 2 else 0.8)
    comparison = compare_runs(base, new)
    assert [c.key for c in comparison.cells if c.verdict is not Verdict.UNCHANGED] == []
    old_rule = [c for c in comparison.cells if c.latency_p is not None and c.latency_p < 0.05
                and abs(c.median.percent or 0) >= 5]
    assert len(old_rule) >= 10  # what a test without correction and noise floor called changed
    noise = comparison.noise
    assert noise is not None
    assert noise.source == "endpoints"
    assert noise.points == 60
    assert abs(noise.shift - math.log(1.25 if seed % 2 else 0.8)) < 0.12
    assert 0.08 < noise.spread < 0.3  # about the 0.12 x sqrt(2) of a ratio of two runs
    assert "run-to-run spread of cell medians" in comparison.describe()


@pytest.mark.parametrize("seed", range(4))
def test_a_2x_slower_endpoint_among_noise_is_that_endpoints_regression_only(seed: int) -> None:
    base = _noisy_run(seed)
    new = _noisy_run(seed + 100, shift=1.15, slow={"search": 2.0})
    found = _verdicts(base, new)
    assert found[Verdict.REGRESSED] == {f"search@{size}" for size in SIZES}
    assert found[Verdict.IMPROVED] == set()
    comparison = compare_runs(base, new)
    search = next(c for c in comparison.cells if c.endpoint == "search")
    assert "with its endpoint +1" in search.reason  # +1xx% over 5 cells


@pytest.mark.parametrize("seed", range(4))
def test_2x_slower_endpoints_that_are_half_of_the_cells(seed: int) -> None:
    """Half the cells moved: the median of all changes is no longer the noise's centre and their
    spread no longer the noise. Endpoints that move as a whole leave the within-endpoint spread
    alone, and the nearer-zero middle endpoint sets the run's shift."""
    slow = dict.fromkeys(("list", "filter", "related"), 2.0)
    found = _verdicts(_noisy_run(seed), _noisy_run(seed + 100, slow=slow))
    assert found[Verdict.REGRESSED] == {f"{e}@{s}" for e in slow for s in SIZES}
    assert found[Verdict.IMPROVED] == set()
    two = ("fast", "slowed")
    found = _verdicts(_noisy_run(seed, endpoints=two), _noisy_run(seed + 100, endpoints=two, slow={"slowed": 2.0}))
    assert found[Verdict.REGRESSED] == {f"slowed@{s}" for s in SIZES}
    assert found[Verdict.IMPROVED] == set()


def test_the_cap_finds_2x_when_the_spread_estimate_breaks_down() -> None:
    """Ten endpoints of one cell each, five of them 2x slower: the spread (MAD of all cells around
    the shift) breaks down at 50% contamination and is huge, but the floor is capped at 50%."""
    names = tuple(f"e{i}" for i in range(10))
    slow = dict.fromkeys(names[::2], 2.0)
    found = missed = 0
    for seed in range(20):
        base = _noisy_run(seed, endpoints=names, sizes=(None,), scatter=0.08)
        comparison = compare_runs(base, _noisy_run(seed + 100, endpoints=names, sizes=(None,), scatter=0.08,
                                                   slow=slow))
        assert comparison.noise is not None
        assert comparison.noise.source == "cells"
        assert comparison.noise.spread > 0.3
        assert comparison.noise.floor(1) == pytest.approx(math.log(1.5))
        regressed = {c.endpoint for c in comparison.cells if c.verdict is Verdict.REGRESSED}
        assert regressed <= set(slow)
        assert comparison.count(Verdict.IMPROVED) == 0
        found += len(regressed)
        missed += len(set(slow) - regressed)
    assert found / (found + missed) >= 0.9  # 2x against a 50% floor beyond the shift, with noise


def test_a_whole_run_2x_slower_is_more_than_machine_speed() -> None:
    found = _verdicts(_noisy_run(1), _noisy_run(101, shift=2.0))
    assert len(found[Verdict.REGRESSED]) == 30
    found = _verdicts(_noisy_run(1), _noisy_run(101, shift=1.3))
    assert found[Verdict.REGRESSED] == set()


def test_a_cell_that_moves_alone_is_listed_not_called() -> None:
    """One cell of an endpoint 4x slower, its other sizes as they were: on a busy machine a burst
    of interference does that to a whole cell, so it is not called a regression, only marked."""
    base, new = _noisy_run(3, scatter=0.05), _noisy_run(103, scatter=0.05)
    key = ("related", 500, 1)
    cells = [c if c.key != key else cell("related", 500, median=c.latency.median * 4,
                                         spread=c.latency.median * 0.16, seed=9) for c in new.cells if c.latency]
    comparison = compare_runs(base, result(*cells))
    assert comparison.count(Verdict.UNCHANGED) == 30
    assert [c.key for c in comparison.cells if c.moved_alone] == [key]
    (related,) = [c for c in comparison.cells if c.key == key]
    assert related.reason.startswith("median +")
    assert "moved alone, not called (its endpoint" in related.reason
    assert [(c["endpoint"], c["size"]) for c in _cli_json(comparison)["cells"] if c["moved_alone"]] == [key[:2]]


def _cli_json(comparison: Comparison) -> dict:
    from yamlperf.compare import comparisons_json

    return comparisons_json([comparison])["comparisons"][0]


def test_interference_on_some_requests_is_not_a_change() -> None:
    """Most of a cell's requests 2.5x slower in a burst (another process took the CPU), in two of
    an endpoint's three cells: the medians more than doubled, the fast requests did not move."""
    rng = random.Random(4)

    def run(slowed: range, sizes: tuple[int, ...] = (40, 120)) -> RunResult:
        cells = []
        for endpoint, base_ms in (("list", 0.002), ("search", 0.004), ("stats", 0.003)):
            for j, size in enumerate((10, 40, 120)):
                burst = slowed if endpoint == "search" and size in sizes else range(0)
                values = tuple(base_ms * (j + 1) * rng.uniform(0.97, 1.03) * (2.5 if i in burst else 1.0)
                               for i in range(20))
                cells.append(replace(cell(endpoint, size, n=20), samples=values, latency=latency_from(list(values))))
        return result(*cells)

    comparison = compare_runs(run(range(0)), run(range(4, 16)))  # 12 of 20 requests in a burst
    search = [c for c in comparison.cells if c.endpoint == "search" and c.size != 10]
    assert all((c.median.percent or 0) > 50 for c in search)
    assert all(c.latency_p_holm is not None and c.latency_p_holm < 0.05 for c in search)
    assert comparison.count(Verdict.REGRESSED) == 0
    assert comparison.count(Verdict.IMPROVED) == 0
    slower = compare_runs(run(range(0)), run(range(20), sizes=(10, 40, 120)))
    assert {c.endpoint for c in slower.cells if c.verdict is Verdict.REGRESSED} == {"search"}


def test_runs_too_short_to_test_say_why_and_how_many_iterations_are_needed(tmp_path: Path) -> None:
    """Runs of 3 iterations used to end with "Holm-corrected over 0 cells" and nothing else."""
    base = result(cell("search", n=3, seed=1), cell("list", n=3, seed=2))
    new = result(cell("search", n=3, seed=3, median=0.060), cell("list", n=3, seed=4))
    save_results(base, tmp_path / "base.json")
    save_results(new, tmp_path / "new.json")
    out = CliRunner().invoke(main, ["compare", str(tmp_path / "base.json"), str(tmp_path / "new.json"),
                                    "--json", str(tmp_path / "c.json")])
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert ("latency not tested: the Mann-Whitney U test needs 8 or more samples of a cell in both runs, "
            "and these cells have at most 3; measure 8 or more iterations") in text
    assert "over 0 cells" not in text
    (comparison,) = json.loads((tmp_path / "c.json").read_text())["comparisons"]
    assert comparison["method"]["noise"]["most_samples"] == 3
    assert "latency not tested" in comparison["method"]["description"]


def test_a_changed_growth_class_is_named() -> None:
    """``search: O(log n) -> O(n)``: the class each run's analysis names, when they cannot agree."""
    sizes = (100, 300, 1000, 3000, 10000)

    def run(shape) -> RunResult:
        return result(*(cell("search", s, median=shape(s), spread=shape(s) * 0.02, n=60, seed=s) for s in sizes),
                      *(cell("list", s, median=0.002, spread=0.00004, n=60, seed=s + 1) for s in sizes))

    logarithmic = run(lambda n: 0.001 * (1 + math.log(n) / math.log(10000)))
    linear = run(lambda n: 0.001 + 2e-6 * n)
    comparison = compare_runs(logarithmic, linear)
    assert len(comparison.class_changes) == 1, comparison.class_changes
    assert comparison.class_changes[0].startswith("search: O(log n) (")
    assert " -> O(n) (" in comparison.class_changes[0]
    assert compare_runs(linear, linear).class_changes == ()
    output = format_comparison(comparison)
    assert "growth class changed:\n  search: O(log n)" in output


def test_a_move_within_one_coarse_class_is_not_called_a_change() -> None:
    """O(n) in one run and O(n log n) in the next is what identical runs on a shared machine do;
    both are linear, which is what the verdicts lead with and ``growth <= linear`` gates on."""
    sizes = (100, 300, 1000, 3000, 10000)

    def run(shape) -> RunResult:
        return result(*(cell("search", s, median=shape(s), spread=shape(s) * 0.02, n=60, seed=s) for s in sizes))

    linear = run(lambda n: 0.001 + 2e-6 * n)
    n_log_n = run(lambda n: 0.001 + 2e-7 * n * math.log(n))
    quadratic = run(lambda n: 0.001 + 2e-10 * n * n)
    assert read_run(linear).endpoint("search").growth.rank == classes.LINEAR  # type: ignore[union-attr]
    assert read_run(n_log_n).endpoint("search").growth.rank == classes.N_LOG_N  # type: ignore[union-attr]
    assert compare_runs(linear, n_log_n).class_changes == ()
    (change,) = compare_runs(linear, quadratic).class_changes
    assert change.startswith("search: O(n) (")
    assert " -> O(n^2) (" in change
