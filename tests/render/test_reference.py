"""The report's line about ``analysis.reference`` on runs of known shapes: a steady machine is said to
be steady, a plan of three sizes or more without a reference gets the hint, two sizes do not."""

from __future__ import annotations

from dataclasses import replace

from yamlperf.analysis.reference import NOTICEABLE_DRIFT
from yamlperf.analysis.reference_words import drift_line, reference_note
from yamlperf.render.report import report_html
from yamlperf.results import RunResult

from .synthetic import SHAPES, make_cell, make_run


def _with_reference(run: RunResult, name: str) -> RunResult:
    return replace(run, scenario={**run.scenario, "analysis": {"reference": name}})


def test_a_steady_reference_is_said_to_be_steady_and_the_console_says_nothing() -> None:
    run = make_run({"list": SHAPES["list_prompts"], "health": SHAPES["health"]}, noise=0.005)
    steady = tuple(make_cell("health", c.size, SHAPES["health"](c.size or 1), n=200, spread=0.02)
                   if c.endpoint == "health" else c for c in run.cells)
    run = _with_reference(replace(run, cells=steady), "health")
    note = reference_note(run)
    assert note is not None
    assert note.level == ""
    assert "The machine's speed held steady: health's medians spread" in note.text
    assert f"under the {NOTICEABLE_DRIFT:.1%} worth noting" in note.text
    assert "Reference: health (analysis.reference)" in note.text
    assert drift_line(run) is None
    assert f'<p class="reference">{note.text.replace(chr(39), "&#39;")}</p>' in report_html(run)


def test_a_plan_of_three_sizes_without_a_reference_gets_the_hint_and_of_two_does_not() -> None:
    run = make_run({"list": SHAPES["list_prompts"]})
    note = reference_note(run)
    assert note is not None
    assert note.level == "hint"
    assert "name it as analysis.reference" in note.text
    assert '<p class="reference level-hint">' in report_html(run)
    assert reference_note(make_run({"list": SHAPES["list_prompts"]}, sizes=(10, 500))) is None
    assert reference_note(make_run({"list": SHAPES["list_prompts"]}, sizes=(None,))) is None


def test_a_reference_measured_at_one_size_corrects_nothing_and_says_so() -> None:
    run = _with_reference(make_run({"list": SHAPES["list_prompts"], "health": SHAPES["health"]},
                                   sizes=(500,)), "health")
    note = reference_note(run)
    assert note is not None
    assert note.level == "warning"
    assert "has no median at two sizes or more: no figure was corrected" in note.text
