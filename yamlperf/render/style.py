"""One look for every chart: the yamlperf pygal Style, colours, fonts, sizes and number formats.

The heatmap (drawn from an SVG template) and the HTML report read the same constants, so a chart
pasted into a design review looks like it belongs with the others.
"""

from __future__ import annotations

import importlib.util
import math
import re
import sys
from collections.abc import Sequence
from typing import Any

import pygal
from pygal.style import Style

from ..units import ms_figure

FONT_FAMILY = "'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif"
"""DejaVu first: it is what CairoSVG finds on a CI machine, so PNG and browser agree on widths."""
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#e4e7eb"
BACKGROUND = "#ffffff"
FAILED = "#cbd2d9"
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
    "#ff9da7", "#79706e", "#1f3b73", "#b85a0d", "#8f2d56", "#2f6b2f", "#6b4c9a", "#2a8c82",
    "#a6842b", "#5c4033", "#d45d79", "#3d3d3d",
)
"""Twenty colours, one per endpoint in scenario order: Tableau 10, then darker partners."""
AVERAGE_COLOUR, P95_COLOUR = "#a0cbe8", "#4e79a7"
SUCCESS_COLOURS = ((0.999, "#59a14f"), (0.95, "#f28e2b"), (0.0, "#e15759"))
"""Success-rate bars: green from 99.9%, orange from 95%, red below."""
HEAT_STOPS = ("#fff5d6", "#fdd58a", "#fca55d", "#ee6a4d", "#c93c4f", "#7e1e4f")
"""Heatmap scale, fast to slow: light and warm to dark and saturated (readable in greyscale)."""
P95_DASH = "7, 5"

WIDTH = 960
HEIGHT = 520
TITLE_SIZE = 17
LABEL_SIZE = 12
LEGEND_WIDTH = 34
"""Legend entries longer than this are cut with an ellipsis; the full name is in their tooltip."""
LABEL_WIDTH = 30
MARGIN = 16
LEGEND_ROW = 18
"""pygal's legend row pitch at a 12px font: 1.5 x 12."""

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _give_pygal_finder_a_find_spec() -> None:
    """pygal appends a ``sys.meta_path`` finder (``PluginImportFixer``, for ``pygal.maps.*``) that
    has only the ``find_module`` API removed from Python 3.12; code that asks every finder for
    ``find_spec`` directly, such as pytest importing a test package, then fails with
    AttributeError. Give it the modern method, answering as its old one does."""
    for finder in sys.meta_path:
        if type(finder).__module__ == pygal.__name__ and not hasattr(finder, "find_spec"):
            def find_spec(name: str, path: Any = None, target: Any = None, finder: Any = finder) -> Any:
                loader = finder.find_module(name, path)
                return importlib.util.spec_from_loader(name, loader) if loader is not None else None

            finder.find_spec = find_spec


_give_pygal_finder_a_find_spec()


def pygal_style(colours: Sequence[str] = PALETTE) -> Style:
    return Style(
        background=BACKGROUND, plot_background=BACKGROUND, foreground=INK, foreground_strong=INK,
        foreground_subtle=MUTED, opacity="1", opacity_hover=".85", transition="none",
        colors=tuple(colours), font_family=FONT_FAMILY, title_font_family=FONT_FAMILY,
        label_font_family=FONT_FAMILY, major_label_font_family=FONT_FAMILY, legend_font_family=FONT_FAMILY,
        value_font_family=FONT_FAMILY, tooltip_font_family=FONT_FAMILY, title_font_size=TITLE_SIZE,
        label_font_size=LABEL_SIZE, major_label_font_size=LABEL_SIZE, legend_font_size=LABEL_SIZE,
        value_font_size=11, tooltip_font_size=12, guide_stroke_color=GRID, major_guide_stroke_color=GRID,
        guide_stroke_dasharray="0", major_guide_stroke_dasharray="0", stroke_opacity="1",
        stroke_opacity_hover="1",
    )


def chart_config(
    colours: Sequence[str] = PALETTE, legend_entries: int = 0, series: int | None = None, **overrides: Any,
) -> dict[str, Any]:
    """pygal settings shared by every chart: no CDN script, legend below, room for long names.

    ``legend_entries`` counts the series with a legend title, ``series`` all of them (a series
    titled None, such as a p95 line, has no legend entry).
    """
    columns = 1 if legend_entries <= 1 else 2 if legend_entries <= 6 else 3
    rows = math.ceil(legend_entries / columns) if legend_entries else 0
    config: dict[str, Any] = {
        "style": pygal_style(colours), "js": [], "disable_xml_declaration": True, "width": WIDTH,
        "height": HEIGHT + max(rows - 2, 0) * LEGEND_ROW, "legend_at_bottom": True,
        "legend_at_bottom_columns": columns, "truncate_legend": -1, "show_legend": rows > 0,
        "legend_box_size": 12, "dots_size": 3.5, "stroke_style": {"width": 2.2}, "margin": MARGIN,
        "margin_bottom": MARGIN + _legend_shortfall(legend_entries, series, columns),
        "spacing": 14, "truncate_label": LABEL_WIDTH, "show_minor_x_labels": True, "show_x_guides": False,
        "show_y_guides": True, "include_x_axis": True, "no_data_text": "no data",
        "value_formatter": number, "x_value_formatter": number,
    }
    config.update(overrides)
    return config


