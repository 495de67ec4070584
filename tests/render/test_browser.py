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


@pytest.mark.parametrize("name", ["scale", "many", "no_dataset", "incomplete"])
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
