"""Comparing runs: noise is unchanged, a real slowdown is a regression of that cell only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from yamlperf.cli import main
from yamlperf.compare import Criteria, Verdict, compare_runs
from yamlperf.results import save_results
from yamlperf.significance import mann_whitney_u, two_proportions

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
    assert "alpha 0.05" in out.output
    data = json.loads((tmp_path / "c.json").read_text())
    (comparison,) = data["comparisons"]
    assert comparison["summary"] == {"improved": 0, "regressed": 1, "unchanged": 1}
    assert comparison["method"]["min_effect_pct"] == 5.0
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
