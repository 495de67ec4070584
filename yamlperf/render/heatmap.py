"""The response-time heatmap, endpoints x dataset sizes, drawn from an SVG template (pure).

pygal has no heatmap. The template uses the pygal style's font, ink and sizes, so the heatmap sits
with the other charts and goes through the same CairoSVG conversion. Colours follow the median on a
log scale (response times span orders of magnitude); each cell carries its value, its full details
in a tooltip, and cells where no request succeeded are hatched and say "failed" (their times are
the errors'). A cell where only some requests succeeded keeps its colour and says "87% ok" under
its value.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..results import CellStats, RunResult
from . import select
from .figure import Chart
from .jinja import environment
from .style import (
    BACKGROUND,
    FAILED,
    FONT_FAMILY,
    HEAT_STOPS,
    INK,
    LABEL_SIZE,
    LABEL_WIDTH,
    MUTED,
    TITLE_SIZE,
    WIDTH,
    ms,
    percent,
    records,
    short,
)

CELL_HEIGHT = 30
MAX_CELL_WIDTH = 130
CHAR_WIDTH = 7.1
"""Average width of a 12px DejaVu Sans character: sizes the label column to the longest name."""
LEGEND_WIDTH = 280


@dataclass(frozen=True, slots=True)
class ColourScale:
    """Log-scaled colours between the fastest and the slowest median of the map."""

    low: float
    high: float

    def fraction(self, value: float) -> float:
        if self.high <= self.low:
            return 0.0
        return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))

    def colour(self, value: float) -> str:
        return colour_at(self.fraction(value))


def response_time_heatmap(result: RunResult) -> Chart | None:
    """None below two cells: one coloured square (one endpoint at one size, as in a concurrency
    sweep) compares nothing, and its value is in the tables and the bar charts."""
    sizes = select.sizes(result)
    endpoints = result.endpoints
    if len(sizes) * len(endpoints) < 2:
        return None
    grid = [[result.cell(e, s, select.base_concurrency(result, e)) for s in sizes] for e in endpoints]
    values = [t.median for row in grid for c in row if (t := select.timing(c)) is not None]
    scale = ColourScale(min(values), max(values)) if values else ColourScale(0.001, 0.001)
    title = f"Median response time by endpoint and dataset size{select.level_note(result)}"
    layout = _layout(endpoints, sizes)
    rows = [_row(e, cells, layout["grid_y"] + i * CELL_HEIGHT, layout, scale)
            for i, (e, cells) in enumerate(zip(endpoints, grid, strict=True))]
    legend = _legend(layout, scale, any(c["fill"] is None for r in rows for c in r["cells"]))
    svg = environment().get_template("heatmap.svg.j2").render(
        title=title, rows=rows, legend=legend, uid=f"heat-{uuid.uuid4().hex[:8]}", font=FONT_FAMILY,
        ink=INK, muted=MUTED, background=BACKGROUND, failed=FAILED, title_size=TITLE_SIZE,
        label_size=LABEL_SIZE, value_size=LABEL_SIZE, **layout,
    )
    caption = ("Darker cells are slower. Read across a row to see an endpoint slow down as the data grows; "
               "down a column to spot the outlier endpoints at one size.")
    cells = [c for row in grid for c in row if c is not None]
    if any(select.timing(c) is None for c in cells):
        caption += " Hatched cells had no successful request: their answers were errors, not response times."
    if any(select.partial(c) for c in cells):
        caption += " \u201c87% ok\u201d under a value: only that share of the cell's requests succeeded."
    return Chart("response_time_heatmap", title, svg, caption)


def _layout(endpoints: Sequence[str], sizes: Sequence[int]) -> dict[str, Any]:
    label_width = min(max(len(short(e)) for e in endpoints), LABEL_WIDTH) * CHAR_WIDTH + 16
    cell_width = min(MAX_CELL_WIDTH, (WIDTH - 2 * 24 - label_width) / len(sizes))
    grid_width = cell_width * len(sizes)
    grid_x = (WIDTH - label_width - grid_width) / 2 + label_width
    grid_y = 96
    height = grid_y + CELL_HEIGHT * len(endpoints) + 90
    columns = [{"x": grid_x + cell_width * (i + 0.5) - 1, "label": f"{s:,}"} for i, s in enumerate(sizes)]
    return {"width": WIDTH, "height": round(height), "grid_x": grid_x, "grid_y": grid_y,
            "grid_width": grid_width, "cell_width": cell_width, "cell_height": CELL_HEIGHT,
            "columns": columns, "title_y": 34, "axis_title_y": 62, "header_y": 84, "sizes": sizes}


def _row(endpoint: str, cells: Sequence[CellStats | None], y: float, layout: dict[str, Any],
         scale: ColourScale) -> dict[str, Any]:
    drawn = []
    for column, (cell, size) in enumerate(zip(cells, layout["sizes"], strict=True)):
        x = layout["grid_x"] + column * layout["cell_width"]
        drawn.append(_cell(f"{endpoint} \u00b7 {records(size)}", cell, x, scale))
    return {"name": endpoint, "label": short(endpoint), "y": y, "text_y": y + CELL_HEIGHT / 2 + 3,
            "cells": drawn}


def _cell(where: str, cell: CellStats | None, x: float, scale: ColourScale) -> dict[str, Any]:
    if cell is None:
        return {"x": x, "fill": None, "text": "not run", "text_colour": MUTED, "tooltip": f"{where}: not run",
                "note": ""}
    latency = select.timing(cell)
    if latency is None:
        return {"x": x, "fill": None, "text": "failed", "text_colour": INK, "note": "",
                "tooltip": f"{where}: no successful request ({cell.requests} sent{_statuses(cell)})"}
    fill = scale.colour(latency.median)
    note = f"{percent(cell.success_rate)} ok" if select.partial(cell) else ""
    return {
        "x": x, "fill": fill, "text": ms(latency.median), "text_colour": _text_colour(fill), "note": note,
        "tooltip": f"{where}: median {ms(latency.median)} ms, p95 {ms(latency.p95)} ms, "
                   f"success {percent(cell.success_rate)} of {cell.requests}",
    }


def _statuses(cell: CellStats) -> str:
    """``; answers: 404 x15`` for the tooltip of a failed cell, or nothing."""
    codes = ", ".join(f"{code} x{count}" for code, count in sorted(cell.status_codes.items()) if count)
    return f"; answers: {codes}" if codes else ""


def colour_at(fraction: float) -> str:
    """The scale's colour at 0..1, interpolated between ``HEAT_STOPS`` in RGB."""
    fraction = min(max(fraction, 0.0), 1.0) * (len(HEAT_STOPS) - 1)
    index = min(int(fraction), len(HEAT_STOPS) - 2)
    start, end = _rgb(HEAT_STOPS[index]), _rgb(HEAT_STOPS[index + 1])
    mix = fraction - index
    return "#" + "".join(f"{round(a + (b - a) * mix):02x}" for a, b in zip(start, end, strict=True))


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _text_colour(fill: str) -> str:
    r, g, b = (v / 255 for v in _rgb(fill))
    return "#ffffff" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else INK


def _legend(layout: dict[str, Any], scale: ColourScale, has_failed: bool) -> dict[str, Any]:
    x = (WIDTH - LEGEND_WIDTH - (190 if has_failed else 0)) / 2
    y = layout["height"] - 52
    stops = [{"offset": i / (len(HEAT_STOPS) - 1), "colour": c} for i, c in enumerate(HEAT_STOPS)]
    low, high = scale.low, scale.high
    values = [low, math.sqrt(low * high), high] if high > low else [low]
    ticks = [{"x": x + scale.fraction(v) * LEGEND_WIDTH, "label": f"{ms(v)} ms"} for v in values]
    return {"x": x, "y": y, "width": LEGEND_WIDTH, "stops": stops, "ticks": ticks, "has_failed": has_failed,
            "title": "Median response time (ms, log colour scale)"}
