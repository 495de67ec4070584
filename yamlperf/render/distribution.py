"""A cell's latency percentile curve, p0 to p99.9, from its histogram, samples or summary (pure).

The HDR histogram holds every latency the engine recorded (whole microseconds, the engine's
encoding); the bounded sample holds up to a thousand; the summary only a few percentiles. The
curve uses the best of the three that the results file carries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..results import CellStats

PERCENTILES = (0, 10, 25, 50, 75, 90, 95, 97, 98, 99, 99.5, 99.7, 99.9)
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


def percentile_curve(cell: CellStats) -> list[tuple[float, float]]:
    """(percentile, seconds) points, ascending; empty when the cell has no response time."""
    if cell.histogram:
        curve = _from_histogram(cell.histogram)
        if curve:
            return curve
    if cell.samples:
        return _from_samples(cell.samples)
    if cell.latency is None:
        return []
    lat = cell.latency
    return [(0, lat.min), (50, lat.median), (90, lat.p90), (95, lat.p95), (99, lat.p99)]


def _from_histogram(text: str) -> list[tuple[float, float]]:
    from hdrh.histogram import HdrHistogram

    try:
        histogram = HdrHistogram.decode(text.encode("ascii"))
    except Exception:  # a damaged histogram falls back to the samples: it never fails the report
        return []
    if histogram is None or not histogram.get_total_count():
        return []
    curve = [(0.0, histogram.get_min_value() * HISTOGRAM_UNIT_S)]
    curve += [(p, histogram.get_value_at_percentile(p) * HISTOGRAM_UNIT_S) for p in PERCENTILES[1:]]
    return curve


def _from_samples(samples: Sequence[float]) -> list[tuple[float, float]]:
    """Linear interpolation between closest ranks, as the engine computes exact percentiles."""
    ordered = sorted(samples)
    last = len(ordered) - 1
    curve = []
    for p in PERCENTILES:
        rank = p / 100 * last
        low = math.floor(rank)
        high = min(low + 1, last)
        curve.append((float(p), ordered[low] + (ordered[high] - ordered[low]) * (rank - low)))
    return curve
