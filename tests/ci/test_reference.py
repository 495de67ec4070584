"""``analysis.reference`` end to end on real runs: the report says what the reference measured at
each size, how far the machine's speed drifted and what was corrected; the console says the drift
when it is large; the tables keep the measured figures; a reference that grows is called no reference.

The machine's slowing down during one size is played by the server: the reference and the other
endpoint both sleep twice as long at 6 records (``/slow?ms=`` templated on ``size``), as a whole
size's figures move together when a shared host is stolen from.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from servers import RecordsServer, ScenarioFactory, records_scenario, run_plan

from yamlperf.analysis.reading import read_run
from yamlperf.analysis.reference import NOTICEABLE_DRIFT
from yamlperf.results import load_results
from yamlperf.units import ms_figure

SLOWER_AT = 6


def _run(write_scenario: ScenarioFactory, endpoints: list[dict[str, str]], reference: str) -> tuple[int, str, Path]:
    with RecordsServer() as server:
        plan = write_scenario(records_scenario(
            server.url, sizes=[3, 6, 9], load={"iterations": 20}, endpoints=endpoints,
            analysis={"reference": reference}, output={"formats": ["json", "html"]}))
        return run_plan(plan)


def test_a_reference_that_saw_the_machine_slow_down_corrects_the_others_and_says_so(
        write_scenario: ScenarioFactory) -> None:
    code, output, run_dir = _run(write_scenario, [
        {"name": "work", "path": f"/slow?ms={{{{ 8 if size == {SLOWER_AT} else 4 }}}}"},
        {"name": "health", "path": f"/slow?ms={{{{ 2 if size == {SLOWER_AT} else 1 }}}}"},
    ], "health")
    assert code == 0, output
    result = load_results(run_dir)
    assert result.scenario["analysis"] == {"reference": "health"}
    reference = read_run(result).reference
    assert reference is not None
    assert reference.endpoint == "health"
    assert reference.drift > NOTICEABLE_DRIFT, reference
    medians = {c.size: c.latency.median for c in result.cells if c.endpoint == "health" and c.latency}
    assert {s: v.reference for s, v in reference.speeds.items()} == medians

    lines = output.splitlines()
    growth = lines.index("growth:")
    drift = next(line for line in lines[growth:] if line.startswith("  reference health: "))
    assert f"its median {ms_figure(min(medians.values()))} to {ms_figure(max(medians.values()))} ms" in drift
    assert "the machine's speed moved" in drift
    assert f"its usual {ms_figure(reference.usual)} ms" in drift

    page = html.unescape((run_dir / "report.html").read_text("utf-8"))
    (paragraph,) = re.findall(r'<p class="reference">(.*?)</p>', page, re.DOTALL)
    listed = ", ".join(ms_figure(medians[s]) for s in (3, 6)) + f" and {ms_figure(medians[9])}"
    assert "Reference: health (analysis.reference)" in paragraph
    assert f"median {listed} ms at 3, 6 and 9 records" in paragraph
    assert "The machine's speed moved" in paragraph
    assert f"brought to the usual speed, health's {ms_figure(reference.usual)} ms: the most at 6 records, " \
           "where health took" in paragraph
    assert "counted as doubt" in paragraph
    assert "The reference (analysis.reference): the machine's speed at each size is read from it" in page
    assert "Every fit but health's is on the medians with the request path brought to the usual speed" in page

    work = {c.size: c.latency.median for c in result.cells if c.endpoint == "work" and c.latency}
    assert f"<td>{ms_figure(work[SLOWER_AT])}</td>" in page.replace('<td class="num">', "<td>"), \
        "the results tables keep the measured figure"
    fitted = read_run(result).endpoint("work")
    assert fitted is not None
    assert fitted.growth is not None
    corrected = dict(zip(fitted.growth.sizes, fitted.growth.values, strict=True))
    assert any(corrected[s] == pytest.approx(work[s]) for s in (3, 9)), "the usual size is left as it was"
    assert corrected[SLOWER_AT] < 0.8 * work[SLOWER_AT], (corrected, work)


def test_a_reference_that_grows_with_the_data_is_called_no_reference(write_scenario: ScenarioFactory) -> None:
    code, output, run_dir = _run(write_scenario, [
        {"name": "list", "path": "/records"},
        {"name": "ping", "path": "/slow?ms={{ size * 2 }}"},
    ], "ping")
    assert code == 0, output
    warning = next(line for line in output.splitlines() if line.startswith("  warning: the reference ping"))
    assert "itself grows with the data" in warning
    assert "is no reference" in warning
    assert not any(line.startswith("  reference ping: ") for line in output.splitlines()), \
        "its growth is not called the machine's drift"
    page = html.unescape((run_dir / "report.html").read_text("utf-8"))
    (paragraph,) = re.findall(r'<p class="reference level-warning">(.*?)</p>', page, re.DOTALL)
    assert "The reference ping itself grows with the data" in paragraph
    assert "The machine's speed" not in paragraph
    assert re.search(r'<tr class="level-warning">\s*<td class="name">ping</td>', page), \
        "the reference's row is marked as a warning"
    (headline,) = re.findall(r'<p class="headline[^"]*">(.*?)</p>', page, re.DOTALL)
    assert re.search(r"\bping [^;]*the reference grows with the data", headline), \
        "the headline names it among ping's reasons (a loaded machine may add another before it)"
