"""A rendered chart: its stable file name, title, SVG text and what a reader should look for."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .style import BACKGROUND, finish

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



_ROOT = re.compile(r"<svg\b[^>]*>")
_PLACEMENT = re.compile(r'\s(?:x|y|width|height)="[^"]*"')


def stacked(name: str, charts: Sequence[Chart], gap: float = 12.0) -> Chart:
    """One figure with ``charts`` one under the other, each a nested ``<svg>`` at its own size:
    the seed's picture (average and p95 bars, then success rates) as one image to attach."""
    width = max(c.size[0] for c in charts)
    parts, y = [], 0.0
    for chart in charts:
        chart_width, chart_height = chart.size
        opening = _ROOT.search(chart.svg)
        if opening is None or not chart_width:
            raise ValueError(f"{chart.name} is not an SVG with a viewBox")
        x = (width - chart_width) / 2
        placed = (_PLACEMENT.sub("", opening.group(0))[:-1]
                  + f' x="{x:g}" y="{y:g}" width="{chart_width:g}" height="{chart_height:g}">')
        parts.append(chart.svg[:opening.start()] + placed + chart.svg[opening.end():])
        y += chart_height + gap
    height = y - gap
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           f'viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}">'
           f'<rect width="100%" height="100%" fill="{BACKGROUND}"/>{"".join(parts)}</svg>')
    return Chart(name=name, title=" \u00b7 ".join(c.title for c in charts), svg=svg)
