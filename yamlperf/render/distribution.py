"""A cell's latency percentile curve, p0 up to the highest percentile its requests support (pure).

One percentile method in the whole report: the table's own figures (median, p90, p95, p99:
linear interpolation between closest ranks over every latency the engine kept) are the curve's
points at those percentiles, and the others are read the same way from the cell's samples when
the results keep all of them (from the HDR histogram, which holds every latency, when they keep a
subset). A percentile is drawn only when the requests support it: p99 needs 100 requests (one
above it), p99.9 a thousand, so ten requests end the curve at p90.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..results import CellStats

PERCENTILES = (0, 10, 25, 50, 75, 90, 95, 97, 98, 99, 99.5, 99.7, 99.9)
TABLE_FIGURES = {50: "median", 90: "p90", 95: "p95", 99: "p99"}
HISTOGRAM_UNIT_S = 1e-6
"""The engine records histogram values in whole microseconds."""
MAX_POSITION = 3.0
"""``-log10(1 - p/100)`` of p99.9: the right end of the percentile axis."""


def position(percentile: float) -> float:
    """Where a percentile sits on a tail-stretching axis: p0 -> 0, p90 -> 1, p99 -> 2, p99.9 -> 3."""
    return -math.log10(max(1 - percentile / 100, 10**-MAX_POSITION))


def percentile_at(position_value: float) -> float:
    return 100 * (1 - 10**-position_value)


def label(position_value: float) -> str:
    """``p99.9`` for the axis and tooltips."""
    return f"p{percentile_at(position_value):.4g}"


def supported(percentile: float, count: int) -> bool:
    """At least one of ``count`` latencies lies above the percentile (p0 always)."""
    return percentile == 0 or count * (1 - percentile / 100) >= 1 - 1e-9


def percentile_curve(cell: CellStats) -> list[tuple[float, float]]:
    """(percentile, seconds) points, ascending; empty when the cell has no response time."""
    if cell.latency is None:
        return []
    histogram = _histogram(cell.histogram) if cell.histogram else None
    count = max(len(cell.samples), histogram.get_total_count() if histogram is not None else 0,
                cell.successes)
    exact = bool(cell.samples) and len(cell.samples) >= count
    ordered = np.sort(np.asarray(cell.samples, dtype=float)) if exact else None
    curve = []
    for p in PERCENTILES:
        if not supported(p, count):
            break
        if p in TABLE_FIGURES:
            value = cell.latency.get(TABLE_FIGURES[p])
        elif p == 0:
            value = cell.latency.min
        elif ordered is not None:
            value = float(np.percentile(ordered, p))
        elif histogram is not None:
            value = histogram.get_value_at_percentile(p) * HISTOGRAM_UNIT_S
        else:
            continue
        curve.append((float(p), value))
    return _monotonic(curve)


def _monotonic(curve: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """A histogram point (3 significant digits) can sit a hair below an exact one before it."""
    out: list[tuple[float, float]] = []
    for p, value in curve:
        out.append((p, max(value, out[-1][1]) if out else value))
    return out


def _histogram(text: str):  # type: ignore[no-untyped-def]  # noqa: ANN202  (hdrh has no types)
    from hdrh.histogram import HdrHistogram

    try:
        histogram = HdrHistogram.decode(text.encode("ascii"))
    except Exception:  # a damaged histogram falls back to the samples: it never fails the report
        return None
    if histogram is None or not histogram.get_total_count():
        return None
    return histogram
