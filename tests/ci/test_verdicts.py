"""Thresholds judged against measured cells: which rule, which cell, the value and the limit."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from yamlperf.cli import main
from yamlperf.verdicts import evaluate, format_verdicts

from .builders import cell, result, scenario


def test_met_and_unmet_latency_rules_name_cell_value_and_limit(tmp_path: Path) -> None:
    plan = scenario(tmp_path, "dataset: {sizes: [500], create: {path: /x}}\n"
                              "thresholds:\n  - {rules: 'p95 < 300ms', endpoints: search}\n"
                              "  - 'median <= 50ms'\n")
    run = result(cell("search", 500, median=0.412, spread=0.001), cell("list", 500, median=0.010))
    outcomes = evaluate(plan, run)
    p95 = [o for o in outcomes if o.rule == "p95 < 300ms"]
    assert len(p95) == 1
    assert not p95[0].passed
    assert p95[0].message.startswith("p95 < 300ms failed for search @ 500 records x1: measured 41")
    assert p95[0].message.endswith("limit 300.00ms")
    median = {o.endpoint: o for o in outcomes if o.rule == "median <= 50ms"}
    assert not median["search"].passed
    assert median["list"].passed
    assert median["list"].value is not None
    assert median["list"].value < 0.05


def test_rate_and_throughput_rules(tmp_path: Path) -> None:
    plan = scenario(tmp_path, "thresholds: ['success_rate >= 99%', 'error_rate < 5%', 'rps > 1']\n")
    run = result(cell("search", None, n=100, failures=3), cell("list", None, n=100))
    outcomes = {(o.rule, o.endpoint): o for o in evaluate(plan, run)}
    assert not outcomes["success_rate >= 99%", "search"].passed
    assert "measured 97.00%, limit 99.00%" in outcomes["success_rate >= 99%", "search"].message
    assert outcomes["error_rate < 5%", "search"].passed
    assert outcomes["success_rate >= 99%", "list"].passed
    assert outcomes["rps > 1", "list"].passed


def test_a_cell_without_successes_fails_a_latency_rule_with_a_reason(tmp_path: Path) -> None:
    plan = scenario(tmp_path, "thresholds: ['p95 < 300ms']\n")
    (outcome,) = evaluate(plan, result(cell("search", None, n=10, failures=10)))
    assert not outcome.passed
    assert outcome.value is None
    assert "no successful requests (10 sent, all failed)" in outcome.message


def test_a_rule_matching_no_cell_is_reported_as_failed(tmp_path: Path) -> None:
    plan = scenario(tmp_path, "thresholds:\n  - {rules: ['p95 < 1s'], endpoints: 'serach*', sizes: 50}\n")
    (outcome,) = evaluate(plan, result(cell("search", 50)))
    assert not outcome.passed
    assert "matches no measured cell (endpoints serach*; sizes 50)" in outcome.message


def test_scope_by_size_and_concurrency(tmp_path: Path) -> None:
    plan = scenario(tmp_path, "dataset: {sizes: [10, 500], create: {path: /x}}\nload: {concurrency: [1, 4]}\n"
                              "thresholds:\n  - {rules: 'p95 < 100ms', sizes: [500], concurrency: 4}\n")
    run = result(*(cell(e, s, c, median=0.5 if s == 10 else 0.01)
                   for e in ("search", "list") for s in (10, 500) for c in (1, 4)))
    outcomes = evaluate(plan, run)
    assert {(o.endpoint, o.size, o.concurrency) for o in outcomes} == {("search", 500, 4), ("list", 500, 4)}
    assert all(o.passed for o in outcomes)


def test_console_summary_counts_passes_and_spells_out_failures(tmp_path: Path) -> None:
    plan = scenario(tmp_path, "thresholds: ['p95 < 300ms']\n")
    text = format_verdicts(evaluate(plan, result(cell("search", None, median=0.5), cell("list", None))))
    assert text.splitlines()[0] == "thresholds: 1 passed, 1 failed"
    assert "  PASS  p95 < 300ms  (1 check)" in text
    assert "  FAIL  p95 < 300ms failed for search x1: measured" in text
    assert format_verdicts(()) == "thresholds: none defined"


def test_an_invalid_rule_is_a_located_validation_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("target: {base_url: 'http://127.0.0.1:1'}\nendpoints:\n  - {name: a, path: /}\n"
                    "thresholds:\n  - 'p95 < 300'\n  - 'p97 < 1s'\n", encoding="utf-8")
    outcome = CliRunner().invoke(main, ["validate", str(path)])
    assert outcome.exit_code == 2
    assert f"{path}:5:5:" in outcome.output
    assert "has no unit" in outcome.output
    assert f"{path}:6:5:" in outcome.output
    assert "unknown metric 'p97'" in outcome.output


def test_growth_rules_judge_each_endpoint_across_sizes(tmp_path: Path) -> None:
    plan = scenario(tmp_path, "dataset: {sizes: [100, 1000, 5000, 10000], create: {path: /x}}\n"
                              "thresholds: ['growth <= sublinear']\n")
    sizes = (100, 1000, 5000, 10000)
    run = result(*(cell("search", s, median=0.002 + 0.00002 * s, spread=0.00001, seed=s) for s in sizes),
                 *(cell("list", s, median=0.005, spread=0.00001, seed=s) for s in sizes))
    outcomes = {o.endpoint: o for o in evaluate(plan, run)}
    assert set(outcomes) == {"search", "list"}
    assert not outcomes["search"].passed
    assert outcomes["search"].message.startswith("growth <= sublinear failed for search x1: measured linear")
    assert outcomes["search"].message.endswith("limit sublinear")
    assert outcomes["list"].passed
    assert outcomes["list"].size is None


def test_a_growth_rule_fails_when_fewer_than_three_sizes_were_measured(tmp_path: Path) -> None:
    """A plan with two sizes is refused when loaded; a run whose cells at a size all failed has no
    median there, and the rule says how many sizes it had."""
    plan = scenario(tmp_path, "dataset: {sizes: [10, 50, 100], create: {path: /x}}\n"
                              "thresholds: ['growth <= linear']\n")
    (outcome,) = evaluate(plan, result(cell("search", 10), cell("search", 50)))
    assert not outcome.passed
    assert "needs median times at 3 or more dataset sizes, measured at 2" in outcome.message


def test_growth_at_three_sizes_passes_noise_and_fails_a_rise(tmp_path: Path) -> None:
    """The README's `--sizes 25 75 150`: a sub-millisecond dip-then-rise once failed `growth <= linear`
    as "superlinear (exponent 4.00)" and passes; a flat endpoint whose largest size is 2.8x slower
    fails, because three sizes cannot tell a disturbed cell from steep growth and doubt fails a gate;
    the N+1 endpoint's clear rise fails it."""
    plan = scenario(tmp_path, "dataset: {sizes: [25, 75, 150], create: {path: /x}}\n"
                              "thresholds: ['growth <= linear']\nendpoints:\n  - {name: list, path: /l}\n"
                              "  - {name: detail, path: /d}\n  - {name: related, path: /r}\n")
    jittery = {25: 0.81e-3, 75: 0.49e-3, 150: 0.87e-3}
    jump = {25: 0.78e-3, 75: 0.76e-3, 150: 2.14e-3}
    n_plus_one = {25: 2.48e-3, 75: 8.72e-3, 150: 25.1e-3}
    run = result(*(cell("list", s, median=m, spread=m * 0.05, seed=s) for s, m in jittery.items()),
                 *(cell("detail", s, median=m, spread=m * 0.05, seed=s) for s, m in jump.items()),
                 *(cell("related", s, median=m, spread=m * 0.05, seed=s) for s, m in n_plus_one.items()))
    outcomes = {o.endpoint: o for o in evaluate(plan, run)}
    assert outcomes["list"].passed, outcomes["list"].message
    assert "measured constant (O(1), " in outcomes["list"].message or "undetermined" in outcomes["list"].message
    assert not outcomes["detail"].passed, outcomes["detail"].message
    assert "ms from 25 to 150 records (2.7" in outcomes["detail"].message
    assert not outcomes["related"].passed
    assert "in doubt" not in outcomes["related"].message  # every plausible class is steeper than linear
    assert "O(n^2)" in outcomes["related"].message


