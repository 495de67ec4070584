"""From a run's cells to the series the analysis fits: one endpoint's figures across sizes.

A size is the records the cell was measured on (``cell.records``: counted on the target when the
plan counts them, else the planned size). The figure of a size is the one the results table shows
for that cell (``latency.median``, or ``latency.p95`` for a p95 forecast): the analysis and the
table never disagree on a number. Cells without a successful request have no figure and are
left out. ``rounds``, when the run measured in rounds, brings the per-round medians (``measure``'s
results); older results have none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..results import CellStats
from .growth import Growth, name_growth, run_overdispersion
from .points import Point, Series, round_share, series

STATISTICS = {50.0: "median", 90.0: "p90", 95.0: "p95", 99.0: "p99"}


def cell_point(cell: CellStats, percentile: float = 50.0) -> Point | None:
    """The cell's figure as a point, or None without a size or a successful request."""
    if cell.size is None or cell.latency is None or not cell.successes:
        return None
    value = cell.latency.get(STATISTICS[percentile])
    rounds = tuple(float(r.median) for r in getattr(cell, "rounds", ()) or ()
                   if getattr(r, "median", None) is not None)
    size = cell.records or cell.size
    return Point(size, value, np.asarray(cell.samples, dtype=float), cell.successes, rounds)


def points_of(cells: Iterable[CellStats], percentile: float = 50.0) -> list[Point]:
    return [p for c in cells if (p := cell_point(c, percentile)) is not None]


@dataclass(frozen=True, slots=True)
class RunNoise:
    """What the whole run says about noise, for every endpoint's fit: the jitter between rounds
    (``points.round_share``) and the overdispersion its endpoints share (``run_overdispersion``)."""

    jitter: float | None = None
    floor: float | None = None


QUIET = RunNoise()
"""No run-level noise known: each endpoint's own."""


def run_noise(cells: Iterable[CellStats]) -> RunNoise:
    """The run's noise from its sized cells at each endpoint's lowest concurrency level (where its
    growth is read)."""
    sized = [c for c in cells if c.size is not None]
    if not sized:
        return RunNoise()
    level: dict[str, int] = {}
    for cell in sized:
        level[cell.endpoint] = min(cell.concurrency, level.get(cell.endpoint, cell.concurrency))
    jitter = round_share([points_of(sized)])
    by_endpoint: dict[str, list[CellStats]] = {}
    for cell in sized:
        if cell.concurrency == level[cell.endpoint]:
            by_endpoint.setdefault(cell.endpoint, []).append(cell)
    floor = run_overdispersion([latency_series(group, 50.0, jitter) for group in by_endpoint.values()])
    return RunNoise(jitter, floor)


def latency_series(cells: Sequence[CellStats], percentile: float = 50.0,
                   jitter: float | None = None) -> Series:
    return series(points_of(cells, percentile), percentile, jitter)


def endpoint_growth(cells: Sequence[CellStats], noise: RunNoise = QUIET) -> Growth:
    """How one endpoint's median grows (its cells at one concurrency level, any order)."""
    key = cells[0].endpoint if cells else ""
    return name_growth(latency_series(cells, 50.0, noise.jitter), key=key, floor=noise.floor)
