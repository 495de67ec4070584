"""Time-series charts of the timed cells (pure): latency p50/p95/p99 over time, and throughput
(achieved against asked) with errors and dropped arrivals over time; the stage boundaries are
vertical guides, the warm-up is drawn before 0 in grey. As the first page of a k6, Gatling or
Locust report: did the target hold the rate, when did latency climb, when did errors start?
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pygal

from ..results import CellStats, RunResult
from ..results_load import IntervalStats
from ..units import format_rate, format_span
from .figure import Chart, from_pygal
from .style import FAILED, P95_DASH, SUCCESS_COLOURS, chart_config, ms, number

MAX_CELLS = 12
"""At most this many cells get their time-series charts (the first timed ones, in run order)."""
LATENCY_COLOURS = ("#76b7b2", "#4e79a7", "#1f3b73")
WARMUP_COLOUR = FAILED
ASKED_COLOUR = "#9c755f"
ERROR_COLOUR = SUCCESS_COLOURS[-1][1]
DROPPED_COLOUR = "#edc948"


def timed_cells(result: RunResult) -> list[CellStats]:
    """Cells that ran for a time (a duration, a rate, a ramp) and kept a series."""
    timed = [c for c in result.cells if c.series and c.load is not None and c.load.duration is not None]
    return timed[:MAX_CELLS]


def cell_slug(cell: CellStats) -> str:
    """A file-name-safe, stable name for a cell: ``search_500_x4``."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", cell.endpoint).strip("_").lower() or "endpoint"
    return name + ("" if cell.size is None else f"_{cell.size}") + f"_x{cell.concurrency}"


def cell_title(cell: CellStats) -> str:
    load = cell.load
    where = "" if cell.size is None else f" @ {cell.size:,} records"
    if load is None:
        return f"{cell.endpoint}{where}"
    length = format_span(load.duration or 0)
    if load.stages:
        unit = "/s" if load.model == "open" else " workers"
        how = "ramp 0\u2192" + "\u2192".join(f"{t:g}" for _, t in load.stages) + f"{unit} over {length}"
    elif load.model == "open":
        how = f"at {format_rate(load.rate or 0)} for {length}"
    else:
        how = f"{load.workers} workers for {length}"
    return f"{cell.endpoint}{where} {how}"


def stage_marks(cell: CellStats) -> list[float]:
    """Times the stages start and end (0, each boundary, the end): the charts' vertical guides."""
    load = cell.load
    if load is None or not load.stages:
        return []
    marks, at = [0.0], 0.0
    for duration, _ in load.stages:
        at += duration
        marks.append(at)
    return marks


def _ticks(rows: Sequence[IntervalStats], marks: list[float]) -> list[float]:
    if marks:
        return sorted({*marks, *([rows[0].t] if rows[0].t < 0 else [])})
    first, last = rows[0].t, rows[-1].t + 1
    step = max(1, round((last - first) / 10))
    return [float(first + k * step) for k in range(int((last - first) / step) + 1)]


def _config(cell: CellStats, colours: Sequence[str], entries: int, *, title: str, y_title: str,
            rows: Sequence[IntervalStats]) -> dict[str, object]:
    return chart_config(colours, legend_entries=entries, title=f"{title}: {cell_title(cell)}",
                        x_title="Seconds from the start of the measurement (warm-up before 0)"
                        if rows[0].t < 0 else "Seconds from the start of the measurement",
                        y_title=y_title, show_x_guides=True, x_labels=_ticks(rows, stage_marks(cell)),
                        allow_interruptions=True, dots_size=1.6)


def latency_over_time(cell: CellStats) -> Chart:
    rows = cell.series
    chart = pygal.XY(**_config(cell, (*LATENCY_COLOURS, WARMUP_COLOUR), 4, title="Latency over time",
                               y_title="Response time (ms)", rows=rows))
    for stat in ("p50", "p95", "p99"):
        chart.add(stat, [_point(r, stat) for r in rows if not r.warmup],
                  stroke_style={"width": 2.0, **({"dasharray": P95_DASH} if stat == "p99" else {})})
    chart.add("warm-up p95", [_point(r, "p95") for r in rows if r.warmup])
    caption = ("Each point is one interval's requests, drawn at its middle (percentiles from its histogram, "
               "by the time they ended); in an open model a request's time counts from when it was due, so a "
               "stall of the target shows as a climb here.")
    if stage_marks(cell):
        caption += " Vertical lines mark the stages."
    return from_pygal(f"latency_over_time_{cell_slug(cell)}", chart, caption)


def _point(row: IntervalStats, stat: str) -> dict[str, object]:
    seconds = None if row.latency is None else row.latency.get(stat)
    return {"value": (row.t + 0.5, None if seconds is None else seconds * 1e3),
            "label": f"{stat} {ms(seconds)} ms at {row.t:g}-{row.t + 1:g} s ({row.answered:,} answered)"}


def throughput_over_time(cell: CellStats) -> Chart:
    rows = cell.series
    load = cell.load
    width = load.interval if load is not None else 1.0
    colours = ("#59a14f", ASKED_COLOUR, ERROR_COLOUR, DROPPED_COLOUR, WARMUP_COLOUR)
    asked = load is not None and (load.model == "open")
    chart = pygal.XY(**_config(cell, colours, 5, title="Throughput over time", y_title="Requests per second",
                               rows=rows))
    chart.add("started/s", [_rate(r, r.started, width, "started") for r in rows if not r.warmup])
    chart.add("asked/s" if asked else "workers asked",
              [{"value": (r.t + width / 2, r.target), "label": f"asked {number(r.target or 0)} at {r.t:g} s"}
               for r in rows if not r.warmup and r.target is not None],
              stroke_style={"width": 1.6, "dasharray": P95_DASH}, show_dots=False)
    chart.add("failed/s", [_rate(r, r.failed, width, "failed") for r in rows if not r.warmup])
    chart.add("dropped/s", [_rate(r, r.dropped, width, "dropped") for r in rows if not r.warmup])
    chart.add("warm-up started/s",
              [_rate(r, r.started, width, "started (warm-up)") for r in rows if r.warmup])
    caption = ("Started requests per second against the rate asked for (dashed); failed and dropped "
               "arrivals below. A started line under the asked one means the rate was not held: the "
               "workload table says whether the client or the target was the limit.")
    if not asked:
        caption = ("Started requests per second of the closed model's workers (the dashed line: the workers "
                   "a ramp asks for), with failures below.")
    return from_pygal(f"throughput_over_time_{cell_slug(cell)}", chart, caption)


def _rate(row: IntervalStats, count: int, width: float, what: str) -> dict[str, object]:
    return {"value": (row.t + width / 2, count / width),
            "label": f"{count:,} {what} at {row.t:g}-{row.t + width:g} s"}


def time_series_charts(result: RunResult) -> list[Chart]:
    """Two charts per timed cell, latency then throughput, in run order."""
    charts = []
    for cell in timed_cells(result):
        charts += [latency_over_time(cell), throughput_over_time(cell)]
    return charts
