"""Charts of how requests behave under load: latency distribution, concurrency sweep, seeding (pure)."""

from __future__ import annotations

import pygal

from ..results import RunResult
from . import axes, distribution, select
from .figure import Chart, from_pygal
from .style import P95_COLOUR, P95_DASH, chart_config, endpoint_colours, legend_title, ms, number, records

LOG_SPREAD = 20.0
"""Endpoints further apart than this (slowest over fastest) get a logarithmic time axis."""


def _colours(result: RunResult) -> dict[str, str]:
    return endpoint_colours(result.endpoints)


def latency_distribution(result: RunResult) -> Chart | None:
    """Percentile curve per endpoint at its reference cell, the tail stretched out to p99.9.

    When the endpoints differ by more than ``LOG_SPREAD`` the time axis is logarithmic, or the
    slow one would flatten the others into the floor.
    """
    cells = [c for c in select.reference_cells(result) if select.timing(c) is not None]
    if not cells:
        return None
    curves = {c.endpoint: distribution.percentile_curve(c) for c in cells}
    values = [v * 1e3 for curve in curves.values() for _, v in curve if v > 0]
    logarithmic = bool(values) and max(values) / min(values) > LOG_SPREAD
    colours = _colours(result)
    where = select.reference_label(result)
    scale = ", log scale" if logarithmic else ""
    chart = pygal.XY(**chart_config(
        [colours[c.endpoint] for c in cells], legend_entries=len(cells),
        title=f"Latency distribution per endpoint{' ' + where if where else ''}",
        x_title="Percentile (tail stretched: each step is ten times rarer)",
        y_title=f"Response time (ms{scale})",
        x_labels=[0, distribution.position(50), 1, 2, 3], x_value_formatter=distribution.label,
        show_x_guides=True, dots_size=2.4, xrange=(0, distribution.MAX_POSITION),
        **(axes.log_y(min(values), max(values)) if logarithmic else {}),
    ))
    for cell in cells:
        chart.add(legend_title(cell.endpoint), [
            {"value": (distribution.position(p),
                       axes.to_log(seconds * 1e3) if logarithmic else seconds * 1e3),
             "label": f"{cell.endpoint} \u00b7 p{p:g} {ms(seconds)} ms ({cell.requests} requests)"}
            for p, seconds in curves[cell.endpoint] if seconds > 0
        ])
    caption = ("The flat left part is the typical request; where a curve turns up is where its tail "
               "starts. A curve ends at the highest percentile its requests support (p99 needs a hundred, "
               "p99.9 a thousand); its median, p90, p95 and p99 are the tables' figures.")
    return from_pygal("latency_distribution", chart, caption)


def sweep_charts(result: RunResult) -> list[Chart]:
    """Throughput and p95 against concurrency, for the endpoints measured at several levels (not
    for endpoints that each have their one level, such as an open model's max_in_flight)."""
    swept = [e for e in result.endpoints if len(result.endpoint_levels(e)) > 1]
    if not swept:
        return []
    levels = tuple(sorted({level for e in swept for level in result.endpoint_levels(e)}))
    colours = _colours(result)
    largest = max(select.sizes(result), default=None)
    where = f" at {records(largest)}" if largest is not None else ""
    charts = []
    for name, title, y_title, unit, read in (
        ("throughput_vs_concurrency", "Throughput vs concurrency", "Throughput (requests/s)", "req/s",
         lambda c: c.throughput if c.successes else None),
        ("p95_vs_concurrency", "p95 response time vs concurrency", "p95 response time (ms)", "ms",
         lambda c: None if (t := select.timing(c)) is None else t.p95 * 1e3),
    ):
        chart = pygal.Line(**chart_config(
            list(colours.values()), legend_entries=len(colours), title=title + where,
            x_title="Concurrency (requests in flight)", y_title=y_title, allow_interruptions=True,
        ))
        chart.x_labels = [str(level) for level in levels]
        for endpoint in swept:
            by_level = {c.concurrency: c for c in select.sweep(result, endpoint)}
            chart.add(legend_title(endpoint), [
                None if (cell := by_level.get(level)) is None or read(cell) is None
                else {"value": read(cell),
                      "label": f"{endpoint} \u00b7 {number(read(cell))} {unit} at concurrency {level}"}
                for level in levels
            ])
        charts.append(from_pygal(name, chart, _sweep_caption(name)))
    return charts


def _sweep_caption(name: str) -> str:
    if name == "throughput_vs_concurrency":
        return "Throughput that stops rising as concurrency grows marks the saturation point."
    return "p95 that climbs while throughput stays flat means requests are queueing."


def seeding_latency(result: RunResult) -> Chart | None:
    """Write latency while seeding against the records already there (median solid, p95 dashed)."""
    steps = [s for s in result.seeding if s.latency is not None]
    if not steps:
        return None
    chart = pygal.XY(**chart_config(
        (P95_COLOUR, P95_COLOUR), legend_entries=0,
        title="Seeding: write latency vs records already there (median solid, p95 dashed)",
        x_title="Records already there", y_title="Write response time (ms)",
        x_labels=[s.existing for s in steps], show_x_guides=True,
    ))
    for stat, title, style in (("median", "median", {}),
                               ("p95", "p95", {"stroke_style": {"width": 1.6, "dasharray": P95_DASH}})):
        chart.add(title, [
            {"value": (s.existing, s.latency.get(stat) * 1e3 if s.latency else None),
             "label": f"{title} {ms(s.latency.get(stat) if s.latency else None)} ms while growing "
                      f"{s.existing:,} to {s.size:,} records ({s.created:,} created, {s.failed:,} failed)"}
            for s in steps
        ], **style)
    caption = "Writes that slow down as the table grows point at indexes or constraints to check."
    return from_pygal("seeding_latency", chart, caption)
