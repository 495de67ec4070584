"""`quick --output-image FILE`: the seed's picture (response-time bars and success-rate bars) in the
format the file name says."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from yamlperf.cli import main

from .delay_server import DelayServer

TITLES = ("Average and p95 response time per endpoint", "Success rate per endpoint")


def _quick(server: DelayServer, tmp_path: Path, image: Path) -> str:
    out = CliRunner().invoke(main, ["quick", server.url, "--requests", "10", "--output-image", str(image),
                                    "--output-dir", str(tmp_path / "runs")])
    assert out.exit_code == 0, out.output
    return out.output


@pytest.fixture(scope="module")
def server() -> Iterator[DelayServer]:
    with DelayServer() as running:
        yield running


def test_a_pdf_name_gets_a_pdf_with_both_charts(server: DelayServer, tmp_path: Path) -> None:
    image = tmp_path / "perf.pdf"
    _quick(server, tmp_path, image)
    reader = PdfReader(io.BytesIO(image.read_bytes()))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert all(title in text for title in TITLES)


def test_an_svg_name_gets_the_svg(server: DelayServer, tmp_path: Path) -> None:
    image = tmp_path / "perf.svg"
    _quick(server, tmp_path, image)
    svg = image.read_text(encoding="utf-8")
    assert svg.startswith("<svg")
    assert all(title in svg for title in TITLES)


def test_a_png_holds_both_charts_one_under_the_other(server: DelayServer, tmp_path: Path) -> None:
    image = tmp_path / "perf.PNG"
    _quick(server, tmp_path, image)
    with Image.open(image) as picture:
        assert picture.format == "PNG"
        assert picture.height > picture.width / 2  # two 960-wide charts stacked, not one of 300 px
        assert picture.convert("L").getextrema()[0] < 100  # something is drawn


def test_another_extension_is_refused_before_any_request(tmp_path: Path) -> None:
    with DelayServer() as server:
        out = CliRunner().invoke(main, ["quick", server.url, "--output-image", str(tmp_path / "perf.gif")])
        assert server.last == {}
    assert out.exit_code == 2
    assert "must end in .png, .pdf or .svg" in out.output
