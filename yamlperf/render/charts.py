"""RunResult -> the report's charts as SVG (pygal), one consistent style (pure).

``build_charts`` picks the charts a run can support: the per-size views need a seeded dataset
(and a view that would only repeat another is left out: success by size needs two sizes, the
heatmap two cells), the sweep views several concurrency levels, the seeding view a seeding
series. Each endpoint keeps its colour in every chart. This module draws the dataset-size views;
the others live in ``endpoint_charts``, ``load_charts`` and ``heatmap``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pygal

from ..analysis.reading import RunReading
from ..results import CellStats, RunResult
from . import axes, select
from .endpoint_charts import latency_by_endpoint, success_by_endpoint
from .figure import Chart, from_pygal
from .heatmap import response_time_heatmap
from .load_charts import latency_distribution, seeding_latency, sweep_charts
from .style import P95_DASH, chart_config, legend_title, ms, percent, records, zero_marks
from .style import endpoint_colours as colours_of
from .time_charts import time_series_charts

CHART_NAMES = (
    "response_time_vs_size", "success_rate_by_size", "response_time_heatmap", "response_time_by_endpoint",
    "success_rate_by_endpoint", "latency_distribution", "throughput_vs_concurrency", "p95_vs_concurrency",
    "seeding_latency",
)
"""Every chart's stable file stem, in report order; before them, each timed cell's
``latency_over_time_<cell>`` and ``throughput_over_time_<cell>`` (``time_charts.cell_slug``)."""
TIME_SERIES_PREFIXES = ("latency_over_time_", "throughput_over_time_")


AUTO_LOG_SPAN = 10.0
"""Response times further apart than this (slowest over fastest) are drawn on log-log axes, or one
slow endpoint flattens the others onto the axis."""
FIT_POINTS = 40
FIT_DASH = "2, 4"


def build_charts(result: RunResult, log_scale: bool | None = None) -> tuple[Chart, ...]:
    """All the charts this run supports, in report order.

    ``log_scale`` None follows the scenario's ``output.log_scale`` when it sets one, else the axes
    of the size chart are logarithmic when its times span more than ``AUTO_LOG_SPAN``.
    """
    if log_scale is None:
        setting = _output_setting(result, "log_scale")
        log_scale = None if setting is None else bool(setting)
    charts: list[Chart | None] = [*time_series_charts(result)]
    if select.has_sizes(result):
        charts += [response_time_vs_size(result, log_scale), success_rate_by_size(result),
                   response_time_heatmap(result)]
    charts += [latency_by_endpoint(result), success_by_endpoint(result), latency_distribution(result)]
    charts += sweep_charts(result)
    charts.append(seeding_latency(result))
    return tuple(c for c in charts if c is not None)


def _output_setting(result: RunResult, key: str) -> object:
    output = result.scenario.get("output") if isinstance(result.scenario, dict) else None
    return output.get(key) if isinstance(output, dict) else None


def endpoint_colours(result: RunResult) -> dict[str, str]:
    return colours_of(result.endpoints)


def response_time_vs_size(result: RunResult, log_scale: bool | None = None) -> Chart | None:
    """Median (solid), p95 (dashed) and the model the analysis chose (dotted) per endpoint against
    the dataset size; log-log axes when asked, or (``log_scale`` None) when the times span more than
    ``AUTO_LOG_SPAN``."""
    from ..analysis.reading import read_run

    sizes = select.sizes(result)
    if len(sizes) < 2:
        return None
    endpoints = result.endpoints
    times = [v for c in result.cells if (t := select.timing(c)) for v in (t.median, t.p95) if v > 0]
    if log_scale is None:
        log_scale = bool(times) and max(times) / min(times) > AUTO_LOG_SPAN
    log_scale = log_scale and bool(times)
    reading = read_run(result)
    curves = _fitted_curves(reading, log_scale)
    colours = [c for e in endpoints for c in (endpoint_colours(result)[e],) * (3 if e in curves else 2)]
    scaled = {**axes.log_x(_spaced(sizes, True)), **axes.log_y(min(times) * 1e3, max(times) * 1e3)} \
        if log_scale else {"x_labels": _spaced(sizes, False)}
    chart = pygal.XY(**chart_config(
        colours, legend_entries=len(endpoints), series=len(colours),
        title=f"Response time vs dataset size{select.level_note(result)} "
              f"(median solid, p95 dashed{', fit dotted' if curves else ''}"
              f"{', log-log' if log_scale else ''})",
        x_title="Dataset size (records" + (", log scale)" if log_scale else ")"),
        y_title="Response time (ms" + (", log scale)" if log_scale else ")"),
        show_x_guides=True, allow_interruptions=True, **scaled,
    ))
    for endpoint in endpoints:
        cells = select.series(result, endpoint)
        chart.add(legend_title(endpoint), _points(cells, "median", endpoint, log_scale))
        chart.add(None, _points(cells, "p95", endpoint, log_scale),
                  stroke_style={"width": 1.6, "dasharray": P95_DASH}, dots_size=2.2)
        if endpoint in curves:
            chart.add(None, curves[endpoint], stroke_style={"width": 1.4, "dasharray": FIT_DASH},
                      show_dots=False)
    never = [e for e in endpoints if not any(select.timing(c) for c in select.series(result, e))]
    caption = ("Lines that bend upwards grow faster than the data; a sudden step between two sizes is a "
               "performance cliff. Gaps are sizes where no request succeeded"
               + (f"; no request to {_names(never)} succeeded at any size: no line." if never else ".")
               + (" Dotted: the model the analysis chose, fitted on the medians." if curves else "")
               + (_corrected_note(reading.reference.endpoint) if curves and reading.reference else "")
               + (" On log-log axes a straight line's slope is the growth power." if log_scale else ""))
    return from_pygal("response_time_vs_size", chart, caption)


def _corrected_note(reference: str) -> str:
    """The fits of the endpoints other than the reference are drawn on their corrected medians, the
    dots as measured: where the machine was slower or faster a dot sits off its fit."""
    return (f" Every fit but {reference}'s is on the medians with the request path brought to the usual "
            f"speed by the reference {reference} (see Analysis); the dots are as measured, so a dot may sit "
            "off its fit at a size where the machine was slower or faster.")


def _points(cells: Sequence[CellStats], stat: str, endpoint: str, log_scale: bool) -> list[dict[str, object]]:
    points: list[dict[str, object]] = []
    for cell in cells:
        if cell.size is None:
            continue
        latency = select.timing(cell)
        seconds = None if latency is None else latency.get(stat)
        ok = f" ({percent(cell.success_rate)} of requests ok)" if select.partial(cell) else ""
        label = (f"{endpoint} \u00b7 no successful request at {records(cell.records)}" if seconds is None
                 else f"{endpoint} \u00b7 {stat} {ms(seconds)} ms at {records(cell.records)}{ok}")
        if seconds is None or seconds <= 0:
            value = None
        else:
            value = axes.to_log(seconds * 1e3) if log_scale else seconds * 1e3
        x = axes.to_log(cell.records) if log_scale else cell.records
        points.append({"value": (x, value), "label": label})
    return points


def _fitted_curves(reading: RunReading, log_scale: bool) -> dict[str, list[dict[str, object]]]:
    """Each endpoint's chosen model drawn between its smallest and largest measured size."""
    curves = {}
    for endpoint in reading.endpoints:
        growth = endpoint.growth
        if growth is None or growth.curve is None or len(growth.data) < 3:
            continue
        low, high = min(growth.sizes), max(growth.sizes)
        at = np.geomspace(max(low, 1), high, FIT_POINTS) if log_scale else np.linspace(low, high, FIT_POINTS)
        values = growth.curve.predict(at)
        label = f"{endpoint.endpoint} \u00b7 fit: {growth.verdict}"
        curves[endpoint.endpoint] = [
            {"value": (axes.to_log(n) if log_scale else float(n),
                       axes.to_log(t * 1e3) if log_scale else t * 1e3), "label": label}
            for n, t in zip(at, values, strict=True) if t > 0]
    return curves


