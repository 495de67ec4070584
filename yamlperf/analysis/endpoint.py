"""From a run's cells to the series the analysis fits: one endpoint's figures across sizes.

A size is the records the cell was measured on (``cell.records``: counted on the target when the
plan counts them, else the planned size). The figure of a size is the one the results table shows
for that cell (``latency.median``, or ``latency.p95`` for a p95 forecast): the analysis and the
table never disagree on a number. Cells without a successful request have no figure and are
left out. ``rounds``, when the run measured in rounds, brings the per-round medians (``measure``'s
results); older results have none.

When the plan names a reference endpoint (``analysis.reference``), every other endpoint's figures
are brought to the run's usual speed by what the reference measured at the same size
(``reference``); the reference's own figures are left as measured.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..results import CellStats, RunResult
from .growth import Growth, name_growth, run_overdispersion
from .points import Point, Series, round_share, series
from .reference import Reference, declared_reference, reference_of

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


def points_of(cells: Iterable[CellStats], percentile: float = 50.0,
              reference: Reference | None = None) -> list[Point]:
    """The cells' points; with a ``reference``, one endpoint's cells brought to the run's usual
    speed (the reference endpoint's own are left as measured)."""
    cells = list(cells)
    points = [p for c in cells if (p := cell_point(c, percentile)) is not None]
    if reference is None or any(c.endpoint == reference.endpoint for c in cells):
        return points
    return reference.corrected(points)


@dataclass(frozen=True, slots=True)
class RunNoise:
    """What the whole run says about noise, for every endpoint's fit: the jitter between rounds
    (``points.round_share``), the overdispersion its endpoints share (``run_overdispersion``) and
    the machine's speed by size when the plan names a reference endpoint."""

    jitter: float | None = None
    floor: float | None = None
    reference: Reference | None = None


QUIET = RunNoise()
"""No run-level noise known: each endpoint's own."""


def run_noise(cells: Iterable[CellStats], reference: str | None = None) -> RunNoise:
    """The run's noise from its sized cells at each endpoint's lowest concurrency level (where its
    growth is read); ``reference`` names the plan's reference endpoint."""
    sized = [c for c in cells if c.size is not None]
    if not sized:
        return RunNoise()
    speed = reference_of(sized, reference)
    level: dict[str, int] = {}
    for cell in sized:
        level[cell.endpoint] = min(cell.concurrency, level.get(cell.endpoint, cell.concurrency))
    jitter = round_share([points_of(sized)])
    by_endpoint: dict[str, list[CellStats]] = {}
    for cell in sized:
        if cell.concurrency == level[cell.endpoint]:
            by_endpoint.setdefault(cell.endpoint, []).append(cell)
    others = [group for name, group in by_endpoint.items() if name != reference]
    raw = RunNoise(jitter, run_overdispersion([latency_series(g, 50.0, RunNoise(jitter)) for g in others]))
    if speed is None:
        return raw
    if endpoint_growth(by_endpoint[speed.endpoint], raw).grows:
        return replace(raw, reference=replace(speed, trusted=False))
    partial = RunNoise(jitter, None, speed)
    floor = run_overdispersion([latency_series(group, 50.0, partial) for group in others])
    return RunNoise(jitter, floor, speed)


def result_noise(result: RunResult) -> RunNoise:
    """The noise of a run, with the reference its plan names."""
    return run_noise(result.cells, declared_reference(result.scenario))


def latency_series(cells: Sequence[CellStats], percentile: float = 50.0, noise: RunNoise = QUIET) -> Series:
    return series(points_of(cells, percentile, noise.reference), percentile, noise.jitter)


def endpoint_growth(cells: Sequence[CellStats], noise: RunNoise = QUIET) -> Growth:
    """How one endpoint's median grows (its cells at one concurrency level, any order)."""
    key = cells[0].endpoint if cells else ""
    return name_growth(latency_series(cells, 50.0, noise), key=key, floor=noise.floor)