def _legend_shortfall(entries: int, series: int | None, columns: int) -> float:
    """pygal reserves ``series // columns`` legend rows (floor, and counting untitled series):
    the pixels to add (or take back) so the rows it draws fit exactly."""
    if not entries:
        return 0.0
    reserved = (entries if series is None else series) // columns
    needed = math.ceil(entries / columns)
    return (needed - max(reserved, 1)) * LEGEND_ROW


ZERO_MARK = "yamlperf-zero-marks"
"""Class of a bar chart that prints only its zero values: a 0% bar has no length to see."""


def zero_marks(mark: str = "0") -> dict[str, Any]:
    """pygal settings that print ``mark`` in bold red on each zero bar and nothing on the others."""
    css = (f".{ZERO_MARK} .text-overlay text.value {{ fill: {SUCCESS_COLOURS[-1][1]} !important; "
           "font-weight: bold; font-size: 14px !important; }")  # over pygal's rules, which name the chart id
    return {"print_values": True, "print_values_position": "top", "print_zeroes": True,
            "formatter": lambda v: mark if v == 0 else "", "classes": ["pygal-chart", ZERO_MARK],
            "css": ["file://style.css", "file://graph.css", f"inline:{css}"]}


def number(value: float) -> str:
    """Axis and tooltip numbers: units live in the axis titles."""
    if value is None:
        return ""
    magnitude = abs(value)
    if magnitude >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}" if magnitude >= 1 else f"{value:.3g}"


def endpoint_colours(endpoints: Sequence[str]) -> dict[str, str]:
    """Each endpoint's colour, by its place in the scenario: the same in every chart, and never
    another endpoint's (past the twenty of ``PALETTE``, ``extra_colour`` gives new ones)."""
    return {e: PALETTE[i] if i < len(PALETTE) else extra_colour(i - len(PALETTE))
            for i, e in enumerate(endpoints)}


def extra_colour(index: int) -> str:
    """The ``index``-th colour after ``PALETTE``: hues a golden angle apart, so neighbours differ
    most, alternating a darker and a lighter tone, mid saturation like Tableau's; all distinct."""
    import colorsys

    turn = (index * 0.381966 + 0.05) % 1.0
    lightness = (0.36, 0.62, 0.48)[index % 3]
    saturation = 0.55 + 0.2 * ((index // 3) % 2)
    red, green, blue = colorsys.hls_to_rgb(turn, lightness, saturation)
    colour = f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"
    return colour if colour not in PALETTE else extra_colour(index + 997)


def finish(svg: str) -> str:
    """Drop pygal's config script: nothing loads the tooltip code it feeds, and a chart file or a
    report must not carry script text built from users' endpoint names."""
    return _SCRIPT.sub("", svg)


def short(name: str, width: int = LABEL_WIDTH) -> str:
    """Cut from the middle: ``GET /api/v2/org…search?page=2`` keeps both what and which."""
    if len(name) <= width:
        return name
    tail = (width - 1) * 2 // 5
    return name[: width - 1 - tail] + "\u2026" + name[len(name) - tail:]


def legend_title(name: str) -> str | dict[str, str]:
    """A legend entry: the name, or its short form with the full name as the entry's tooltip."""
    shortened = short(name, LEGEND_WIDTH)
    return name if shortened == name else {"title": shortened, "tooltip": name}


def ms(seconds: float | None) -> str:
    """Milliseconds with three significant figures (``units.ms_figure``): the analysis's words
    quote the tables' figures with the same function."""
    return ms_figure(seconds)


def percent(rate: float | None) -> str:
    if rate is None:
        return "-"
    value = rate * 100
    return f"{value:.0f}%" if value in (0, 100) else f"{value:.1f}%" if value >= 10 else f"{value:.2f}%"


def success_colour(rate: float) -> str:
    return next(colour for floor, colour in SUCCESS_COLOURS if rate >= floor)


def records(size: int | None) -> str:
    return "no dataset" if size is None else f"{size:,} records"