def _names(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def _spaced(sizes: Sequence[int], log_scale: bool, min_gap: float = 0.06) -> list[int]:
    """Ticks at the measured sizes, less any closer than ``min_gap`` of the axis to the last one kept."""
    def position(size: int) -> float:
        if log_scale:
            low, high = math.log(max(sizes[0], 1)), math.log(max(sizes[-1], 1))
            return (math.log(max(size, 1)) - low) / ((high - low) or 1)
        return (size - sizes[0]) / ((sizes[-1] - sizes[0]) or 1)

    kept = [sizes[0]]
    for size in sizes[1:]:
        if position(size) - position(kept[-1]) >= min_gap:
            kept.append(size)
    if kept[-1] != sizes[-1]:
        kept[-1] = sizes[-1]
    return kept


def success_rate_by_size(result: RunResult) -> Chart | None:
    """Grouped bars: per dataset size, a bar per endpoint (0-100%). None with one size: the bars
    would be those of ``success_rate_by_endpoint``, which reads that size."""
    sizes = select.sizes(result)
    if len(sizes) < 2:
        return None
    colours = endpoint_colours(result)
    chart = pygal.Bar(**chart_config(
        list(colours.values()), legend_entries=len(colours), range=(0, 100),
        y_labels=[0, 20, 40, 60, 80, 100], title=f"Success rate by dataset size{select.level_note(result)}",
        x_title="Dataset size (records)", y_title="Successful requests (%)", **zero_marks(),
    ))
    chart.x_labels = [f"{s:,}" for s in sizes]
    for endpoint in result.endpoints:
        values: list[dict[str, object] | None] = []
        for size in sizes:
            cell = result.cell(endpoint, size, select.base_concurrency(result, endpoint))
            values.append(None if cell is None or not cell.requests else {
                "value": cell.success_rate * 100,
                "label": f"{endpoint} \u00b7 {records(size)} \u00b7 {cell.successes}/{cell.requests} ok "
                         f"({percent(cell.success_rate)})",
            })
        chart.add(legend_title(endpoint), values)
    caption = "Bars that shrink towards the larger sizes are reliability problems that appear at scale."
    if any(c.requests and not c.successes for c in result.cells
           if c.concurrency == select.base_concurrency(result, c.endpoint)):
        caption += " A red 0 marks a bar of 0%: no request succeeded."
    return from_pygal("success_rate_by_size", chart, caption)


__all__ = ["CHART_NAMES", "TIME_SERIES_PREFIXES", "Chart", "build_charts", "endpoint_colours"]
