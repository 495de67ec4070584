"""The per-endpoint views of ``performance_test.py``: average and p95 bars, success-rate bars (pure).

Horizontal bars, so long endpoint names read left to right in scenario order, top to bottom.
Each endpoint is read at its reference cell (largest size, base concurrency; see ``select``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pygal

from ..results import CellStats, RunResult
from . import select
from .figure import Chart, from_pygal
from .style import (
    AVERAGE_COLOUR,
    P95_COLOUR,
    chart_config,
    ms,
    number,
    percent,
    short,
    success_colour,
    zero_marks,
)

PRINT_VALUES_UP_TO = 12
"""With more endpoints than this the bars are too thin to carry their value; tooltips still do."""
BARS_WITH_VALUES = "yamlperf-values-after-bars"
BARS_WITH_VALUES_CSS = f".{BARS_WITH_VALUES} .text-overlay text {{ text-anchor: start; }}"
ROW_HEIGHT = 30
"""Pixels per endpoint: the chart grows with the endpoint count instead of squeezing bars."""


def _row_label(cell: CellStats) -> str:
    """The endpoint, shortened from the middle; marked when no request succeeded (an empty row)."""
    return short(cell.endpoint) + (" (failed)" if select.timing(cell) is None else "")


def _latency_label(cell: CellStats) -> str:
    """As ``_row_label``, and the share that succeeded when only some did: its bars are kept."""
    if select.partial(cell):
        return f"{short(cell.endpoint)} ({percent(cell.success_rate)} ok)"
    return _row_label(cell)


def _printed(cells: Sequence[CellStats], formatter: Callable[[float], str]) -> dict[str, Any]:
    """Values written just after the bar ends (pygal centres them on the end; the class moves them)."""
    if len(cells) > PRINT_VALUES_UP_TO:
        return {}
    return {"print_values": True, "print_values_position": "top",
            "formatter": lambda v: "\u2002" + formatter(v), "classes": ["pygal-chart", BARS_WITH_VALUES],
            "css": ["file://style.css", "file://graph.css", f"inline:{BARS_WITH_VALUES_CSS}"]}


def _longest(cells: Sequence[CellStats]) -> float:
    return max((t.p95 * 1e3 for c in cells if (t := select.timing(c)) is not None), default=0.0)


def _height(endpoints: int, bars_per_row: int) -> int:
    return max(300, 150 + endpoints * ROW_HEIGHT * (1 + (bars_per_row - 1) * 0.5))


def latency_by_endpoint(result: RunResult) -> Chart | None:
    """Average and p95 response time per endpoint (ms)."""
    cells = select.reference_cells(result)
    if not cells:
        return None
    where = select.reference_label(result)
    chart = pygal.HorizontalBar(**chart_config(
        (AVERAGE_COLOUR, P95_COLOUR), legend_entries=2, height=_height(len(cells), 2),
        title=f"Average and p95 response time per endpoint{' ' + where if where else ''}",
        x_title="Response time (ms)", show_x_guides=True, show_y_guides=False,
        range=(0, _longest(cells) * 1.18 or 1), **_printed(cells, lambda v: f"{number(v)} ms"),
    ))
    ordered = cells[::-1]  # pygal draws horizontal bars bottom-up
    chart.x_labels = [_latency_label(c) for c in ordered]
    for stat, title in (("mean", "average"), ("p95", "p95")):
        chart.add(title, [
            None if (t := select.timing(c)) is None else {
                "value": t.get(stat) * 1e3,
                "label": f"{c.endpoint} \u00b7 {title} {ms(t.get(stat))} ms, "
                         f"{c.successes} of {c.requests} ok",
            } for c in ordered
        ])
    caption = "A long p95 bar next to a short average means a slow tail: some requests wait much longer."
    if any(select.timing(c) is None for c in cells):
        caption += " An endpoint marked \u201cfailed\u201d had no successful request: it has no bars."
    if any(select.partial(c) for c in cells):
        caption += " \u201c(87% ok)\u201d: only that share succeeded; its times include the failed answers."
    return from_pygal("response_time_by_endpoint", chart, caption)


def success_by_endpoint(result: RunResult) -> Chart | None:
    """Success rate per endpoint, each bar coloured green, orange or red by its rate."""
    cells = select.reference_cells(result)
    if not cells:
        return None
    where = select.reference_label(result)
    chart = pygal.HorizontalBar(**chart_config(
        ("#59a14f",), legend_entries=0, height=_height(len(cells), 1), range=(0, 112),
        title=f"Success rate per endpoint{' ' + where if where else ''}", x_title="Successful requests (%)",
        show_x_guides=True, show_y_guides=False, y_labels=[0, 20, 40, 60, 80, 100],
        **(_printed(cells, lambda v: f"{v:.1f}%".replace(".0%", "%")) or zero_marks("0%")),
    ))
    ordered = cells[::-1]
    chart.x_labels = [_row_label(c) for c in ordered]
    chart.add("success rate", [
        {"value": c.success_rate * 100, "color": success_colour(c.success_rate),
         "label": f"{c.endpoint} \u00b7 {c.successes}/{c.requests} ok ({percent(c.success_rate)})"}
        for c in ordered
    ])
    caption = "Green from 99.9%, orange from 95%, red below."
    if any(c.requests and not c.successes for c in cells):
        caption += " A bar of 0% has no length: its value is written at the axis."
    return from_pygal("success_rate_by_endpoint", chart, caption)
