"""An endpoint with its own arrival rate beside closed-model endpoints, across dataset sizes.

The open endpoint is measured at its ``max_in_flight``, the closed ones at their concurrency: the
run has two levels although nothing is swept. Its growth used to be read at the run's lowest level
only, so the open endpoint was left out: no growth verdict on the console, "All 2 endpoints scale
well" in the report with its row empty, "no request to detail succeeded at any size" under the
size chart (all had), and throughput/p95-vs-concurrency charts drawn across two endpoints that
each have one level.
"""

from __future__ import annotations

import json
import re
from html import unescape

from servers import RecordsServer, ScenarioFactory, records_scenario, run_plan

from yamlperf.analysis.reading import read_run
from yamlperf.analysis.sentences import verdict_lines
from yamlperf.render.analysis import analyze
from yamlperf.render.charts import build_charts
from yamlperf.results import load_results


def _text(html: str) -> str:
    html = re.sub(r"<(svg|script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_an_open_model_endpoint_beside_closed_ones_is_analysed_at_its_own_level(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(
        records_server.url, sizes=[4, 8, 16], load={"iterations": 8, "concurrency": 1},
        endpoints=[{"name": "list", "path": "/records"},
                   {"name": "detail", "path": "/records/{{ ids | random }}", "rate": "20/s", "duration": "1s",
                    "max_in_flight": 5}],
        output={"formats": ["json", "html"]})
    code, output, run_dir = run_plan(write_scenario(data))
    assert code == 0, output
    result = load_results(run_dir / "results.json")
    assert {(c.endpoint, c.concurrency) for c in result.cells} == {("list", 1), ("detail", 5)}

    reading = {r.endpoint: r for r in read_run(result).endpoints}
    assert reading["detail"].growth is not None
    assert [c.size for c in reading["detail"].cells] == [4, 8, 16]
    lines = verdict_lines(result)
    assert any(line.startswith("detail: ") for line in lines), lines
    assert "detail: " in output.split("growth:", 1)[1]

    found = {f.endpoint: f for f in analyze(result).endpoints}
    assert found["detail"].first is not None
    assert found["detail"].first.concurrency == 5
    assert found["detail"].growth is not None

    names = {chart.name for chart in build_charts(result)}
    assert "throughput_vs_concurrency" not in names
    assert "p95_vs_concurrency" not in names
    page = _text((run_dir / "report.html").read_text(encoding="utf-8"))
    assert "no request to detail succeeded" not in page
    assert "at each endpoint's lowest concurrency" in page
    row = re.search(r"detail \d+ 100% (\S+ → \S+) (\S+ \(O\([^)]*\)\)|undetermined)", page)
    assert row is not None, page[:3000]
    assert json.loads((run_dir / "results.json").read_text())["cells"][1]["load"]["model"] == "open"


def test_a_sweep_still_draws_its_concurrency_charts_for_the_swept_endpoint_only(
        records_server: RecordsServer, write_scenario: ScenarioFactory) -> None:
    data = records_scenario(
        records_server.url, sizes=[4], load={"iterations": 8, "concurrency": [1, 2]},
        endpoints=[{"name": "list", "path": "/records"},
                   {"name": "paced", "path": "/static", "rate": "20/s", "iterations": 10, "max_in_flight": 5}])
    code, output, run_dir = run_plan(write_scenario(data))
    assert code == 0, output
    result = load_results(run_dir / "results.json")
    charts = {chart.name: chart for chart in build_charts(result)}
    sweep = charts["throughput_vs_concurrency"].svg
    assert "list" in sweep
    assert "paced" not in sweep