def test_doubt_fails_a_growth_rule_and_says_what_to_measure(tmp_path: Path) -> None:
    """The demo's stats at three sizes: 1.9x over 6x the data, its shape unknowable. A low-confidence
    class used to pass the gate; an N^2 endpoint measured as thinly passed with it."""
    plan = scenario(tmp_path, "dataset: {sizes: [25, 75, 150], create: {path: /x}}\n"
                              "thresholds: ['growth <= linear', 'growth <= sublinear', "
                              "'complexity <= \"O(n^2)\"']\n")
    medians = {25: 0.76e-3, 75: 0.93e-3, 150: 1.42e-3}
    run = result(*(cell("search", s, median=m, spread=m * 0.05, seed=s) for s, m in medians.items()))
    linear, sublinear, quadratic = [o for o in evaluate(plan, run) if o.endpoint == "search"]
    assert not linear.passed, linear.message
    assert "measured undetermined between" in linear.message
    assert "in doubt:" in linear.message
    assert "measure more requests per size or more sizes" in linear.message
    assert not sublinear.passed, sublinear.message
    assert "in doubt" not in sublinear.message  # every resample is steeper than sub-linear
    assert quadratic.passed, quadratic.message


def test_complexity_and_forecast_rules_are_judged_per_endpoint(tmp_path: Path) -> None:
    """`complexity <= "O(n)"` on a linear and a quadratic endpoint; `p95_at(10000) < 500ms` forecasts
    beyond the measured sizes and passes only when the upper end of its interval is under the limit."""
    plan = scenario(tmp_path, "dataset: {sizes: [100, 300, 1000, 3000], create: {path: /x}}\n"
                              "thresholds: ['complexity <= \"O(n)\"', 'p95_at(10000) < 500ms']\n")
    sizes = (100, 300, 1000, 3000)
    run = result(*(cell("search", s, median=0.001 + 1e-5 * s, spread=(0.001 + 1e-5 * s) * 0.03, seed=s)
                   for s in sizes),
                 *(cell("list", s, median=0.001 + 1e-8 * s * s, spread=(0.001 + 1e-8 * s * s) * 0.03, seed=s)
                   for s in sizes))
    outcomes = {(o.rule, o.endpoint): o for o in evaluate(plan, run)}
    linear = outcomes[('complexity <= "O(n)"', "search")]
    assert linear.passed, linear.message
    assert "measured linear (O(n), " in linear.message
    assert linear.message.endswith("limit O(n)")
    quadratic = outcomes[('complexity <= "O(n)"', "list")]
    assert not quadratic.passed, quadratic.message
    assert "super-linear (O(n^2), " in quadratic.message
    near = outcomes[("p95_at(10000) < 500ms", "search")]
    assert near.passed, near.message
    assert "at 10,000 records (90% interval" in near.message
    assert "extrapolated beyond the measured 100-3,000 records" in near.message
    far = outcomes[("p95_at(10000) < 500ms", "list")]
    assert not far.passed, far.message
    assert far.value is not None
    assert far.value > 0.5


def test_the_new_rule_forms_are_located_errors_when_wrong(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("target: {base_url: 'http://127.0.0.1:1'}\ndataset: {sizes: [10, 50, 100], create: {path: /x}}\n"
                    "endpoints:\n  - {name: a, path: /a}\nthresholds:\n"
                    "  - 'complexity <= O(n^3)'\n  - 'p97_at(100) < 1s'\n")
    outcome = CliRunner().invoke(main, ["validate", str(path)])
    assert outcome.exit_code == 2
    assert f"{path}:6:5:" in outcome.output
    assert "unknown complexity class 'O(n^3)'" in outcome.output
    assert f"{path}:7:5:" in outcome.output
    assert "cannot read the forecast 'p97_at(100)'" in outcome.output
