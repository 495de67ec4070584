"""A rendered chart: its stable file name, title, SVG text and what a reader should look for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .style import finish

_SIZE = re.compile(r'<svg\b[^>]*?\bviewBox="0 0 ([\d.]+) ([\d.]+)"')


@dataclass(frozen=True, slots=True)
class Chart:
    """``name`` is the file stem (``response_time_vs_size``): stable, so links and CI artifacts last."""

    name: str
    title: str
    svg: str
    caption: str = ""

    @property
    def size(self) -> tuple[float, float]:
        """Width and height in pixels, read from the SVG's viewBox."""
        match = _SIZE.search(self.svg)
        return (float(match.group(1)), float(match.group(2))) if match else (0.0, 0.0)


def from_pygal(name: str, chart: Any, caption: str = "") -> Chart:
    """Render a configured pygal chart without its script."""
    svg = finish(str(chart.render(is_unicode=True)))
    return Chart(name=name, title=str(chart.config.title or name), svg=svg, caption=caption)
