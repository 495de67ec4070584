"""Every PNG decodes at twice the SVG's size and is not blank; every PDF is a valid one-page PDF
whose text layer carries the chart's title."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from yamlperf.render.export import PNG_SCALE, svg_to_png

from .conftest import ChartsOf

MIN_COLOURS = 8
"""Text, grid, axes and series: a real chart has many distinct colours; a blank one has one."""


@pytest.mark.parametrize("name", ["scale", "many", "no_dataset", "single_size", "load"])
def test_every_png_has_the_right_size_and_content(name: str, written: Callable[[str], Path],
                                                   charts_of: ChartsOf) -> None:
    folder = written(name) / "charts"
    for chart in charts_of(name).values():
        path = folder / f"{chart.name}.png"
        with Image.open(path) as image:
            image.load()
            assert image.format == "PNG"
            width, height = chart.size
            assert image.size == (round(width * PNG_SCALE), round(height * PNG_SCALE)), chart.name
            rgb = image.convert("RGB")
            colours = rgb.getcolors(maxcolors=1 << 20) or []
            assert len(colours) >= MIN_COLOURS, chart.name
            background = max(colours)[1]
            assert background == (255, 255, 255)  # white, not transparent: pastes anywhere
            ink = sum(count for count, colour in colours if colour != background)
            assert ink > 0.01 * rgb.width * rgb.height, chart.name


@pytest.mark.parametrize("name", ["scale", "many", "no_dataset", "load"])
def test_every_pdf_is_one_page_with_the_chart(name: str, written: Callable[[str], Path],
                                               charts_of: ChartsOf) -> None:
    folder = written(name) / "charts"
    for chart in charts_of(name).values():
        data = (folder / f"{chart.name}.pdf").read_bytes()
        assert data.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 1
        page = reader.pages[0]
        width, height = chart.size
        assert float(page.mediabox.width) == pytest.approx(width * 0.75, abs=1)  # 96 px = 72 pt
        assert float(page.mediabox.height) == pytest.approx(height * 0.75, abs=1)
        text = " ".join(page.extract_text().split())
        assert " ".join(chart.title.split()[:4]) in text, chart.name


def test_svg_files_are_the_charts(written: Callable[[str], Path], charts_of: ChartsOf) -> None:
    folder = written("scale") / "charts"
    names = {p.stem for p in folder.glob("*.svg")}
    assert names == set(charts_of("scale"))
    for path in folder.glob("*.svg"):
        assert path.read_text("utf-8").startswith("<svg")


def test_png_scale_is_a_parameter(charts_of: ChartsOf) -> None:
    chart = charts_of("scale")["response_time_heatmap"]
    with Image.open(io.BytesIO(svg_to_png(chart.svg, scale=1.0))) as image:
        assert image.size == (round(chart.size[0]), round(chart.size[1]))
