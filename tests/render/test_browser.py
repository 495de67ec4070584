"""report.html in headless Chromium: no console error, no network request, every chart drawn,
tooltips working, a ``<script>`` endpoint name inert, a full-page screenshot kept for people."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from .cdp import Page, browser, chromium
from .conftest import ChartsOf

pytestmark = pytest.mark.skipif(
    chromium() is None, reason="chromium is not installed (Debian package `chromium`, installed by .ci/run): "
                               "the report's browser check cannot run")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WIDTH = 1280
CHARTS_JS = """
Array.from(document.querySelectorAll("figure.chart")).map(function (figure) {
  var svg = figure.querySelector("svg");
  var box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  var style = svg ? getComputedStyle(svg) : {display: "none", visibility: "hidden"};
  return {id: figure.id, width: box.width, height: box.height, display: style.display,
          visibility: style.visibility, shapes: svg ? svg.querySelectorAll("path, rect, circle").length : 0};
})
"""
TOOLTIP_JS = """
(function () {
  var trigger = document.querySelector("figure.chart .tooltip-trigger");
  var box = trigger.getBoundingClientRect();
  trigger.dispatchEvent(new MouseEvent("mouseover", {bubbles: true, clientX: box.x + 1, clientY: box.y + 1}));
  var tip = document.getElementById("chart-tip");
  return {text: tip.textContent, hidden: tip.hidden};
})()
"""


def problems(page: Page) -> list[str]:
    """Console errors and warnings, uncaught exceptions and failed loads seen so far."""
    found = []
    for event in page.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            found.append(str(params["exceptionDetails"]))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "warning", "assert"}:
            found.append(str(params.get("args")))
        elif method == "Log.entryAdded" and params["entry"]["level"] in {"error", "warning"}:
            found.append(params["entry"]["text"])
        elif method == "Network.loadingFailed":
            found.append(f"failed load: {params}")
    return found


def requested(page: Page) -> list[str]:
    return [e["params"]["request"]["url"] for e in page.events if e.get("method") == "Network.requestWillBeSent"]


def open_report(page: Page, report: Path) -> None:
    for domain in ("Runtime", "Log", "Network", "Page"):
        page.call(f"{domain}.enable")
    page.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=1000, deviceScaleFactor=1, mobile=False)
    page.call("Page.navigate", url=report.as_uri())
    page.wait_for("Page.loadEventFired")


def check_screenshot(path: Path) -> None:
    with Image.open(path) as image:
        image.load()
        assert image.width == WIDTH
        assert image.height > 3000  # the whole page, not the window
        colours = image.convert("RGB").getcolors(maxcolors=1 << 22) or []
        assert len(colours) > 200  # text, tables and charts, not a blank or error page


@pytest.mark.parametrize("name", ["scale", "many", "no_dataset", "incomplete", "load"])
def test_report_renders_without_errors_or_network(name: str, written: Callable[[str], Path],
                                                  charts_of: ChartsOf, tmp_path: Path) -> None:
    with browser(tmp_path / "profile") as page:
        open_report(page, written(name) / "report.html")
        charts: list[dict[str, Any]] = page.evaluate(CHARTS_JS)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"report-{name}.png"
        page.screenshot(shot, WIDTH)
        tooltip = page.evaluate(TOOLTIP_JS)
        pwned = page.evaluate("typeof window.__pwned")
        assert problems(page) == []
    assert [u for u in requested(page) if not u.startswith(("file:", "data:", "about:"))] == []
    assert [c["id"] for c in charts] == [f"chart-{n}" for n in charts_of(name)]
    for chart in charts:
        assert chart["width"] > 600, chart
        assert chart["height"] > 200, chart
        assert chart["display"] != "none"
        assert chart["visibility"] == "visible"
        assert chart["shapes"] > 10, chart
    assert tooltip["hidden"] is False
    assert tooltip["text"]
    assert pwned == "undefined"
    check_screenshot(shot)


def test_script_in_an_endpoint_name_is_text_in_the_page(written: Callable[[str], Path], tmp_path: Path) -> None:
    with browser(tmp_path / "profile") as page:
        open_report(page, written("many") / "report.html")
        scripts = page.evaluate("document.scripts.length")
        shown = page.evaluate("document.body.innerText.indexOf('<script>window.__pwned = 1</script>') >= 0")
    assert scripts == 1  # the report's own tooltip script
    assert shown is True


def test_report_prints(written: Callable[[str], Path], tmp_path: Path) -> None:
    with browser(tmp_path / "profile") as page:
        open_report(page, written("scale") / "report.html")
        import base64
        pdf = base64.b64decode(page.call("Page.printToPDF", printBackground=True)["data"])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "prompts-scale" in text
    assert "Response time vs dataset size" in text
    (ARTIFACTS / "report-scale-print.pdf").write_bytes(pdf)


TIME_SERIES_JS = """
Array.from(document.querySelectorAll("figure.chart[id*='_over_time_']")).map(function (figure) {
  var svg = figure.querySelector("svg");
  var lines = Array.from(svg.querySelectorAll("path.line")).filter(function (p) {
    return p.getBoundingClientRect().width > 100; });
  var trigger = svg.querySelector(".tooltip-trigger");
  var box = trigger.getBoundingClientRect();
  trigger.dispatchEvent(new MouseEvent("mouseover", {bubbles: true, clientX: box.x + 1, clientY: box.y + 1}));
  var tip = document.getElementById("chart-tip");
  return {id: figure.id, lines: lines.length, width: svg.getBoundingClientRect().width,
          labels: Array.from(svg.querySelectorAll(".axis.x .guides text")).map(function (t) {
            return t.textContent; }),
          tip: tip.textContent, hidden: tip.hidden};
})
"""


def test_time_series_charts_draw_their_lines_stages_and_tooltips(written: Callable[[str], Path],
                                                                 tmp_path: Path) -> None:
    with browser(tmp_path / "profile") as page:
        open_report(page, written("load") / "report.html")
        found: list[dict[str, Any]] = page.evaluate(TIME_SERIES_JS)
        workload = page.evaluate("document.getElementById('workload').innerText")
        page.screenshot(ARTIFACTS / "report-load.png", WIDTH)
        assert problems(page) == []
    assert [f["id"] for f in found] == ["chart-latency_over_time_search_x50", "chart-throughput_over_time_search_x50",
                                        "chart-latency_over_time_detail_x4", "chart-throughput_over_time_detail_x4"]
    ramp_latency, ramp_throughput = found[0], found[1]
    assert ramp_latency["lines"] >= 3  # p50, p95, p99 (the warm-up has one point per interval too)
    assert ramp_throughput["lines"] >= 2  # started and asked, at least
    for chart in found:
        assert chart["width"] > 600
        assert chart["hidden"] is False
        assert " at " in chart["tip"]
    assert {"-2", "0", "4", "8", "12"} <= set(ramp_latency["labels"])  # the warm-up and the stage marks
    assert "open" in workload
    assert "Kept up?" in workload
