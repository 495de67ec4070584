"""The compare page's chart looks like the report's charts: its style, short run names, whole labels."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from yamlperf.compare import compare_runs
from yamlperf.render.compare_page import median_change_chart
from yamlperf.render.style import FONT_FAMILY

from .synthetic import make_run

SVG = "{http://www.w3.org/2000/svg}"


def _chart() -> str:
    base = make_run(seed=1)
    slower = make_run({name: (lambda n, f=f: 2.2 * f(n)) for name, f in
                       {"list_prompts": lambda n: 0.0008 + 4e-6 * n, "get_prompt": lambda n: 0.001}.items()},
                      seed=2)
    comparison = compare_runs(base, slower, base_label="runs/20260302-100000-prompts-scale/results.json",
                              new_label="/home/ci/build/runs/20260303-100000-prompts-scale/results.json")
    return median_change_chart(comparison)


def test_the_chart_uses_the_report_style_and_names_runs_by_folder() -> None:
    svg = _chart()
    assert FONT_FAMILY.split(",")[0] in svg
    assert "monospace" not in svg
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "Median change, 20260303-100000-prompts-scale vs 20260302-100000-prompts-scale" in texts
    assert not any("/home/ci" in t or "results.json" in t for t in texts)


def test_axis_labels_are_whole_and_values_sit_outside_their_bars() -> None:
    svg = _chart()
    root = ET.fromstring(svg)
    axis = [t.text or "" for g in root.iter(f"{SVG}g") if "axis" in (g.get("class") or "").split()
            for t in g.iter(f"{SVG}text")]
    percents = [t for t in axis if t.endswith("%")]
    assert percents
    assert all("\u2026" not in t for t in percents)  # once "+100.…"
    assert any(re.fullmatch(r"\+\d+%", t) for t in percents)
    printed = re.findall(r'<text text-anchor="(\w+)"[^>]*class="value">([^<]*)</text>', svg)
    assert printed
    assert all(anchor == ("end" if value.startswith("\u2212") else "start") for anchor, value in printed)
